/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The layout shared by the BPF programs and userspace. common/src/abi.rs mirrors every struct here
 * field for field; both sides assert the sizes, so a change to one that forgets the other fails the
 * build (C: _Static_assert below; Rust: const assertions in abi.rs).
 */
#ifndef URINGTOP_ABI_H
#define URINGTOP_ABI_H

/*
 * Latency histogram: values below 8 ns get a bucket each; above, every power of two is split into
 * four equal sub-buckets (each 25 % wide), up to 2^41 ns (~37 min); longer lands in the last bucket.
 * common/src/latency.rs turns bucket indexes back into nanoseconds.
 */
#define URT_LAT_BUCKETS 160

/*
 * Latency sampling. Reading the clock costs more than a NOP here (it halves a NOP flood's rate on its
 * own), so while one opcode of one process on one ring runs above ~16k requests/s on a CPU, a random
 * 1 in 2^k of its requests is timed, k adapted every URT_SAMPLE_WINDOW submissions (one clock read).
 * Below that rate every request is timed. Counts are exact either way; lat_count says how many were
 * timed.
 */
#define URT_SAMPLE_WINDOW 1024
#define URT_SAMPLE_UNTIMED_NS 62500000ULL /* a window this long or longer: <= ~16k/s, time them all */

/* Indexes of the per-CPU `stats` array: counts userspace must show so no loss is silent. */
#define URT_STAT_LOST_RECORDS 0 /* request records dropped: ring buffer or stash full */
#define URT_STAT_LOST_UPDATES 1 /* counter updates dropped: a map was full */
#define URT_STAT_UNMATCHED 2    /* CQEs ending a request whose submission was not seen (before attach, slot reuse) */
#define URT_STAT_OPCODE_ROWS 3  /* events counted on the opcode-only rows (every finer key was full) */
#define URT_STAT_LOST_EXITS 4   /* process exits or closed rings the exited/closed queues had no room for */
#define URT_STAT_AMBIGUOUS 5   /* SQEs submitted while another with the same ring and user_data was in flight
				  * for another opcode, on kernels pairing CQEs by (ring, user_data) (5.10-5.18) */
#define URT_NSTATS 6

/* How a request reached completion (bits of urt_record.path). */
#define URT_PATH_POLL 1     /* armed a poll and completed when the file became ready */
#define URT_PATH_IOWQ 2     /* punted to an io-wq worker thread */
#define URT_PATH_REJECTED 4 /* refused at submission (io_uring_req_failed); never issued */
#define URT_PATH_STREAMED 8 /* internal: the SQE side was stashed for a record (never in a record) */
#define URT_PATH_MULTISHOT 16 /* internal: may post several CQEs; its owner is in `multishot` */
#define URT_PATH_KEYED 32   /* internal: paired with its CQE by (ring, user_data) (legacy.h) */

/* IORING_CQE_F_MORE (uapi, 5.13+): more CQEs of this request follow. */
#define URT_CQE_F_MORE 2

/*
 * Ring id of the "other rings" rows and the opcode of a ring's "no request" row
 * (common/src/input.rs: OTHER_RINGS, AUX_OPCODE).
 */
#define URT_OTHER_RINGS 0xffffffffU
#define URT_AUX_OPCODE 0xff

/*
 * Where the counters of a key live (op_stats and op_shared share indexes):
 *   [1, 256]                      one row per opcode, (0, OTHER_RINGS, op) at 1 + op: the last resort;
 *   [URT_FIRST_SLOT, stats_end)   one slot per (process, ring, opcode);
 *   [stats_end, coarse_end)       one slot per (process, OTHER_RINGS, opcode), when the above is full.
 * Userspace sizes the pools at load (.rodata stats_end and coarse_end).
 */
#define URT_FIRST_SLOT 257

/* Counters of one process (tgid) on one ring for one opcode. Key of `op_index`. */
struct urt_op_key {
	__u32 tgid;
	__u32 ring;   /* ring id: small, assigned in order of first sight, never a kernel address */
	__u32 opcode; /* IORING_OP_* (a u32 so the key has no padding) */
};

/*
 * The per-CPU part of a key's counters: what changes on every request, so it must not bounce
 * between CPUs. Kept small because it is allocated for every possible CPU: 88 bytes x 16384 keys
 * is 176 MiB on 128 CPUs.
 */
struct urt_op_stats {
	__u64 submitted;   /* io_uring_submit_req */
	__u64 completed;   /* io_uring_complete: CQEs posted */
	__u64 errors;      /* ... of which with res < 0 (by errno in `op_errors`) */
	__u64 async_punts; /* io_uring_queue_async_work */
	__u64 poll_arms;   /* io_uring_poll_arm */
	__u64 unmatched;   /* CQEs ending a request whose submission was not seen */
	__u64 extra_cqes;  /* CQEs that end no request: IORING_CQE_F_MORE set, or posted without one */
	__u64 lat_max;     /* ns */
	/* Latency sampling state of this CPU (not counters: userspace ignores them). */
	__u64 sample_start_ns; /* start of the current window of URT_SAMPLE_WINDOW submissions */
	__u64 sample_rng;      /* xorshift64 state */
	__u32 sample_mask;     /* a submission is timed when (random & mask) == 0 */
	__u16 sample_seen;     /* submissions in the current window */
	__u8 sqe_flags_seen;    /* IOSQE_* bits set on some submitted SQE */
	__u8 sqe_flags_missing; /* IOSQE_* bits clear on some submitted SQE */
};

/*
 * The shared part: what changes only on timed completions (see latency sampling), rejections and
 * policy violations, updated with atomic adds. Allocated once, not per CPU: 16384 keys cost
 * 11 MiB whatever the machine. Buckets are 32-bit: userspace reads them at least once a second
 * and carries wrap-arounds into 64-bit totals.
 */
struct urt_op_shared {
	__u64 rejected;    /* io_uring_req_failed: refused at submission */
	__u64 denied;      /* ... of which with -EACCES or -EPERM */
	__u64 lat_count;   /* completions with a measured submit->complete latency */
	__u64 lat_sum;     /* ns */
	__u64 violations[3]; /* policy verdicts log, deny, kill; allow is every other judged SQE */
	__u64 kernel_denied; /* deny verdicts the kernel carried out: refused with -EACCES */
	__u32 lat_hist[URT_LAT_BUCKETS];
};

/* Key of the `op_errors` map: CQEs with res == -err, counted on the counter index of their key
 * (userspace names the key; an index's errors go when its slot is recycled). */
struct urt_err_key {
	__u32 stats;
	__u32 err; /* positive errno */
};

/*
 * Value of the `multishot` map, keyed by (ring context, user_data): the request that owns the CQEs
 * a ring posts with that user_data and no request (multishot ACCEPT/RECV/POLL_ADD/READ's later
 * CQEs, SEND_ZC's notification). Kernel addresses stay in the probe.
 */
struct urt_multishot {
	__u64 req;   /* the owning request, to find its stashed SQE side when streamed */
	__u32 stats; /* counter index */
	__u32 tgid;
	__u32 ring;
	__u32 cqes;  /* CQEs posted so far */
	__u8 opcode;
	__u8 path;   /* URT_PATH_* of the owner (STREAMED: emit a record for each CQE) */
	__u8 _pad[6];
};

/* Value of the `rings` map (keyed by the kernel's ring context, which never leaves the probe crate). */
struct urt_ring_info {
	__u32 id;
	__u32 owner_tgid; /* creator if io_uring_create was seen, else the first process seen using it */
	__s32 fd;         /* -1 when the creation was not seen */
	__u32 setup_flags; /* IORING_SETUP_* */
	__u32 sq_entries;
	__u32 cq_entries;
	__u64 cq_overflows;
	/* io_uring_register calls are counted per opcode in `register_stats`; userspace sums them. */
};

/* Value of the `procs` map (keyed by tgid): the process name when it was first seen. */
struct urt_proc {
	char comm[16];
	__u32 uid;       /* real uid of the task first seen; URT_ANY_UID when another process's event */
	__u32 _pad;
	__u64 cgroup_id; /* its cgroup v2 id (the cgroup directory's inode); 0 when unknown */
};

/* Key of the `register_stats` hash: io_uring_register calls on one ring with one opcode. */
struct urt_register_key {
	__u32 ring;
	__u32 opcode; /* IORING_REGISTER_* */
};

struct urt_register_stats {
	__u64 calls;
	__u64 failed;
	__u64 denied;      /* -EACCES or -EPERM */
	__u64 verdicts[4]; /* by URT_ACTION_* */
};

/* Key of the `setup_refused` hash: io_uring_setup calls the kernel refused. */
struct urt_setup_key {
	__u32 tgid;
	__u32 err; /* positive errno */
};

/*
 * The policy (see common/src/policy and policy.h), compiled by userspace into bitmaps over rules:
 * bit i of every mask below stands for rules[i]; the lowest set bit of a mask is the first
 * matching rule, which wins. Written once before the programs attach; never changed after.
 */
#define URT_MAX_RULES 64
#define URT_ACTION_ALLOW 0
#define URT_ACTION_LOG 1
#define URT_ACTION_DENY 2
#define URT_ACTION_KILL 3
#define URT_ANY_UID 0xffffffffU
#define URT_NO_RULE 0xffff
#define URT_ANY_RING_FD (-1)
#define URT_SCOPE_DEPTH 16
/* Bit of an index into urt_policy.flags: the SQE named a personality (sqe->personality != 0). */
#define URT_FLAG_PERSONALITY 0x80

/* Bits of urt_record.verdict */
#define URT_VERDICT_ACTION 3     /* mask: URT_ACTION_* */
#define URT_VERDICT_PRESENT 4    /* a policy was loaded and judged this SQE */
#define URT_VERDICT_ENFORCED 8   /* carried out: a kill sent SIGKILL; a deny was refused by the kernel */

struct urt_rule {
	__u32 pid;         /* 0: any process */
	__u32 uid;         /* URT_ANY_UID: any user; else the submitting task's real uid */
	__u32 setup_flags; /* rings that have all of these IORING_SETUP_* bits (0: every ring) */
	__u8 action;       /* URT_ACTION_* */
	__u8 comm_len;     /* 0: any process name; else the length of the glob in comm */
	__u8 _pad[2];
	char comm[16];     /* glob over the process name: '*' any run of bytes, '?' any one byte */
	__s32 ring_fd;     /* URT_ANY_RING_FD: every ring; else rings created with this fd */
	__u32 open_flags_any;  /* OPENAT/OPENAT2 with one of these O_* bits (0: no condition) */
	__u64 socket_domains;  /* SOCKET with family d: bit d (0: no condition) */
	__u16 socket_types;    /* SOCKET with type t (low 4 bits): bit t (0: no condition) */
	__u8 arg_kinds;        /* URT_ARG_*: conditions on user memory or the buffer kind */
	__u8 _pad2[5];
};

/* urt_rule.arg_kinds */
#define URT_ARG_PATHS 1         /* paths: urt_policy.path_pos/path_neg[rule] */
#define URT_ARG_PEERS 2         /* peers: urt_policy.peer_pos/peer_neg[rule] */
#define URT_ARG_FIXED_BUFFERS 4 /* the request's buffer is not registered (where it could be) */

/*
 * One `paths` pattern (common/src/policy/paths.rs has the dialect): bytes match themselves, '*'
 * a run of bytes other than '/', '?' one such byte; SUBTREE: the pattern ended in a slash and two
 * stars (not in text): the directory and everything beneath; ANY: "**", every path.
 */
#define URT_MAX_PATTERNS 64
#define URT_PATTERN_LEN 96
#define URT_PATTERN_SUBTREE 1
#define URT_PATTERN_ANY 2
struct urt_path_pattern {
	__u8 rule;  /* the rule it belongs to */
	__u8 len;   /* bytes of text */
	__u8 flags; /* URT_PATTERN_* */
	__u8 _pad;
	char text[URT_PATTERN_LEN];
};

/* One `peers` entry: addresses whose bits under mask equal net, with a port in [lo, hi]. */
#define URT_MAX_PEERS 64
#define URT_PEER_INET 0 /* IPv4 or IPv6 ("*") */
#define URT_PEER_V4 1   /* address in the first 4 bytes */
#define URT_PEER_V6 2
#define URT_PEER_UNIX 3 /* every AF_UNIX address */
struct urt_peer_entry {
	__u8 rule;
	__u8 family; /* URT_PEER_* */
	__u16 port_lo;
	__u16 port_hi;
	__u8 _pad[2];
	__u8 net[16];
	__u8 mask[16];
};

struct urt_policy {
	__u32 nrules;
	__u8 default_action; /* URT_ACTION_* when no rule matches */
	__u8 enforce;        /* kill verdicts send SIGKILL (uringtop --enforce) */
	__u8 _pad[2];
	__u64 sqe_rules;          /* rules that judge SQEs */
	__u64 register_rules;     /* rules that judge io_uring_register calls */
	__u64 conditional;        /* rules with an SQE flag, personality or argument condition */
	__u64 arg_rules;          /* rules with an argument condition (socket family/type, open flags) */
	__u32 scope_tgid;         /* 0: every process; else only descendants of this process (uringtop
				   * run: its command's tree), up to URT_SCOPE_DEPTH generations */
	__u32 _pad2;
	__u64 setup_requires[32]; /* [b]: rules that only match rings with IORING_SETUP bit b (for
				   * userspace's evaluator; the probe tests rules[i].setup_flags) */
	__u64 sqe_ops[256];       /* [op]: rules covering IORING_OP op */
	__u64 register_ops[64];   /* [op]: rules covering IORING_REGISTER op */
	__u64 flags[256];         /* [IOSQE bits | URT_FLAG_PERSONALITY]: rules whose conditions hold */
	struct urt_rule rules[URT_MAX_RULES];
	/* Argument rules on user memory or the buffer kind (policy.h, mem_facts): bit j of
	 * path_pos[i] says paths[j] is one of rule i's plain patterns, of path_neg[i] one of its
	 * negated ones; the same for peers. */
	__u64 mem_rules;          /* rules with an URT_ARG_* condition */
	__u32 npaths;
	__u32 npeers;
	__u64 path_pos[URT_MAX_RULES];
	__u64 path_neg[URT_MAX_RULES];
	__u64 peer_pos[URT_MAX_RULES];
	__u64 peer_neg[URT_MAX_RULES];
	struct urt_path_pattern paths[URT_MAX_PATTERNS];
	struct urt_peer_entry peers[URT_MAX_PEERS];
};

/* The single entry of the `config` array, written by userspace at any time. */
struct urt_config {
	__u32 records_enabled; /* stream individual requests through `records` */
	__u32 filter_tgid;     /* 0: every process */
	__u32 filter_ring;     /* 0: every ring */
	__u32 _pad;
};

/*
 * The argument part of a streamed request: the SQE as the program wrote it (all 64 bytes of it, so
 * that every opcode's arguments decode in userspace, common/src/args) and up to two pieces of user
 * memory its pointers name (a path, a socket address, an open_how, a timespec...), read at
 * submission in the submitter's context (or its SQPOLL thread, which shares its memory). Which
 * piece means what is the opcode's business: probe/bpf/args.h reads them, common/src/args decodes.
 */
#define URT_ARG_MEM 256 /* bytes per piece of user memory; longer strings are cut (URT_MEM_CUT) */

/* Where urt_args.sqe came from. */
#define URT_SQE_NONE 0    /* nothing: an AUX_CQE record, or a request seen only at completion */
#define URT_SQE_RING 1    /* read from the SQ ring at io_uring_submit_req: the program's own SQE */
#define URT_SQE_FAILED 2  /* the SQE io_uring_req_failed passes (a request refused at submission) */
#define URT_SQE_REQUEST 3 /* rebuilt from the io_kiocb (the SQ ring slot no longer held it): only
			   * opcode, flags, fd, user_data and read/write's off/addr/len; no user memory */

/* urt_mem.state */
#define URT_MEM_NONE 0       /* this opcode reads no (more) user memory */
#define URT_MEM_STR 1        /* a NUL-terminated string: `len` bytes without the NUL */
#define URT_MEM_BYTES 2      /* a structure: `len` bytes */
#define URT_MEM_UNREADABLE 3 /* the pointer could not be read: `len` holds -errno (e.g. -EFAULT) */
#define URT_MEM_CUT 0x80     /* flag: the string or structure was longer than URT_ARG_MEM */

struct urt_mem {
	__s16 len;
	__u8 state;
	__u8 _pad;
};

struct urt_args {
	__u8 sqe[64];          /* struct io_uring_sqe, the first 64 bytes (SQE128's second half is not kept) */
	__u8 source;           /* URT_SQE_* */
	__u8 _pad[3];
	struct urt_mem mem[2]; /* what follows the record (URT_ARG_MEM bytes each) */
	__u32 _pad2;
};

/*
 * One SQE/CQE pair, sent through the `records` ring buffer at completion: sizeof(struct urt_record)
 * bytes, followed by 2 * URT_ARG_MEM bytes of user memory when args.mem[0].state is not
 * URT_MEM_NONE (struct urt_stashed).
 */
struct urt_record {
	__u64 submit_ns;   /* CLOCK_MONOTONIC; the time of rejection for rejected SQEs */
	__u64 complete_ns; /* CLOCK_MONOTONIC */
	__u64 user_data;
	__u64 off; /* file offset for read/write opcodes, else the SQE's off/addr2 when known */
	__u64 addr;
	__u32 len;
	__u32 tgid;
	__u32 tid; /* submitting thread (an iou-sqp thread for SQPOLL rings) */
	__u32 ring;
	__s32 fd;  /* as submitted: a fixed-file index when sqe_flags has IOSQE_FIXED_FILE */
	__s32 res;
	__u32 cflags;
	__u8 sqe_flags; /* IOSQE_* */
	__u8 opcode;
	__u8 path;      /* URT_PATH_* bits; 0 = completed inline */
	__u8 verdict;   /* URT_VERDICT_* bits */
	__u16 rule;     /* the matching rule's position, URT_NO_RULE for the policy's default */
	__u16 _pad;
	char comm[16];  /* the process's (thread group leader's) name */
	__u32 cqe_index; /* 0: the request's only CQE; n >= 1: its n-th CQE (multishot, notifications) */
	__u32 _pad2;
	struct urt_args args;
};

/* A streamed request's record with its user memory, as kept from submission to completion. */
struct urt_stashed {
	struct urt_record rec;
	char mem[2][URT_ARG_MEM];
};

_Static_assert(sizeof(struct urt_op_key) == 12, "urt_op_key layout");
_Static_assert(sizeof(struct urt_op_stats) == 88, "urt_op_stats layout");
_Static_assert(sizeof(struct urt_op_shared) == 64 + 4 * URT_LAT_BUCKETS, "urt_op_shared layout");
_Static_assert(sizeof(struct urt_multishot) == 32, "urt_multishot layout");
_Static_assert(sizeof(struct urt_register_key) == 8, "urt_register_key layout");
_Static_assert(sizeof(struct urt_register_stats) == 56, "urt_register_stats layout");
_Static_assert(sizeof(struct urt_setup_key) == 8, "urt_setup_key layout");
_Static_assert(sizeof(struct urt_rule) == 56, "urt_rule layout");
_Static_assert(sizeof(struct urt_path_pattern) == 100, "urt_path_pattern layout");
_Static_assert(sizeof(struct urt_peer_entry) == 40, "urt_peer_entry layout");
_Static_assert(__builtin_offsetof(struct urt_policy, peers) % 8 == 0 &&
		       __builtin_offsetof(struct urt_peer_entry, net) % 8 == 0 &&
		       __builtin_offsetof(struct urt_peer_entry, mask) % 8 == 0,
	       "policy_args.h reads a peer entry's net and mask as __u64s in place");
_Static_assert(sizeof(struct urt_policy) == 48 + 8 * (32 + 256 + 64 + 256) + 56 * URT_MAX_RULES + 16 +
						   8 * 4 * URT_MAX_RULES + 100 * URT_MAX_PATTERNS + 40 * URT_MAX_PEERS,
	       "urt_policy layout");
_Static_assert(sizeof(struct urt_err_key) == 8, "urt_err_key layout");
_Static_assert(sizeof(struct urt_ring_info) == 32, "urt_ring_info layout");
_Static_assert(sizeof(struct urt_proc) == 32, "urt_proc layout");
_Static_assert(sizeof(struct urt_config) == 16, "urt_config layout");
_Static_assert(sizeof(struct urt_mem) == 4, "urt_mem layout");
_Static_assert(sizeof(struct urt_args) == 80, "urt_args layout");
_Static_assert(sizeof(struct urt_record) == 184, "urt_record layout");
_Static_assert(sizeof(struct urt_stashed) == 184 + 2 * URT_ARG_MEM, "urt_stashed layout");

#endif

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Lookups shared by the programs. Everything is inlined: no BPF-to-BPF calls on the hot path. */
#ifndef URINGTOP_HELPERS_H
#define URINGTOP_HELPERS_H

#define EPERM 1
#define EACCES 13

/* log2 by shifts: clang 14 crashes on __builtin_clzll for the BPF target. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

static __always_inline void count_stat(__u32 index)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &index);

	if (n)
		*n += 1; /* per-CPU: no atomic needed */
}

/*
 * The value at `key`, inserted as `init` first if absent (by us, or by a racing CPU whose insert
 * wins); NULL, counted as a lost update, only when the map is full.
 */
static __always_inline void *lookup_or_insert(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	value = bpf_map_lookup_elem(map, key);
	if (!value)
		count_stat(URT_STAT_LOST_UPDATES);
	return value;
}

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* The process name, from the thread group leader so that iou-sqp/iou-wrk threads name their owner. */
static __always_inline void leader_comm(char comm[16])
{
	/* bpf_get_current_task, not _btf (5.11+): the same task, read through CO-RE on every kernel. */
	struct task_struct *task = (void *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);

	bpf_probe_read_kernel_str(comm, 16, &leader->comm);
}

/*
 * A process's name, uid and cgroup at its first sight. Only the current task can be described:
 * an event counted under another process (a CQE posted to a ring it owns) leaves them unknown,
 * and userspace reads them from /proc instead. bpf_get_current_cgroup_id: 4.18+, cgroup v2.
 */
static __always_inline void remember_process(__u32 tgid)
{
	struct urt_proc proc = { .uid = URT_ANY_UID };

	if (bpf_map_lookup_elem(&procs, &tgid))
		return;
	if ((bpf_get_current_pid_tgid() >> 32) == tgid) {
		leader_comm(proc.comm);
		proc.uid = (__u32)bpf_get_current_uid_gid();
		proc.cgroup_id = bpf_get_current_cgroup_id();
	}
	bpf_map_update_elem(&procs, &tgid, &proc, BPF_NOEXIST);
}

/*
 * The next value of one of the shared sequences (ring ids from 1, op_stats indexes from 1),
 * unique across CPUs without a fetching atomic: 5.10's verifier refuses a program holding any
 * BPF_FETCH instruction, even in a branch a constant rules out (it checks every instruction's
 * fields before it walks the program: "BPF_STX uses reserved fields").
 *
 * A CPU claims a value with an exclusive insert into `seq_claims`: the one after the sequence as
 * it reads it now, or after its own last try if that is further (a racing CPU that claimed a
 * value but has not advanced the sequence yet). The winner then advances the sequence with a
 * plain atomic add (XADD, which every kernel takes) by the distance from what it read to what it
 * won, so the sequence is at least every value handed out once the adds land: a lost race or a
 * failed insert (a nested update on this CPU) never leaves the sequence behind for good, and the
 * next caller's first try wins again. Racing winners may overshoot, which only skips values.
 * A claim is dropped URT_SEQ_CLAIMS_KEPT values later, long after any racing CPU could still try
 * it; `seq_claims` is an LRU map, so a claim whose successor was skipped is evicted instead of
 * filling it. 0 when every try lost (the caller counts a lost update). Only new rings and new
 * keys take this path.
 */
static __always_inline __u32 seq_next(__u32 which)
{
	__u64 *seq = bpf_map_lookup_elem(&seqs, &which);
	struct urt_seq_claim claim = { .which = which };
	__u64 tried = 0;
	__u8 one = 1;

	if (!seq)
		return 0;
#pragma unroll
	for (int i = 0; i < URT_SEQ_TRIES; i++) {
		__u64 seen = *(volatile __u64 *)seq;

		claim.value = seen > tried ? seen + 1 : tried + 1;
		tried = claim.value;
		if (bpf_map_update_elem(&seq_claims, &claim, &one, BPF_NOEXIST))
			continue;
		__sync_fetch_and_add(seq, claim.value - seen); /* result unused: an XADD */
		if (claim.value > URT_SEQ_CLAIMS_KEPT) {
			claim.value = tried - URT_SEQ_CLAIMS_KEPT;
			bpf_map_delete_elem(&seq_claims, &claim);
		}
		return tried;
	}
	return 0;
}

/* Moves the ring generation on (its value is never needed by the mover). */
static __always_inline void seq_bump(__u32 which)
{
	__u64 *seq = bpf_map_lookup_elem(&seqs, &which);

	if (seq)
		__sync_fetch_and_add(seq, 1);
}

static __always_inline __u64 ring_generation(void)
{
	__u32 which = URT_SEQ_GEN;
	__u64 *gen = bpf_map_lookup_elem(&seqs, &which);

	return gen ? *gen : 0;
}

/*
 * The low 32 bits of a kernel address as a plain number. The verifier forbids arithmetic on a BTF
 * pointer, but a 32-bit register move of one yields a scalar for programs loaded with CAP_PERFMON.
 * The move is written out in assembly (needs -mcpu=v3 for 32-bit registers): left to itself, clang
 * folds the truncation into arithmetic on the pointer's own register, which the verifier rejects.
 */
static __always_inline __u32 addr_low32(__u64 addr)
{
	__u32 low;

	asm volatile("%[low] = %[addr]" : [low] "=w"(low) : [addr] "w"((__u32)addr));
	return low;
}

/* Tells userspace that the ring whose context was at `ctx_key` is gone. */
static __always_inline void ring_closed(__u64 ctx_key)
{
	__u32 *old = bpf_map_lookup_elem(&ring_ids, &ctx_key);
	__u32 id;

	if (!old)
		return;
	id = *old;
	if (bpf_map_push_elem(&closed, &id, 0))
		count_stat(URT_STAT_LOST_EXITS);
}

/*
 * Tells userspace the counters at `index` are about to change (see op_dirty). Marked before the
 * update, as every counting path goes through stats_at/shared_at: userspace reads a marked slot
 * in that sample and in the next one, so an update landing just after its read is not missed.
 * The load first: the line stays shared between CPUs until userspace clears the word.
 */
static __always_inline void mark_dirty(__u32 index)
{
	__u64 *dirty = bpf_map_lookup_elem(&op_dirty, &index);

	if (dirty && !*dirty)
		*dirty = 1;
}

/* Counts a log, deny or kill verdict on a key (allow: every other judged SQE). */
static __always_inline void count_violation(__u32 index, __u8 action)
{
	struct urt_op_shared *sh = bpf_map_lookup_elem(&op_shared, &index);
	__u32 i = (action & 3) - 1;

	if (sh && i < 3) {
		mark_dirty(index);
		__sync_fetch_and_add(&sh->violations[i], 1);
	}
}

/* Describes a new ring under a new id and points its context at it (replacing an older ring's
 * mapping at the same address when `replace`). Returns the description now in force. */
static __always_inline struct urt_ring_info *ring_register(__u64 ctx_key, struct urt_ring_info *fresh,
							   bool replace)
{
	__u32 id = fresh->id, *current;

	bpf_map_update_elem(&rings, &id, fresh, BPF_ANY);
	if (bpf_map_update_elem(&ring_ids, &ctx_key, &id, replace ? BPF_ANY : BPF_NOEXIST)) {
		/* Another CPU described this ring first: use its id, drop ours. */
		bpf_map_delete_elem(&rings, &id);
		current = bpf_map_lookup_elem(&ring_ids, &ctx_key);
		if (!current)
			return 0;
		id = *current;
	}
	return bpf_map_lookup_elem(&rings, &id);
}

/*
 * Slow path: a ring seen for the first time (or whose description was evicted: then `id` is its old
 * id, else 0 for a new one). Setup flags and sizes are read from the ring context, so rings created
 * before uringtop started are described too.
 */
static __always_inline struct urt_ring_info *ring_first_seen(__u64 key, __u32 tgid, __u32 id)
{
	struct io_ring_ctx *ring_ctx = (void *)key;
	struct urt_ring_info fresh = {};

	fresh.id = id ? id : seq_next(URT_SEQ_RING);
	fresh.owner_tgid = tgid;
	fresh.fd = -1;
	fresh.setup_flags = BPF_CORE_READ(ring_ctx, flags);
	fresh.sq_entries = BPF_CORE_READ(ring_ctx, sq_entries);
	fresh.cq_entries = BPF_CORE_READ(ring_ctx, cq_entries);
	remember_process(tgid);
	if (id) {
		bpf_map_update_elem(&rings, &id, &fresh, BPF_NOEXIST);
		return bpf_map_lookup_elem(&rings, &id);
	}
	return ring_register(key, &fresh, false);
}

static __always_inline struct urt_ring_info *ring_of(void *ring_ctx, __u32 tgid)
{
	__u64 key = (__u64)ring_ctx;
	__u32 *id = bpf_map_lookup_elem(&ring_ids, &key);
	struct urt_ring_info *ring;

	if (!id)
		return ring_first_seen(key, tgid, 0);
	ring = bpf_map_lookup_elem(&rings, id);
	return ring ? ring : ring_first_seen(key, tgid, *id);
}

/* A free counter index of a pool: a recycled one if there is one (Linux 4.20+ queue maps), else
 * the pool's next; 0 when the pool is used up. */
static __always_inline __u32 pool_take(void *free_queue, __u32 seq, __u32 end)
{
	__u32 fresh;

	if (!bpf_map_pop_elem(free_queue, &fresh))
		return fresh;
	fresh = seq_next(seq);
	return fresh < end ? fresh : 0;
}

/* The counter index of `key`, allocated from a pool on first use; false when the pool or
 * op_index is full. */
static __always_inline bool key_index(struct urt_op_key *key, void *free_queue, __u32 seq, __u32 end,
				      __u32 *out)
{
	__u32 *index = bpf_map_lookup_elem(&op_index, key);
	__u32 fresh;

	if (index) {
		*out = *index;
		return true;
	}
	fresh = pool_take(free_queue, seq, end);
	if (!fresh)
		return false;
	/* A racing CPU may win: NOEXIST keeps its index, and ours goes back to the pool. */
	if (bpf_map_update_elem(&op_index, key, &fresh, BPF_NOEXIST))
		bpf_map_push_elem(free_queue, &fresh, 0);
	index = bpf_map_lookup_elem(&op_index, key);
	if (!index)
		return false;
	*out = *index;
	return true;
}

/*
 * Slow path: where (tgid, ring, opcode) counts. Its own slot while there is one; when the per-key
 * pool is used up, the process's "other rings" row for the opcode; when that pool is used up too,
 * the opcode's row. Totals per process x opcode stay exact as long as the second pool lasts, per
 * opcode always; userspace shows which rows are coarse.
 */
static __always_inline __u32 stats_index_slow(__u32 tgid, __u32 ring, __u32 opcode)
{
	struct urt_op_key key = { .tgid = tgid, .ring = ring, .opcode = opcode };
	__u32 index;

	remember_process(tgid);
	if (key_index(&key, &free_stats, URT_SEQ_STATS, stats_end, &index))
		return index;
	key.ring = URT_OTHER_RINGS;
	if (key_index(&key, &free_coarse, URT_SEQ_COARSE, coarse_end, &index))
		return index;
	count_stat(URT_STAT_OPCODE_ROWS);
	return 1 + (opcode & 0xff);
}

/* The counters of `map` (op_stats or op_shared) at an index, marked for the next read; NULL (and
 * counted as a lost update) past the end. */
static __always_inline void *counters_at(void *map, __u32 index)
{
	void *counters = bpf_map_lookup_elem(map, &index);

	if (!counters)
		count_stat(URT_STAT_LOST_UPDATES);
	else
		mark_dirty(index);
	return counters;
}

/* The per-CPU counters at an index. */
static __always_inline struct urt_op_stats *stats_at(__u32 index)
{
	return counters_at(&op_stats, index);
}

/* The shared counters at an index (atomic adds only). */
static __always_inline struct urt_op_shared *shared_at(__u32 index)
{
	return counters_at(&op_shared, index);
}

/*
 * 0, but not to the verifier (the clock would need 292 years to set bit 63). A loop state that
 * starts from constants makes the verifier follow every value the callback's counters take
 * (bpf_loop callbacks are verified to convergence since Linux 6.7; before, as if they ran once
 * from that state, which would hard-wire the first step): it gave up at a million instructions.
 * From an unknown value, a few passes converge.
 */
static __always_inline __u32 opaque_zero(void)
{
	return bpf_ktime_get_ns() >> 63;
}

#include "policy.h"

/* Where the events of one process on one ring for one opcode are counted, and what the policy
 * decided for them (see policy_prepare_sqe). */
struct urt_where {
	__u32 ring;
	__u32 stats;
	__u64 cand;
	struct urt_verdict verdict;
};

/*
 * Hot path: a per-CPU cache hit costs two inlined array lookups and a few compares. A miss looks up
 * the ring (describing it if new) and the op_stats index and, for a submission (`judge`), what the
 * policy says; only then does it fill the cache entry, so that every entry a submission can hit
 * carries the policy's decision. Completions and punts do not judge: leaving the policy out of
 * their programs keeps them simple enough for older verifiers (6.12 refused on_complete with it:
 * "sequence of 8193 jumps is too complex").
 */
static __always_inline bool locate(void *ring_ctx, __u32 tgid, __u8 op, struct urt_where *where, bool judge)
{
	__u64 ctx_key = (__u64)ring_ctx;
	__u32 slot = (((addr_low32(ctx_key) * 0x9E3779B1U) >> (32 - URT_CACHE_BITS)) ^ op) &
		     ((1 << URT_CACHE_BITS) - 1);
	struct urt_cache_entry *hit = bpf_map_lookup_elem(&hot_cache, &slot);
	__u64 gen = ring_generation();
	struct urt_ring_info *ring;
	bool judging;

	if (hit && hit->ring_ctx == ctx_key && hit->tgid == tgid && hit->opcode == (0x100 | op) &&
	    hit->gen == gen) {
		where->ring = hit->ring;
		where->stats = hit->stats;
		if (policy_enabled) {
			where->cand = hit->cand;
			where->verdict = hit->verdict;
		}
		return true;
	}
	ring = ring_of(ring_ctx, tgid);
	if (!ring) {
		count_stat(URT_STAT_LOST_UPDATES); /* the ring maps are full */
		return false;
	}
	where->ring = ring->id;
	where->stats = stats_index_slow(tgid, where->ring, op);
	/* `judging` is false at compile time for a constant `judge` of false: then no policy code
	 * (whose bpf_loop callback kernels before 5.13 cannot even parse) is left in the program. */
	judging = judge && policy_enabled;
	if (policy_enabled && !judge)
		return true;
	if (judging)
		where->cand = policy_prepare_sqe(tgid, ring->setup_flags, ring->fd, op, &where->verdict);
	if (hit) {
		if (policy_enabled) {
			hit->cand = where->cand;
			hit->verdict = where->verdict;
		}
		hit->ring_ctx = ctx_key;
		hit->gen = gen;
		hit->tgid = tgid;
		hit->ring = where->ring;
		hit->stats = where->stats;
		hit->opcode = 0x100 | op;
	}
	return true;
}

static __always_inline void count_error(__u32 stats, __s32 res)
{
	struct urt_err_key key = { .stats = stats, .err = -res };
	__u64 zero = 0, *n = lookup_or_insert(&op_errors, &key, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline struct urt_slot *slot_of(__u64 req)
{
	/* Fibonacci hashing: request addresses are slab-aligned, so take the product's high bits. The
	 * full address is compared by the caller. */
	__u32 index = (addr_low32(req) * 0x9E3779B1U) >> (32 - URT_SLOT_BITS);

	return bpf_map_lookup_elem(&slots, &index);
}

/* See URT_LAT_BUCKETS in abi.h; common/src/latency.rs has the inverse. */
static __always_inline __u32 latency_bucket(__u64 ns)
{
	__u32 p;

	if (ns < 8)
		return ns;
	p = log2_u64(ns);
	if (p > 40)
		return URT_LAT_BUCKETS - 1;
	return 8 + (p - 3) * 4 + ((ns >> (p - 2)) & 3);
}

/*
 * Decides whether to time this submission (see URT_SAMPLE_WINDOW in abi.h). Per-CPU state in the
 * op's counters: no atomics, one clock read per window.
 */
static __always_inline bool take_latency_sample(struct urt_op_stats *st)
{
	__u64 rng = st->sample_rng;

	if (++st->sample_seen >= URT_SAMPLE_WINDOW) {
		__u64 now = bpf_ktime_get_ns();
		__u64 elapsed = now - st->sample_start_ns;
		__u64 mask = 0;

		if (elapsed < URT_SAMPLE_UNTIMED_NS) {
			__u32 p = log2_u64(URT_SAMPLE_UNTIMED_NS / (elapsed | 1));

			mask = (2ULL << (p > 15 ? 15 : p)) - 1; /* at most 1 in 65536 */
		}
		st->sample_start_ns = now;
		st->sample_seen = 0;
		st->sample_mask = mask;
	}
	if (!rng)
		rng = 0x9E3779B97F4A7C15ULL; /* xorshift64 must not start at 0 */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	st->sample_rng = rng;
	return (rng & st->sample_mask) == 0;
}

/* Counts one submitted SQE with the IOSQE flags it carried; whether to time it (take_latency_sample). */
static __always_inline bool count_submitted(struct urt_op_stats *st, __u8 sqe_flags)
{
	st->submitted += 1;
	st->sqe_flags_seen |= sqe_flags;
	st->sqe_flags_missing |= ~sqe_flags & 0x7f;
	return take_latency_sample(st);
}

/* Opcodes whose arguments policy rules can judge (include/uapi/linux/io_uring.h). */
#define URT_OP_OPENAT 18
#define URT_OP_OPENAT2 28
#define URT_OP_SOCKET 45

static __always_inline bool is_rw_opcode(__u8 op)
{
	/* READV, WRITEV, READ_FIXED, WRITE_FIXED, READ, WRITE, READ_MULTISHOT, READV/WRITEV_FIXED (6.15+) */
	return op == 1 || op == 2 || op == 4 || op == 5 || op == 22 || op == 23 || op == 49 || op == 60 ||
	       op == 61;
}

/*
 * Opcodes whose SQE fd is a file the request works on (io_issue_def.needs_file in io_uring/opdef.c,
 * 6.18): only for these does io_init_req copy the fd into req->cqe.fd. Elsewhere that field holds a
 * previous request's value, so the record says -1 (no fd).
 */
#define OPBIT(n) (1ULL << (n))
#define URT_OPS_WITH_FD                                                                               \
	(OPBIT(1) | OPBIT(2) | OPBIT(3) | OPBIT(4) | OPBIT(5) | OPBIT(6) | OPBIT(8) | OPBIT(9) |        \
	 OPBIT(10) | OPBIT(13) | OPBIT(16) | OPBIT(17) | OPBIT(22) | OPBIT(23) | OPBIT(24) | OPBIT(26) | \
	 OPBIT(27) | OPBIT(30) | OPBIT(33) | OPBIT(34) | OPBIT(40) | OPBIT(41) | OPBIT(43) | OPBIT(46) | \
	 OPBIT(47) | OPBIT(48) | OPBIT(49) | OPBIT(54) | OPBIT(55) | OPBIT(56) | OPBIT(57) | OPBIT(58) | \
	 OPBIT(59) | OPBIT(60) | OPBIT(61))

static __always_inline bool opcode_has_fd(__u8 op)
{
	return op < 64 && ((URT_OPS_WITH_FD >> op) & 1);
}

/*
 * Opcodes whose request may post several CQEs without itself (IORING_CQE_F_MORE; req == NULL at
 * io_uring_complete): POLL_ADD (IORING_POLL_ADD_MULTI), RECVMSG, TIMEOUT (IORING_TIMEOUT_MULTISHOT),
 * ACCEPT, RECV, URING_CMD, READ_MULTISHOT, RECV_ZC. Numbers from include/uapi/linux/io_uring.h.
 */
#define URT_OPS_MULTISHOT \
	(OPBIT(6) | OPBIT(10) | OPBIT(11) | OPBIT(13) | OPBIT(27) | OPBIT(46) | OPBIT(49) | OPBIT(58))

/*
 * REQ_F_APOLL_MULTISHOT's bit in io_kiocb.flags, from the kernel's BTF (27 on 6.18; it moves
 * between versions and sits in an anonymous enum CO-RE cannot relocate). Set by the prep of
 * multishot ACCEPT/RECV/RECVMSG/READ_MULTISHOT/RECV_ZC/URING_CMD. 64: unknown.
 */
const volatile __u32 multishot_flag_bit = 64;

/* True when the request may post CQEs without itself, so its owner must be remembered. POLL_ADD
 * and TIMEOUT say so in per-op data we do not read: they are always remembered (neither is hot). */
static __always_inline bool may_post_aux_cqes(struct io_kiocb *req, __u8 op)
{
	if (op >= 64 || !((URT_OPS_MULTISHOT >> op) & 1))
		return false;
	if (op == 6 || op == 11 || multishot_flag_bit >= 64)
		return true;
	return (req->flags >> (multishot_flag_bit & 63)) & 1;
}

/* Remembers who owns the CQEs the ring will post with this user_data and no request. */
static __always_inline void remember_owner(__u64 ring_ctx, __u64 user_data, __u64 req, __u32 stats, __u32 tgid,
					   __u32 ring, __u8 op, __u8 path, __u32 cqes)
{
	struct urt_multishot_key key = { .ring_ctx = ring_ctx, .user_data = user_data };
	struct urt_multishot owner = {
		.req = req, .stats = stats, .tgid = tgid, .ring = ring, .cqes = cqes, .opcode = op, .path = path,
	};

	if (bpf_map_update_elem(&multishot, &key, &owner, BPF_ANY))
		count_stat(URT_STAT_LOST_UPDATES);
}

#define URT_IOSQE_ASYNC 0x10
#define URT_SETUP_SQE128 (1U << 10)
#define URT_SETUP_NO_SQARRAY (1U << 16)

/* uapi struct io_uring_sqe: a stable ABI, so a plain struct over the copied bytes, no CO-RE. */
struct urt_sqe {
	__u8 opcode;
	__u8 flags;
	__u16 ioprio;
	__s32 fd;
	__u64 off; /* addr2 */
	__u64 addr;
	__u32 len;
	__u32 op_flags; /* open_flags, msg_flags, timeout_flags, ... */
	__u64 user_data;
	__u16 buf_index;
	__u16 personality;
	__u32 file_index; /* splice_fd_in; addr_len in its low 16 bits for SEND(_ZC) */
	__u64 addr3;
	__u64 _pad;
};

/*
 * The SQE the kernel is submitting, read from the SQ ring in the submitter's context:
 * io_submit_sqes has just consumed it (cached_sq_head - 1, through sq_array unless
 * IORING_SETUP_NO_SQARRAY, doubled for SQE128), and it stays in place until the submission batch
 * ends (Linux 5.1 to 7.x). False unless the SQE there has this opcode and user_data.
 */
static __always_inline bool ring_sqe(struct io_ring_ctx *ctx, __u8 opcode, __u64 user_data, struct urt_sqe *sqe)
{
	__u32 setup = BPF_CORE_READ(ctx, flags);
	__u32 entries = BPF_CORE_READ(ctx, sq_entries);
	__u32 head = (BPF_CORE_READ(ctx, cached_sq_head) - 1) & (entries - 1);
	__u64 array = (__u64)BPF_CORE_READ(ctx, sq_array);
	__u64 sqes = (__u64)BPF_CORE_READ(ctx, sq_sqes);

	if (!(setup & URT_SETUP_NO_SQARRAY) && array) {
		if (bpf_probe_read_kernel(&head, sizeof(head), (void *)(array + 4 * (__u64)head)) ||
		    head >= entries)
			return false;
	}
	if (setup & URT_SETUP_SQE128)
		head <<= 1;
	return !bpf_probe_read_kernel(sqe, sizeof(*sqe), (void *)(sqes + 64 * (__u64)head)) &&
	       sqe->opcode == opcode && sqe->user_data == user_data;
}

/*
 * The SQE's own IOSQE_* flags. io_kiocb.flags starts as a copy of them, but prep sets
 * REQ_F_FORCE_ASYNC -- the IOSQE_ASYNC bit -- by itself for STATX, creating OPENATs, RENAMEAT,
 * UNLINKAT and others. When that bit is set, read the SQE from the SQ ring (ring_sqe); if it is
 * not there, the ASYNC bit is dropped, as it is for most such requests.
 */
static __always_inline __u8 sqe_flags_from_ring(struct io_ring_ctx *ctx, __u8 opcode, __u64 user_data, __u8 flags)
{
	struct urt_sqe sqe;

	if (!ring_sqe(ctx, opcode, user_data, &sqe))
		return flags & ~URT_IOSQE_ASYNC;
	return sqe.flags & 0x7f;
}

static __always_inline __u8 submitted_sqe_flags(struct io_kiocb *req, __u8 flags)
{
	return sqe_flags_from_ring(req->ctx, req->opcode, req->cqe.user_data, flags);
}

static __always_inline bool wants_record(__u32 tgid, __u32 ring)
{
	__u32 zero = 0;
	struct urt_config *cfg = bpf_map_lookup_elem(&config, &zero);

	return cfg && cfg->records_enabled && (!cfg->filter_tgid || cfg->filter_tgid == tgid) &&
	       (!cfg->filter_ring || cfg->filter_ring == ring);
}

static __always_inline void stash_record(__u64 req, struct urt_stashed *s)
{
	if (bpf_map_update_elem(&stash, &req, s, BPF_ANY))
		count_stat(URT_STAT_LOST_RECORDS);
}

#endif

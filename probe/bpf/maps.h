/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The probe's maps. Hot-path maps are per-CPU or arrays (lookups inlined by the verifier). */
#ifndef URINGTOP_MAPS_H
#define URINGTOP_MAPS_H

/*
 * Sizes. Userspace resizes op_stats, op_shared and op_index at load (probe/src/load.rs): the
 * numbers here are placeholders. Everything else is fixed, and together with the counters stays
 * within 37 MiB on 2 CPUs (`uringtop check` prints what this machine pins; the stash of streamed
 * requests with their argument memory is 5.4 MiB of it).
 */
#define URT_MAX_KEYS 16384   /* process x ring x opcode combinations */
#define URT_MAX_RINGS 8192
#define URT_SLOT_BITS 17     /* 128 Ki in-flight slots, 32 bytes each: 4 MiB */
#define URT_MAX_STASHED 8192 /* requests whose SQE details wait for their CQE while streaming */
#define URT_MAX_MULTISHOT 8192 /* multishot requests (and SEND_ZC awaiting its notification) */
#define URT_MAX_EXITS 16384  /* process exits and closed rings waiting for userspace */

/*
 * Where a request's submission is remembered until it completes: a direct-mapped table indexed by a
 * hash of the request's address. An array lookup is inlined by the verifier, so this costs a few
 * loads instead of a hash-map insert and delete per request; two in-flight requests that hash to the
 * same slot lose one latency sample (counted as unmatched), never a count.
 */
struct urt_slot {
	__u64 req; /* owner; 0 when free */
	__u64 submit_ns;
	__u32 stats;  /* index into op_stats */
	__u32 tgid;
	__u32 ring;
	__u8 opcode;
	__u8 path;
	__u8 _pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << URT_SLOT_BITS);
	__type(key, __u32);
	__type(value, struct urt_slot);
} slots SEC(".maps");

/*
 * Counters: a per-CPU array for what every request touches and a shared array for the rest (see
 * abi.h), both indexed alike (lookups inlined, no hashing); op_index says which index belongs to
 * which process x ring x opcode. Index layout: URT_FIRST_SLOT in abi.h.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, URT_MAX_KEYS);
	__type(key, __u32);
	__type(value, struct urt_op_stats);
} op_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, URT_MAX_KEYS);
	__type(key, __u32);
	__type(value, struct urt_op_shared);
} op_shared SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, URT_MAX_KEYS);
	__type(key, struct urt_op_key);
	__type(value, __u32);
} op_index SEC(".maps");

/*
 * Which counter indexes changed since userspace last looked: one word per index of op_stats,
 * set to 1 (a plain store: every writer stores the same value, so no race loses it) and swapped
 * back to 0 by userspace through a shared mapping (probe/src/dirty.rs). A sample then reads only
 * the slots that changed, not every live key. BPF_F_MMAPABLE arrays: Linux 5.5+. Sized like
 * op_stats by the loader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, URT_MAX_KEYS);
	__uint(map_flags, 1U << 10); /* BPF_F_MMAPABLE */
	__type(key, __u32);
	__type(value, __u64);
} op_dirty SEC(".maps");

/* End of the per-key pool and of the per-process fallback pool (set by the loader). */
const volatile __u32 stats_end = URT_FIRST_SLOT;
const volatile __u32 coarse_end = URT_FIRST_SLOT;

/* Indexes userspace recycled (probe/src/reclaim.rs), one queue per pool: taken before new ones. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, URT_MAX_KEYS);
	__type(value, __u32);
} free_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, URT_MAX_KEYS);
	__type(value, __u32);
} free_coarse SEC(".maps");

/* Owners of CQEs posted without a request, by (ring context, user_data): see struct urt_multishot.
 * LRU: an owner whose last CQE was never seen (ring torn down) cannot leak. */
struct urt_multishot_key {
	__u64 ring_ctx;
	__u64 user_data;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URT_MAX_MULTISHOT);
	__type(key, struct urt_multishot_key);
	__type(value, struct urt_multishot);
} multishot SEC(".maps");

/* Processes that exited (tgid) and rings known closed (id), for userspace to retire their keys
 * at once instead of after an idle period. Full: counted in URT_STAT_LOST_EXITS. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, URT_MAX_EXITS);
	__type(value, __u32);
} exited SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, URT_MAX_EXITS);
	__type(value, __u32);
} closed SEC(".maps");

/*
 * Per-CPU direct-mapped cache of (ring, tgid, opcode) -> (ring id, op_stats index), so that a
 * submission costs no hash lookup while a CPU keeps serving the same few rings and opcodes.
 */
#define URT_CACHE_BITS 8
struct urt_cache_entry {
	__u64 ring_ctx;
	__u64 gen;    /* ring_gen when filled: a new ring (maybe at a freed one's address) voids it */
	__u32 tgid;
	__u32 ring;
	__u32 stats;
	__u32 opcode; /* 0x100 | opcode when filled, so that a zeroed entry never matches */
	/* The policy's decision (policy.h): candidate rules if the SQE's flags decide, else 0 and
	 * the verdict. Unused without a policy. */
	__u64 cand;
	struct urt_verdict {
		__u16 rule;
		__u8 action;
		__u8 enforced;
	} verdict;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << URT_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct urt_cache_entry);
} hot_cache SEC(".maps");

/* Errors are off the hot path: one shared hash with atomic adds (a per-CPU one would cost
 * 16 MiB on 128 CPUs). Sized like op_index by the loader: room for an errno on every key. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, URT_MAX_KEYS);
	__type(key, struct urt_err_key);
	__type(value, __u64);
} op_errors SEC(".maps");

/*
 * Rings: the kernel's ring context -> ring id, and ring id -> description. Keyed apart because a
 * freed ring's address is soon reused by a new ring: the new one gets a new id and its own entry,
 * while the old ring's description stays readable. LRU: rings are never announced as destroyed,
 * so the oldest unused ones make room.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URT_MAX_RINGS);
	__type(key, __u64);
	__type(value, __u32);
} ring_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct urt_ring_info);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URT_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct urt_proc);
} procs SEC(".maps");

/* Shared counters, touched only off the hot path: next ring id, last index handed out of each
 * counter pool (the loader starts them at the pools' starts), ring generation. */
#define URT_SEQ_RING 0
#define URT_SEQ_STATS 1
#define URT_SEQ_GEN 2
#define URT_SEQ_COARSE 3
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} seqs SEC(".maps");

/* Values of `seqs` being handed out (see seq_next in helpers.h). */
#define URT_SEQ_TRIES 8
#define URT_SEQ_CLAIMS_KEPT 256
struct urt_seq_claim {
	__u32 which;
	__u32 _pad;
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4 * (URT_SEQ_CLAIMS_KEPT + 64));
	__type(key, struct urt_seq_claim);
	__type(value, __u8);
} seq_claims SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, URT_NSTATS);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct urt_config);
} config SEC(".maps");

/* The compiled policy (abi.h), written by userspace before the programs attach. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct urt_policy);
} policy SEC(".maps");

/* Verdicts per rule (SQEs and register calls), by rule position. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, URT_MAX_RULES);
	__type(key, __u32);
	__type(value, __u64);
} rule_hits SEC(".maps");

/* io_uring_register calls per ring and register opcode: rare, so a shared hash and atomics.
 * LRU, like the ring maps: the entries of rings long gone make room for new ones. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct urt_register_key);
	__type(value, struct urt_register_stats);
} register_stats SEC(".maps");

/* io_uring_setup calls the kernel refused, per process and errno (LRU: old processes make room). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct urt_setup_key);
	__type(value, __u64);
} setup_refused SEC(".maps");

/* SQE details (and argument memory) of requests being streamed, keyed by request address; LRU so
 * lost CQEs cannot leak. 696 bytes an entry: 5.4 MiB. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URT_MAX_STASHED);
	__type(key, __u64);
	__type(value, struct urt_stashed);
} stash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} records SEC(".maps");

#endif

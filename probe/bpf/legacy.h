/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Programs for the argument lists of older kernels, one per signature; the loader keeps the first
 * program whose tracepoint the running kernel has and whose arguments its BTF and verifier accept
 * (probe/src/programs.rs). Checked against the BTF of Debian's 6.1.0-57 and 5.10.0-32 kernels
 * (5.10.0-32's io_uring is the 5.15 one, backported: it has 5.15's argument lists).
 */
#ifndef URINGTOP_LEGACY_H
#define URINGTOP_LEGACY_H

/* io_uring_submit_sqe(struct io_kiocb *req, bool force_nonblock): 6.0-6.4 (6.1 LTS). The request
 * is the same as submit_req's, so it pairs with its CQE through its slot. */
SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(on_submit_sqe, struct io_kiocb *req, bool force_nonblock)
{
	return submitted(req);
}

/*
 * Before 5.19 io_uring_complete passes (ctx, user_data, res, cflags): no request. A CQE is then
 * paired with its SQE by (ring, user_data), which programs are free to reuse:
 *  - requests in flight at once with the same (ring, user_data) share one entry that counts them
 *    (`inflight`); their CQEs cannot be told apart, so none of them is timed;
 *  - if they have different opcodes (counted in URT_STAT_AMBIGUOUS), the entry keeps the latest
 *    one's, and the earlier ones' CQEs count under it;
 *  - SQEs refused at submission post a CQE with no submission seen (no io_uring_req_failed before
 *    5.16): it counts on the ring's no-request row.
 * Counts of CQEs per ring are exact; per opcode, exact while in-flight user_data differ by opcode.
 * LRU: an entry whose CQE never came (ring torn down) cannot leak.
 */
struct urt_pending {
	__u64 req;        /* stash key of the SQE side, when streamed */
	__u64 submit_ns;  /* 0: untimed */
	__u32 stats;
	__u32 tgid;
	__u32 ring;
	__u32 inflight;   /* requests in flight under this (ring, user_data) */
	__u32 cqes;       /* CQEs posted so far with more to come (IORING_CQE_F_MORE, 5.13+) */
	__u8 opcode;
	__u8 path;
	__u8 _pad[2];
};

#define URT_MAX_PENDING 16384

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, URT_MAX_PENDING);
	__type(key, struct urt_multishot_key);
	__type(value, struct urt_pending);
} pending SEC(".maps");

/* What io_kiocb had before 5.19 put its CQE fields in `cqe`. */
struct io_kiocb___pre519 {
	__u8 opcode;
	__u64 user_data;
} __attribute__((preserve_access_index));

/* Remembers a submitted request under (ring, user_data) until its CQE. */
static __always_inline void pair_by_key(void *ring_ctx, __u64 user_data, __u64 req, __u64 now,
					struct urt_where *where, __u32 tgid, __u8 op, __u8 path)
{
	struct urt_multishot_key key = { .ring_ctx = (__u64)ring_ctx, .user_data = user_data };
	struct urt_pending *old = bpf_map_lookup_elem(&pending, &key);
	struct urt_pending fresh = {
		.req = req, .submit_ns = now, .stats = where->stats, .tgid = tgid, .ring = where->ring,
		.inflight = 1, .opcode = op, .path = path | URT_PATH_KEYED,
	};

	if (old && old->inflight) {
		/* Another request with this user_data is in flight on this ring. */
		if (old->stats != where->stats)
			count_stat(URT_STAT_AMBIGUOUS);
		fresh.inflight = old->inflight + 1;
		fresh.submit_ns = 0;
		fresh.path |= old->path & URT_PATH_STREAMED;
	}
	if (bpf_map_update_elem(&pending, &key, &fresh, BPF_ANY))
		count_stat(URT_STAT_LOST_UPDATES);
}

/* Stashes the SQE side of a streamed request with its arguments, read back from the SQ ring (where
 * io_kiocb has no fd before 5.19). Without the SQE there, the record keeps what the tracepoint
 * passed and carries no arguments. */
static __always_inline void stash_from_ring(void *ring_ctx, __u64 req, __u32 tgid, __u32 ring, __u8 op,
					    __u64 user_data, __u64 now, __u8 sqe_flags)
{
	struct urt_stashed *s = scratch_record();
	struct urt_record *rec;
	struct urt_sqe *sqe;

	if (!s) {
		count_stat(URT_STAT_LOST_RECORDS);
		return;
	}
	rec = &s->rec;
	sqe = (void *)rec->args.sqe;
	rec->submit_ns = now;
	rec->user_data = user_data;
	rec->fd = -1;
	if (capture_keyed_args(ring_ctx, op, user_data, s)) {
		if (opcode_has_fd(op))
			rec->fd = sqe->fd;
		if (is_rw_opcode(op)) {
			rec->off = sqe->off;
			rec->addr = sqe->addr;
			rec->len = sqe->len;
		}
	}
	rec->sqe_flags = sqe_flags;
	rec->rule = URT_NO_RULE;
	rec->opcode = op;
	rec->tgid = tgid;
	rec->tid = (__u32)bpf_get_current_pid_tgid();
	rec->ring = ring;
	leader_comm(rec->comm);
	stash_record(req, s);
}

/*
 * A request being submitted on a kernel that pairs CQEs by (ring, user_data). Not judged by a
 * policy: the policy's per-rule loop runs in a bpf_loop callback (5.17+), which these kernels
 * cannot load (the loader refuses a policy here, saying so).
 */
static __always_inline int submitted_keyed(void *ring_ctx, __u64 req, __u8 op, __u64 user_data, __u32 req_flags)
{
	__u32 tgid = current_tgid();
	struct urt_where where;
	struct urt_op_stats *st;
	__u8 sqe_flags = req_flags & 0x7f;
	__u64 now;
	__u8 path = 0;
	bool streamed, timed = false;

	if (sqe_flags & URT_IOSQE_ASYNC)
		sqe_flags = sqe_flags_from_ring(ring_ctx, op, user_data, sqe_flags);
	if (!locate(ring_ctx, tgid, op, &where, false))
		return 0;
	st = stats_at(where.stats);
	if (st)
		timed = count_submitted(st, sqe_flags);
	streamed = wants_record(tgid, where.ring);
	now = (timed || streamed) ? bpf_ktime_get_ns() : 0;
	if (streamed)
		path |= URT_PATH_STREAMED;
	pair_by_key(ring_ctx, user_data, req, timed || streamed ? now : 0, &where, tgid, op, path);
	if (streamed)
		stash_from_ring(ring_ctx, req, tgid, where.ring, op, user_data, now, sqe_flags);
	return 0;
}

/* io_uring_submit_sqe(ctx, req, opcode, user_data, flags, force_nonblock, sq_thread): 5.10 (as
 * Debian and the 5.10 LTS have it since io_uring's backport from 5.15) to 5.19. */
SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(on_submit_sqe_ctx, void *ring_ctx, void *req, __u8 opcode, __u64 user_data, __u32 flags,
	     bool force_nonblock, bool sq_thread)
{
	return submitted_keyed(ring_ctx, (__u64)req, opcode, user_data, flags);
}

/* io_uring_complete(ctx, user_data, int res, unsigned cflags): 5.10 (as above) to 5.18. */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_complete_keyed, void *ring_ctx, __u64 user_data, int res, unsigned cflags)
{
	struct urt_multishot_key key = { .ring_ctx = (__u64)ring_ctx, .user_data = user_data };
	struct urt_pending *p = bpf_map_lookup_elem(&pending, &key);
	bool more = cflags & URT_CQE_F_MORE;
	struct urt_where where;
	__u64 now = 0, latency = URT_UNTIMED;
	__u32 cqe_index = 0;

	if (!p || !p->inflight) {
		/* Nobody's: submitted before we attached, refused at submission, or evicted. */
		on_cqe(ring_ctx, 0, user_data, res, cflags);
		return 0;
	}
	where.stats = p->stats;
	where.ring = p->ring;
	if (more || p->cqes)
		cqe_index = ++p->cqes;
	/* Only a request's first CQE is timed, and only when it is the only one in flight. */
	if (cqe_index <= 1 && p->inflight == 1 && p->submit_ns && !(p->path & URT_PATH_REJECTED)) {
		now = bpf_ktime_get_ns();
		latency = now - p->submit_ns;
		p->submit_ns = 0;
	}
	count_cqe(&where, p->tgid, p->path, p->req, cqe_index, now, latency, false, false, user_data, res, cflags);
	if (!more) {
		/* CQEs of one ring are posted under its completion lock: no CPU races this update. */
		if (p->inflight <= 1)
			bpf_map_delete_elem(&pending, &key);
		else
			p->inflight -= 1;
	}
	return 0;
}

/* Marks a request of a kernel without io_kiocb.cqe with how it executes. */
static __always_inline struct urt_op_stats *mark_path_keyed(void *ring_ctx, struct io_kiocb___pre519 *req,
							    __u8 path)
{
	struct urt_multishot_key key = { .ring_ctx = (__u64)ring_ctx };
	struct urt_pending *p;
	struct urt_where where;

	key.user_data = BPF_CORE_READ(req, user_data);
	p = bpf_map_lookup_elem(&pending, &key);
	if (p && p->inflight) {
		p->path |= path;
		return stats_at(p->stats);
	}
	if (!locate(ring_ctx, current_tgid(), BPF_CORE_READ(req, opcode), &where, false))
		return 0;
	return stats_at(where.stats);
}

/* io_uring_queue_async_work(ctx, rw, req, work, flags): 5.10-5.18. */
SEC("tp_btf/io_uring_queue_async_work")
int BPF_PROG(on_queue_async_work_ctx, void *ring_ctx, int rw, void *req, void *work, unsigned int flags)
{
	struct urt_op_stats *st = mark_path_keyed(ring_ctx, req, URT_PATH_IOWQ);

	if (st)
		st->async_punts += 1;
	return 0;
}

/* io_uring_poll_arm(ctx, req, opcode, user_data, mask, events): 5.10-5.18. */
SEC("tp_btf/io_uring_poll_arm")
int BPF_PROG(on_poll_arm_ctx, void *ring_ctx, void *req, __u8 opcode, __u64 user_data, int mask, int events)
{
	struct urt_op_stats *st = mark_path_keyed(ring_ctx, req, URT_PATH_POLL);

	if (st)
		st->poll_arms += 1;
	return 0;
}

/* io_uring_register(ctx, opcode, nr_files, nr_bufs, bool eventfd, long ret): 5.10-5.18. */
SEC("tp_btf/io_uring_register")
int BPF_PROG(on_register_eventfd, void *ring_ctx, unsigned opcode, unsigned nr_files, unsigned nr_bufs,
	     bool eventfd, long ret)
{
	return registered(ring_ctx, opcode, ret, false);
}

#endif

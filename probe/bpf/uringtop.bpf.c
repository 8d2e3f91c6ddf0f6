// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * uringtop's probe: io_uring tracepoints (tp_btf, Linux 6.10+ argument lists; see each program)
 * aggregated in the kernel per process x ring x opcode, plus an on-demand stream of SQE/CQE pairs.
 *
 * Hot path per request: io_uring_submit_req and io_uring_complete. Neither hashes anything while the
 * per-CPU cache hits: submit does two inlined per-CPU array lookups and writes the request's slot;
 * complete finds everything in that slot. Everything else (errors, punts, polls, rejections, rings
 * first seen, streaming) is off that path.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "abi.h"
#include "maps.h"
#include "helpers.h"
#include "args.h"
#include "policy_args.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/*
 * Built with -DURT_MEASURE_FLOOR, the two hot programs return at once: what attaching them costs
 * with no work at all (the overhead floor; see README, "Overhead and speed"). Never in the
 * committed object.
 */
#ifdef URT_MEASURE_FLOOR
#define URT_FLOOR_RETURN() return 0
#else
#define URT_FLOOR_RETURN() do { } while (0)
#endif

/* The record's verdict field: URT_VERDICT_* bits (0 without a policy). */
static __always_inline void record_verdict(struct urt_record *rec, struct urt_verdict *v)
{
	rec->rule = URT_NO_RULE;
	if (!policy_enabled)
		return;
	rec->verdict = URT_VERDICT_PRESENT | (v->action & URT_VERDICT_ACTION) |
		       (v->enforced ? URT_VERDICT_ENFORCED : 0);
	rec->rule = v->rule;
}

/* Stash the SQE side of a request being streamed, with its arguments; emitted with its CQE in
 * complete(). */
static __always_inline void stash_submitted(struct io_kiocb *req, __u32 tgid, __u32 ring, __u8 op, __u64 now,
					    __u8 sqe_flags, struct urt_verdict *v)
{
	struct urt_stashed *s = scratch_record();
	struct urt_record *rec;

	if (!s) {
		count_stat(URT_STAT_LOST_RECORDS);
		return;
	}
	rec = &s->rec;
	rec->submit_ns = now;
	rec->user_data = req->cqe.user_data;
	rec->fd = opcode_has_fd(op) ? req->cqe.fd : -1;
	rec->sqe_flags = sqe_flags;
	record_verdict(rec, v);
	rec->opcode = op;
	rec->tgid = tgid;
	rec->tid = (__u32)bpf_get_current_pid_tgid();
	rec->ring = ring;
	if (is_rw_opcode(op)) {
		struct io_rw *rw = (void *)&req->cmd;

		rec->off = BPF_CORE_READ(rw, kiocb.ki_pos);
		rec->addr = BPF_CORE_READ(rw, addr);
		rec->len = BPF_CORE_READ(rw, len);
	}
	leader_comm(rec->comm);
	capture_submitted_args(req, s);
	stash_record((__u64)req, s);
}

/* Remembers a request until its CQE: when, where it counts, and how it executes. */
static __always_inline void claim_slot(__u64 req, __u64 now, struct urt_where *where, __u32 tgid, __u8 op,
				       __u8 path)
{
	struct urt_slot *slot = slot_of(req);

	if (!slot)
		return;
	slot->submit_ns = now;
	slot->stats = where->stats;
	slot->tgid = tgid;
	slot->ring = where->ring;
	slot->opcode = op;
	slot->path = path;
	/* Claim the slot last, so a reader that sees our req also sees our fields. */
	asm volatile("" ::: "memory");
	slot->req = req;
}

/* The arguments rules can judge, from a request prep has read (SOCKET, OPENAT, OPENAT2): prep
 * ran before io_uring_submit_req (6.5+) and before io_uring_submit_sqe(req, ...) (6.0-6.4).
 * OPENAT's flags carry the O_LARGEFILE prep adds, as the kernel's BPF filters see them. */
static __always_inline void prepped_args(struct io_kiocb *req, __u8 op, struct urt_rule_args *a)
{
	if (op == URT_OP_SOCKET) {
		struct io_socket *sock = (void *)&req->cmd;

		a->kind = URT_ARGS_SOCKET;
		a->domain = BPF_CORE_READ(sock, domain);
		a->type = BPF_CORE_READ(sock, type);
	} else if (op == URT_OP_OPENAT || op == URT_OP_OPENAT2) {
		struct io_open *open = (void *)&req->cmd;

		a->kind = URT_ARGS_OPEN;
		a->oflags = BPF_CORE_READ(open, how.flags);
	}
}

/* The same arguments from the SQE itself, for a request refused before (or during) prep. */
static __always_inline void sqe_args(const struct io_uring_sqe *sqe, __u8 op, struct urt_rule_args *a)
{
	if (op == URT_OP_SOCKET) {
		a->kind = URT_ARGS_SOCKET;
		a->domain = sqe->fd;
		a->type = sqe->off;
	} else if (op == URT_OP_OPENAT) {
		a->kind = URT_ARGS_OPEN;
		a->oflags = sqe->rw_flags; /* open_flags, in the same union */
	} else if (op == URT_OP_OPENAT2) {
		/* struct open_how in the submitter's memory at addr2; flags come first. */
		if (bpf_probe_read_user(&a->oflags, sizeof(a->oflags), (void *)sqe->addr2) == 0)
			a->kind = URT_ARGS_OPEN;
	}
}

/* A request being submitted, paired with its CQE through its slot (by address). Runs in the
 * submitter (or its SQPOLL thread). */
static __always_inline int submitted(struct io_kiocb *req)
{
	URT_FLOOR_RETURN();
	__u32 tgid = current_tgid();
	struct urt_where where;
	struct urt_op_stats *st;
	__u8 op = req->opcode;
	__u8 sqe_flags = req->flags & 0x7f; /* REQ_F_* bits 0-6 are the SQE's IOSQE_* bits... */
	struct urt_verdict v = {};
	__u64 now;
	__u8 path = 0;
	bool streamed;
	bool timed = false;

	if (sqe_flags & URT_IOSQE_ASYNC) /* ...except ASYNC, which prep may set by itself */
		sqe_flags = submitted_sqe_flags(req, sqe_flags);
	if (!locate(req->ctx, tgid, op, &where, true))
		return 0;
	if (policy_enabled) {
		struct urt_rule_args args = {};

		if (where.cand)
			prepped_args(req, op, &args);
		policy_judge_sqe(where.cand, &where.verdict, policy_flags_of(req, sqe_flags), &args, req, 0, op,
				 &v);
		if (v.rule != URT_NO_RULE || v.action != URT_ACTION_ALLOW)
			policy_act(&v);
	}
	st = stats_at(where.stats);
	if (st)
		timed = count_submitted(st, sqe_flags);
	if (policy_enabled && v.action != URT_ACTION_ALLOW)
		count_violation(where.stats, v.action);
	/* A streamed request is always timed: its record carries its latency. Violations are
	 * always streamed while a policy is loaded: they are what a security user came for. */
	streamed = wants_record(tgid, where.ring) || (policy_enabled && v.action != URT_ACTION_ALLOW);
	now = (timed || streamed) ? bpf_ktime_get_ns() : 0;
	if (streamed)
		path |= URT_PATH_STREAMED;
	if (may_post_aux_cqes(req, op)) {
		path |= URT_PATH_MULTISHOT;
		remember_owner((__u64)req->ctx, req->cqe.user_data, (__u64)req, where.stats, tgid, where.ring, op,
			       path, 0);
	}
	claim_slot((__u64)req, now, &where, tgid, op, path);
	if (streamed)
		stash_submitted(req, tgid, where.ring, op, now, sqe_flags, &v);
	return 0;
}

/* io_uring_submit_req(struct io_kiocb *req): 6.5+. */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(on_submit_req, struct io_kiocb *req)
{
	return submitted(req);
}

/*
 * io_uring_req_failed(sqe, req, error): 5.16+. A request refused at submission (bad SQE,
 * IORING_REGISTER_RESTRICTIONS, BPF filters, credentials). It never fires submit_req, but its CQE
 * follows, so it takes a slot like a submission, marked rejected (its latency is not counted).
 */
SEC("tp_btf/io_uring_req_failed")
int BPF_PROG(on_req_failed, const struct io_uring_sqe *sqe, struct io_kiocb *req, int error)
{
	__u32 tgid = current_tgid();
	struct urt_where where;
	struct urt_op_shared *sh;
	__u8 op = sqe->opcode;
	__u64 now = bpf_ktime_get_ns();
	struct urt_verdict v = {};
	bool streamed;

	if (!locate(req->ctx, tgid, op, &where, true))
		return 0;
	/* Judged like any SQE the process tried: the kernel's refusal is shown apart (denied). */
	if (policy_enabled) {
		struct urt_rule_args args = {};

		if (where.cand)
			sqe_args(sqe, op, &args);
		policy_judge_sqe(where.cand, &where.verdict,
				 (sqe->flags & 0x7f) | (sqe->personality ? URT_FLAG_PERSONALITY : 0), &args, 0, sqe, op,
				 &v);
		/* A deny the kernel refused with -EACCES (its restrictions or BPF filters, e.g. those
		 * `uringtop run` installs) was carried out: the SQE never ran. */
		if (v.action == URT_ACTION_DENY && error == -EACCES)
			v.enforced = 1;
		if (v.rule != URT_NO_RULE || v.action != URT_ACTION_ALLOW)
			policy_act(&v);
		if (v.action != URT_ACTION_ALLOW)
			count_violation(where.stats, v.action);
	}
	sh = shared_at(where.stats);
	if (sh) {
		__sync_fetch_and_add(&sh->rejected, 1);
		if (error == -EACCES || error == -EPERM)
			__sync_fetch_and_add(&sh->denied, 1);
		if (v.enforced && v.action == URT_ACTION_DENY)
			__sync_fetch_and_add(&sh->kernel_denied, 1);
	}
	streamed = wants_record(tgid, where.ring) || (policy_enabled && v.action != URT_ACTION_ALLOW);
	claim_slot((__u64)req, now, &where, tgid, op, URT_PATH_REJECTED | (streamed ? URT_PATH_STREAMED : 0));
	if (streamed) {
		struct urt_stashed *s = scratch_record();
		struct urt_record *rec;

		if (!s) {
			count_stat(URT_STAT_LOST_RECORDS);
			return 0;
		}
		rec = &s->rec;
		rec->submit_ns = now;
		rec->user_data = sqe->user_data;
		rec->fd = sqe->fd;
		rec->off = sqe->off;
		rec->addr = sqe->addr;
		rec->len = sqe->len;
		rec->sqe_flags = sqe->flags;
		record_verdict(rec, &v);
		rec->opcode = op;
		rec->tgid = tgid;
		rec->tid = (__u32)bpf_get_current_pid_tgid();
		rec->ring = where.ring;
		leader_comm(rec->comm);
		capture_failed_args(sqe, s);
		stash_record((__u64)req, s);
	}
	return 0;
}

/*
 * Sends the record of one CQE of a streamed request (its SQE side stashed under `req`). A request
 * with more CQEs to come keeps its stash (`last` false). The stash must still be this request's:
 * a SEND_ZC's notification comes after its request was freed, and the address may serve another.
 */
static __always_inline void emit_record(__u64 req, __u64 user_data, __u64 now, __s32 res, __u32 cflags, __u8 path,
					__u32 cqe_index, bool last)
{
	struct urt_stashed *stashed = bpf_map_lookup_elem(&stash, &req);

	if (!stashed || stashed->rec.user_data != user_data)
		return;
	/* The stash is this request's alone, and its CQEs are posted one at a time (under the
	 * ring's completion lock): completing the record in place is safe. */
	stashed->rec.complete_ns = now;
	stashed->rec.res = res;
	stashed->rec.cflags = cflags;
	stashed->rec.path = path;
	stashed->rec.cqe_index = cqe_index;
	/* Never wait for the reader: drop, and say so. */
	if (bpf_ringbuf_output(&records, stashed, record_size(stashed), 0))
		count_stat(URT_STAT_LOST_RECORDS);
	if (last)
		bpf_map_delete_elem(&stash, &req);
}

/* The record of a CQE no request posted and no owner claims (MSG_RING's CQE on its target ring). */
static __always_inline void emit_orphan_record(__u32 tgid, __u32 ring, __u64 user_data, __s32 res, __u32 cflags)
{
	struct urt_record *rec = bpf_ringbuf_reserve(&records, sizeof(*rec), 0);
	struct urt_proc *proc = bpf_map_lookup_elem(&procs, &tgid);

	if (!rec) {
		count_stat(URT_STAT_LOST_RECORDS);
		return;
	}
	__builtin_memset(rec, 0, sizeof(*rec));
	rec->complete_ns = bpf_ktime_get_ns();
	rec->user_data = user_data;
	rec->tgid = tgid;
	rec->ring = ring;
	rec->fd = -1;
	rec->res = res;
	rec->cflags = cflags;
	rec->opcode = URT_AUX_OPCODE;
	rec->rule = URT_NO_RULE;
	if (proc)
		__builtin_memcpy(rec->comm, proc->comm, sizeof(rec->comm));
	bpf_ringbuf_submit(rec, 0);
}

/* A latency that was not measured (count_cqe). */
#define URT_UNTIMED (~0ULL)

/*
 * Counts one CQE once its owner is known: under `where` (tgid's), with its latency (URT_UNTIMED:
 * none measured; `now` is when it was, 0 if the clock was not read), and sends its record when
 * the request is streamed (its SQE side stashed under `stash_key`). `orphan`: no request owns
 * it; `unmatched`: it ends a request whose submission was not seen.
 */
static __always_inline void count_cqe(struct urt_where *where, __u32 tgid, __u8 path, __u64 stash_key,
				      __u32 cqe_index, __u64 now, __u64 latency, bool unmatched, bool orphan,
				      __u64 user_data, __s32 res, __u32 cflags)
{
	struct urt_op_stats *st = stats_at(where->stats);
	bool more = cflags & URT_CQE_F_MORE;

	if (st) {
		st->completed += 1;
		if (more || orphan)
			st->extra_cqes += 1;
		else if (unmatched)
			st->unmatched += 1;
		if (res < 0) {
			st->errors += 1;
			count_error(where->stats, res);
		}
		if (latency != URT_UNTIMED) {
			struct urt_op_shared *sh = shared_at(where->stats);
			__u32 bucket = latency_bucket(latency);

			if (latency > st->lat_max)
				st->lat_max = latency;
			if (sh) {
				__sync_fetch_and_add(&sh->lat_count, 1);
				__sync_fetch_and_add(&sh->lat_sum, latency);
				if (bucket < URT_LAT_BUCKETS)
					__sync_fetch_and_add(&sh->lat_hist[bucket], 1);
			}
		}
	}
	if (orphan) {
		if (wants_record(tgid, where->ring))
			emit_orphan_record(tgid, where->ring, user_data, res, cflags);
	} else if (path & URT_PATH_STREAMED) {
		emit_record(stash_key, user_data, now ? now : bpf_ktime_get_ns(), res, cflags,
			    path & ~(URT_PATH_STREAMED | URT_PATH_MULTISHOT | URT_PATH_KEYED), cqe_index, !more);
	}
}

/*
 * One CQE. Who it belongs to, in order:
 *  1. the request whose slot it finds (req given: the usual case);
 *  2. the owner remembered under (ring, user_data): a multishot request's later CQEs and
 *     SEND_ZC's notification, posted without the request (req == NULL, or the notification's own);
 *  3. the request at req, read directly: submitted before the probe attached (unmatched);
 *  4. nobody: counted on the ring's AUX_CQE row under the ring's owner.
 * completed counts every CQE. extra_cqes counts those that end no request (F_MORE, or no request
 * at all) and unmatched those ending a request never seen submitted, so that userspace can tell
 * what is still in flight.
 */
static __always_inline void on_cqe(void *ring_ctx, __u64 req, __u64 user_data, __s32 res, __u32 cflags)
{
	struct urt_slot *slot = req ? slot_of(req) : 0;
	struct urt_multishot_key okey = { .ring_ctx = (__u64)ring_ctx, .user_data = user_data };
	struct urt_multishot *owner = 0;
	bool more = cflags & URT_CQE_F_MORE;
	__u64 now = 0, latency = 0, stash_key = req;
	struct urt_where where;
	bool timed = false, unmatched = false, orphan = false;
	__u32 tgid, cqe_index = 0;
	__u8 op, path = 0;

	if (slot && slot->req == req) {
		bool first = true;

		where.stats = slot->stats;
		where.ring = slot->ring;
		tgid = slot->tgid;
		op = slot->opcode;
		path = slot->path;
		if (path & URT_PATH_MULTISHOT) {
			/* It may have posted CQEs without itself before this one. */
			owner = bpf_map_lookup_elem(&multishot, &okey);
			if (owner && owner->req == req && owner->cqes) {
				first = false;
				cqe_index = owner->cqes + 1;
			}
			if (!more)
				bpf_map_delete_elem(&multishot, &okey);
		}
		if (first && more) {
			/* Its first CQE says more will follow without it (SEND_ZC's notification). */
			path |= URT_PATH_MULTISHOT;
			cqe_index = 1;
			remember_owner((__u64)ring_ctx, user_data, req, where.stats, tgid, where.ring, op, path, 1);
		}
		/* Untimed submissions (see take_latency_sample) left submit_ns at 0: no clock read.
		 * Only a request's first CQE is timed: a multishot request's last one comes when the
		 * armed request ends, its latency would be the request's lifetime. */
		if (first && slot->submit_ns && !(path & URT_PATH_REJECTED)) {
			now = bpf_ktime_get_ns();
			latency = now - slot->submit_ns;
			timed = true;
		}
		/*
		 * Free the slot. A submit racing on another CPU for another request hashing here could
		 * lose its claim; its CQE then counts as unmatched (still counted, just not timed). A
		 * plain store: a locked compare-and-swap costs a visible share of a NOP.
		 */
		slot->req = 0;
	} else if ((owner = bpf_map_lookup_elem(&multishot, &okey))) {
		where.stats = owner->stats;
		where.ring = owner->ring;
		tgid = owner->tgid;
		op = owner->opcode;
		path = owner->path;
		stash_key = owner->req;
		/* CQEs of one ring are posted under its completion lock: no CPU races this update. */
		cqe_index = ++owner->cqes;
		if (!more)
			bpf_map_delete_elem(&multishot, &okey);
	} else if (req) {
		/* Submitted before we attached, or its slot was taken by a colliding request. */
		unmatched = !more;
		count_stat(URT_STAT_UNMATCHED);
		tgid = current_tgid();
		op = BPF_CORE_READ((struct io_kiocb *)req, opcode);
		if (!locate(ring_ctx, tgid, op, &where, false))
			return;
		/* Its SQE side may still have been stashed for a record. */
		if (wants_record(tgid, where.ring))
			path |= URT_PATH_STREAMED;
	} else {
		/* No request and no owner: the ring's own, counted under the process that owns it. */
		struct urt_ring_info *ring = ring_of(ring_ctx, current_tgid());

		if (!ring)
			return;
		orphan = true;
		tgid = ring->owner_tgid;
		op = URT_AUX_OPCODE;
		if (!locate(ring_ctx, tgid, op, &where, false))
			return;
	}
	count_cqe(&where, tgid, path, stash_key, cqe_index, now, timed ? latency : URT_UNTIMED, unmatched, orphan,
		  user_data, res, cflags);
}

/* io_uring_complete(ctx, req, cqe): 6.9+ passes the CQE. */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_complete, struct io_ring_ctx *ring_ctx, void *req, struct io_uring_cqe *cqe)
{
	URT_FLOOR_RETURN();
	on_cqe(ring_ctx, (__u64)req, cqe->user_data, cqe->res, cqe->flags);
	return 0;
}

/* io_uring_complete(ctx, req, user_data, res, cflags, extra1, extra2): 5.19-6.8. */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_complete_legacy, void *ring_ctx, void *req, __u64 user_data, int res, unsigned cflags,
	     __u64 extra1, __u64 extra2)
{
	on_cqe(ring_ctx, (__u64)req, user_data, res, cflags);
	return 0;
}

/* Marks the request's slot with how it executes, and finds where the event counts. */
static __always_inline struct urt_op_stats *mark_path(struct io_kiocb *req, __u8 path)
{
	struct urt_slot *slot = slot_of((__u64)req);
	struct urt_where where;

	if (slot && slot->req == (__u64)req) {
		slot->path |= path;
		return stats_at(slot->stats);
	}
	if (!locate(req->ctx, current_tgid(), req->opcode, &where, false))
		return 0;
	return stats_at(where.stats);
}

/* io_uring_queue_async_work(req, rw): 5.19+ argument list. */
SEC("tp_btf/io_uring_queue_async_work")
int BPF_PROG(on_queue_async_work, struct io_kiocb *req, int rw)
{
	struct urt_op_stats *st = mark_path(req, URT_PATH_IOWQ);

	if (st)
		st->async_punts += 1;
	return 0;
}

/* io_uring_poll_arm(req, mask, events): 5.19+ argument list. */
SEC("tp_btf/io_uring_poll_arm")
int BPF_PROG(on_poll_arm, struct io_kiocb *req, int mask, int events)
{
	struct urt_op_stats *st = mark_path(req, URT_PATH_POLL);

	if (st)
		st->poll_arms += 1;
	return 0;
}

/* io_uring_create(fd, ctx, sq_entries, cq_entries, flags): 5.5+. A new ring, perhaps at the address
 * of a freed one: it always gets a new id so that the two never mix. */
SEC("tp_btf/io_uring_create")
int BPF_PROG(on_create, int fd, void *ring_ctx, __u32 sq_entries, __u32 cq_entries, __u32 flags)
{
	__u64 key = (__u64)ring_ctx;
	__u32 tgid = current_tgid();
	struct urt_ring_info fresh = {};

	fresh.id = seq_next(URT_SEQ_RING);
	fresh.owner_tgid = tgid;
	fresh.fd = fd;
	fresh.setup_flags = flags;
	fresh.sq_entries = sq_entries;
	fresh.cq_entries = cq_entries;
	/* A ring context at this address already had an id: that ring is gone (freed, then its
	 * memory reused), and userspace can retire its counters at once. */
	ring_closed(key);
	ring_register(key, &fresh, true);
	/* Void every CPU's cache: entries for a freed ring at this address must not be used again. */
	seq_bump(URT_SEQ_GEN);
	remember_process(tgid);
	return 0;
}

/* One io_uring_register call on a ring, and its result; judged by the policy when `judge` (a
 * constant: see on_register_eventfd). */
static __always_inline int registered(void *ring_ctx, unsigned opcode, long ret, bool judge)
{
	__u32 tgid = current_tgid();
	struct urt_ring_info *ring = ring_of(ring_ctx, tgid);
	struct urt_register_key key = { .opcode = opcode };
	struct urt_register_stats fresh = {}, *rs;
	struct urt_verdict v = {};

	if (!ring)
		return 0;
	key.ring = ring->id;
	rs = lookup_or_insert(&register_stats, &key, &fresh);
	if (!rs)
		return 0;
	__sync_fetch_and_add(&rs->calls, 1);
	if (ret < 0)
		__sync_fetch_and_add(&rs->failed, 1);
	if (ret == -EACCES || ret == -EPERM)
		__sync_fetch_and_add(&rs->denied, 1);
	if (judge && policy_enabled) {
		/* The call already ran (this tracepoint reports its result): a kill comes after it. */
		policy_judge_register(tgid, ring->setup_flags, ring->fd, opcode, &v);
		if (v.rule != URT_NO_RULE || v.action != URT_ACTION_ALLOW)
			policy_act(&v);
		__sync_fetch_and_add(&rs->verdicts[v.action & 3], 1);
	}
	return 0;
}

/* io_uring_register(ctx, opcode, nr_files, nr_bufs, long ret): 5.19+. */
SEC("tp_btf/io_uring_register")
int BPF_PROG(on_register, void *ring_ctx, unsigned opcode, unsigned nr_files, unsigned nr_bufs, long ret)
{
	return registered(ring_ctx, opcode, ret, true);
}

/*
 * syscalls:sys_exit_io_uring_setup, a classic tracepoint (needs tracefs and
 * CONFIG_FTRACE_SYSCALLS): io_uring_setup calls the kernel refused, e.g. -EPERM when the
 * io_uring_disabled sysctl forbids this process. io_uring_create never fires for them. The
 * layout below is the tracepoint's format file (common header, __syscall_nr, ret), stable since
 * syscall tracepoints exist.
 */
struct urt_sys_exit_args {
	__u64 common;
	__s32 syscall_nr;
	__s32 _pad;
	__s64 ret;
};

SEC("tracepoint/syscalls/sys_exit_io_uring_setup")
int on_setup_exit(struct urt_sys_exit_args *args)
{
	struct urt_setup_key key = {};
	__u64 zero = 0, *n;
	__s64 ret = args->ret;

	if (ret >= 0 || ret < -4095)
		return 0;
	key.tgid = current_tgid();
	key.err = -ret;
	remember_process(key.tgid);
	n = lookup_or_insert(&setup_refused, &key, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

/*
 * sched_process_exit(task[, group_dead]): every kernel. The last thread of a process we counted
 * tells userspace, which retires the process's counters at once (instead of after an idle period)
 * and lets the model forget it. signal->live reached 0 before this tracepoint (do_exit, 5.10-7.x).
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (BPF_CORE_READ(task, signal, live.counter) != 0 || !bpf_map_lookup_elem(&procs, &tgid))
		return 0;
	if (bpf_map_push_elem(&exited, &tgid, 0))
		count_stat(URT_STAT_LOST_EXITS);
	return 0;
}

/* io_uring_cqe_overflow(ctx, user_data, res, cflags, ocqe): 5.19+. */
SEC("tp_btf/io_uring_cqe_overflow")
int BPF_PROG(on_cqe_overflow, void *ring_ctx, __u64 user_data, __s32 res, __u32 cflags, void *ocqe)
{
	struct urt_ring_info *ring = ring_of(ring_ctx, current_tgid());

	if (ring)
		__sync_fetch_and_add(&ring->cq_overflows, 1);
	return 0;
}

/*
 * Voids every CPU's hot cache, for userspace (run with BPF_PROG_TEST_RUN, never attached): after
 * it deletes an op_index key to recycle its slot, no cache may keep pointing at the slot.
 * raw_tp programs can be test-run since Linux 5.10.
 */
SEC("raw_tp/uringtop_invalidate_caches")
int invalidate_caches(void *unused)
{
	seq_bump(URT_SEQ_GEN);
	return 0;
}

/* Older kernels' argument lists. */
#include "legacy.h"

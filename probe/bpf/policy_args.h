/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What `paths`, `peers` and `fixed_buffers` rules judge, read at submission (mem_facts, called by
 * policy_judge_sqe in policy.h): the SQE from the SQ ring (or the one io_uring_req_failed passes),
 * the user memory its pointers name (args.h's readers, the same bytes a streamed record carries),
 * then which of the policy's path patterns and peer entries match. common/src/policy/paths.rs
 * and peers.rs are the specification, and judge_compiled.rs evaluates the compiled tables the
 * way this file does.
 *
 * Paths and addresses are read from the program's memory after the kernel copied them (prep ran
 * before io_uring_submit_req, 6.5+): a program that rewrites the string from another thread in
 * between can show uringtop something else than what the kernel used. Memory that is paged out
 * reads as unreadable: no path or peer rule holds then.
 */
#ifndef URINGTOP_POLICY_ARGS_H
#define URINGTOP_POLICY_ARGS_H

/* 1: the running kernel has READV_FIXED/WRITEV_FIXED and registered vectors for SENDMSG_ZC
 * (6.15+), set by the loader from BTF. */
const volatile __u32 vectored_fixed = 0;

#define URT_OP_READV 1
#define URT_OP_WRITEV 2
#define URT_OP_READ 22
#define URT_OP_WRITE 23
#define URT_OP_SEND_ZC 47
#define URT_OP_SENDMSG_ZC 48
#define URT_RECVSEND_FIXED_BUF 4 /* IORING_RECVSEND_FIXED_BUF, in sqe->ioprio (6.0+) */

/* Opcodes with paths (common/src/policy/paths.rs PATH_OPS) and those naming two of them. */
#define URT_PATH_OPS \
	(OPBIT(18) | OPBIT(28) | OPBIT(21) | OPBIT(35) | OPBIT(36) | OPBIT(37) | OPBIT(38) | OPBIT(39) | \
	 OPBIT(42) | OPBIT(44))
#define URT_TWO_PATH_OPS (OPBIT(35) | OPBIT(38) | OPBIT(39))
/* Opcodes naming a socket address (peers.rs PEER_OPS). */
#define URT_PEER_OPS (OPBIT(9) | OPBIT(16) | OPBIT(26) | OPBIT(47) | OPBIT(48) | OPBIT(56))

#define URT_AF_UNIX 1
#define URT_AF_INET 2
#define URT_AF_INET6 10

/* State of the path matcher: one pattern byte or path byte per step (paths.rs path_match). */
struct urt_path_walk {
	__u64 cand;  /* rules whose patterns are tried */
	__u64 hits;  /* result: bit j = paths[j] matches */
	__u32 j;     /* pattern being matched */
	__u32 fresh; /* 1: pattern j has not been started */
	__u32 p, c, mark;
	__s32 star;  /* -1: no '*' seen yet */
	__u32 n;     /* path length */
	__u32 cut;   /* the path was longer than what was read */
	__u32 which; /* path 0 or 1 of the scratch record */
	__u32 zero;  /* opaque_zero(): every reset starts from it, so the verifier converges */
};

static __always_inline void path_next(struct urt_path_walk *w, bool hit)
{
	if (hit)
		w->hits |= 1ULL << (w->j & 63);
	w->j += 1;
	w->fresh = 1 ^ w->zero;
}

static long path_step(__u64 i, void *data)
{
	struct urt_path_walk *w = data;
	struct urt_policy *pol = policy_get();
	__u32 zero = 0;
	struct urt_stashed *s = bpf_map_lookup_elem(&record_scratch, &zero);
	struct urt_path_pattern *pat;
	char *path;
	__u32 plen;
	char pc, sc;

	if (!pol || !s || w->j >= pol->npaths || w->j >= URT_MAX_PATTERNS)
		return 1;
	pat = &pol->paths[w->j & (URT_MAX_PATTERNS - 1)];
	if (w->fresh) {
		if (!((w->cand >> (pat->rule & 63)) & 1)) {
			path_next(w, false);
			return 0;
		}
		if (pat->flags & URT_PATTERN_ANY) {
			path_next(w, true);
			return 0;
		}
		w->fresh = w->zero;
		w->p = w->zero;
		w->c = w->zero;
		w->mark = w->zero;
		w->star = (__s32)w->zero - 1;
		return 0;
	}
	path = s->mem[w->which & 1];
	plen = pat->len > URT_PATTERN_LEN ? URT_PATTERN_LEN : pat->len;
	/* p < plen <= URT_PATTERN_LEN whenever pc is used; the mask only bounds the read for the
	 * verifier (it stays inside the policy map's value). */
	pc = pat->text[w->p & 127];
	if (w->c < w->n) {
		sc = path[w->c & (URT_ARG_MEM - 1)];
		if (w->p == plen && (pat->flags & URT_PATTERN_SUBTREE) && sc == '/') {
			path_next(w, true);
		} else if (w->p < plen && ((pc == '?' && sc != '/') || pc == sc)) {
			w->p += 1;
			w->c += 1;
		} else if (w->p < plen && pc == '*') {
			w->star = w->p;
			w->mark = w->c;
			w->p += 1;
		} else if (w->star >= 0 && path[w->mark & (URT_ARG_MEM - 1)] != '/') {
			/* The last '*' takes one more byte (never a '/'), and the rest is tried again. */
			w->p = w->star + 1;
			w->mark += 1;
			w->c = w->mark;
		} else {
			path_next(w, false);
		}
		return 0;
	}
	/* The path is used up: only trailing stars may remain; a cut path's end is not its end. */
	if (w->p < plen && pc == '*') {
		w->p += 1;
		return 0;
	}
	path_next(w, w->p == plen && !w->cut);
	return 0;
}

/* Worst case: every pattern started, then (path + 1) x (pattern + 1) steps and its trailing stars. */
#define URT_PATH_STEPS (URT_MAX_PATTERNS * (2 + URT_ARG_MEM * (URT_PATTERN_LEN + 1) + URT_PATTERN_LEN))

/* Which patterns of the rules in `cand` match path `which` of the scratch record (read as `m`). */
static __noinline __u64 path_hits(__u64 cand, struct urt_mem *m, __u32 which)
{
	struct urt_path_walk w = {};
	__u32 zero = opaque_zero();

	w.cand = cand;
	w.hits = zero;
	w.j = zero;
	w.fresh = 1 ^ zero;
	w.p = zero;
	w.c = zero;
	w.mark = zero;
	w.star = (__s32)zero - 1;
	w.which = which;
	w.zero = zero;
	w.n = m->len > 0 ? m->len : 0;
	w.cut = (m->state & URT_MEM_CUT) != 0;
	bpf_loop(URT_PATH_STEPS, path_step, &w, 0);
	return w.hits;
}

/* State of the peer matcher: one entry per step. */
struct urt_peer_walk {
	__u64 cand;
	__u64 hits;
	__u64 addr[2]; /* IPv4 in the first 4 bytes */
	__u32 j;
	__u16 port;    /* host order */
	__u8 family;   /* URT_PEER_V4, _V6, _UNIX, or URT_PEER_INET for another family (matches nothing) */
	__u8 _pad;
};

static long peer_step(__u64 i, void *data)
{
	struct urt_peer_walk *w = data;
	struct urt_policy *pol = policy_get();
	struct urt_peer_entry *e;
	const __u64 *net, *mask;
	bool hit;

	if (!pol || w->j >= pol->npeers || w->j >= URT_MAX_PEERS)
		return 1;
	e = &pol->peers[w->j & (URT_MAX_PEERS - 1)];
	if ((w->cand >> (e->rule & 63)) & 1) {
		if (e->family == URT_PEER_UNIX || w->family == URT_PEER_UNIX) {
			hit = e->family == w->family;
		} else {
			/* Read in place (8-aligned: see abi.h), not copied: a copy on the stack made this
			 * callback's frame 104 bytes, and 6.1's verifier refused on_submit_sqe for the
			 * combined stack of submission program, mem_facts and this callback (544 > 512). */
			net = (const __u64 *)e->net;
			mask = (const __u64 *)e->mask;
			hit = (w->family == URT_PEER_V4 || w->family == URT_PEER_V6) &&
			      (e->family == URT_PEER_INET || e->family == w->family) && w->port >= e->port_lo &&
			      w->port <= e->port_hi && (w->addr[0] & mask[0]) == net[0] &&
			      (w->addr[1] & mask[1]) == net[1];
		}
		if (hit)
			w->hits |= 1ULL << (w->j & 63);
	}
	w->j += 1;
	return 0;
}

/* The socket address in piece 0 of the scratch record (a struct sockaddr; peers.rs
 * Peer::from_sockaddr): which entries of the rules in `cand` match it. */
static __noinline void peer_facts(struct urt_stashed *s, __u64 cand, struct urt_rule_args *a)
{
	struct urt_peer_walk w = {};
	struct urt_mem *m = &s->rec.args.mem[0];
	__u8 *b = (__u8 *)s->mem[0];
	__u16 family;

	if ((m->state & ~URT_MEM_CUT) != URT_MEM_BYTES || m->len < 2)
		return;
	__builtin_memcpy(&family, b, 2);
	w.family = URT_PEER_INET; /* another family: known, matched by no entry */
	if (family == URT_AF_UNIX) {
		w.family = URT_PEER_UNIX;
	} else if (family == URT_AF_INET) {
		if (m->len < 8)
			return;
		w.family = URT_PEER_V4;
		w.port = ((__u16)b[2] << 8) | b[3];
		__builtin_memcpy(&w.addr[0], b + 4, 4);
	} else if (family == URT_AF_INET6) {
		if (m->len < 24)
			return;
		w.family = URT_PEER_V6;
		w.port = ((__u16)b[2] << 8) | b[3];
		__builtin_memcpy(w.addr, b + 8, 16);
		/* ::ffff:a.b.c.d is the IPv4 address a.b.c.d. */
		if (w.addr[0] == 0 && (w.addr[1] & 0xffffffffULL) == 0xffff0000ULL) {
			w.family = URT_PEER_V4;
			w.addr[0] = w.addr[1] >> 32;
			w.addr[1] = 0;
		}
	}
	w.cand = cand;
	w.j = opaque_zero();
	bpf_loop(URT_MAX_PEERS, peer_step, &w, 0);
	a->peer_known = 1;
	a->peer_hits = w.hits;
}

/*
 * Fills a's path, peer and buffer facts for the rules in `cand` (those with URT_ARG_* conditions,
 * which the opcode has narrowed). A subprogram, not inlined: both callers' verification stays what
 * it was, and its body is checked once per call site only.
 */
static __noinline int mem_facts(struct io_kiocb *req, const struct io_uring_sqe *sqe, __u32 op, __u64 cand,
				struct urt_rule_args *a)
{
	struct urt_stashed *s;
	struct urt_sqe *q;
	__u64 bit = op < 64 ? 1ULL << op : 0;

	/* READ and WRITE have READ_FIXED and WRITE_FIXED on every kernel this program runs on. */
	if (op == URT_OP_READ || op == URT_OP_WRITE) {
		a->unregistered = 1;
		return 0;
	}
	if (op == URT_OP_READV || op == URT_OP_WRITEV) {
		a->unregistered = vectored_fixed != 0;
		return 0;
	}
	if (!(bit & (URT_PATH_OPS | URT_PEER_OPS)))
		return 0;
	/* The record scratch is free here: stash_submitted fills it later, from scratch. */
	s = scratch_record();
	if (!s)
		return 0;
	if (req) {
		if (!sqe_from_ring(req, &s->rec.args))
			return 0; /* the SQ ring no longer holds it: nothing known, no such rule holds */
	} else if (!sqe || bpf_probe_read_kernel(s->rec.args.sqe, sizeof(s->rec.args.sqe), (void *)sqe)) {
		return 0;
	}
	q = (void *)s->rec.args.sqe;
	if (op == URT_OP_SEND_ZC)
		a->unregistered = !(q->ioprio & URT_RECVSEND_FIXED_BUF);
	else if (op == URT_OP_SENDMSG_ZC)
		a->unregistered = vectored_fixed && !(q->ioprio & URT_RECVSEND_FIXED_BUF);
	read_user_args(s);
	if (bit & URT_PATH_OPS) {
		if ((s->rec.args.mem[0].state & ~URT_MEM_CUT) == URT_MEM_STR) {
			a->paths_read |= 1;
			a->path_hits[0] = path_hits(cand, &s->rec.args.mem[0], 0);
		}
		if ((bit & URT_TWO_PATH_OPS) && (s->rec.args.mem[1].state & ~URT_MEM_CUT) == URT_MEM_STR) {
			a->paths_read |= 2;
			a->path_hits[1] = path_hits(cand, &s->rec.args.mem[1], 1);
		}
	} else {
		peer_facts(s, cand, a);
	}
	return 0;
}

#endif

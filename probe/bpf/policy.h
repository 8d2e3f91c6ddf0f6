/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Policy evaluation (see struct urt_policy in abi.h; common/src/policy is the specification and
 * has a reference evaluator the tests compare against).
 *
 * Cost model: everything that depends only on (process, ring, opcode) is decided once, when a
 * CPU's hot cache misses (see locate() in helpers.h), and kept in the cache entry: the rules that
 * can still match (`cand`) and, when the first of them has no SQE-flag condition, the verdict
 * itself. Per SQE that leaves a branch on a cached value, or one array lookup indexed by the SQE's
 * flags when a flag condition decides. The per-rule loop (pid, uid, ring setup flags,
 * process-name glob) runs only on a cache miss, through bpf_loop (Linux 5.17+) so the verifier
 * checks its body once.
 */
#ifndef URINGTOP_POLICY_H
#define URINGTOP_POLICY_H

/* Set by the loader before load (EbpfLoader::override_global): 0 compiles the policy code away. */
const volatile __u32 policy_enabled = 0;

/*
 * The bit of io_kiocb.flags set when the SQE named a personality (REQ_F_CREDS_BIT), from the
 * kernel's BTF: it sits in an anonymous enum that CO-RE cannot relocate, and it moves between
 * kernel versions (19 on 6.18). 64: unknown, no SQE counts as naming a personality.
 */
const volatile __u32 creds_flag_bit = 64;

/* Index into urt_policy.flags for a submitted request: its IOSQE bits and personality. */
static __always_inline __u32 policy_flags_of(struct io_kiocb *req, __u8 sqe_flags)
{
	__u32 f = sqe_flags;

	if (creds_flag_bit < 64 && ((req->flags >> (creds_flag_bit & 63)) & 1))
		f |= URT_FLAG_PERSONALITY;
	return f;
}

#define SIGKILL 9

/* struct urt_verdict (maps.h, in the cache entry): URT_ACTION_* and the rule position
 * (URT_NO_RULE: the policy's default decided). */

static __always_inline struct urt_policy *policy_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&policy, &zero);
}

/* Index of the lowest set bit (mask != 0), by shifts: clang 14 crashes on __builtin_ctzll. */
static __always_inline __u32 lowest_bit(__u64 mask)
{
	return log2_u64(mask & -mask);
}

/* State of the identity loop: which rules match this process by pid, uid and name. */
struct urt_identity {
	char comm[16];
	__u32 tgid;
	__u32 uid;
	__u32 setup_flags; /* of the ring: rules needing a setup flag it lacks do not match */
	__s32 ring_fd;     /* of the ring (-1: creation not seen): rules selecting another do not match */
	__u32 rule;  /* rule being matched */
	__u32 fresh; /* 1: `rule` has not been started */
	/* glob matcher (same algorithm as common/src/policy glob_match) */
	__u32 p, c, mark;
	__s32 star; /* -1: no '*' seen yet */
	__u64 mask; /* result: bit i = rule i matches the identity */
};

static __always_inline void identity_next_rule(struct urt_identity *x, bool matched)
{
	if (matched)
		x->mask |= 1ULL << (x->rule & (URT_MAX_RULES - 1));
	x->rule += 1;
	x->fresh = 1;
}

/* One step of the identity loop: starts a rule, or advances its glob by one character. */
static long identity_step(__u64 i, void *data)
{
	struct urt_identity *x = data;
	struct urt_policy *pol = policy_get();
	struct urt_rule *r;
	__u32 plen;
	char pc, cc;

	if (!pol || x->rule >= pol->nrules || x->rule >= URT_MAX_RULES)
		return 1; /* every rule decided: stop */
	r = &pol->rules[x->rule & (URT_MAX_RULES - 1)];
	if (x->fresh) {
		x->fresh = 0;
		if ((r->pid && r->pid != x->tgid) || (r->uid != URT_ANY_UID && r->uid != x->uid) ||
		    (r->setup_flags & ~x->setup_flags) ||
		    (r->ring_fd != URT_ANY_RING_FD && r->ring_fd != x->ring_fd)) {
			identity_next_rule(x, false);
			return 0;
		}
		if (!r->comm_len) {
			identity_next_rule(x, true);
			return 0;
		}
		x->p = 0;
		x->c = 0;
		x->mark = 0;
		x->star = -1;
		return 0;
	}
	plen = r->comm_len > 16 ? 16 : r->comm_len;
	pc = x->p < plen ? r->comm[x->p & 15] : 0;
	cc = x->c < 16 ? x->comm[x->c & 15] : 0; /* comm is NUL-terminated within 16 bytes */
	if (cc) {
		if (x->p < plen && (pc == '?' || pc == cc)) {
			x->p += 1;
			x->c += 1;
		} else if (x->p < plen && pc == '*') {
			x->star = x->p;
			x->mark = x->c;
			x->p += 1;
		} else if (x->star >= 0) {
			x->p = x->star + 1;
			x->mark += 1;
			x->c = x->mark;
		} else {
			identity_next_rule(x, false);
		}
		return 0;
	}
	/* The name is used up: only trailing stars may remain in the pattern. */
	if (x->p < plen && pc == '*') {
		x->p += 1;
		return 0;
	}
	identity_next_rule(x, x->p == plen);
	return 0;
}

/* Worst case per rule: a start, (16 + 1) x (16 + 1) glob steps, 16 trailing stars. */
#define URT_IDENTITY_STEPS (URT_MAX_RULES * (1 + 17 * 17 + 16))

/*
 * Rules that match the current task (pid, uid, process name) on a ring with `setup_flags`. Every
 * per-rule test runs inside the bpf_loop callback, which the verifier checks once, instead of
 * loops in the program itself.
 */
static __always_inline __u64 identity_rules(__u32 tgid, __u32 setup_flags, __s32 ring_fd)
{
	struct urt_identity x = {};

	x.tgid = tgid;
	x.uid = (__u32)bpf_get_current_uid_gid();
	x.setup_flags = setup_flags;
	x.ring_fd = ring_fd;
	/*
	 * Every field the loop carries starts from opaque_zero(). Kernels before 6.7 (Debian's
	 * 6.1.0-57 among them) verify a bpf_loop callback as if it ran once, from the state it starts
	 * with: from constants they would hard-wire the callback's branches for the first step, and
	 * no rule would ever match. 6.7+ iterates the callback to convergence: from constants 7.2's
	 * verifier gave up on on_submit_req at 1M instructions while 6.12's and 6.18's took it;
	 * from the opaque start 6.18 takes 648k and 7.2 loads it (measured under qemu).
	 */
	{
		__u32 zero = opaque_zero();

		x.rule = zero;
		x.fresh = 1 ^ zero;
		x.p = zero;
		x.c = zero;
		x.mark = zero;
		x.star = (__s32)zero - 1;
		x.mask = zero;
	}
	leader_comm(x.comm);
	bpf_loop(URT_IDENTITY_STEPS, identity_step, &x, 0);
	return x.mask;
}

/* A decided verdict from a mask of matching rules (0: the default). */
static __always_inline void verdict_of(struct urt_policy *pol, __u64 matching, struct urt_verdict *v)
{
	__u32 rule;

	v->enforced = 0;
	if (!matching) {
		v->rule = URT_NO_RULE;
		v->action = pol->default_action;
		return;
	}
	rule = lowest_bit(matching) & (URT_MAX_RULES - 1);
	v->rule = rule;
	v->action = pol->rules[rule].action;
}

/* Allow, by no rule: the verdict when the policy map cannot be read (never, once loaded). */
static __always_inline void verdict_allow(struct urt_verdict *v)
{
	v->rule = URT_NO_RULE;
	v->action = URT_ACTION_ALLOW;
	v->enforced = 0;
}

/*
 * The policy applies to this task: no scope, or the scope process is among its ancestors (its
 * parent's group, that one's, ... up to URT_SCOPE_DEPTH). `uringtop run` scopes its policy to
 * its own descendants (it is a subreaper, so orphans stay in the tree).
 */
static __always_inline bool in_scope(struct urt_policy *pol)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 scope = pol->scope_tgid;
	int i;

	if (!scope)
		return true;
	for (i = 0; i < URT_SCOPE_DEPTH; i++) {
		task = BPF_CORE_READ(task, group_leader, real_parent);
		if (!task)
			return false;
		if ((__u32)BPF_CORE_READ(task, tgid) == scope)
			return true;
		if (BPF_CORE_READ(task, pid) <= 1)
			return false; /* init: no further ancestor */
	}
	return false;
}

/* The rules among `by_op` (those covering the opcode) that match this task and ring. */
static __always_inline __u64 matching_rules(__u64 by_op, __u32 tgid, __u32 setup_flags, __s32 ring_fd)
{
	return by_op ? by_op & identity_rules(tgid, setup_flags, ring_fd) : 0;
}

/* An SQE's arguments that rules can look at: the ones Linux 7.0's io_uring BPF filters see, and
 * what `paths`, `peers` and `fixed_buffers` rules judge (filled by mem_facts, policy_args.h). */
#define URT_ARGS_UNKNOWN 0
#define URT_ARGS_SOCKET 1
#define URT_ARGS_OPEN 2
struct urt_rule_args {
	__u32 kind;   /* URT_ARGS_* */
	__u32 domain; /* SOCKET: address family */
	__u32 type;   /* SOCKET: type (flags above the low 4 bits) */
	__u32 _pad;
	__u64 oflags; /* OPENAT/OPENAT2: O_* */
	__u64 path_hits[2]; /* bit j: urt_policy.paths[j] matches the SQE's first / second path */
	__u64 peer_hits;    /* bit j: urt_policy.peers[j] matches its socket address */
	__u8 paths_read;    /* bit k: path k could be read */
	__u8 peer_known;    /* it names a socket address that could be read */
	__u8 unregistered;  /* its buffer is not registered, where the kernel has the registered form */
	__u8 _pad2[5];
};

/* Reads what `paths`, `peers` and `fixed_buffers` rules among `cand` judge (policy_args.h). */
static __noinline int mem_facts(struct io_kiocb *req, const struct io_uring_sqe *sqe, __u32 op, __u64 cand,
				struct urt_rule_args *a);

/* State of the argument loop: candidates left, lowest first. */
struct urt_arg_walk {
	__u64 mask;
	struct urt_rule_args args;
};

/* A list's masks hold for one address or path: a plain entry hit (or there is none), no negated one. */
static __always_inline bool list_holds(__u64 pos, __u64 neg, __u64 hits)
{
	return (!pos || (hits & pos)) && !(hits & neg);
}

/* Rule i's argument conditions hold (common/src/policy/args.rs args_hold is the specification). */
static __always_inline bool rule_args_hold(struct urt_policy *pol, __u32 i, struct urt_rule_args *a)
{
	struct urt_rule *r = &pol->rules[i & (URT_MAX_RULES - 1)];
	__u64 pos, neg;

	if (r->socket_domains || r->socket_types) {
		if (a->kind != URT_ARGS_SOCKET)
			return false;
		if (r->socket_domains && !(a->domain < 64 && ((r->socket_domains >> (a->domain & 63)) & 1)))
			return false;
		if (r->socket_types && !((r->socket_types >> (a->type & 15)) & 1))
			return false;
	}
	if (r->open_flags_any && (a->kind != URT_ARGS_OPEN || !(a->oflags & r->open_flags_any)))
		return false;
	if (r->arg_kinds & URT_ARG_PATHS) {
		pos = pol->path_pos[i & (URT_MAX_RULES - 1)];
		neg = pol->path_neg[i & (URT_MAX_RULES - 1)];
		if (!((a->paths_read & 1) && list_holds(pos, neg, a->path_hits[0])) &&
		    !((a->paths_read & 2) && list_holds(pos, neg, a->path_hits[1])))
			return false;
	}
	if (r->arg_kinds & URT_ARG_PEERS) {
		pos = pol->peer_pos[i & (URT_MAX_RULES - 1)];
		neg = pol->peer_neg[i & (URT_MAX_RULES - 1)];
		if (!a->peer_known || !list_holds(pos, neg, a->peer_hits))
			return false;
	}
	if ((r->arg_kinds & URT_ARG_FIXED_BUFFERS) && !a->unregistered)
		return false;
	return true;
}

/* One step: the lowest candidate wins unless it is an argument rule whose arguments do not hold. */
static long arg_step(__u64 i, void *data)
{
	struct urt_arg_walk *w = data;
	struct urt_policy *pol = policy_get();
	__u64 low = w->mask & -w->mask;

	if (!pol || !low || !(pol->arg_rules & low))
		return 1;
	if (rule_args_hold(pol, lowest_bit(low), &w->args))
		return 1;
	w->mask &= ~low;
	return 0;
}

/* `mask` less the argument rules, lowest first, that do not hold before the first that decides. */
static __always_inline __u64 args_filter(struct urt_policy *pol, __u64 mask, struct urt_rule_args *args)
{
	struct urt_arg_walk w = {};

	if (!(mask & pol->arg_rules))
		return mask;
	w.mask = mask;
	w.args = *args;
	bpf_loop(URT_MAX_RULES, arg_step, &w, 0);
	return w.mask;
}

/* The loaded policy when it applies to the current process, else NULL; either way `v` starts as
 * allow, the verdict when no rule matches. */
static __always_inline struct urt_policy *policy_for_current(struct urt_verdict *v)
{
	struct urt_policy *pol = policy_get();

	verdict_allow(v);
	if (!pol || !in_scope(pol))
		return 0;
	return pol;
}

/*
 * Slow path, on a hot-cache miss: what the policy says about this process's SQEs of `op` on a
 * ring with `setup_flags`. Returns the candidate rules when the SQE's flags still decide (the
 * first candidate has a flag condition), else 0 with the verdict decided in `v`.
 */
static __always_inline __u64 policy_prepare_sqe(__u32 tgid, __u32 setup_flags, __s32 ring_fd, __u8 op,
						struct urt_verdict *v)
{
	struct urt_policy *pol = policy_for_current(v);
	__u64 cand;

	if (!pol)
		return 0;
	cand = matching_rules(pol->sqe_rules & pol->sqe_ops[op], tgid, setup_flags, ring_fd);
	if (cand && ((cand & -cand) & pol->conditional))
		return cand;
	verdict_of(pol, cand, v);
	return 0;
}

/*
 * Hot path: the verdict on one SQE, from what the cache entry kept. `flags` indexes urt_policy.flags
 * (IOSQE bits | URT_FLAG_PERSONALITY); `args` holds its socket or open arguments. The SQE's paths,
 * socket address and buffer kind are read (mem_facts) only when an argument rule is the first
 * candidate left and a `paths`, `peers` or `fixed_buffers` rule is among the candidates, which
 * the opcode already narrowed: other opcodes never pay for them. `req` (submitted) or `sqe`
 * (refused at submission) says where the SQE is; the other is NULL.
 */
static __always_inline void policy_judge_sqe(__u64 cand, struct urt_verdict *cached, __u32 flags,
					     struct urt_rule_args *args, struct io_kiocb *req,
					     const struct io_uring_sqe *sqe, __u8 op, struct urt_verdict *v)
{
	struct urt_policy *pol;
	__u64 c;

	*v = *cached;
	if (!cand)
		return;
	pol = policy_get();
	if (!pol)
		return;
	c = cand & pol->flags[flags & 0xff];
	if ((c & -c & pol->arg_rules) && (c & pol->mem_rules))
		mem_facts(req, sqe, op, c & pol->mem_rules, args);
	verdict_of(pol, args_filter(pol, c, args), v);
}

/* The verdict on an io_uring_register call (rare: evaluated in full every time). */
static __always_inline void policy_judge_register(__u32 tgid, __u32 setup_flags, __s32 ring_fd, __u32 opcode,
						  struct urt_verdict *v)
{
	struct urt_policy *pol = policy_for_current(v);
	__u64 cand;

	if (!pol)
		return;
	cand = opcode < 64 ? pol->register_rules & pol->register_ops[opcode & 63] : 0;
	verdict_of(pol, matching_rules(cand, tgid, setup_flags, ring_fd), v);
}

/* Counts a rule's verdict, and carries out a kill when enforcing. */
static __always_inline void policy_act(struct urt_verdict *v)
{
	struct urt_policy *pol;
	__u32 rule = v->rule;
	__u64 *hits;

	if (rule != URT_NO_RULE) {
		hits = bpf_map_lookup_elem(&rule_hits, &rule);
		if (hits)
			*hits += 1; /* per-CPU */
	}
	if (v->action != URT_ACTION_KILL)
		return;
	pol = policy_get();
	/* Like SECCOMP_RET_KILL_PROCESS, but after the fact: the SQE was already accepted. */
	if (pol && pol->enforce && bpf_send_signal(SIGKILL) == 0)
		v->enforced = 1;
}

#endif

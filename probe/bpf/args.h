/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A streamed request's arguments (struct urt_args in abi.h): the SQE the program wrote, and the user
 * memory its pointers name, captured at submission. Only streamed requests pay for this (the
 * counters' hot path never comes here); decoding is userspace's (common/src/args).
 */
#ifndef URINGTOP_ARGS_H
#define URINGTOP_ARGS_H

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

/* The record being built at submission: too big for the BPF stack, so one per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct urt_stashed);
} record_scratch SEC(".maps");

/* An empty record to fill (NULL only if the map lookup fails, which it cannot for index 0). */
static __always_inline struct urt_stashed *scratch_record(void)
{
	__u32 zero = 0;
	struct urt_stashed *s = bpf_map_lookup_elem(&record_scratch, &zero);

	if (s)
		__builtin_memset(s, 0, sizeof(*s));
	return s;
}

/*
 * Copies the SQE the kernel is submitting from the SQ ring into `a`: io_submit_sqes has just
 * consumed it (cached_sq_head - 1, through sq_array unless IORING_SETUP_NO_SQARRAY, doubled for
 * SQE128), and it stays in place until the submission batch ends (Linux 5.1 to 7.x; checked on
 * 6.18 for plain and SQPOLL rings by tests/tests/args_decoded.rs). Only an SQE with this request's
 * opcode and user_data is believed.
 */
static __always_inline bool sqe_from_ring(struct io_kiocb *req, struct urt_args *a)
{
	struct io_ring_ctx *ctx = req->ctx;
	struct urt_sqe *sqe = (void *)a->sqe;
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
	if (bpf_probe_read_kernel(a->sqe, sizeof(a->sqe), (void *)(sqes + 64 * (__u64)head)))
		return false;
	return sqe->opcode == req->opcode && sqe->user_data == req->cqe.user_data;
}

/* What the io_kiocb still says of the SQE, when the SQ ring no longer holds it. */
static __always_inline void sqe_from_request(struct io_kiocb *req, struct urt_record *rec)
{
	struct urt_sqe *sqe = (void *)rec->args.sqe;

	__builtin_memset(rec->args.sqe, 0, sizeof(rec->args.sqe));
	sqe->opcode = rec->opcode;
	sqe->flags = rec->sqe_flags;
	sqe->fd = rec->fd;
	sqe->user_data = rec->user_data;
	sqe->off = rec->off;
	sqe->addr = rec->addr;
	sqe->len = rec->len;
	rec->args.source = URT_SQE_REQUEST;
}

/* A NUL-terminated string at a user pointer: cut at URT_ARG_MEM - 1 bytes, and says so. */
static __always_inline void read_user_str(struct urt_mem *m, char *dst, __u64 ptr)
{
	long n = bpf_probe_read_user_str(dst, URT_ARG_MEM, (void *)ptr);
	char next = 0;

	if (n < 0) {
		m->state = URT_MEM_UNREADABLE;
		m->len = n;
		return;
	}
	m->state = URT_MEM_STR;
	m->len = n > 0 ? n - 1 : 0;
	/* A full buffer may hold the whole string (exactly 255 bytes) or its start: the byte the NUL
	 * replaced tells. */
	if (n == URT_ARG_MEM && !bpf_probe_read_user(&next, 1, (void *)(ptr + URT_ARG_MEM - 1)) && next)
		m->state |= URT_MEM_CUT;
}

/* `len` bytes of a structure at a user pointer (a socket address, an open_how, a timespec). */
static __always_inline void read_user_bytes(struct urt_mem *m, char *dst, __u64 ptr, __u64 len)
{
	__u32 n = len > URT_ARG_MEM ? URT_ARG_MEM : len;
	long err;

	n &= 0x1ff; /* the verifier wants the bound in the register itself */
	if (n > URT_ARG_MEM)
		n = URT_ARG_MEM;
	err = bpf_probe_read_user(dst, n, (void *)ptr);
	if (err < 0) {
		m->state = URT_MEM_UNREADABLE;
		m->len = err;
		return;
	}
	m->state = URT_MEM_BYTES | (len > URT_ARG_MEM ? URT_MEM_CUT : 0);
	m->len = n;
}

#define URT_TIMEOUT_UPDATE 2 /* IORING_TIMEOUT_UPDATE, timeout_flags of TIMEOUT_REMOVE (5.11+) */

/*
 * Reads the user memory the SQE's pointers name, by opcode (numbers and field uses from
 * include/uapi/linux/io_uring.h and each opcode's prep in io_uring/, 6.18). It runs in the submitter
 * or its SQPOLL thread, whose mm is the submitter's. Memory that is paged out reads as unreadable
 * (a tracepoint cannot fault pages in): programs' paths and addresses are almost always resident.
 * A subprogram, not inlined: it keeps the verifier's work on on_submit_req what it was.
 */
static __noinline int read_user_args(struct urt_stashed *s)
{
	struct urt_sqe *sqe = (void *)s->rec.args.sqe;
	struct urt_mem *m = s->rec.args.mem;
	struct { __u64 name; __u32 namelen; } msg = {};
	long err;

#ifdef URT_MEASURE_NO_USER_MEM
	/* Built so, the probe reads no user memory: what reading it costs (tests/examples/
	 * arg_capture_cost.rs). Never in the committed object. */
	return 0;
#endif
	switch (sqe->opcode) {
	case 18: /* OPENAT */
	case 21: /* STATX */
	case 36: /* UNLINKAT */
	case 37: /* MKDIRAT */
	case 41: /* FSETXATTR: the attribute's name */
	case 43: /* FGETXATTR */
		read_user_str(&m[0], s->mem[0], sqe->addr);
		break;
	case 28: /* OPENAT2: path, struct open_how at addr2 (len = its size) */
		read_user_str(&m[0], s->mem[0], sqe->addr);
		read_user_bytes(&m[1], s->mem[1], sqe->off, sqe->len);
		break;
	case 35: /* RENAMEAT: old path at addr, new at addr2 */
	case 38: /* SYMLINKAT: target at addr, link path at addr2 */
	case 39: /* LINKAT */
		read_user_str(&m[0], s->mem[0], sqe->addr);
		read_user_str(&m[1], s->mem[1], sqe->off);
		break;
	case 42: /* SETXATTR: path at addr3, name at addr */
	case 44: /* GETXATTR */
		read_user_str(&m[0], s->mem[0], sqe->addr3);
		read_user_str(&m[1], s->mem[1], sqe->addr);
		break;
	case 16: /* CONNECT: sockaddr at addr, its length in addr2 */
	case 56: /* BIND */
		read_user_bytes(&m[0], s->mem[0], sqe->addr, sqe->off);
		break;
	case 9:  /* SENDMSG: struct msghdr at addr; its msg_name */
	case 48: /* SENDMSG_ZC */
		err = bpf_probe_read_user(&msg, sizeof(msg), (void *)sqe->addr);
		if (err < 0) {
			m[0].state = URT_MEM_UNREADABLE;
			m[0].len = err;
		} else if (msg.name) {
			read_user_bytes(&m[0], s->mem[0], msg.name, msg.namelen);
		}
		break;
	case 26: /* SEND: a destination at addr2 (6.10+), its length in addr_len */
	case 47: /* SEND_ZC */
		if (sqe->off)
			read_user_bytes(&m[0], s->mem[0], sqe->off, sqe->file_index & 0xffff);
		break;
	case 11: /* TIMEOUT: struct __kernel_timespec at addr */
	case 15: /* LINK_TIMEOUT */
		read_user_bytes(&m[0], s->mem[0], sqe->addr, 16);
		break;
	case 12: /* TIMEOUT_REMOVE with IORING_TIMEOUT_UPDATE: the new timespec at addr2 */
		if (sqe->op_flags & URT_TIMEOUT_UPDATE)
			read_user_bytes(&m[0], s->mem[0], sqe->off, 16);
		break;
	case 29: /* EPOLL_CTL: struct epoll_event (packed, 12 bytes on x86-64) at addr */
		if (sqe->addr)
			read_user_bytes(&m[0], s->mem[0], sqe->addr, 12);
		break;
	}
	return 0;
}

/* The argument part of a request being submitted (io_uring_submit_req). */
static __always_inline void capture_submitted_args(struct io_kiocb *req, struct urt_stashed *s)
{
	if (sqe_from_ring(req, &s->rec.args)) {
		s->rec.args.source = URT_SQE_RING;
		read_user_args(s);
	} else {
		sqe_from_request(req, &s->rec);
	}
}

/* The argument part of a request refused at submission (io_uring_req_failed passes its SQE). */
static __always_inline void capture_failed_args(const struct io_uring_sqe *sqe, struct urt_stashed *s)
{
	if (bpf_probe_read_kernel(s->rec.args.sqe, sizeof(s->rec.args.sqe), (void *)sqe))
		return;
	s->rec.args.source = URT_SQE_FAILED;
	read_user_args(s);
}

/* How many bytes of a stashed record go out: its user memory only when it has some. */
static __always_inline __u32 record_size(struct urt_stashed *s)
{
	return s->rec.args.mem[0].state == URT_MEM_NONE && s->rec.args.mem[1].state == URT_MEM_NONE
		       ? sizeof(struct urt_record)
		       : sizeof(struct urt_stashed);
}

#endif

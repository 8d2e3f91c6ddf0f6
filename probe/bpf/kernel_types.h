/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The few kernel types the probe reads, declared by hand instead of a multi-megabyte vmlinux.h.
 * preserve_access_index makes every field access a CO-RE relocation, resolved by aya against the
 * running kernel's BTF, so only the names and types here must match the kernel, not the offsets.
 * Checked against 6.18 (`bpftool btf dump file /sys/kernel/btf/vmlinux format c`).
 */
#ifndef URINGTOP_KERNEL_TYPES_H
#define URINGTOP_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

/* Map type and flag numbers are uapi (linux/bpf.h), stable since they were introduced. */
enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

typedef struct {
	int counter;
} atomic_t;

/* `live` counts the group's threads not yet exiting: 0 at the last one's sched_process_exit. */
struct signal_struct {
	atomic_t live;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *group_leader;
	struct task_struct *real_parent;
	struct signal_struct *signal;
	char comm[16];
} __attribute__((preserve_access_index));

/* Setup flags, ring sizes and the SQ ring sit in anonymous structs in the kernel; CO-RE matches
 * them by name. */
struct io_ring_ctx {
	unsigned int flags;
	unsigned int sq_entries;
	unsigned int cq_entries;
	unsigned int cached_sq_head;
	__u32 *sq_array;
	struct io_uring_sqe *sq_sqes;
} __attribute__((preserve_access_index));

struct io_cqe {
	__u64 user_data;
	__s32 res;
	union {
		__u32 flags;
		int fd; /* the SQE's fd until the request completes */
	};
} __attribute__((preserve_access_index));

struct io_cmd_data {
	struct file *file;
	__u8 data[56];
} __attribute__((preserve_access_index));

/* Since 6.10 `flags` is io_req_flags_t (u64); its low 7 bits mirror the SQE's IOSQE_* flags. */
struct io_kiocb {
	union {
		struct file *file;
		struct io_cmd_data cmd;
	};
	__u8 opcode;
	__u64 flags;
	struct io_cqe cqe;
	struct io_ring_ctx *ctx;
} __attribute__((preserve_access_index));

struct kiocb {
	__s64 ki_pos;
} __attribute__((preserve_access_index));

/* Per-op data of read/write opcodes, overlaid on io_kiocb.cmd (io_uring/rw.h). */
struct io_rw {
	struct kiocb kiocb;
	__u64 addr;
	__u32 len;
} __attribute__((preserve_access_index));

/* Per-op data of SOCKET and OPENAT/OPENAT2 after prep (io_uring/net.c, io_uring/openclose.c):
 * what rules on arguments look at, as Linux 7.0's io_uring BPF filters do. */
struct io_socket {
	int domain;
	int type;
} __attribute__((preserve_access_index));

struct open_how {
	__u64 flags;
} __attribute__((preserve_access_index));

struct io_open {
	struct open_how how;
} __attribute__((preserve_access_index));

struct io_uring_sqe {
	__u8 opcode;
	__u8 flags;
	__u16 ioprio;
	__s32 fd;
	union {
		__u64 off;
		__u64 addr2;
	};
	union {
		__u64 addr;
		__u64 splice_off_in;
	};
	__u32 len;
	__u32 rw_flags;
	__u64 user_data;
	__u16 personality; /* after buf_index; CO-RE finds it by name */
} __attribute__((preserve_access_index));

struct io_uring_cqe {
	__u64 user_data;
	__s32 res;
	__u32 flags;
} __attribute__((preserve_access_index));

#endif

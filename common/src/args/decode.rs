//! Each opcode's arguments, from the SQE fields its prep reads (io_uring/*.c, Linux 6.18) and the
//! user memory probe/bpf/args.h captured for it (the same opcode numbers, the same order).

use super::sockaddr::SockAddr;
use super::value::{Arg, FdArg, Value};
use super::{Mem, OpArgs, SqeSource};
use crate::arg_names::*;

const AT_FDCWD: i32 = -100;
const IOSQE_FIXED_FILE: u8 = 1;
const IOSQE_BUFFER_SELECT: u8 = 1 << 5;
/// IORING_FILE_INDEX_ALLOC: "any free slot" for opcodes that can open into the fixed table.
const FILE_INDEX_ALLOC: u32 = u32::MAX;
const SPLICE_F_FD_IN_FIXED: u32 = 1 << 31;

struct Ctx<'a> {
    a: &'a OpArgs,
    sqe_flags: u8,
    out: Vec<Arg>,
}

impl Ctx<'_> {
    fn push(&mut self, name: &'static str, value: Value) {
        self.out.push(Arg::new(name, value));
    }

    /// The fd the request works on: a registered file's index with IOSQE_FIXED_FILE.
    fn fd(&mut self, name: &'static str, fd: i32) {
        let v = if self.sqe_flags & IOSQE_FIXED_FILE != 0 {
            Value::Fd(FdArg::Fixed(fd as u32), None)
        } else {
            self.plain(fd)
        };
        self.push(name, v);
    }

    fn plain(&self, fd: i32) -> Value {
        Value::Fd(FdArg::Plain(fd), self.a.file(fd).map(str::to_string))
    }

    /// A directory fd of the *at family: AT_FDCWD or a plain fd (never a registered file).
    fn dirfd(&mut self, name: &'static str, fd: i32) {
        let v = if fd == AT_FDCWD {
            Value::Fd(FdArg::Cwd, None)
        } else {
            self.plain(fd)
        };
        self.push(name, v);
    }

    /// A string the probe read at `ptr` into piece `i` of the user memory.
    fn string(&mut self, name: &'static str, i: usize, ptr: u64) {
        let v = match &self.a.mem[i] {
            Mem::Str { bytes, cut } => Value::Str {
                text: String::from_utf8_lossy(bytes).into_owned(),
                cut: *cut,
            },
            Mem::Unreadable { errno } => Value::Unreadable {
                addr: ptr,
                errno: *errno,
            },
            _ => Value::Pointer(ptr),
        };
        self.push(name, v);
    }

    /// A structure the probe read into piece `i`, decoded by `f`; the pointer when it was not read.
    fn structure(
        &mut self,
        name: &'static str,
        i: usize,
        ptr: u64,
        f: impl FnOnce(&[u8]) -> Option<Value>,
    ) {
        let v = match &self.a.mem[i] {
            Mem::Bytes { bytes, .. } => f(bytes).unwrap_or(Value::Pointer(ptr)),
            Mem::Unreadable { errno } => Value::Unreadable {
                addr: ptr,
                errno: *errno,
            },
            _ => Value::Pointer(ptr),
        };
        self.push(name, v);
    }

    fn sockaddr(&mut self, name: &'static str, i: usize, ptr: u64) {
        self.structure(name, i, ptr, |b| SockAddr::parse(b).map(Value::SockAddr));
    }

    fn timespec(&mut self, name: &'static str, i: usize, ptr: u64) {
        self.structure(name, i, ptr, |b| {
            let sec = i64::from_le_bytes(b.get(0..8)?.try_into().ok()?);
            let nsec = i64::from_le_bytes(b.get(8..16)?.try_into().ok()?);
            Some(Value::Timespec { sec, nsec })
        });
    }

    /// A socket call's MSG_* flags, then io_uring's own send/recv flags (IORING_RECVSEND_*, kept
    /// in the SQE's ioprio) when there are any.
    fn msg_flags(&mut self, op_flags: u32, ioprio: u16) {
        self.flags("flags", u64::from(op_flags), MSG_FLAGS);
        if ioprio != 0 {
            self.flags("io_flags", u64::from(ioprio), RECVSEND_FLAGS);
        }
    }

    /// A byte range of a file: its offset and length (FSYNC, SYNC_FILE_RANGE, FALLOCATE, FADVISE).
    fn range(&mut self, offset: u64, len: u64) {
        self.push("offset", Value::Offset(offset));
        self.push("len", Value::UInt(len));
    }

    fn flags(&mut self, name: &'static str, value: u64, table: &'static [(u64, &'static str)]) {
        self.push(name, Value::Flags(flag_names(value, table)));
    }

    fn name(&mut self, name: &'static str, value: u64, table: &'static [(u64, &'static str)]) {
        self.push(name, Value::Name(value_name(value, table)));
    }

    /// Where an opening opcode puts its file: nothing for a plain fd, else the fixed slot.
    fn file_slot(&mut self, file_index: u32) {
        match file_index {
            0 => {}
            FILE_INDEX_ALLOC => {
                self.push("file_index", Value::Name("IORING_FILE_INDEX_ALLOC".into()))
            }
            n => self.push("file_index", Value::UInt(u64::from(n - 1))),
        }
    }

    /// SPLICE's and TEE's input, splice_fd_in (in the SQE's file_index): a registered file's
    /// index with SPLICE_F_FD_IN_FIXED, which sits in splice_flags, not in the SQE's flags.
    fn splice_fd_in(&mut self) {
        let s = self.a.sqe;
        let v = if s.op_flags & SPLICE_F_FD_IN_FIXED != 0 {
            Value::Fd(FdArg::Fixed(s.file_index), None)
        } else {
            self.plain(s.file_index as i32)
        };
        self.push("fd_in", v);
    }

    fn buf_group(&mut self) {
        if self.sqe_flags & IOSQE_BUFFER_SELECT != 0 {
            self.push("buf_group", Value::UInt(u64::from(self.a.sqe.buf_index)));
        }
    }
}

pub(super) fn decode(a: &OpArgs, opcode: u8, sqe_flags: u8) -> Vec<Arg> {
    let s = a.sqe;
    let mut c = Ctx {
        a,
        sqe_flags,
        out: Vec::new(),
    };
    if a.source == SqeSource::None {
        return c.out;
    }
    match opcode {
        0 => {} // NOP
        // READV, WRITEV, READ, WRITE, READ_FIXED, WRITE_FIXED, READV_FIXED, WRITEV_FIXED
        1 | 2 | 22 | 23 | 4 | 5 | 60 | 61 => {
            c.fd("fd", s.fd);
            c.push(
                if matches!(opcode, 1 | 2 | 60 | 61) {
                    "iov"
                } else {
                    "buf"
                },
                Value::Hex(s.addr),
            );
            c.push(
                if matches!(opcode, 1 | 2 | 60 | 61) {
                    "iovcnt"
                } else {
                    "len"
                },
                Value::UInt(u64::from(s.len)),
            );
            c.push("offset", Value::Offset(s.off));
            if s.op_flags != 0 {
                c.flags("rw_flags", u64::from(s.op_flags), RW_FLAGS);
            }
            if matches!(opcode, 4 | 5 | 60 | 61) {
                c.push("buf_index", Value::UInt(u64::from(s.buf_index)));
            }
            c.buf_group();
        }
        3 => {
            // FSYNC
            c.fd("fd", s.fd);
            c.flags("flags", u64::from(s.op_flags), FSYNC_FLAGS);
            if s.off != 0 || s.len != 0 {
                c.range(s.off, u64::from(s.len));
            }
        }
        6 => {
            // POLL_ADD
            c.fd("fd", s.fd);
            c.flags("events", u64::from(s.op_flags), POLL_EVENTS);
            if s.len != 0 {
                c.flags("flags", u64::from(s.len), POLL_ADD_FLAGS);
            }
        }
        7 => {
            // POLL_REMOVE
            c.push("target", Value::Hex(s.addr));
            if s.len != 0 {
                c.flags("flags", u64::from(s.len), POLL_ADD_FLAGS);
                c.push("new_user_data", Value::Hex(s.off));
                c.flags("events", u64::from(s.op_flags), POLL_EVENTS);
            }
        }
        8 => {
            // SYNC_FILE_RANGE
            c.fd("fd", s.fd);
            c.range(s.off, u64::from(s.len));
            c.flags("flags", u64::from(s.op_flags), SYNC_FILE_RANGE_FLAGS);
        }
        9 | 48 => {
            // SENDMSG, SENDMSG_ZC: the destination from msg_name, when there is one
            c.fd("fd", s.fd);
            c.push("msg", Value::Hex(s.addr));
            if !matches!(a.mem[0], Mem::None) {
                c.sockaddr("msg_name", 0, s.addr);
            }
            c.msg_flags(s.op_flags, s.ioprio);
        }
        10 => {
            // RECVMSG
            c.fd("fd", s.fd);
            c.push("msg", Value::Hex(s.addr));
            c.msg_flags(s.op_flags, s.ioprio);
            c.buf_group();
        }
        11 => {
            // TIMEOUT: completes after the timespec, or after `count` other completions
            c.timespec("timeout", 0, s.addr);
            c.push("count", Value::UInt(s.off));
            c.flags("flags", u64::from(s.op_flags), TIMEOUT_FLAGS);
        }
        12 => {
            // TIMEOUT_REMOVE (and update)
            c.push("target", Value::Hex(s.addr));
            c.flags("flags", u64::from(s.op_flags), TIMEOUT_FLAGS);
            if s.op_flags & 0x12 != 0 {
                c.timespec("timeout", 0, s.off);
            }
        }
        13 => {
            // ACCEPT
            c.fd("fd", s.fd);
            c.flags("flags", u64::from(s.op_flags), ACCEPT_FLAGS);
            if s.ioprio != 0 {
                c.flags("io_flags", u64::from(s.ioprio), ACCEPT_IOPRIO);
            }
            c.file_slot(s.file_index);
        }
        14 => {
            // ASYNC_CANCEL
            let flags = s.op_flags;
            if flags & 0x02 != 0 {
                let fixed = flags & 0x08 != 0;
                c.push(
                    "fd",
                    if fixed {
                        Value::Fd(FdArg::Fixed(s.fd as u32), None)
                    } else {
                        c.plain(s.fd)
                    },
                );
            } else {
                c.push("target", Value::Hex(s.addr));
            }
            c.flags("flags", u64::from(flags), CANCEL_FLAGS);
        }
        15 => {
            // LINK_TIMEOUT
            c.timespec("timeout", 0, s.addr);
            c.flags("flags", u64::from(s.op_flags), TIMEOUT_FLAGS);
        }
        16 | 56 => {
            // CONNECT, BIND
            c.fd("fd", s.fd);
            c.sockaddr("addr", 0, s.addr);
            c.push("addrlen", Value::UInt(s.off));
        }
        17 => {
            // FALLOCATE: mode in len, length in addr
            c.fd("fd", s.fd);
            c.flags("mode", u64::from(s.len), FALLOCATE_MODE);
            c.range(s.off, s.addr);
        }
        18 => {
            // OPENAT
            c.dirfd("dirfd", s.fd);
            c.string("path", 0, s.addr);
            c.push(
                "flags",
                Value::Flags(open_flag_names(u64::from(s.op_flags))),
            );
            if s.op_flags & 0o20100100 != 0 || s.len != 0 {
                c.push("mode", Value::Mode(s.len));
            }
            c.file_slot(s.file_index);
        }
        19 => {
            // CLOSE: a plain fd, or a registered file's slot
            if s.file_index != 0 {
                c.push("fd", Value::Fd(FdArg::Fixed(s.file_index - 1), None));
            } else {
                let v = c.plain(s.fd);
                c.push("fd", v);
            }
        }
        20 => {
            // FILES_UPDATE
            c.push("fds", Value::Hex(s.addr));
            c.push("nr", Value::UInt(u64::from(s.len)));
            c.push("offset", Value::UInt(s.off));
        }
        21 => {
            // STATX
            c.dirfd("dirfd", s.fd);
            c.string("path", 0, s.addr);
            c.flags("flags", u64::from(s.op_flags), AT_FLAGS);
            c.flags("mask", u64::from(s.len), STATX_MASK);
        }
        24 => {
            // FADVISE
            c.fd("fd", s.fd);
            c.range(s.off, u64::from(s.len));
            c.name("advice", u64::from(s.op_flags), FADVISE_ADVICE);
        }
        25 => {
            // MADVISE
            c.push("addr", Value::Hex(s.addr));
            c.push("len", Value::UInt(u64::from(s.len)));
            c.name("advice", u64::from(s.op_flags), MADVISE_ADVICE);
        }
        26 | 47 => {
            // SEND, SEND_ZC: a destination at addr2 (unconnected sockets)
            c.fd("fd", s.fd);
            c.push("buf", Value::Hex(s.addr));
            c.push("len", Value::UInt(u64::from(s.len)));
            c.flags("flags", u64::from(s.op_flags), MSG_FLAGS);
            if s.off != 0 {
                c.sockaddr("dest_addr", 0, s.off);
            }
            if s.ioprio != 0 {
                c.flags("io_flags", u64::from(s.ioprio), RECVSEND_FLAGS);
            }
            if s.ioprio & 4 != 0 {
                c.push("buf_index", Value::UInt(u64::from(s.buf_index)));
            }
        }
        27 | 58 => {
            // RECV, RECV_ZC
            c.fd("fd", s.fd);
            c.push("buf", Value::Hex(s.addr));
            c.push("len", Value::UInt(u64::from(s.len)));
            c.msg_flags(s.op_flags, s.ioprio);
            c.buf_group();
        }
        28 => {
            // OPENAT2: struct open_how { u64 flags, mode, resolve } at addr2
            c.dirfd("dirfd", s.fd);
            c.string("path", 0, s.addr);
            match &a.mem[1] {
                Mem::Bytes { bytes, .. } if bytes.len() >= 24 => {
                    let u = |i: usize| {
                        u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default())
                    };
                    c.push("flags", Value::Flags(open_flag_names(u(0))));
                    c.push("mode", Value::Mode(u(8) as u32));
                    c.flags("resolve", u(16), RESOLVE_FLAGS);
                }
                Mem::Unreadable { errno } => c.push(
                    "how",
                    Value::Unreadable {
                        addr: s.off,
                        errno: *errno,
                    },
                ),
                _ => c.push("how", Value::Pointer(s.off)),
            }
            c.file_slot(s.file_index);
        }
        29 => {
            // EPOLL_CTL: epfd, op, fd, struct epoll_event { u32 events; u64 data } (packed)
            let epfd = c.plain(s.fd);
            c.push("epfd", epfd);
            c.name("op", u64::from(s.len), EPOLL_CTL_OP);
            let target = c.plain(s.off as i32);
            c.push("fd", target);
            match &a.mem[0] {
                Mem::Bytes { bytes, .. } if bytes.len() >= 12 => {
                    let events = u32::from_le_bytes(bytes[0..4].try_into().unwrap_or_default());
                    c.flags("events", u64::from(events), POLL_EVENTS);
                    c.push(
                        "data",
                        Value::Hex(u64::from_le_bytes(
                            bytes[4..12].try_into().unwrap_or_default(),
                        )),
                    );
                }
                Mem::Unreadable { errno } => c.push(
                    "event",
                    Value::Unreadable {
                        addr: s.addr,
                        errno: *errno,
                    },
                ),
                _ if s.addr == 0 => {}
                _ => c.push("event", Value::Pointer(s.addr)),
            }
        }
        30 => {
            // SPLICE: in (splice_fd_in, off at splice_off_in) -> out (fd, off)
            c.splice_fd_in();
            c.push("off_in", Value::Offset(s.addr));
            c.fd("fd_out", s.fd);
            c.push("off_out", Value::Offset(s.off));
            c.push("len", Value::UInt(u64::from(s.len)));
            c.flags("flags", u64::from(s.op_flags), SPLICE_FLAGS);
        }
        33 => {
            // TEE
            c.splice_fd_in();
            c.fd("fd_out", s.fd);
            c.push("len", Value::UInt(u64::from(s.len)));
            c.flags("flags", u64::from(s.op_flags), SPLICE_FLAGS);
        }
        31 => {
            // PROVIDE_BUFFERS
            c.push("nr", Value::UInt(s.fd as u32 as u64));
            c.push("addr", Value::Hex(s.addr));
            c.push("len", Value::UInt(u64::from(s.len)));
            c.push("bgid", Value::UInt(u64::from(s.buf_index)));
            c.push("bid", Value::UInt(s.off));
        }
        32 => {
            // REMOVE_BUFFERS
            c.push("nr", Value::UInt(s.fd as u32 as u64));
            c.push("bgid", Value::UInt(u64::from(s.buf_index)));
        }
        34 => {
            // SHUTDOWN
            c.fd("fd", s.fd);
            c.name("how", u64::from(s.len), SHUTDOWN_HOW);
        }
        35 | 39 => {
            // RENAMEAT, LINKAT: old dirfd in fd, new dirfd in len
            c.dirfd("olddirfd", s.fd);
            c.string("oldpath", 0, s.addr);
            c.dirfd("newdirfd", s.len as i32);
            c.string("newpath", 1, s.off);
            let flags = if opcode == 35 { RENAME_FLAGS } else { AT_FLAGS };
            c.flags("flags", u64::from(s.op_flags), flags);
        }
        36 => {
            // UNLINKAT
            c.dirfd("dirfd", s.fd);
            c.string("path", 0, s.addr);
            c.flags("flags", u64::from(s.op_flags), AT_FLAGS);
        }
        37 => {
            // MKDIRAT
            c.dirfd("dirfd", s.fd);
            c.string("path", 0, s.addr);
            c.push("mode", Value::Mode(s.len));
        }
        38 => {
            // SYMLINKAT(target, newdirfd, linkpath)
            c.string("target", 0, s.addr);
            c.dirfd("newdirfd", s.fd);
            c.string("linkpath", 1, s.off);
        }
        40 => {
            // MSG_RING: the target ring's fd; data (res, user_data) or an fd to send
            c.fd("ring_fd", s.fd);
            c.name("cmd", s.addr, MSG_RING_CMD);
            if s.addr == 1 {
                c.push("src_fixed", Value::UInt(s.addr3));
                c.push(
                    "dst_fixed",
                    Value::UInt(u64::from(s.file_index.wrapping_sub(1))),
                );
            } else {
                c.push("res", Value::Int(i64::from(s.len as i32)));
            }
            c.push("user_data", Value::Hex(s.off));
            if s.op_flags != 0 {
                c.flags("flags", u64::from(s.op_flags), MSG_RING_FLAGS);
            }
        }
        41 | 43 => {
            // FSETXATTR, FGETXATTR
            c.fd("fd", s.fd);
            c.string("name", 0, s.addr);
            c.push("size", Value::UInt(u64::from(s.len)));
            if opcode == 41 {
                c.flags("flags", u64::from(s.op_flags), XATTR_FLAGS);
            }
        }
        42 | 44 => {
            // SETXATTR, GETXATTR
            c.string("path", 0, s.addr3);
            c.string("name", 1, s.addr);
            c.push("size", Value::UInt(u64::from(s.len)));
            if opcode == 42 {
                c.flags("flags", u64::from(s.op_flags), XATTR_FLAGS);
            }
        }
        45 => {
            // SOCKET: domain in fd, type in off, protocol in len
            let domain = s.fd as u32;
            c.push("domain", Value::Name(address_family_name(domain)));
            c.push("type", Value::Flags(socket_type_names(s.off)));
            c.push(
                "protocol",
                Value::Name(socket_protocol_name(domain, u64::from(s.len))),
            );
            c.file_slot(s.file_index);
        }
        46 => {
            // URING_CMD
            c.fd("fd", s.fd);
            c.push("cmd_op", Value::Hex(s.off & 0xffff_ffff));
        }
        49 => {
            // READ_MULTISHOT
            c.fd("fd", s.fd);
            c.push("len", Value::UInt(u64::from(s.len)));
            c.buf_group();
        }
        50 => {
            // WAITID
            c.name("idtype", u64::from(s.len), WAITID_IDTYPE);
            c.push("id", Value::Int(i64::from(s.fd)));
            c.flags("options", u64::from(s.file_index), WAITID_OPTIONS);
        }
        51 | 52 => {
            // FUTEX_WAIT (val: the expected value), FUTEX_WAKE (val: how many)
            c.push("uaddr", Value::Hex(s.addr));
            c.push("val", Value::UInt(s.off));
            c.push("mask", Value::Hex(s.addr3));
            c.push("flags", Value::Flags(futex2_flag_names(s.fd as u32 as u64)));
        }
        53 => {
            // FUTEX_WAITV
            c.push("waiters", Value::Hex(s.addr));
            c.push("nr", Value::UInt(u64::from(s.len)));
        }
        54 => {
            // FIXED_FD_INSTALL: a registered file becomes a plain fd
            c.push("fd", Value::Fd(FdArg::Fixed(s.fd as u32), None));
            c.flags("flags", u64::from(s.op_flags), FIXED_FD_INSTALL_FLAGS);
        }
        55 => {
            // FTRUNCATE
            c.fd("fd", s.fd);
            c.push("length", Value::UInt(s.off));
        }
        57 => {
            // LISTEN
            c.fd("fd", s.fd);
            c.push("backlog", Value::Int(i64::from(s.len as i32)));
        }
        59 => {
            // EPOLL_WAIT
            c.fd("epfd", s.fd);
            c.push("events", Value::Hex(s.addr));
            c.push("maxevents", Value::UInt(u64::from(s.len)));
        }
        62 => {
            // PIPE
            c.push("fds", Value::Hex(s.addr));
            c.push(
                "flags",
                Value::Flags(open_flag_names(u64::from(s.op_flags)).split_off(1)),
            );
            c.file_slot(s.file_index);
        }
        _ => {
            // A newer opcode: the SQE's main fields as they are.
            c.push("fd", Value::Int(i64::from(s.fd)));
            c.push("addr", Value::Hex(s.addr));
            c.push("len", Value::UInt(u64::from(s.len)));
            c.push("off", Value::Hex(s.off));
        }
    }
    c.out
}

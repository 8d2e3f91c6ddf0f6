//! An opcode's arguments, one concept end to end.
//!
//! The probe captures, for every streamed request, the SQE the program wrote (all of its 64
//! bytes) and up to two pieces of the user memory its pointers name (a path, a socket address, an
//! open_how, a timespec), read at submission (probe/bpf/args.h). [`OpArgs`] is that capture, plus
//! what each file descriptor it names was when the record arrived (resolved from /proc by the live
//! source, since a tracepoint has no helper to print a path). Recordings keep it as captured
//! (recording/codec.rs), and everything shown is decoded from it here, purely: [`OpArgs::decode`]
//! gives the named arguments of an opcode, [`result::decode_result`] what the CQE's result means.
//! Adding an opcode's decoding is one arm in decode.rs (and, for a new pointer, one case in
//! args.h).

mod decode;
pub mod present;
pub mod result;
pub mod sockaddr;
mod value;

pub use value::{args_json, args_text, quote, quote_into, Arg, FdArg, Value};

use crate::abi;
use serde::{Deserialize, Serialize};

/// What the probe captured of a request's arguments at submission.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpArgs {
    pub source: SqeSource,
    /// The SQE's fields (those that are not already the request's own: opcode, flags, user_data).
    pub sqe: Sqe,
    /// The user memory the opcode's pointers name, in the order decode.rs expects for the opcode.
    pub mem: [Mem; 2],
    /// What the plain (not registered) file descriptors the request names were when its record
    /// arrived: `/etc/passwd`, `socket:[1234]`, `TCP:[127.0.0.1:40000->127.0.0.1:5000]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FdFile>,
}

/// Where the SQE came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SqeSource {
    /// Not captured.
    #[default]
    None,
    /// The program's SQE, read from the SQ ring at submission.
    Ring,
    /// The SQE the kernel refused (io_uring_req_failed).
    Failed,
    /// Rebuilt from the kernel's request: only the fd and read/write's offset, address and length
    /// are known, and no user memory.
    Request,
}

impl SqeSource {
    pub fn name(self) -> &'static str {
        match self {
            SqeSource::None => "none",
            SqeSource::Ring => "ring",
            SqeSource::Failed => "failed",
            SqeSource::Request => "request",
        }
    }
}

/// `struct io_uring_sqe`'s fields by their general names; each opcode gives them its own meaning
/// (see decode.rs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sqe {
    pub ioprio: u16,
    pub fd: i32,
    /// off / addr2
    pub off: u64,
    /// addr / splice_off_in
    pub addr: u64,
    pub len: u32,
    /// rw_flags, open_flags, msg_flags, timeout_flags, ... (the union at offset 28)
    pub op_flags: u32,
    /// buf_index / buf_group
    pub buf_index: u16,
    pub personality: u16,
    /// file_index / splice_fd_in / addr_len (low 16 bits)
    pub file_index: u32,
    pub addr3: u64,
}

impl Sqe {
    /// Reads the fields of a 64-byte uapi SQE (little-endian, as on every machine uringtop runs).
    pub fn from_bytes(b: &[u8; 64]) -> Sqe {
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| u64::from(u32_at(i)) | (u64::from(u32_at(i + 4)) << 32);
        Sqe {
            ioprio: u16_at(2),
            fd: u32_at(4) as i32,
            off: u64_at(8),
            addr: u64_at(16),
            len: u32_at(24),
            op_flags: u32_at(28),
            buf_index: u16_at(40),
            personality: u16_at(42),
            file_index: u32_at(44),
            addr3: u64_at(48),
        }
    }
}

/// One piece of user memory an argument points to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mem {
    /// Not read (the opcode points to nothing the probe reads, or the pointer was NULL where NULL
    /// is allowed).
    #[default]
    None,
    /// A NUL-terminated string (without its NUL); `cut`: it went on past [`abi::ARG_MEM`] - 1 bytes.
    Str { bytes: Vec<u8>, cut: bool },
    /// A structure; `cut`: it was longer than [`abi::ARG_MEM`] bytes.
    Bytes { bytes: Vec<u8>, cut: bool },
    /// The pointer could not be read: an invalid address, or memory that was paged out.
    Unreadable { errno: u16 },
}

/// What a plain file descriptor was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdFile {
    pub fd: i32,
    pub what: String,
}

impl OpArgs {
    /// The argument part of a probe record; `mem` is what follows the record (empty, or
    /// 2 x [`abi::ARG_MEM`] bytes). None when the probe captured nothing.
    pub fn from_abi(args: &abi::Args, mem: &[u8]) -> Option<OpArgs> {
        let source = match args.source {
            abi::SQE_RING => SqeSource::Ring,
            abi::SQE_FAILED => SqeSource::Failed,
            abi::SQE_REQUEST => SqeSource::Request,
            _ => return None,
        };
        let piece = |i: usize| -> Mem {
            let m = args.mem[i];
            let data = mem.get(i * abi::ARG_MEM..(i + 1) * abi::ARG_MEM);
            let cut = m.state & abi::MEM_CUT != 0;
            let take = |data: &[u8]| {
                data[..usize::try_from(m.len).unwrap_or(0).min(abi::ARG_MEM)].to_vec()
            };
            match (m.state & !abi::MEM_CUT, data) {
                (abi::MEM_STR, Some(d)) => Mem::Str {
                    bytes: take(d),
                    cut,
                },
                (abi::MEM_BYTES, Some(d)) => Mem::Bytes {
                    bytes: take(d),
                    cut,
                },
                (abi::MEM_UNREADABLE, _) => Mem::Unreadable {
                    errno: m.len.unsigned_abs(),
                },
                _ => Mem::None,
            }
        };
        Some(OpArgs {
            source,
            sqe: Sqe::from_bytes(&args.sqe),
            mem: [piece(0), piece(1)],
            files: Vec::new(),
        })
    }

    /// What a plain fd was, if it was resolved.
    pub fn file(&self, fd: i32) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.fd == fd)
            .map(|f| f.what.as_str())
    }

    /// The named arguments of `opcode`, in the order strace would print them.
    pub fn decode(&self, opcode: u8, sqe_flags: u8) -> Vec<Arg> {
        decode::decode(self, opcode, sqe_flags)
    }

    /// The plain file descriptors this request names (its arguments' and, for opcodes that make
    /// one, the new fd its result is): what a live source resolves into [`OpArgs::files`].
    pub fn plain_fds(&self, opcode: u8, sqe_flags: u8, res: i32) -> Vec<i32> {
        let mut fds: Vec<i32> = self
            .decode(opcode, sqe_flags)
            .iter()
            .filter_map(|a| match &a.value {
                Value::Fd(FdArg::Plain(fd), _) => Some(*fd),
                _ => None,
            })
            .collect();
        if let Some(fd) = result::new_fd(opcode, res, self) {
            fds.push(fd);
        }
        fds.sort_unstable();
        fds.dedup();
        fds
    }
}

#[cfg(test)]
mod tests;

//! How inputs become message payloads.
//!
//! - A [`Sample`] is one message of JSON (serde): samples come once per interval, so their size
//!   matters little, and JSON keeps them readable by any MCAP tool.
//! - [`Request`]s are batched, many to a message (MCAP indexes every message with 16 bytes, too
//!   much per request), in a compact binary form: each request's fields as LEB128 varints, most
//!   of them as zigzag deltas from the previous request of the batch, and the process/thread/ring
//!   context only when it changed. zstd then compresses the chunk.

use crate::args::{FdFile, Mem, OpArgs, Sqe, SqeSource};
use crate::input::{ExecPath, Request, Sample};
use crate::verdict::{Action, Verdict};
use std::fmt;

/// A payload that does not decode: the file is damaged (or not ours).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for DecodeError {}

pub fn encode_sample(sample: &Sample) -> Vec<u8> {
    // Plain structs with integer-keyed maps serialize without error.
    serde_json::to_vec(sample).unwrap_or_default()
}

pub fn decode_sample(data: &[u8]) -> Result<Sample, DecodeError> {
    serde_json::from_slice(data).map_err(|_| DecodeError("a sample does not decode"))
}

const SAME_CONTEXT: u8 = 1;
const HAS_LATENCY: u8 = 1 << 1;
const PATH_SHIFT: u8 = 2;
/// Format 2: a verdict byte (and the rule, when one matched) follows the CQE flags.
const HAS_VERDICT: u8 = 1 << 4;
/// Format 3: the CQE's index within its request (a varint) follows the verdict.
const HAS_CQE_INDEX: u8 = 1 << 5;
/// Format 4: the request's arguments ([`OpArgs`]) follow the CQE index.
const HAS_ARGS: u8 = 1 << 6;
/// Bits that must be zero in a flags byte.
const UNKNOWN_FLAGS: u8 = !0b111_1111;
/// Tags of an argument's piece of user memory; `MEM_CUT` marks one that was cut.
const MEM_NONE: u8 = 0;
const MEM_STR: u8 = 1;
const MEM_BYTES: u8 = 2;
const MEM_UNREADABLE: u8 = 3;
const MEM_CUT: u8 = 0x80;
/// Bounds a damaged file cannot make a reader exceed.
const MAX_MEM: u64 = 4096;
const MAX_FILES: u64 = 64;
/// Bits of the verdict byte: the action in the low two, then these.
const VERDICT_HAS_RULE: u8 = 1 << 2;
const VERDICT_ENFORCED: u8 = 1 << 3;

/// Appends a batch of requests (count first).
pub fn encode_requests(requests: &[Request], out: &mut Vec<u8>) {
    put_varint(out, requests.len() as u64);
    let mut prev = Request::default();
    for r in requests {
        let same =
            r.pid == prev.pid && r.tid == prev.tid && r.ring == prev.ring && r.comm == prev.comm;
        let path = match r.path {
            ExecPath::Inline => 0,
            ExecPath::Poll => 1,
            ExecPath::IoWq => 2,
            ExecPath::Rejected => 3,
        };
        let flags = u8::from(same)
            | (u8::from(r.latency_ns.is_some()) << 1)
            | (path << PATH_SHIFT)
            | if r.verdict.is_some() { HAS_VERDICT } else { 0 }
            | if r.cqe_index != 0 { HAS_CQE_INDEX } else { 0 }
            | if r.args.is_some() { HAS_ARGS } else { 0 };
        out.push(flags);
        if !same {
            put_varint(out, u64::from(r.pid));
            put_varint(out, u64::from(r.tid));
            put_varint(out, u64::from(r.ring));
            put_varint(out, r.comm.len() as u64);
            out.extend_from_slice(r.comm.as_bytes());
        }
        put_delta(out, r.time_ns, prev.time_ns);
        if let Some(latency) = r.latency_ns {
            put_varint(out, latency);
        }
        out.push(r.opcode);
        out.push(r.sqe_flags);
        put_varint(out, zigzag(i64::from(r.fd)));
        put_delta(out, r.off, prev.off);
        put_delta(out, r.addr, prev.addr);
        put_varint(out, u64::from(r.len));
        put_delta(out, r.user_data, prev.user_data);
        put_varint(out, zigzag(i64::from(r.res)));
        put_varint(out, u64::from(r.cflags));
        if let Some(v) = r.verdict {
            let mut byte = v.action.abi();
            if v.rule.is_some() {
                byte |= VERDICT_HAS_RULE;
            }
            if v.enforced {
                byte |= VERDICT_ENFORCED;
            }
            out.push(byte);
            if let Some(rule) = v.rule {
                put_varint(out, u64::from(rule));
            }
        }
        if r.cqe_index != 0 {
            put_varint(out, u64::from(r.cqe_index));
        }
        if let Some(args) = &r.args {
            put_args(out, args);
        }
        prev = r.clone();
    }
}

/// Reads a batch written by [`encode_requests`]; the whole payload must be used.
pub fn decode_requests(data: &[u8]) -> Result<Vec<Request>, DecodeError> {
    let mut c = Cursor { data, at: 0 };
    let count = c.varint()?;
    // Every request takes at least 10 bytes: a corrupt count cannot make us allocate much.
    if count > (data.len() / 10) as u64 + 1 {
        return Err(DecodeError(
            "a request batch says it holds more than it can",
        ));
    }
    let mut out = Vec::with_capacity(count as usize);
    let mut prev = Request::default();
    for _ in 0..count {
        let flags = c.byte()?;
        if flags & UNKNOWN_FLAGS != 0 {
            return Err(DecodeError("a request has unknown flags"));
        }
        let mut r = Request::default();
        if flags & SAME_CONTEXT != 0 {
            r.pid = prev.pid;
            r.tid = prev.tid;
            r.ring = prev.ring;
            r.comm.clone_from(&prev.comm);
        } else {
            r.pid = c.u32()?;
            r.tid = c.u32()?;
            r.ring = c.u32()?;
            let len = c.varint()?;
            if len > 64 {
                return Err(DecodeError("a request's comm is too long"));
            }
            let bytes = c.take(len as usize)?;
            r.comm = std::str::from_utf8(bytes)
                .map_err(|_| DecodeError("a request's comm is not UTF-8"))?
                .to_string();
        }
        r.path = match (flags >> PATH_SHIFT) & 0b11 {
            0 => ExecPath::Inline,
            1 => ExecPath::Poll,
            2 => ExecPath::IoWq,
            _ => ExecPath::Rejected,
        };
        r.time_ns = c.delta(prev.time_ns)?;
        if flags & HAS_LATENCY != 0 {
            r.latency_ns = Some(c.varint()?);
        }
        r.opcode = c.byte()?;
        r.sqe_flags = c.byte()?;
        r.fd = i32::try_from(unzigzag(c.varint()?))
            .map_err(|_| DecodeError("a request's fd is out of range"))?;
        r.off = c.delta(prev.off)?;
        r.addr = c.delta(prev.addr)?;
        r.len = c.u32()?;
        r.user_data = c.delta(prev.user_data)?;
        r.res = i32::try_from(unzigzag(c.varint()?))
            .map_err(|_| DecodeError("a request's result is out of range"))?;
        r.cflags = c.u32()?;
        if flags & HAS_VERDICT != 0 {
            let byte = c.byte()?;
            if byte & !0b1111 != 0 {
                return Err(DecodeError("a request's verdict is not valid"));
            }
            let rule = if byte & VERDICT_HAS_RULE != 0 {
                Some(
                    u16::try_from(c.varint()?)
                        .map_err(|_| DecodeError("a request's rule is out of range"))?,
                )
            } else {
                None
            };
            r.verdict = Some(Verdict {
                action: Action::from_abi(byte & 0b11).unwrap_or_default(),
                rule,
                enforced: byte & VERDICT_ENFORCED != 0,
            });
        }
        if flags & HAS_CQE_INDEX != 0 {
            r.cqe_index = c.u32()?;
        }
        if flags & HAS_ARGS != 0 {
            r.args = Some(Box::new(c.args()?));
        }
        prev = r.clone();
        out.push(r);
    }
    if c.at != data.len() {
        return Err(DecodeError("a request batch has trailing bytes"));
    }
    Ok(out)
}

/// An [`OpArgs`]: its source, the SQE's fields as varints, each piece of user memory (a tag, then
/// its bytes or errno), and what its fds were.
fn put_args(out: &mut Vec<u8>, a: &OpArgs) {
    out.push(match a.source {
        SqeSource::None => 0,
        SqeSource::Ring => 1,
        SqeSource::Failed => 2,
        SqeSource::Request => 3,
    });
    let s = &a.sqe;
    put_varint(out, u64::from(s.ioprio));
    put_varint(out, zigzag(i64::from(s.fd)));
    put_varint(out, s.off);
    put_varint(out, s.addr);
    put_varint(out, u64::from(s.len));
    put_varint(out, u64::from(s.op_flags));
    put_varint(out, u64::from(s.buf_index));
    put_varint(out, u64::from(s.personality));
    put_varint(out, u64::from(s.file_index));
    put_varint(out, s.addr3);
    for m in &a.mem {
        match m {
            Mem::None => out.push(MEM_NONE),
            Mem::Str { bytes, cut } | Mem::Bytes { bytes, cut } => {
                let tag = if matches!(m, Mem::Str { .. }) {
                    MEM_STR
                } else {
                    MEM_BYTES
                };
                out.push(tag | if *cut { MEM_CUT } else { 0 });
                put_varint(out, bytes.len() as u64);
                out.extend_from_slice(bytes);
            }
            Mem::Unreadable { errno } => {
                out.push(MEM_UNREADABLE);
                put_varint(out, u64::from(*errno));
            }
        }
    }
    put_varint(out, a.files.len() as u64);
    for f in &a.files {
        put_varint(out, zigzag(i64::from(f.fd)));
        put_varint(out, f.what.len() as u64);
        out.extend_from_slice(f.what.as_bytes());
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `value - prev`, wrapping, as a zigzag varint: exact for every pair of u64.
fn put_delta(out: &mut Vec<u8>, value: u64, prev: u64) {
    put_varint(out, zigzag(value.wrapping_sub(prev) as i64));
}

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self
            .data
            .get(self.at)
            .ok_or(DecodeError("a request batch ends early"))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or(DecodeError("a request batch ends early"))?;
        let s = &self.data[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(DecodeError("a varint overflows"));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("a varint is too long"))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.varint()?).map_err(|_| DecodeError("a 32-bit field is out of range"))
    }

    fn delta(&mut self, prev: u64) -> Result<u64, DecodeError> {
        Ok(prev.wrapping_add(unzigzag(self.varint()?) as u64))
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        u16::try_from(self.varint()?).map_err(|_| DecodeError("a 16-bit field is out of range"))
    }

    fn i32(&mut self) -> Result<i32, DecodeError> {
        i32::try_from(unzigzag(self.varint()?)).map_err(|_| DecodeError("an fd is out of range"))
    }

    /// `n` bytes after a length no larger than `max`.
    fn bytes(&mut self, max: u64) -> Result<Vec<u8>, DecodeError> {
        let len = self.varint()?;
        if len > max {
            return Err(DecodeError("a request's argument is too long"));
        }
        Ok(self.take(len as usize)?.to_vec())
    }

    fn args(&mut self) -> Result<OpArgs, DecodeError> {
        let source = match self.byte()? {
            0 => SqeSource::None,
            1 => SqeSource::Ring,
            2 => SqeSource::Failed,
            3 => SqeSource::Request,
            _ => return Err(DecodeError("a request's arguments have an unknown source")),
        };
        let sqe = Sqe {
            ioprio: self.u16()?,
            fd: self.i32()?,
            off: self.varint()?,
            addr: self.varint()?,
            len: self.u32()?,
            op_flags: self.u32()?,
            buf_index: self.u16()?,
            personality: self.u16()?,
            file_index: self.u32()?,
            addr3: self.varint()?,
        };
        let mut mem = [Mem::None, Mem::None];
        for m in &mut mem {
            let tag = self.byte()?;
            let cut = tag & MEM_CUT != 0;
            *m = match tag & !MEM_CUT {
                MEM_NONE if !cut => Mem::None,
                MEM_STR => Mem::Str {
                    bytes: self.bytes(MAX_MEM)?,
                    cut,
                },
                MEM_BYTES => Mem::Bytes {
                    bytes: self.bytes(MAX_MEM)?,
                    cut,
                },
                MEM_UNREADABLE if !cut => Mem::Unreadable { errno: self.u16()? },
                _ => {
                    return Err(DecodeError(
                        "a request's argument memory has an unknown tag",
                    ))
                }
            };
        }
        let count = self.varint()?;
        if count > MAX_FILES {
            return Err(DecodeError("a request names too many files"));
        }
        let mut files = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let fd = self.i32()?;
            let what = String::from_utf8(self.bytes(MAX_MEM)?)
                .map_err(|_| DecodeError("a request's file name is not UTF-8"))?;
            files.push(FdFile { fd, what });
        }
        Ok(OpArgs {
            source,
            sqe,
            mem,
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Input;
    use crate::synthetic::synthetic_stream;

    #[test]
    fn varints_and_zigzag_round_trip_at_the_edges() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX / 2, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(Cursor { data: &out, at: 0 }.varint().unwrap(), v);
        }
        for v in [0i64, 1, -1, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
    }

    #[test]
    fn request_batches_round_trip_exactly() {
        let requests: Vec<Request> = synthetic_stream(3, 100, 6, 2)
            .into_iter()
            .filter_map(|i| match i {
                Input::Request(r) => Some(r),
                Input::Sample(_) => None,
            })
            .collect();
        assert!(requests.len() > 50, "{}", requests.len());
        let mut extreme = requests[0].clone();
        extreme.time_ns = 0;
        extreme.off = u64::MAX;
        extreme.addr = u64::MAX;
        extreme.user_data = 1;
        extreme.fd = i32::MIN;
        extreme.res = i32::MIN;
        extreme.latency_ns = None;
        extreme.path = ExecPath::Rejected;
        let mut all = requests.clone();
        all.push(extreme);
        all.push(Request::default());
        // Verdicts (format 2): every action, with and without a rule, enforced or not.
        for (i, action) in crate::verdict::Action::ALL.into_iter().enumerate() {
            let mut r = requests[i].clone();
            r.verdict = Some(Verdict {
                action,
                rule: (i % 2 == 0).then_some(i as u16 * 1000),
                enforced: action == Action::Kill,
            });
            all.push(r);
        }
        // Arguments (format 4): every kind of memory, cut or not, fds and their files.
        let mut with_args = requests[0].clone();
        with_args.args = Some(Box::new(OpArgs {
            source: SqeSource::Ring,
            sqe: Sqe {
                ioprio: 3,
                fd: -100,
                off: u64::MAX,
                addr: 0x7fff_0000_1000,
                len: 0o644,
                op_flags: 0o2000000,
                buf_index: 7,
                personality: 2,
                file_index: u32::MAX,
                addr3: 1,
            },
            mem: [
                Mem::Str {
                    bytes: b"/etc/passwd".to_vec(),
                    cut: true,
                },
                Mem::Bytes {
                    bytes: vec![2, 0, 1, 2, 127, 0, 0, 1],
                    cut: false,
                },
            ],
            files: vec![FdFile {
                fd: 5,
                what: "TCP:[127.0.0.1:1->127.0.0.1:2]".into(),
            }],
        }));
        all.push(with_args.clone());
        with_args.args.as_mut().unwrap().mem = [Mem::Unreadable { errno: 14 }, Mem::None];
        with_args.args.as_mut().unwrap().source = SqeSource::Failed;
        all.push(with_args);
        let mut out = Vec::new();
        encode_requests(&all, &mut out);
        assert_eq!(decode_requests(&out).unwrap(), all);
        for cut in 0..out.len() {
            assert!(decode_requests(&out[..cut]).is_err());
        }
    }
}

//! What a CQE's result and flags mean for its opcode: the new fd of an open, socket or accept
//! (and what it is), a registered file's slot, an errno's name, the CQE flags and buffer id.

use super::value::{FdArg, Value};
use super::OpArgs;
use crate::names;
use serde_json::{json, Value as Json};

/// Opcodes whose result is a new plain fd (or, opened into the registered files, 0 or a slot).
fn makes_fd(opcode: u8) -> bool {
    // ACCEPT, OPENAT, OPENAT2, SOCKET, FIXED_FD_INSTALL
    matches!(opcode, 13 | 18 | 28 | 45 | 54)
}

/// The plain fd a successful request made, if it made one.
pub fn new_fd(opcode: u8, res: i32, args: &OpArgs) -> Option<i32> {
    (makes_fd(opcode) && res >= 0 && (opcode == 54 || args.sqe.file_index == 0)).then_some(res)
}

/// A CQE's result and flags, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultView {
    pub res: i32,
    /// The errno's name, for a negative result.
    pub errno: Option<String>,
    /// The fd (plain, with what it is when known; or the registered slot) the request made.
    pub fd: Option<Value>,
    /// IORING_CQE_F_* names (BUFFER, MORE, SOCK_NONEMPTY, NOTIF, ...).
    pub cflags: Vec<&'static str>,
    /// The provided buffer the data went to (with IORING_CQE_F_BUFFER).
    pub buffer_id: Option<u16>,
}

pub fn decode_result(opcode: u8, res: i32, cflags: u32, args: Option<&OpArgs>) -> ResultView {
    let fd = args.and_then(|a| {
        if let Some(fd) = new_fd(opcode, res, a) {
            return Some(Value::Fd(FdArg::Plain(fd), a.file(fd).map(str::to_string)));
        }
        // Opened into the registered files: the slot it asked for (res 0), or the one allocated.
        (makes_fd(opcode) && res >= 0 && a.sqe.file_index != 0 && opcode != 54).then(|| {
            let slot = if a.sqe.file_index == u32::MAX {
                res as u32
            } else {
                a.sqe.file_index - 1
            };
            Value::Fd(FdArg::Fixed(slot), None)
        })
    });
    ResultView {
        res,
        errno: (res < 0).then(|| names::errno_name(res.unsigned_abs() as u16).into_owned()),
        fd,
        cflags: names::cqe_flag_names(cflags),
        buffer_id: names::cqe_buffer_id(cflags),
    }
}

impl ResultView {
    /// `5</etc/passwd>`, `-2 ENOENT`, `0 (fixed:3)`, `4096 [BUFFER(7)|MORE]`.
    pub fn text(&self) -> String {
        let mut s = match (&self.fd, &self.errno) {
            (_, Some(e)) => format!("{} {e}", self.res),
            (Some(v @ Value::Fd(FdArg::Plain(_), _)), None) => v.text(),
            (Some(v), None) => format!("{} ({})", self.res, v.text()),
            (None, None) => self.res.to_string(),
        };
        if !self.cflags.is_empty() {
            let flags: Vec<String> = self
                .cflags
                .iter()
                .map(|&f| match (f, self.buffer_id) {
                    ("BUFFER", Some(id)) => format!("BUFFER({id})"),
                    (f, _) => f.to_string(),
                })
                .collect();
            s.push_str(&format!(" [{}]", flags.join("|")));
        }
        s
    }

    /// The fields a JSON line adds beside `res`: `fd` (the new fd), `cqe_flags`, `buffer_id`.
    pub fn json_fields(&self, into: &mut serde_json::Map<String, Json>) {
        if let Some(fd) = &self.fd {
            into.insert("res_fd".into(), fd.json());
        }
        if !self.cflags.is_empty() {
            into.insert("cqe_flags".into(), json!(self.cflags));
        }
        if let Some(id) = self.buffer_id {
            into.insert("buffer_id".into(), json!(id));
        }
    }
}

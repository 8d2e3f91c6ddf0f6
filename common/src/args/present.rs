//! A request's arguments and result as every presentation shows them: the strace-like call for
//! trace lines and the TUI's detail, the one most telling argument for a list row, the JSON
//! fields for `trace --json` and Perfetto's annotations.

use super::result::decode_result;
use super::sockaddr::SockAddr;
use super::value::{args_json, args_text, quote_into, Arg};
use super::Mem;
use crate::input::Request;
use crate::names;
use serde_json::{json, Value as Json};
use std::fmt::Write as _;

/// The decoded arguments of a request, empty when none were captured.
pub fn decoded(r: &Request) -> Vec<Arg> {
    r.args
        .as_deref()
        .map(|a| a.decode(r.opcode, r.sqe_flags))
        .unwrap_or_default()
}

/// `(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)` and `5</etc/passwd>`: the arguments between
/// parentheses and the result; None when the probe captured no arguments.
pub fn call(r: &Request) -> Option<(String, String)> {
    let args = r.args.as_deref()?;
    let text = args_text(&args.decode(r.opcode, r.sqe_flags));
    let result = decode_result(r.opcode, r.res, r.cflags, Some(args)).text();
    Some((format!("({text})"), result))
}

/// The one argument that says most about a request in a list, into a caller's buffer: its path
/// (or attribute name), else its socket address, else what its fd is. Read straight from the
/// capture, without decoding every argument: a TUI frame writes one per visible row.
pub fn telling(out: &mut String, r: &Request) {
    let Some(a) = r.args.as_deref() else {
        return;
    };
    match &a.mem[0] {
        Mem::Str { bytes, cut } => {
            quote_into(out, &String::from_utf8_lossy(bytes));
            if *cut {
                out.push_str("...");
            }
        }
        Mem::Bytes { bytes, .. } if carries_sockaddr(r.opcode) => {
            if let Some(addr) = SockAddr::parse(bytes) {
                out.push_str(&addr.text());
            }
        }
        Mem::Unreadable { errno } => {
            let _ = write!(out, "<unreadable: {}>", names::errno_name(*errno));
        }
        _ => {
            let fd = if r.fd >= 0 && r.sqe_flags & 1 == 0 {
                r.fd
            } else {
                a.sqe.fd
            };
            let made = super::result::new_fd(r.opcode, r.res, a);
            if let Some(what) = a.file(fd).or_else(|| made.and_then(|m| a.file(m))) {
                out.push_str(what);
            }
        }
    }
}

/// Opcodes whose first piece of user memory is a socket address (CONNECT, BIND, SENDMSG(_ZC)'s
/// msg_name, SEND(_ZC)'s destination).
fn carries_sockaddr(opcode: u8) -> bool {
    matches!(opcode, 9 | 16 | 26 | 47 | 48 | 56)
}

/// The JSON fields a request's arguments add to its object: `args` (by name), `res_fd`,
/// `cqe_flags`, `buffer_id`, and `args_source` (where the SQE was read); nothing when none were
/// captured.
pub fn json_fields(r: &Request, into: &mut serde_json::Map<String, Json>) {
    let Some(args) = r.args.as_deref() else {
        return;
    };
    into.insert(
        "args".into(),
        args_json(&args.decode(r.opcode, r.sqe_flags)),
    );
    into.insert("args_source".into(), json!(args.source.name()));
    decode_result(r.opcode, r.res, r.cflags, Some(args)).json_fields(into);
}

/// Every argument as `name = value` lines, for a detail view.
pub fn lines(r: &Request) -> Vec<(&'static str, String)> {
    decoded(r)
        .into_iter()
        .map(|a| (a.name, a.value.text()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{OpArgs, Sqe, SqeSource};

    fn connect() -> Request {
        let mut addr = vec![2, 0];
        addr.extend_from_slice(&5000u16.to_be_bytes());
        addr.extend_from_slice(&[10, 0, 0, 7]);
        Request {
            opcode: 16,
            res: -111,
            args: Some(Box::new(OpArgs {
                source: SqeSource::Ring,
                sqe: Sqe {
                    fd: 6,
                    addr: 0x100,
                    off: 16,
                    ..Default::default()
                },
                mem: [
                    Mem::Bytes {
                        bytes: addr,
                        cut: false,
                    },
                    Mem::None,
                ],
                files: Vec::new(),
            })),
            ..Request::default()
        }
    }

    #[test]
    fn a_connect_presents_its_address() {
        let r = connect();
        assert_eq!(
            call(&r).unwrap(),
            (
                "(6, {AF_INET, 10.0.0.7:5000}, 16)".to_string(),
                "-111 ECONNREFUSED".to_string()
            )
        );
        let mut t = String::new();
        telling(&mut t, &r);
        assert_eq!(t, "{AF_INET, 10.0.0.7:5000}");
        let mut o = serde_json::Map::new();
        json_fields(&r, &mut o);
        assert_eq!(o["args"]["addr"]["port"], 5000);
        assert_eq!(o["args_source"], "ring");
        assert_eq!(
            lines(&r)[1],
            ("addr", "{AF_INET, 10.0.0.7:5000}".to_string())
        );
        let bare = Request::default();
        assert_eq!(call(&bare), None);
        t.clear();
        telling(&mut t, &bare);
        assert_eq!(t, "");
    }
}

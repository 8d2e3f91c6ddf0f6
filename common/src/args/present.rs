//! A request's arguments and result as every presentation shows them: the strace-like call for
//! trace lines and the TUI's detail, the one most telling argument for a list row, the JSON
//! fields for `trace --json` and Perfetto's annotations.

use super::result::decode_result;
use super::value::{args_json, args_text, Arg, FdArg, Value};
use crate::input::Request;
use serde_json::{json, Value as Json};

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

/// The one argument that says most about a request in a list: its path, else its socket address,
/// else its fd and what that is.
pub fn telling(r: &Request) -> Option<String> {
    let args = decoded(r);
    let pick = |want: fn(&Value) -> bool| args.iter().find(|a| want(&a.value));
    pick(|v| matches!(v, Value::Str { .. }))
        .or_else(|| pick(|v| matches!(v, Value::SockAddr(_))))
        .or_else(|| pick(|v| matches!(v, Value::Fd(FdArg::Plain(_) | FdArg::Fixed(_), _))))
        .or_else(|| pick(|v| matches!(v, Value::Unreadable { .. })))
        .map(|a| a.value.text())
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
    use crate::args::{Mem, OpArgs, Sqe, SqeSource};

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
        assert_eq!(telling(&r).unwrap(), "{AF_INET, 10.0.0.7:5000}");
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
        assert_eq!(telling(&bare), None);
    }
}

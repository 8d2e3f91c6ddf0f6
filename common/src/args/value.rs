//! A decoded argument, as text (strace's shape) and as JSON.

use super::sockaddr::SockAddr;
use crate::names;
use serde_json::{json, Value as Json};
use std::fmt::Write as _;

/// One named argument of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub name: &'static str,
    pub value: Value,
}

impl Arg {
    pub fn new(name: &'static str, value: Value) -> Arg {
        Arg { name, value }
    }
}

/// A file descriptor as an argument names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FdArg {
    /// A plain fd of the process.
    Plain(i32),
    /// An index into the ring's registered (fixed) files.
    Fixed(u32),
    /// AT_FDCWD: paths relative to the working directory.
    Cwd,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A file descriptor, with what it was when known (strace -y).
    Fd(FdArg, Option<String>),
    /// A string read from the program's memory (a path, an attribute name).
    Str {
        text: String,
        cut: bool,
    },
    /// A pointer whose memory could not be read.
    Unreadable {
        addr: u64,
        errno: u16,
    },
    /// A pointer whose memory was not captured (the SQE came from the kernel's request).
    Pointer(u64),
    /// Flags by name ("0" when none); unknown bits as one hex entry.
    Flags(Vec<String>),
    /// One name among several (SHUT_WR, AF_INET, POSIX_FADV_DONTNEED), or a number when unknown.
    Name(String),
    /// A file mode, printed in octal.
    Mode(u32),
    Int(i64),
    UInt(u64),
    /// A number best read in hex (user_data, addresses, cmd_op).
    Hex(u64),
    /// A file offset, or "-1" (u64::MAX: the file position).
    Offset(u64),
    SockAddr(SockAddr),
    /// struct __kernel_timespec.
    Timespec {
        sec: i64,
        nsec: i64,
    },
}

impl Value {
    /// The value as strace prints it.
    pub fn text(&self) -> String {
        match self {
            Value::Fd(fd, what) => {
                let mut s = match fd {
                    FdArg::Plain(n) => n.to_string(),
                    FdArg::Fixed(i) => format!("fixed:{i}"),
                    FdArg::Cwd => "AT_FDCWD".into(),
                };
                if let Some(w) = what {
                    let _ = write!(s, "<{w}>");
                }
                s
            }
            Value::Str { text, cut } => {
                let mut s = quote(text);
                if *cut {
                    s.push_str("...");
                }
                s
            }
            Value::Unreadable { addr, errno } => {
                format!("{addr:#x} <unreadable: {}>", names::errno_name(*errno))
            }
            Value::Pointer(addr) => format!("{addr:#x}"),
            Value::Flags(names) if names.is_empty() => "0".into(),
            Value::Flags(names) => names.join("|"),
            Value::Name(n) => n.clone(),
            Value::Mode(0) => "0".into(),
            Value::Mode(m) => format!("0{m:o}"),
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Hex(h) => format!("{h:#x}"),
            Value::Offset(u64::MAX) => "-1".into(),
            Value::Offset(o) => o.to_string(),
            Value::SockAddr(a) => a.text(),
            Value::Timespec { sec, nsec } => format!("{{tv_sec={sec}, tv_nsec={nsec}}}"),
        }
    }

    /// The value as JSON: strings, numbers, arrays of flag names; objects for fds, addresses,
    /// timespecs and what could not be read.
    pub fn json(&self) -> Json {
        match self {
            Value::Fd(fd, what) => {
                let mut o = match fd {
                    FdArg::Plain(n) => json!({ "fd": n }),
                    FdArg::Fixed(i) => json!({ "fixed": i }),
                    FdArg::Cwd => json!({ "fd": -100, "name": "AT_FDCWD" }),
                };
                if let Some(w) = what {
                    o["file"] = json!(w);
                }
                o
            }
            Value::Str { text, cut: false } => json!(text),
            Value::Str { text, cut: true } => json!({ "text": text, "cut": true }),
            Value::Unreadable { addr, errno } => {
                json!({ "addr": addr, "unreadable": names::errno_name(*errno) })
            }
            Value::Pointer(addr) => json!({ "addr": addr }),
            Value::Flags(names) => json!(names),
            Value::Name(n) => json!(n),
            Value::Mode(m) => json!(m),
            Value::Int(i) => json!(i),
            Value::UInt(u) => json!(u),
            Value::Hex(h) => json!(h),
            Value::Offset(u64::MAX) => json!(-1),
            Value::Offset(o) => json!(o),
            Value::SockAddr(a) => a.json(),
            Value::Timespec { sec, nsec } => json!({ "sec": sec, "nsec": nsec }),
        }
    }
}

/// The arguments as strace prints them between the parentheses: `AT_FDCWD, "/etc/passwd", O_RDONLY`.
pub fn args_text(args: &[Arg]) -> String {
    let mut s = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&a.value.text());
    }
    s
}

/// The arguments as one JSON object, by name.
pub fn args_json(args: &[Arg]) -> Json {
    let mut o = serde_json::Map::new();
    for a in args {
        o.insert(a.name.to_string(), a.value.json());
    }
    Json::Object(o)
}

/// A string in double quotes, with quotes, backslashes and unprintable bytes escaped as C does.
pub fn quote(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    quote_into(&mut s, text);
    s
}

/// [`quote`] into a caller's buffer (no allocation: a TUI cell).
pub fn quote_into(s: &mut String, text: &str) {
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(s, "\\x{:02x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

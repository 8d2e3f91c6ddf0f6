//! The request list's filter (`/` in the request view): which of a ring's requests to show, by
//! opcode, errno, fd, path and latency. Terms are separated by spaces and must all hold; one
//! term's values, separated by commas, are alternatives:
//!
//! - `op:READ,WRITE` (or a bare opcode name: `read`)
//! - `errno:ENOENT,EAGAIN` (or a bare errno name: `EACCES`); `err` alone: any failure
//! - `fd:5` (or a bare number): the fd as submitted, a registered file's index included
//! - `path:passwd` (or any other bare word): in the request's path, socket address or what its
//!   fd is, ignoring ASCII case
//! - `lat>1ms` (or `>1ms`): latency above a threshold (ns, us/µs, ms, s)
//!
//! Parsed once when Enter is pressed; matching allocates nothing (one scratch string, reused).

use std::fmt::Write;
use uringtop_common::input::Request;
use uringtop_common::names::{errno_by_name, nearest_opcode_name, opcode_by_name};
use uringtop_common::request_fields as fields;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestQuery {
    /// As typed, for the title.
    text: String,
    /// Each inner list: one term's alternatives. Every term must hold.
    ops: Vec<Vec<u8>>,
    errnos: Vec<Vec<u16>>,
    any_error: bool,
    fds: Vec<Vec<i32>>,
    /// Lowercase.
    paths: Vec<Vec<String>>,
    min_latency_ns: Option<u64>,
}

impl RequestQuery {
    /// Parses a filter; the error says which term is wrong and what would be right.
    pub fn parse(text: &str) -> Result<RequestQuery, String> {
        let mut q = RequestQuery {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            ..RequestQuery::default()
        };
        for term in text.split_whitespace() {
            q.term(term)?;
        }
        Ok(q)
    }

    fn term(&mut self, term: &str) -> Result<(), String> {
        let lower = term.to_ascii_lowercase();
        for prefix in ["lat>", "latency>", ">"] {
            if let Some(value) = lower.strip_prefix(prefix) {
                let ns = parse_latency(value).ok_or_else(|| {
                    format!("`{term}`: not a latency (try lat>100us, lat>1ms or >2s)")
                })?;
                self.min_latency_ns = Some(self.min_latency_ns.map_or(ns, |m| m.max(ns)));
                return Ok(());
            }
        }
        if matches!(lower.as_str(), "err" | "errors" | "failed") {
            self.any_error = true;
            return Ok(());
        }
        if let Some((key, values)) = term.split_once([':', '=']) {
            let values: Vec<&str> = values.split(',').filter(|v| !v.is_empty()).collect();
            if values.is_empty() {
                return Err(format!("`{term}`: give a value after `{key}:`"));
            }
            match key.to_ascii_lowercase().as_str() {
                "op" => self.ops.push(each(&values, opcode)?),
                "errno" | "err" => self.errnos.push(each(&values, errno)?),
                "fd" => self.fds.push(each(&values, fd)?),
                "path" | "arg" => self
                    .paths
                    .push(values.iter().map(|v| v.to_ascii_lowercase()).collect()),
                other => {
                    return Err(format!(
                        "`{term}`: unknown key `{other}` (op:, errno:, fd:, path:, lat>)"
                    ))
                }
            }
            return Ok(());
        }
        if let Some(op) = opcode_by_name(term) {
            self.ops.push(vec![op]);
        } else if let Some(e) = term
            .starts_with(['E', 'e'])
            .then(|| errno_by_name(term))
            .flatten()
            .filter(|_| term.len() > 1)
        {
            self.errnos.push(vec![e]);
        } else if let Ok(n) = term.parse::<i32>() {
            self.fds.push(vec![n]);
        } else {
            self.paths.push(vec![lower]);
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The filter as typed (spaces normalized).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when `r` passes every term. `scratch` is a buffer the caller keeps (the path term
    /// formats the request's telling argument into it).
    pub fn matches(&self, r: &Request, scratch: &mut String) -> bool {
        if self.any_error && r.res >= 0 {
            return false;
        }
        if self
            .min_latency_ns
            .is_some_and(|min| r.latency_ns.is_none_or(|l| l <= min))
        {
            return false;
        }
        if !self.ops.iter().all(|any| any.contains(&r.opcode)) {
            return false;
        }
        let errno = (r.res < 0).then(|| u16::try_from(r.res.unsigned_abs()).unwrap_or(u16::MAX));
        if !self
            .errnos
            .iter()
            .all(|any| errno.is_some_and(|e| any.contains(&e)))
        {
            return false;
        }
        let fd = fields::fd(r).raw();
        if !self
            .fds
            .iter()
            .all(|any| fd.is_some_and(|f| any.contains(&f)))
        {
            return false;
        }
        if self.paths.is_empty() {
            return true;
        }
        scratch.clear();
        fields::telling_argument(scratch, r);
        if let Some(args) = r.args.as_deref() {
            for file in &args.files {
                scratch.push('\n');
                scratch.push_str(&file.what);
            }
        }
        scratch.make_ascii_lowercase();
        self.paths
            .iter()
            .all(|any| any.iter().any(|p| scratch.contains(p.as_str())))
    }
}

fn each<T>(values: &[&str], one: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, String> {
    values.iter().map(|v| one(v)).collect()
}

fn opcode(name: &str) -> Result<u8, String> {
    opcode_by_name(name).ok_or_else(|| {
        let mut s = format!("unknown opcode `{name}`");
        if let Some(n) = nearest_opcode_name(name) {
            let _ = write!(s, " (did you mean {n}?)");
        }
        s
    })
}

fn errno(name: &str) -> Result<u16, String> {
    if let Ok(n) = name.trim_start_matches('-').parse::<u16>() {
        return Ok(n);
    }
    errno_by_name(name)
        .ok_or_else(|| format!("unknown errno `{name}` (a name such as ENOENT, or a number)"))
}

fn fd(text: &str) -> Result<i32, String> {
    text.parse::<i32>()
        .ok()
        .filter(|&n| n >= 0)
        .ok_or_else(|| format!("`{text}` is not an fd (a number from 0)"))
}

/// `250us`, `1.5ms`, `2s`, `800ns`, `3µs`; a bare number is microseconds.
fn parse_latency(text: &str) -> Option<u64> {
    let units: [(&str, f64); 5] = [
        ("ns", 1.0),
        ("us", 1e3),
        ("µs", 1e3),
        ("ms", 1e6),
        ("s", 1e9),
    ];
    let (number, scale) = units
        .iter()
        .find_map(|&(unit, scale)| text.strip_suffix(unit).map(|n| (n, scale)))
        .unwrap_or((text, 1e3));
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some((value * scale) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::args::{FdFile, OpArgs};

    fn request(opcode: u8, fd: i32, res: i32, latency_ns: u64) -> Request {
        Request {
            opcode,
            fd,
            res,
            latency_ns: Some(latency_ns),
            ..Request::default()
        }
    }

    fn passes(filter: &str, r: &Request) -> bool {
        RequestQuery::parse(filter)
            .unwrap()
            .matches(r, &mut String::new())
    }

    #[test]
    fn terms_combine_and_values_are_alternatives() {
        let read_ok = request(22, 5, 4096, 2_000);
        let read_enoent = request(22, 5, -2, 50_000);
        let openat_eacces = request(18, -1, -13, 3_000_000);
        assert!(passes("", &read_ok));
        assert!(passes("op:READ", &read_ok));
        assert!(passes("read", &read_ok), "a bare opcode name, any case");
        assert!(passes("op:write,read", &read_ok));
        assert!(!passes("op:WRITE", &read_ok));
        assert!(passes("err", &read_enoent) && !passes("err", &read_ok));
        assert!(passes("errno:ENOENT", &read_enoent));
        assert!(passes("ENOENT", &read_enoent), "a bare errno name");
        assert!(!passes("errno:EACCES", &read_enoent));
        assert!(passes("errno:2,13", &openat_eacces));
        assert!(passes("fd:5", &read_ok) && passes("5", &read_ok));
        assert!(!passes("fd:5", &openat_eacces), "no fd");
        assert!(passes("lat>10us", &read_enoent) && !passes("lat>10us", &read_ok));
        assert!(passes(">1ms", &openat_eacces) && passes("lat>1.5ms", &openat_eacces));
        assert!(passes("read err lat>10us fd:5", &read_enoent));
        assert!(!passes("read err lat>100us", &read_enoent));
    }

    #[test]
    fn paths_match_the_telling_argument_and_the_files_of_the_fds() {
        let mut r = request(22, 5, 100, 1_000);
        r.args = Some(Box::new(OpArgs {
            files: vec![FdFile {
                fd: 5,
                what: "/etc/PassWD".into(),
            }],
            ..OpArgs::default()
        }));
        assert!(passes("passwd", &r));
        assert!(passes("path:/etc/", &r));
        assert!(!passes("path:shadow", &r));
        assert!(passes("path:shadow,passwd", &r));
        assert!(
            !passes("passwd", &request(22, 5, 100, 1_000)),
            "nothing captured"
        );
    }

    #[test]
    fn mistakes_say_what_would_be_right() {
        let e = |t: &str| RequestQuery::parse(t).unwrap_err();
        assert_eq!(e("op:REDA"), "unknown opcode `REDA` (did you mean READ?)");
        assert!(e("errno:ENOPE").starts_with("unknown errno `ENOPE`"));
        assert!(e("lat>fast").contains("not a latency"));
        assert!(e("fd:x").contains("not an fd"));
        assert!(e("size:4").contains("unknown key `size`"));
        assert_eq!(
            RequestQuery::parse("  read   err ").unwrap().text(),
            "read err"
        );
    }
}

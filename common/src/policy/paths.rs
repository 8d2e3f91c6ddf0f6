//! `paths` conditions: globs over the path strings of path opcodes, in a dialect the probe can
//! match in bounded work at submission (probe/bpf/policy.h, `path_step`, walks the same states
//! as [`path_match`] one byte per step; the property tests hold the two evaluators together).
//!
//! Dialect (README "Policy files"):
//! - bytes match themselves; `*` matches a run of bytes other than `/` (also none), `?` one
//!   byte other than `/`;
//! - a trailing `/**` matches the directory itself and everything beneath it, at any depth;
//!   `**` alone matches every path; `**` anywhere else is refused;
//! - `!` in front negates: a rule's paths hold for a path when one of its plain patterns
//!   matches (or it has none) and none of its negated patterns does.
//!
//! Paths are matched as the program wrote them, never resolved: a relative path is matched as
//! relative text (so `/**` is "every absolute path" and `!/**` "every relative one"), and
//! `.`, `..`, `//` and symbolic links are not interpreted. The probe reads at most
//! [`crate::abi::ARG_MEM`] - 1 bytes of a path: a longer one is cut, and a cut path matches a
//! pattern only where the first bytes decide (a `/**` whose directory ends within them).

use super::args::{OP_OPENAT, OP_OPENAT2};
use super::glob::greedy_match;
use super::negatable::list_holds_for;

/// The longest pattern text (without the `/**` suffix): the size of the probe's pattern slot.
pub const MAX_PATTERN: usize = 96;

/// IORING_OP_* numbers of the opcodes that take paths (include/uapi/linux/io_uring.h).
pub const OP_STATX: u8 = 21;
pub const OP_RENAMEAT: u8 = 35;
pub const OP_UNLINKAT: u8 = 36;
pub const OP_MKDIRAT: u8 = 37;
pub const OP_SYMLINKAT: u8 = 38;
pub const OP_LINKAT: u8 = 39;
pub const OP_SETXATTR: u8 = 42;
pub const OP_GETXATTR: u8 = 44;

/// The opcodes a `paths` condition judges. RENAMEAT, LINKAT and SYMLINKAT name two paths (for
/// SYMLINKAT the link's target and the link), SETXATTR/GETXATTR one (their other string is the
/// attribute's name); the others one.
pub const PATH_OPS: [u8; 10] = [
    OP_OPENAT,
    OP_OPENAT2,
    OP_STATX,
    OP_RENAMEAT,
    OP_UNLINKAT,
    OP_MKDIRAT,
    OP_SYMLINKAT,
    OP_LINKAT,
    OP_SETXATTR,
    OP_GETXATTR,
];

/// One entry of a `paths` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPattern {
    /// As written in the file (with its `!`), for messages and `to_toml`.
    pub source: String,
    pub negated: bool,
    /// `**`: every path.
    pub any: bool,
    /// Ended in `/**` (not part of `text`): the directory and everything beneath it.
    pub subtree: bool,
    /// The glob, without `!` and without the `/**` suffix.
    pub text: Vec<u8>,
}

/// One path an SQE names, as the probe read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathArg {
    pub bytes: Vec<u8>,
    /// Longer than what was read: only its start is known.
    pub cut: bool,
}

/// Parses one `paths` entry; Err is the message.
pub fn parse_path_pattern(entry: &str) -> Result<PathPattern, String> {
    let (negated, rest) = match entry.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, entry),
    };
    let problem = if rest.is_empty() {
        Some(format!(
            "path pattern \"{entry}\" is empty; write a path such as \"/etc/shadow\" or \"/root/**\""
        ))
    } else if rest.contains('\0') {
        Some(format!(
            "path pattern \"{entry}\" contains a NUL byte, which no path has"
        ))
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(p);
    }
    if rest == "**" {
        return Ok(PathPattern {
            source: entry.to_string(),
            negated,
            any: true,
            subtree: false,
            text: Vec::new(),
        });
    }
    let (subtree, text) = match rest.strip_suffix("/**") {
        Some(t) => (true, t),
        None => (false, rest),
    };
    if text.contains("**") {
        return Err(format!(
            "path pattern \"{entry}\": \"**\" may only end a pattern, as \"/**\" (everything \
             beneath a directory), or stand alone (every path); use \"*\" for one path component"
        ));
    }
    if text.len() > MAX_PATTERN {
        return Err(format!(
            "path pattern \"{entry}\" is {} bytes long; at most {MAX_PATTERN} (not counting a \
             final \"/**\")",
            text.len()
        ));
    }
    Ok(PathPattern {
        source: entry.to_string(),
        negated,
        any: false,
        subtree,
        text: text.as_bytes().to_vec(),
    })
}

/// Whether a pattern (`text`, `subtree`, `any` as in [`PathPattern`]) matches `path`: the
/// glob loop with `/` as the separator `*` and `?` cannot cross. The probe runs this same loop,
/// one iteration per step.
pub fn path_match(text: &[u8], subtree: bool, any: bool, path: &[u8], cut: bool) -> bool {
    any || greedy_match(text, path, Some(b'/'), subtree, cut)
}

impl PathPattern {
    pub fn matches(&self, path: &PathArg) -> bool {
        path_match(&self.text, self.subtree, self.any, &path.bytes, path.cut)
    }
}

/// A list's verdict on one path: one plain pattern matches (or there is none), no negated one
/// does (the rule `peers` lists share).
pub fn paths_hold_for(patterns: &[PathPattern], path: &PathArg) -> bool {
    list_holds_for(patterns, |p| p.negated, |p| p.matches(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(path: &str, cut: bool) -> PathArg {
        PathArg {
            bytes: path.as_bytes().to_vec(),
            cut,
        }
    }

    fn m(pattern: &str, path: &str) -> bool {
        parse_path_pattern(pattern)
            .unwrap()
            .matches(&arg(path, false))
    }

    #[test]
    fn exact_star_and_subtree() {
        assert!(m("/etc/shadow", "/etc/shadow"));
        assert!(!m("/etc/shadow", "/etc/shadow2"));
        assert!(!m("/etc/shadow", "/etc"));
        assert!(m("/etc/*.conf", "/etc/a.conf"));
        assert!(m("/etc/*.conf", "/etc/.conf"));
        assert!(!m("/etc/*.conf", "/etc/x/a.conf"));
        assert!(m("/home/*/.ssh/**", "/home/ann/.ssh/id_rsa"));
        assert!(m("/home/*/.ssh/**", "/home/ann/.ssh"));
        assert!(!m("/home/*/.ssh/**", "/home/ann/x/.ssh/id"));
        assert!(m("/root/**", "/root"));
        assert!(m("/root/**", "/root/"));
        assert!(m("/root/**", "/root/a/b/c"));
        assert!(!m("/root/**", "/rootx"));
        assert!(!m("/root/**", "root/a"));
        assert!(m("/**", "/x"));
        assert!(!m("/**", "x"));
        assert!(m("**", "x"));
        assert!(m("**", ""));
        assert!(m("/a?c", "/abc"));
        assert!(!m("/a?c", "/a/c"));
        assert!(m("/a*b*c", "/axxbyyc"));
        assert!(!m("/a*/b", "/a/x/b"));
        assert!(m("/a*/**", "/abc/d"));
        assert!(m("*.key", "server.key"));
        assert!(!m("*.key", "/srv/server.key"));
    }

    #[test]
    fn cut_paths_match_only_where_their_start_decides() {
        let cut = |pattern: &str, path: &str| {
            parse_path_pattern(pattern)
                .unwrap()
                .matches(&arg(path, true))
        };
        assert!(cut("/root/**", "/root/aaaa"));
        assert!(!cut("/root/**", "/root"));
        assert!(!cut("/root/aaaa", "/root/aaaa"));
        assert!(cut("**", "/x"));
    }

    #[test]
    fn negation_and_lists() {
        let list: Vec<_> = ["/root/**", "!/root/ok"]
            .iter()
            .map(|s| parse_path_pattern(s).unwrap())
            .collect();
        let whole = |s: &str| arg(s, false);
        assert!(paths_hold_for(&list, &whole("/root/secret")));
        assert!(!paths_hold_for(&list, &whole("/root/ok")));
        assert!(!paths_hold_for(&list, &whole("/tmp/x")));
        let only_negated = vec![parse_path_pattern("!/**").unwrap()];
        assert!(paths_hold_for(&only_negated, &whole("relative/x")));
        assert!(!paths_hold_for(&only_negated, &whole("/abs")));
    }

    #[test]
    fn refused_patterns() {
        assert!(parse_path_pattern("").is_err());
        assert!(parse_path_pattern("!").is_err());
        assert!(parse_path_pattern("/a/**/b").is_err());
        assert!(parse_path_pattern("/a**").is_err());
        assert!(parse_path_pattern(&format!("/{}", "a".repeat(MAX_PATTERN))).is_err());
        assert!(parse_path_pattern(&format!("/{}/**", "a".repeat(MAX_PATTERN - 1))).is_ok());
    }
}

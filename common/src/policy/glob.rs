//! The glob loop of both pattern dialects: `comm` (see [`glob_match`]) and `paths` (see
//! [`super::paths::path_match`], where `*` and `?` stop at `/`). The BPF side implements each
//! dialect with this same loop step for step (it cannot call into a regex engine, and a bounded
//! loop passes the verifier: probe/bpf/policy.h, the identity loop and `path_step`), so any
//! change here must be made there too; the property tests compare both evaluators through it.

/// True when `pattern` matches all of `name`: `*` matches any run of bytes (also none), `?`
/// exactly one byte, every other byte itself.
pub fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    greedy_match(pattern, name, None, false, false)
}

/// Greedy with one backtrack point (the last `*`), which is exact for patterns with only `*`
/// and `?` wildcards, also when they cannot cross a `separator`: the pattern's and the name's
/// separators then pair up. `separator`: the byte `*` and `?` never match; `subtree`: the
/// pattern went on with `<separator>**`, so a separator right after `pattern` ends in a match;
/// `cut`: only the start of `name` is known, so a pattern that needs all of it does not match.
pub(super) fn greedy_match(
    pattern: &[u8],
    name: &[u8],
    separator: Option<u8>,
    subtree: bool,
    cut: bool,
) -> bool {
    let wildcard_takes = |b: u8| Some(b) != separator;
    let plen = pattern.len();
    let (mut p, mut c) = (0usize, 0usize);
    let mut star: Option<usize> = None;
    let mut mark = 0usize;
    while c < name.len() {
        if p == plen && subtree && Some(name[c]) == separator {
            return true;
        }
        if p < plen && ((pattern[p] == b'?' && wildcard_takes(name[c])) || pattern[p] == name[c]) {
            p += 1;
            c += 1;
        } else if p < plen && pattern[p] == b'*' {
            star = Some(p);
            mark = c;
            p += 1;
        } else if let (Some(s), true) = (star, wildcard_takes(name[mark])) {
            // Let the last '*' swallow one more byte and retry from there.
            p = s + 1;
            mark += 1;
            c = mark;
        } else {
            return false;
        }
    }
    while p < plen && pattern[p] == b'*' {
        p += 1;
    }
    p == plen && !cut
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn m(p: &str, n: &str) -> bool {
        glob_match(p.as_bytes(), n.as_bytes())
    }

    #[test]
    fn literal_and_wildcards() {
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("nginx", "nginx"));
        assert!(!m("nginx", "nginx2"));
        assert!(m("nginx*", "nginx"));
        assert!(m("nginx*", "nginx: worker"));
        assert!(m("*", ""));
        assert!(m("**", "abc"));
        assert!(m("?", "a"));
        assert!(!m("?", ""));
        assert!(m("a?c", "abc"));
        assert!(m("*worker", "nginx: worker"));
        assert!(m("*a*b*", "xxaxxbxx"));
        assert!(!m("*a*b*", "xxbxxaxx"));
        assert!(m("a*a*a", "aaaa"));
        assert!(m("*ab", "aab"));
        assert!(!m("a*", "ba"));
    }
}

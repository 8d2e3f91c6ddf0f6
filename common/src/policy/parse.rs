//! Policy text -> [`Policy`]. Walks toml's spanned document tree (not serde derive) so every
//! error can point at the exact key or value at fault and say what would be right. The whole file
//! is checked before anything is returned: a policy is loaded entirely or not at all.

use std::ops::{BitOr, Range};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{args, paths, peers, Policy, PolicyError, Rule, MAX_COMM_GLOB};
use crate::abi::MAX_RULES;
use crate::names;
use crate::verdict::Action;

type Value<'i> = Spanned<DeValue<'i>>;

const TOP_KEYS: [&str; 2] = ["default", "rule"];

const RULE_KEYS: [&str; 18] = [
    "name",
    "comm",
    "pid",
    "uid",
    "ops",
    "register_ops",
    "sqe_flags_any",
    "sqe_flags_missing",
    "personality",
    "setup_flags",
    "ring_fd",
    "socket_domains",
    "socket_types",
    "open_flags_any",
    "paths",
    "peers",
    "fixed_buffers",
    "action",
];

/// At most this many `paths` patterns, and as many `peers` entries, in one policy: the sizes
/// of the probe's tables (one bit per entry in a 64-bit mask).
pub const MAX_ENTRIES: usize = 64;

/// Parses a policy file. Nothing is returned unless the whole file is valid; the error is the
/// first in the file (see [`parse_all`] for every one).
pub fn parse(text: &str) -> Result<Policy, PolicyError> {
    parse_all(text).map_err(|mut errors| errors.swap_remove(0))
}

/// Parses a policy file, reporting every error found, as a compiler does: in file order, at
/// least one. A TOML syntax error stops the reading, so it comes alone.
pub fn parse_all(text: &str) -> Result<Policy, Vec<PolicyError>> {
    let doc = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        vec![PolicyError::at(
            text,
            offset,
            e.message().trim_end().to_string(),
        )]
    })?;
    let p = Parser { text };
    let mut errors = Vec::new();
    let mut default = Action::Allow;
    let mut rules = Vec::new();
    for (key, value) in in_file_order(doc.get_ref()) {
        let found = match key.get_ref().as_ref() {
            "default" => p
                .action(value, "default")
                .map(|a| default = a)
                .map_err(Found::from),
            "rule" => p.rules(value).map(|r| rules = r),
            other => Err(p
                .unknown_key(key.span(), other, &TOP_KEYS, "at the top level")
                .into()),
        };
        keep(&mut errors, found);
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, e.column));
        return Err(errors);
    }
    Ok(Policy {
        default,
        rules,
        source: text.to_string(),
    })
}

/// Every error found in a part of the file (at least one).
struct Found(Vec<PolicyError>);

impl From<PolicyError> for Found {
    fn from(e: PolicyError) -> Found {
        Found(vec![e])
    }
}

/// Adds what went wrong in one part to `errors`, so that the reading goes on with the next part.
fn keep(errors: &mut Vec<PolicyError>, result: Result<(), impl Into<Found>>) {
    if let Err(found) = result {
        errors.extend(found.into().0);
    }
}

/// A table's entries sorted by position, so the first error reported is the first in the file.
fn in_file_order<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(&'a Spanned<std::borrow::Cow<'i, str>>, &'a Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

struct Parser<'t> {
    text: &'t str,
}

impl Parser<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.text, span.start, message)
    }

    fn unknown_key(
        &self,
        span: Range<usize>,
        key: &str,
        known: &[&'static str],
        place: &str,
    ) -> PolicyError {
        let hint = names::nearest_name(key, "", known)
            .map(|n| format!(" (did you mean \"{n}\"?)"))
            .unwrap_or_default();
        self.error(
            span,
            format!(
                "unknown key \"{key}\" {place}{hint}; known keys: {}",
                known.join(", ")
            ),
        )
    }

    fn wrong_type(&self, value: &Value<'_>, key: &str, want: &str) -> PolicyError {
        self.error(
            value.span(),
            format!("\"{key}\" must be {want}, not {}", a_type(value.get_ref())),
        )
    }

    fn string<'v>(&self, value: &'v Value<'_>, key: &str) -> Result<&'v str, PolicyError> {
        value
            .get_ref()
            .as_str()
            .ok_or_else(|| self.wrong_type(value, key, "a string"))
    }

    fn action(&self, value: &Value<'_>, key: &str) -> Result<Action, PolicyError> {
        let name = self.string(value, key)?;
        Action::from_name(&name.trim().to_ascii_lowercase()).ok_or_else(|| {
            self.error(
                value.span(),
                format!("unknown action \"{name}\"; actions are allow, log, deny, kill"),
            )
        })
    }

    fn rules(&self, value: &Value<'_>) -> Result<Vec<Rule>, Found> {
        let tables =
            match value.get_ref() {
                DeValue::Array(items) if items.iter().all(|t| t.get_ref().is_table()) => items,
                _ => return Err(self
                    .error(
                        value.span(),
                        "\"rule\" must be a list of tables: write each rule as a [[rule]] section",
                    )
                    .into()),
            };
        let mut errors = Vec::new();
        if tables.len() > MAX_RULES {
            errors.push(self.error(
                tables[MAX_RULES].span(),
                format!(
                    "too many rules: {} (at most {MAX_RULES}; the probe keeps one bit per rule)",
                    tables.len()
                ),
            ));
        }
        let mut rules = Vec::new();
        let (mut npaths, mut npeers) = (0usize, 0usize);
        for table in tables.iter() {
            let rule = self.rule(table).and_then(|r| {
                npaths += r.paths.len();
                npeers += r.peers.len();
                let counts = [
                    (npaths, r.paths.len(), "path patterns"),
                    (npeers, r.peers.len(), "peers entries"),
                ];
                for (n, added, what) in counts {
                    // Said once: at the rule that crosses the limit.
                    if n > MAX_ENTRIES && n - added <= MAX_ENTRIES {
                        return Err(self
                            .error(
                                table.span(),
                                format!(
                                    "too many {what}: this rule brings the policy to {n} (at \
                                     most {MAX_ENTRIES} in a policy; the probe keeps one bit per entry)"
                                ),
                            )
                            .into());
                    }
                }
                Ok(r)
            });
            keep(&mut errors, rule.map(|r| rules.push(r)));
        }
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(Found(errors))
        }
    }

    fn rule(&self, value: &Value<'_>) -> Result<Rule, Found> {
        let Some(table) = value.get_ref().as_table() else {
            return Err(self.wrong_type(value, "rule", "a table").into());
        };
        let mut rule = Rule {
            line: PolicyError::at(self.text, value.span().start, "").line,
            ..Rule::default()
        };
        // Where the first argument condition and the ops list are, for the checks at the end.
        let mut arg_key: Option<(Range<usize>, &str)> = None;
        let mut ops_span: Option<Range<usize>> = None;
        let mut action = None;
        // The first SQE-only condition, to point at if the rule turns out to judge only
        // register calls.
        let mut sqe_condition: Option<(Range<usize>, &str)> = None;
        // A key whose value is wrong is reported, and the rule's other keys are still read.
        let mut errors = Vec::new();
        // An "action" with a bad value, or a misspelt "action" key, is reported once: not again
        // as a missing action.
        let mut action_tried = false;
        let e = &mut errors;
        for (key, v) in in_file_order(table) {
            let k = key.get_ref().as_ref();
            match k {
                "name" => keep(
                    e,
                    self.string(v, k).map(|s| rule.name = Some(s.to_string())),
                ),
                "comm" => keep(e, self.comm(v).map(|c| rule.comm = Some(c))),
                "pid" => keep(e, self.pid(v).map(|p| rule.pid = Some(p))),
                "uid" => keep(e, self.uid(v).map(|u| rule.uid = Some(u))),
                "ops" => {
                    ops_span = Some(v.span());
                    keep(
                        e,
                        self.names(v, k, "opcode", opcode)
                            .map(|o| rule.ops = Some(o)),
                    )
                }
                "register_ops" => keep(
                    e,
                    self.names(v, k, "register opcode", register_op)
                        .map(|o| rule.register_ops = Some(o)),
                ),
                "sqe_flags_any" | "sqe_flags_missing" => {
                    sqe_condition.get_or_insert((key.span(), k));
                    let mask = self.flags(
                        v,
                        k,
                        "SQE flag",
                        names::sqe_flag_by_name,
                        names::nearest_sqe_flag_name,
                        names::sqe_flag_names_known(),
                    );
                    keep(
                        e,
                        mask.map(|m| {
                            if k == "sqe_flags_any" {
                                rule.sqe_flags_any = m;
                            } else {
                                rule.sqe_flags_missing = m;
                            }
                        }),
                    );
                }
                "personality" => {
                    sqe_condition.get_or_insert((key.span(), k));
                    let b = v
                        .get_ref()
                        .as_bool()
                        .ok_or_else(|| self.wrong_type(v, k, "true or false"));
                    keep(e, b.map(|b| rule.personality = Some(b)));
                }
                "setup_flags" => {
                    let mask = self.flags(
                        v,
                        k,
                        "setup flag",
                        names::setup_flag_by_name,
                        names::nearest_setup_flag_name,
                        names::setup_flag_names_known(),
                    );
                    keep(e, mask.map(|m| rule.setup_flags = m));
                }
                "ring_fd" => keep(e, self.ring_fd(v).map(|fd| rule.ring_fd = Some(fd))),
                "socket_domains" | "socket_types" | "open_flags_any" => {
                    sqe_condition.get_or_insert((key.span(), k));
                    arg_key.get_or_insert((key.span(), k));
                    let r = &mut rule;
                    let found = match k {
                        "socket_domains" => self
                            .mask(v, k, "socket family", args::socket_domain)
                            .map(|m| r.socket_domains = m),
                        "socket_types" => self
                            .mask(v, k, "socket type", args::socket_type)
                            .map(|m| r.socket_types = m),
                        _ => self
                            .mask(v, k, "open flag", args::open_flag)
                            .map(|m| r.open_flags_any = m),
                    };
                    keep(e, found);
                }
                "paths" | "peers" => {
                    sqe_condition.get_or_insert((key.span(), k));
                    arg_key.get_or_insert((key.span(), k));
                    let r = &mut rule;
                    let found = if k == "paths" {
                        self.entries(v, k, "path pattern", paths::parse_path_pattern)
                            .map(|p| r.paths = p)
                    } else {
                        self.entries(v, k, "peer", peers::parse_peer)
                            .map(|p| r.peers = p)
                    };
                    keep(e, found);
                }
                "fixed_buffers" => {
                    sqe_condition.get_or_insert((key.span(), k));
                    arg_key.get_or_insert((key.span(), k));
                    let b = match v.get_ref().as_bool() {
                        Some(true) => Ok(true),
                        Some(false) => Err(self.error(
                            v.span(),
                            "\"fixed_buffers = false\" is no condition; leave the key out, or \
                             write true to judge requests whose buffer is not registered",
                        )),
                        None => Err(self.wrong_type(v, k, "true")),
                    };
                    keep(e, b.map(|b| rule.fixed_buffers = b));
                }
                "action" => {
                    action_tried = true;
                    keep(e, self.action(v, k).map(|a| action = Some(a)));
                }
                other => {
                    action_tried |= names::nearest_name(other, "", &["action"]).is_some();
                    e.push(self.unknown_key(key.span(), other, &RULE_KEYS, "in [[rule]]"));
                }
            }
        }
        if let Some((span, key)) = sqe_condition {
            if rule.register_ops.is_some() && rule.ops.is_none() {
                errors.push(self.error(
                    span,
                    format!(
                        "\"{key}\" is about SQEs, but this rule has register_ops and no ops, \
                         so it only judges io_uring_register calls; add ops, or put the \
                         condition in a rule of its own"
                    ),
                ));
            }
        }
        if let Some((span, key)) = arg_key {
            self.arg_ops(&mut rule, span, key, ops_span, &mut errors);
        }
        match action {
            Some(a) => rule.action = a,
            None if action_tried => {}
            None => errors.push(self.error(
                value.span(),
                "rule without \"action\" (one of allow, log, deny, kill)",
            )),
        }
        if errors.is_empty() {
            Ok(rule)
        } else {
            Err(Found(errors))
        }
    }

    /// Each argument condition is about some opcodes (SOCKET; OPENAT and OPENAT2; the path
    /// opcodes; the socket-address opcodes; the buffer opcodes): without `ops` the rule judges
    /// those they all share; an `ops` list must not name others, and conditions that share no
    /// opcode cannot share a rule.
    fn arg_ops(
        &self,
        rule: &mut Rule,
        span: Range<usize>,
        key: &str,
        ops_span: Option<Range<usize>>,
        errors: &mut Vec<PolicyError>,
    ) {
        let Some(implied) = args::arg_ops(rule) else {
            return; // the condition's own value was wrong, and said so
        };
        if implied.is_empty() {
            let conds = args::arg_conditions(rule);
            let about = |ops: &[u8]| -> String {
                let names: Vec<_> = ops.iter().map(|&o| names::opcode_name(o)).collect();
                names.join("/")
            };
            let (k1, o1) = conds[0];
            let (k2, o2) = conds
                .iter()
                .copied()
                .find(|(_, o)| !o.iter().any(|x| o1.contains(x)))
                .unwrap_or(conds[conds.len() - 1]);
            errors.push(self.error(
                span,
                format!(
                    "\"{k1}\" and \"{k2}\" cannot share a rule: no SQE has both ({k1} is about \
                     {} SQEs, {k2} about {}); write two rules",
                    about(o1),
                    about(o2)
                ),
            ));
            return;
        }
        match (&rule.ops, ops_span) {
            (None, _) => rule.ops = Some(implied),
            (Some(ops), Some(at)) => {
                if let Some(&other) = ops.iter().find(|o| !implied.contains(o)) {
                    let wanted: Vec<_> = implied.iter().map(|&o| names::opcode_name(o)).collect();
                    errors.push(self.error(
                        at,
                        format!(
                            "\"{key}\" is about {} SQEs, but ops also lists {}; leave ops out \
                             or list only {}",
                            wanted.join("/"),
                            names::opcode_name(other),
                            wanted.join(", ")
                        ),
                    ));
                }
            }
            (Some(_), None) => {}
        }
    }

    /// A non-empty list of strings, each parsed by `parse` (Ok(entry) or Err(message)), with a
    /// policy-wide limit of [`MAX_ENTRIES`] checked by the caller. Every bad entry is reported.
    fn entries<T>(
        &self,
        value: &Value<'_>,
        key: &str,
        what: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, Found> {
        let Some(items) = value.get_ref().as_array() else {
            return Err(self
                .wrong_type(value, key, &format!("a list of {what}s"))
                .into());
        };
        if items.is_empty() {
            return Err(self
                .error(
                    value.span(),
                    format!("\"{key}\" is an empty list; leave the key out instead"),
                )
                .into());
        }
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for item in items.iter() {
            let Some(text) = item.get_ref().as_str() else {
                errors.push(self.error(
                    item.span(),
                    format!(
                        "\"{key}\" lists {what}s as strings, not {}",
                        a_type(item.get_ref())
                    ),
                ));
                continue;
            };
            match parse(text) {
                Ok(v) => out.push(v),
                Err(m) => errors.push(self.error(item.span(), m)),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Found(errors))
        }
    }

    fn ring_fd(&self, value: &Value<'_>) -> Result<u32, PolicyError> {
        let n = self.integer(value, "ring_fd")?;
        match u32::try_from(n) {
            Ok(fd) if n <= i64::from(i32::MAX) => Ok(fd),
            _ => Err(self.error(
                value.span(),
                format!(
                    "ring_fd {n} is not a file descriptor (0 to {}); leave \"ring_fd\" out to \
                     match every ring",
                    i32::MAX
                ),
            )),
        }
    }

    fn comm(&self, value: &Value<'_>) -> Result<String, PolicyError> {
        let glob = self.string(value, "comm")?;
        let problem = if glob.is_empty() {
            Some("\"comm\" is empty; leave it out to match every process".to_string())
        } else if glob.contains('\0') {
            Some("\"comm\" contains a NUL byte, which no process name has".to_string())
        } else if glob.len() > MAX_COMM_GLOB {
            Some(format!(
                "\"comm\" is {} bytes long; at most {MAX_COMM_GLOB} (the kernel keeps 15 bytes \
                 of a process name)",
                glob.len()
            ))
        } else {
            None
        };
        match problem {
            Some(message) => Err(self.error(value.span(), message)),
            None => Ok(glob.to_string()),
        }
    }

    fn integer(&self, value: &Value<'_>, key: &str) -> Result<i64, PolicyError> {
        let int = value
            .get_ref()
            .as_integer()
            .ok_or_else(|| self.wrong_type(value, key, "an integer"))?;
        i64::from_str_radix(int.as_str(), int.radix())
            .map_err(|_| self.error(value.span(), format!("\"{key}\" is out of range")))
    }

    fn pid(&self, value: &Value<'_>) -> Result<u32, PolicyError> {
        let n = self.integer(value, "pid")?;
        // Kernel pids are positive ints; 0 would read as "any process" in the compiled table.
        match u32::try_from(n) {
            Ok(pid) if pid > 0 && n <= i64::from(i32::MAX) => Ok(pid),
            _ => Err(self.error(
                value.span(),
                format!("pid {n} is not a process id (1 to {}); leave \"pid\" out to match every process", i32::MAX),
            )),
        }
    }

    fn uid(&self, value: &Value<'_>) -> Result<u32, PolicyError> {
        let n = self.integer(value, "uid")?;
        // 4294967295 is (uid_t)-1, "no uid", which the compiled table uses for "any user".
        match u32::try_from(n) {
            Ok(uid) if uid != crate::abi::ANY_UID => Ok(uid),
            _ => Err(self.error(
                value.span(),
                format!(
                    "uid {n} is not a user id (0 to {})",
                    crate::abi::ANY_UID - 1
                ),
            )),
        }
    }

    /// A non-empty list of names, each looked up by `lookup` (Ok(value) or Err(message)): an
    /// [`entries`](Self::entries) list whose duplicates are dropped, keeping the order of
    /// first mention.
    fn names<T: PartialEq>(
        &self,
        value: &Value<'_>,
        key: &str,
        what: &str,
        lookup: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, Found> {
        let mut out = Vec::new();
        for v in self.entries(value, key, &format!("{what} name"), lookup)? {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// A list of [`names`](Self::names) of bits, as one mask.
    fn mask<T: PartialEq + Default + BitOr<Output = T>>(
        &self,
        value: &Value<'_>,
        key: &str,
        what: &str,
        lookup: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, Found> {
        let bits = self.names(value, key, what, lookup)?;
        Ok(bits.into_iter().fold(T::default(), |mask, bit| mask | bit))
    }

    /// A list of flags of one of `names`' flag tables, as one mask. An unknown name gets the
    /// nearest known one as a suggestion, or else the list of every known name.
    fn flags<T: PartialEq + Default + BitOr<Output = T>>(
        &self,
        value: &Value<'_>,
        key: &str,
        what: &str,
        by_name: fn(&str) -> Option<T>,
        nearest: fn(&str) -> Option<&'static str>,
        known: &[&str],
    ) -> Result<T, Found> {
        self.mask(value, key, what, |name| {
            by_name(name).ok_or_else(|| match nearest(name) {
                Some(n) => format!("unknown {what} \"{name}\"{}", did_you_mean(Some(n))),
                None => format!("unknown {what} \"{name}\"; known: {}", known.join(", ")),
            })
        })
    }
}

fn did_you_mean(nearest: Option<&str>) -> String {
    nearest
        .map(|n| format!(" (did you mean \"{n}\"?)"))
        .unwrap_or_default()
}

fn opcode(name: &str) -> Result<u8, String> {
    names::opcode_by_name(name).ok_or_else(|| match names::nearest_opcode_name(name) {
        Some(n) => format!("unknown opcode \"{name}\"{}", did_you_mean(Some(n))),
        None => format!(
            "unknown opcode \"{name}\" (IORING_OP_* names, with or without the prefix, e.g. \"READ\")"
        ),
    })
}

fn register_op(name: &str) -> Result<u8, String> {
    let Some(op) = names::register_opcode_by_name(name) else {
        return Err(match names::nearest_register_opcode_name(name) {
            Some(n) => format!(
                "unknown register opcode \"{name}\"{}",
                did_you_mean(Some(n))
            ),
            None => format!(
                "unknown register opcode \"{name}\" (IORING_REGISTER_* or IORING_UNREGISTER_* \
                 names, with or without \"IORING_\", e.g. \"REGISTER_FILES\")"
            ),
        });
    };
    u8::try_from(op)
        .ok()
        .filter(|&op| usize::from(op) < super::MAX_REGISTER_OPCODES)
        .ok_or_else(|| format!("register opcode \"{name}\" is {op}; policies cover 0 to 63"))
}

/// "a string", "an integer", ... for messages.
fn a_type(v: &DeValue<'_>) -> String {
    let t = match v {
        DeValue::Array(a) if a.iter().all(|t| t.get_ref().is_table()) && !a.is_empty() => {
            "a list of tables"
        }
        other => other.type_str(),
    };
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    if t.starts_with("a ") {
        t.to_string()
    } else {
        format!("{article} {t}")
    }
}

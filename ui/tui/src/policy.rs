//! What the UI knows of the loaded policy: a label made by whoever parsed it. The UI does not
//! read policy files itself, so it does not depend on the parser; the live and replay entry
//! points pass a [`PolicyLabel`] in their options (None: no policy, and no verdict anywhere).

use uringtop_common::verdict::Action;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyLabel {
    /// As the user named it (the status line shows it).
    pub file: String,
    /// `--enforce`: kills are carried out; otherwise the policy only audits.
    pub enforce: bool,
    /// One human description per rule, by the rule's position in the policy.
    pub rules: Vec<String>,
    /// What applies when no rule matches.
    pub default: Action,
}

impl PolicyLabel {
    pub fn mode(&self) -> &'static str {
        if self.enforce {
            "enforcing"
        } else {
            "audit"
        }
    }

    /// The description of the rule that decided, or "default" when none matched (or the rule is
    /// beyond what the label knows, e.g. a recording made with another policy).
    pub fn rule_text(&self, rule: Option<u16>) -> &str {
        rule.and_then(|r| self.rules.get(usize::from(r)))
            .map_or("default", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::request_fields::verdict_word;
    use uringtop_common::verdict::Verdict;

    #[test]
    fn rules_by_position_and_kills_by_enforcement() {
        let label = PolicyLabel {
            file: "p.toml".into(),
            enforce: false,
            rules: vec!["deny OPENAT".into()],
            default: Action::Allow,
        };
        assert_eq!(label.rule_text(Some(0)), "deny OPENAT");
        assert_eq!(label.rule_text(Some(1)), "default");
        assert_eq!(label.rule_text(None), "default");
        assert_eq!(label.mode(), "audit");
        // How a kill reads, enforced or not: see request_fields::verdict_word.
        let kill = Verdict {
            action: Action::Kill,
            rule: None,
            enforced: false,
        };
        assert_eq!(verdict_word(&kill), "would-kill");
        let enforced = Verdict {
            enforced: true,
            ..kill
        };
        // One spelling with the trace: "killed" (this view said "kill").
        assert_eq!(verdict_word(&enforced), "killed");
    }
}

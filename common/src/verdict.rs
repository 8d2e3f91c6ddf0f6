//! Policy verdicts: what a uringtop policy decided about an SQE or an io_uring_register call.
//! The probe evaluates the policy (see `crate::policy` and probe/bpf/policy.h); these types carry
//! its decisions through samples, records, the model and every sink.

use serde::{Deserialize, Serialize};

/// A policy action, seccomp-style. Ordered by severity.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing to report.
    #[default]
    Allow,
    /// Counted and listed as a violation; the request runs.
    Log,
    /// Would have been refused. A tracepoint cannot fail an SQE: this is an audit verdict, the
    /// request still runs (the kernel's own restrictions are what refuse, see `denied`).
    Deny,
    /// With `--enforce` the submitting process gets SIGKILL (like SECCOMP_RET_KILL_PROCESS, but
    /// after the fact: the SQE was already accepted); without it, reported as would-kill.
    Kill,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Allow, Action::Log, Action::Deny, Action::Kill];

    /// The name in policy files, JSON and the UI.
    pub fn name(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Log => "log",
            Action::Deny => "deny",
            Action::Kill => "kill",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The probe's encoding (URT_ACTION_* in abi.h).
    pub fn abi(self) -> u8 {
        self as u8
    }

    pub fn from_abi(v: u8) -> Option<Action> {
        Action::ALL.get(usize::from(v)).copied()
    }
}

/// How many SQEs (or register calls) got each action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerdictCounts {
    pub allow: u64,
    pub log: u64,
    pub deny: u64,
    pub kill: u64,
    /// Of the `deny` verdicts, those the kernel carried out: the SQE was refused with -EACCES at
    /// submission (its restrictions or BPF filters, e.g. what `uringtop run` installs) and never
    /// ran. Only SQEs have them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub denied_by_kernel: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl VerdictCounts {
    pub fn get(&self, action: Action) -> u64 {
        match action {
            Action::Allow => self.allow,
            Action::Log => self.log,
            Action::Deny => self.deny,
            Action::Kill => self.kill,
        }
    }

    pub fn get_mut(&mut self, action: Action) -> &mut u64 {
        match action {
            Action::Allow => &mut self.allow,
            Action::Log => &mut self.log,
            Action::Deny => &mut self.deny,
            Action::Kill => &mut self.kill,
        }
    }

    /// Everything but allow.
    pub fn violations(&self) -> u64 {
        self.log.saturating_add(self.deny).saturating_add(self.kill)
    }

    pub fn is_zero(&self) -> bool {
        *self == VerdictCounts::default()
    }

    /// `self - old` per action, saturating at zero.
    pub fn saturating_sub(&self, old: &VerdictCounts) -> VerdictCounts {
        VerdictCounts {
            allow: self.allow.saturating_sub(old.allow),
            log: self.log.saturating_sub(old.log),
            deny: self.deny.saturating_sub(old.deny),
            kill: self.kill.saturating_sub(old.kill),
            denied_by_kernel: self.denied_by_kernel.saturating_sub(old.denied_by_kernel),
        }
    }

    pub fn saturating_add(&self, d: &VerdictCounts) -> VerdictCounts {
        VerdictCounts {
            allow: self.allow.saturating_add(d.allow),
            log: self.log.saturating_add(d.log),
            deny: self.deny.saturating_add(d.deny),
            kill: self.kill.saturating_add(d.kill),
            denied_by_kernel: self.denied_by_kernel.saturating_add(d.denied_by_kernel),
        }
    }

    /// True when any action's count is lower in `self` than in `old` (the counter restarted).
    pub fn any_below(&self, old: &VerdictCounts) -> bool {
        Action::ALL.into_iter().any(|a| self.get(a) < old.get(a))
            || self.denied_by_kernel < old.denied_by_kernel
    }

    /// The most severe action with a non-zero count.
    pub fn worst(&self) -> Option<Action> {
        Action::ALL.into_iter().rev().find(|&a| self.get(a) > 0)
    }
}

/// The verdict on one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub action: Action,
    /// Position of the matching rule in the policy (0 = the first `[[rule]]`); None when no rule
    /// matched and the policy's default decided.
    pub rule: Option<u16>,
    /// Carried out: a kill sent SIGKILL to the submitting process (`--enforce`); a deny was
    /// refused by the kernel itself (-EACCES at submission: the request never ran).
    #[serde(default)]
    pub enforced: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_abi_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert_eq!(Action::from_abi(a.abi()), Some(a));
        }
        assert_eq!(Action::from_abi(4), None);
        assert_eq!(Action::from_name("Deny"), None);
    }

    #[test]
    fn counts() {
        let c = VerdictCounts {
            allow: 5,
            log: 1,
            deny: 0,
            kill: 2,
            denied_by_kernel: 0,
        };
        assert_eq!(c.violations(), 3);
        assert_eq!(c.worst(), Some(Action::Kill));
        assert_eq!(VerdictCounts::default().worst(), None);
        let old = VerdictCounts { allow: 6, ..c };
        assert!(c.any_below(&old));
        assert_eq!(c.saturating_sub(&old).allow, 0);
    }
}

//! Verdict counts as the tables write them: short, worst action first, into the frame's scratch
//! buffer (no allocation).

use crate::format;
use uringtop_common::verdict::{Action, VerdictCounts};

/// `3 deny` (every violation, named by the worst action among them), or `—` when there is
/// none. Returns the worst action, for the cell's style.
pub fn compact(s: &mut String, counts: &VerdictCounts) -> Option<Action> {
    // worst() counts allow as an action; here only violations matter.
    match counts.worst().filter(|&a| a != Action::Allow) {
        Some(worst) => {
            format::count(s, counts.violations());
            s.push(' ');
            s.push_str(worst.name());
            Some(worst)
        }
        None => {
            s.push('—');
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_violation_under_the_worst_action() {
        let mut s = String::new();
        let c = VerdictCounts {
            allow: 100,
            log: 2,
            deny: 1,
            kill: 0,
            denied_by_kernel: 0,
        };
        assert_eq!(compact(&mut s, &c), Some(Action::Deny));
        assert_eq!(s, "3 deny");
        s.clear();
        let allowed = VerdictCounts {
            allow: 5,
            ..VerdictCounts::default()
        };
        assert_eq!(compact(&mut s, &allowed), None);
        assert_eq!(s, "—");
    }
}

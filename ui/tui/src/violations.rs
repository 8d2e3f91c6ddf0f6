//! The violations view's rows: the model's recent policy violations (optionally of one ring of
//! one process), newest first, named by sequence number like the request view's, so the
//! selection survives new arrivals and the oldest being dropped.

use uringtop_common::input::Request;
use uringtop_common::model::Model;

/// Which violations the view shows: all, or those of one process's ring (opened from the ring
/// view).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ViolationFilter {
    pub ring: Option<(u32, u32)>,
}

impl ViolationFilter {
    pub fn matches(&self, r: &Request) -> bool {
        self.ring
            .is_none_or(|(pid, ring)| r.pid == pid && r.ring == ring)
    }
}

/// Rebuilds `out` with the sequence numbers of matching violations, newest first.
pub fn build(model: &Model, filter: ViolationFilter, out: &mut Vec<u64>) {
    out.clear();
    let held = model.violation_history().newest_first();
    out.extend(held.filter(|(_, r)| filter.matches(r)).map(|(seq, _)| seq));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_list::Listed;
    use uringtop_common::input::Input;
    use uringtop_common::model::VIOLATION_HISTORY;
    use uringtop_common::verdict::{Action, Verdict};

    #[test]
    fn newest_first_filtered_and_numbered_past_the_history_limit() {
        let mut model = Model::new();
        let total = VIOLATION_HISTORY + 3;
        for i in 0..total {
            model.apply(&Input::Request(Request {
                pid: 7,
                ring: (i % 2) as u32,
                user_data: i as u64,
                verdict: Some(Verdict {
                    action: Action::Deny,
                    ..Verdict::default()
                }),
                ..Request::default()
            }));
        }
        let mut seqs = Vec::new();
        build(&model, ViolationFilter::default(), &mut seqs);
        assert_eq!(seqs.len(), VIOLATION_HISTORY);
        assert_eq!(seqs[0], total as u64 - 1);
        assert_eq!(
            Listed::Violations.get(&model, seqs[0]).unwrap().user_data,
            total as u64 - 1
        );
        assert!(Listed::Violations.get(&model, 0).is_none());
        let one_ring = ViolationFilter { ring: Some((7, 1)) };
        build(&model, one_ring, &mut seqs);
        assert!(seqs
            .iter()
            .all(|&q| Listed::Violations.get(&model, q).unwrap().ring == 1));
        assert_eq!(seqs.len(), VIOLATION_HISTORY / 2);
    }
}

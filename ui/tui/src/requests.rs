//! The request view's rows: the model's streamed requests of one ring (and optionally one
//! opcode), newest first, named by sequence number so a selection survives new arrivals and the
//! oldest being dropped.

use uringtop_common::input::Request;
use uringtop_common::model::Model;

/// Which requests the view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestFilter {
    pub ring: u32,
    pub opcode: Option<u8>,
}

impl RequestFilter {
    pub fn matches(&self, r: &Request) -> bool {
        r.ring == self.ring && self.opcode.is_none_or(|op| op == r.opcode)
    }
}

/// Rebuilds `out` with the sequence numbers of matching requests, newest first.
pub fn build(model: &Model, filter: RequestFilter, out: &mut Vec<u64>) {
    out.clear();
    let held = model.request_history().newest_first();
    out.extend(held.filter(|(_, r)| filter.matches(r)).map(|(seq, _)| seq));
}

/// The request with sequence number `seq`, if the model still holds it.
pub fn get(model: &Model, seq: u64) -> Option<&Request> {
    model.request_history().get(seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::input::Input;

    #[test]
    fn sequence_numbers_survive_the_history_limit() {
        let mut model = Model::new();
        let total = uringtop_common::model::REQUEST_HISTORY + 5;
        for i in 0..total {
            let r = Request {
                ring: (i % 2) as u32,
                opcode: 22,
                user_data: i as u64,
                ..Request::default()
            };
            model.apply(&Input::Request(r));
        }
        let mut seqs = Vec::new();
        // The last one, number total - 1, is even: ring 0.
        build(
            &model,
            RequestFilter {
                ring: 0,
                opcode: None,
            },
            &mut seqs,
        );
        assert_eq!(seqs[0], total as u64 - 1, "newest first");
        assert!(seqs.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(get(&model, seqs[0]).unwrap().user_data, total as u64 - 1);
        assert!(get(&model, 0).is_none(), "dropped by the model");
        build(
            &model,
            RequestFilter {
                ring: 0,
                opcode: Some(0),
            },
            &mut seqs,
        );
        assert!(seqs.is_empty());
    }
}

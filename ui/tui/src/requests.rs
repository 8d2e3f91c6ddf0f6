//! The request view's rows: the model's streamed requests of one ring (and optionally one
//! opcode), newest first, named by sequence number so a selection survives new arrivals and the
//! oldest being dropped. The user's filter ([`RequestQuery`]) is applied as requests arrive:
//! each sync looks only at the requests that came since the last one.

use crate::request_query::RequestQuery;
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

/// How far [`update`] has looked into the model's requests: up to (not including) `seen`, the
/// newest of which was `last` (its number, time and user_data: a replay that goes back in time
/// builds a new model whose numbers mean other requests, and this tells them apart).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    seen: u64,
    last: Option<(u64, u64, u64)>,
}

impl Scan {
    /// Forget what was looked at: the next update looks at every request held (after the
    /// filter changed).
    pub fn reset(&mut self) {
        *self = Scan::default();
    }
}

/// Brings `out` (sequence numbers of the requests that pass `filter` and `query`, newest first)
/// up to date with the model: the requests that arrived since the last update are tested and
/// the matching ones put in front; those the model dropped leave the end. Allocates nothing once
/// `out` has grown to the list's size.
pub fn update(
    model: &Model,
    filter: RequestFilter,
    query: &RequestQuery,
    scan: &mut Scan,
    out: &mut Vec<u64>,
    scratch: &mut String,
) {
    let history = model.request_history();
    let seen = history.seen();
    let first = seen.saturating_sub(history.items().len() as u64);
    let same_stream = seen >= scan.seen
        && scan.last.is_none_or(|(seq, time, user_data)| {
            history
                .get(seq)
                .is_some_and(|r| r.time_ns == time && r.user_data == user_data)
        });
    let from = if same_stream && scan.last.is_some() {
        scan.seen
    } else {
        out.clear();
        first
    };
    let before = out.len();
    for (seq, r) in history.newest_first() {
        if seq < from {
            break;
        }
        if filter.matches(r) && query.matches(r, scratch) {
            out.push(seq);
        }
    }
    // The new ones were pushed behind the old, newest first: move them to the front.
    let added = out.len() - before;
    out.rotate_right(added);
    while out.last().is_some_and(|&seq| seq < first) {
        out.pop();
    }
    scan.seen = seen;
    scan.last = seen
        .checked_sub(1)
        .and_then(|seq| history.get(seq).map(|r| (seq, r.time_ns, r.user_data)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request_list::Listed;
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
        assert_eq!(
            Listed::Requests.get(&model, seqs[0]).unwrap().user_data,
            total as u64 - 1
        );
        assert!(
            Listed::Requests.get(&model, 0).is_none(),
            "dropped by the model"
        );
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

    fn push(model: &mut Model, ring: u32, opcode: u8, user_data: u64) {
        model.apply(&Input::Request(Request {
            ring,
            opcode,
            user_data,
            time_ns: user_data,
            ..Request::default()
        }));
    }

    #[test]
    fn an_update_tests_only_what_arrived_and_equals_a_full_build() {
        let ring = RequestFilter {
            ring: 1,
            opcode: None,
        };
        let reads = RequestQuery::parse("op:READ").unwrap();
        let (mut scan, mut seqs, mut scratch) = (Scan::default(), Vec::new(), String::new());
        let mut model = Model::new();
        let mut next = 0u64;
        let expected = |model: &Model| -> Vec<u64> {
            let mut all = Vec::new();
            build(model, ring, &mut all);
            all.retain(|&seq| {
                Listed::Requests
                    .get(model, seq)
                    .is_some_and(|r| r.opcode == 22)
            });
            all
        };
        for round in 0..40 {
            // Rounds of various sizes; past the history's limit the oldest leave.
            for _ in 0..(round * 997 % 1500) {
                push(
                    &mut model,
                    (next % 3) as u32,
                    [22, 23][(next % 2) as usize],
                    next,
                );
                next += 1;
            }
            update(&model, ring, &reads, &mut scan, &mut seqs, &mut scratch);
            assert_eq!(seqs, expected(&model), "round {round}");
        }
        assert!(next as usize > uringtop_common::model::REQUEST_HISTORY);
        // Another model (a replay that went back): rebuilt, not continued.
        let mut other = Model::new();
        for i in 0..10 {
            push(&mut other, 1, 22, 1_000_000 + i);
        }
        update(&other, ring, &reads, &mut scan, &mut seqs, &mut scratch);
        assert_eq!(seqs, (0..10).rev().collect::<Vec<u64>>());
    }
}

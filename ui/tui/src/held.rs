//! A streamed list that holds still while the user looks at it: the request and violations
//! views follow the stream while their cursor is on the newest entry, and once it leaves the
//! top they stop following, like `less +F` stopped with Ctrl-C. The list then keeps the entries
//! it showed, copies included, since under a flood the model drops them within milliseconds
//! (it keeps 10,000 requests): the highlighted row stays the same request, and Enter opens it.
//! Back at the top, the list follows again.

use std::collections::BTreeMap;
use uringtop_common::input::Request;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Held(Option<BTreeMap<u64, Request>>);

impl Held {
    /// True while the list holds still.
    pub fn is_held(&self) -> bool {
        self.0.is_some()
    }

    /// What the list's title says of it: ` · paused` with the whole UI, ` · not following`
    /// while it holds still, ` · following` while the cursor (at `index`) is on the newest.
    pub fn title_text(&self, paused: bool, index: usize) -> &'static str {
        if paused {
            " · paused"
        } else if self.is_held() {
            " · not following"
        } else if index == 0 {
            " · following"
        } else {
            ""
        }
    }

    /// After the cursor moved to `index`: holds the list `seqs` (as shown, found by `get`)
    /// when the cursor left the top, and follows again when it is back there.
    pub fn after_move<'m>(
        &mut self,
        index: usize,
        seqs: &[u64],
        get: impl Fn(u64) -> Option<&'m Request>,
    ) {
        if index == 0 {
            self.0 = None;
        } else if self.0.is_none() {
            self.0 = Some(
                seqs.iter()
                    .filter_map(|&seq| get(seq).map(|r| (seq, r.clone())))
                    .collect(),
            );
        }
    }

    /// The entry `seq`: the held copy while holding, else what `get` finds in the model.
    pub fn get<'a>(
        &'a self,
        seq: u64,
        get: impl FnOnce(u64) -> Option<&'a Request>,
    ) -> Option<&'a Request> {
        match &self.0 {
            Some(held) => held.get(&seq),
            None => get(seq),
        }
    }
}

//! A bounded log of the latest items, numbered from 0 in arrival order over everything ever
//! pushed: a number names the same item for as long as the log holds it, however many arrive
//! or drop out meanwhile (what lets a view keep its selection on a streaming list).

use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq)]
pub struct History<T, const CAP: usize> {
    items: VecDeque<T>,
    seen: u64,
}

impl<T, const CAP: usize> Default for History<T, CAP> {
    fn default() -> Self {
        History {
            items: VecDeque::new(),
            seen: 0,
        }
    }
}

impl<T, const CAP: usize> History<T, CAP> {
    /// A log holding `items` (oldest first, at most `CAP` kept) after `seen` were pushed in all:
    /// what [`History::items`] and [`History::seen`] gave.
    pub fn from_parts(items: impl IntoIterator<Item = T>, seen: u64) -> Self {
        let mut h = History::default();
        for item in items {
            h.push(item);
        }
        h.seen = seen.max(h.items.len() as u64);
        h
    }

    /// Appends `item`, dropping the oldest beyond `CAP`.
    pub fn push(&mut self, item: T) {
        self.items.push_back(item);
        while self.items.len() > CAP {
            self.items.pop_front();
        }
        self.seen = self.seen.saturating_add(1);
    }

    /// The items held, oldest first.
    pub fn items(&self) -> &VecDeque<T> {
        &self.items
    }

    /// Items pushed in total, including those dropped.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The number of the oldest item held.
    fn first(&self) -> u64 {
        self.seen.saturating_sub(self.items.len() as u64)
    }

    /// The item numbered `seq`, if still held.
    pub fn get(&self, seq: u64) -> Option<&T> {
        let i = seq.checked_sub(self.first())?;
        self.items.get(usize::try_from(i).ok()?)
    }

    /// The items held with their numbers, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = (u64, &T)> + '_ {
        let first = self.first();
        self.items
            .iter()
            .enumerate()
            .rev()
            .map(move |(i, item)| (first + i as u64, item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_survive_dropping_the_oldest() {
        let mut h: History<u32, 3> = History::default();
        for i in 0..5 {
            h.push(i * 10);
        }
        assert_eq!(h.seen(), 5);
        assert_eq!(h.items().len(), 3);
        assert_eq!(h.get(1), None, "dropped");
        assert_eq!(h.get(2), Some(&20));
        assert_eq!(h.get(4), Some(&40));
        assert_eq!(h.get(5), None, "not yet");
        let numbered: Vec<(u64, u32)> = h.newest_first().map(|(n, &v)| (n, v)).collect();
        assert_eq!(numbered, vec![(4, 40), (3, 30), (2, 20)]);
    }
}

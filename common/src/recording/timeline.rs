//! A recording's timeline: the model as of any sample, and a playhead that moves through
//! recorded time (play, step, seek, speed). Pure: the model shown is always "the recording's
//! inputs up to and including sample n", built by applying them in order. A jump (back, or
//! forward past a checkpoint) restores the recording's latest checkpoint of the model at or
//! before the target and folds on from it (from the start when the file has none: recordings
//! made before checkpoints existed), so any position shows exactly what the model held when the
//! recorder wrote that sample, and a jump in hours of recording folds at most one checkpoint's
//! spacing. A replay's screens (the TUI's player) are made on it.

use super::{InputCursor, Recording};
use crate::input::Input;
use crate::model::Model;
use std::time::Duration;

pub const MAX_SPEED: u32 = 64;

pub struct Timeline {
    rec: Recording,
    times: Vec<u64>,
    model: Model,
    cursor: InputCursor,
    /// Samples applied to the model (0 before the first).
    applied: usize,
    /// The playhead, in recorded time; playing moves it by the elapsed time x speed.
    playhead_ns: u64,
    speed: u32,
}

impl Timeline {
    /// At the first sample, at 1x.
    pub fn new(rec: Recording) -> Self {
        let times: Vec<u64> = rec.sample_times().collect();
        let mut timeline = Timeline {
            rec,
            playhead_ns: times.first().copied().unwrap_or(0),
            times,
            model: Model::for_display(),
            cursor: InputCursor::start(),
            applied: 0,
            speed: 1,
        };
        timeline.rewind();
        timeline.goto_sample(1);
        timeline
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn recording(&self) -> &Recording {
        &self.rec
    }

    /// (samples applied, samples in the recording).
    pub fn position(&self) -> (usize, usize) {
        (self.applied, self.times.len())
    }

    pub fn speed(&self) -> u32 {
        self.speed
    }

    pub fn at_end(&self) -> bool {
        self.applied >= self.times.len()
    }

    /// Time of the first sample (0 for a recording without one).
    pub fn first_time_ns(&self) -> u64 {
        self.times.first().copied().unwrap_or(0)
    }

    /// Time of the last sample (0 for a recording without one).
    pub fn last_time_ns(&self) -> u64 {
        self.times.last().copied().unwrap_or(0)
    }

    /// Shows the model as of sample `n` (1-based, clamped to the recording).
    pub fn goto_sample(&mut self, n: usize) {
        let n = n.clamp(1.min(self.times.len()), self.times.len());
        let checkpoint = self.rec.checkpoint_before(n);
        let restored = match checkpoint {
            Some(at) if at.samples > self.applied || n < self.applied => {
                self.rec.restore(at).ok().map(|restored| (at, restored))
            }
            _ => None,
        };
        if let Some((at, (model, cursor))) = restored {
            self.model = model;
            self.cursor = cursor;
            self.applied = at.samples;
        } else if n < self.applied {
            // No checkpoint before n (or one that does not restore): from the start.
            self.rewind();
        }
        while self.applied < n {
            let Some(input) = self.cursor.next(&self.rec) else {
                break;
            };
            self.model.apply(&input);
            if matches!(input, Input::Sample(_)) {
                self.applied += 1;
            }
        }
        if self.applied == self.times.len() {
            // The requests recorded after the last sample.
            while let Some(input) = self.cursor.next(&self.rec) {
                self.model.apply(&input);
            }
        }
        if let Some(&t) = self.applied.checked_sub(1).and_then(|i| self.times.get(i)) {
            self.playhead_ns = t;
        }
    }

    /// Before the first input: the model the file opens with (a file of a `record --dir`
    /// series opens with a checkpoint of what the files before it folded), else an empty one.
    fn rewind(&mut self) {
        let opening = self.rec.checkpoint_before(0);
        match opening.and_then(|at| self.rec.restore(at).ok()) {
            Some((model, cursor)) => {
                self.model = model;
                self.cursor = cursor;
            }
            None => {
                self.model = Model::for_display();
                self.cursor = InputCursor::start();
            }
        }
        self.applied = 0;
    }

    /// The last sample.
    pub fn goto_end(&mut self) {
        self.goto_sample(self.times.len());
    }

    /// The last sample at or before recorded time `t` (the first, if `t` is before it).
    pub fn goto_time(&mut self, t: u64) {
        let n = self.times.partition_point(|&s| s <= t);
        self.goto_sample(n.max(1));
        self.playhead_ns = t.max(self.playhead_ns);
    }

    pub fn step(&mut self, forward: bool) {
        let n = if forward {
            self.applied + 1
        } else {
            self.applied.saturating_sub(1)
        };
        self.goto_sample(n);
    }

    pub fn seek(&mut self, forward: bool, ns: u64) {
        let now = self.current_time_ns();
        let t = if forward {
            now.saturating_add(ns)
        } else {
            now.saturating_sub(ns)
        };
        self.goto_time(t);
    }

    pub fn faster(&mut self) -> bool {
        let moved = self.speed < MAX_SPEED;
        self.speed = (self.speed * 2).min(MAX_SPEED);
        moved
    }

    pub fn slower(&mut self) -> bool {
        let moved = self.speed > 1;
        self.speed = (self.speed / 2).max(1);
        moved
    }

    /// Playing: `elapsed` of real time passed; moves the playhead by it times the speed.
    pub fn advance(&mut self, elapsed: Duration) {
        if self.at_end() {
            return;
        }
        let step = (elapsed.as_nanos() as u64).saturating_mul(u64::from(self.speed));
        let playhead = self.playhead_ns.saturating_add(step);
        let n = self.times.partition_point(|&s| s <= playhead);
        if n > self.applied {
            self.goto_sample(n);
        }
        self.playhead_ns = playhead;
    }

    /// Time of the sample shown.
    pub fn current_time_ns(&self) -> u64 {
        self.applied
            .checked_sub(1)
            .and_then(|i| self.times.get(i))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::{in_memory, Spacing};
    use crate::synthetic::synthetic_stream;

    const SEEK_NS: u64 = 10_000_000_000;

    fn player() -> (Timeline, Vec<Input>) {
        let inputs = synthetic_stream(3, 40, 3, 2);
        (Timeline::new(in_memory(&inputs, Spacing::NONE)), inputs)
    }

    /// The model fed the inputs directly up to and including the `n`-th sample: what live
    /// showed when that sample arrived.
    fn model_at(inputs: &[Input], n: usize) -> Model {
        let mut model = Model::for_display();
        let mut seen = 0;
        for input in inputs {
            model.apply(input);
            if matches!(input, Input::Sample(_)) {
                seen += 1;
                if seen == n {
                    break;
                }
            }
        }
        model
    }

    #[test]
    fn every_position_shows_what_live_showed_whatever_the_path_to_it() {
        let (mut p, inputs) = player();
        assert_eq!(p.position(), (1, 40));
        assert!(*p.model() == model_at(&inputs, 1));
        p.goto_sample(30);
        assert!(*p.model() == model_at(&inputs, 30));
        p.step(false);
        assert!(
            *p.model() == model_at(&inputs, 29),
            "back: rebuilt from the start"
        );
        p.seek(false, SEEK_NS);
        assert_eq!(p.position().0, 19);
        assert!(*p.model() == model_at(&inputs, 19));
        p.seek(true, 5 * SEEK_NS);
        assert_eq!(p.position().0, 40);
        assert!(p.at_end());
        assert!(*p.model() == model_at(&inputs, 41), "the end: every input");
    }

    #[test]
    fn from_a_checkpoint_every_position_shows_what_folding_from_the_start_shows() {
        let inputs = synthetic_stream(5, 50, 4, 3);
        let spacing = Spacing {
            samples: 7,
            requests: 40,
        };
        let rec = in_memory(&inputs, spacing);
        assert!(rec.checkpoints().len() >= 6, "{:?}", rec.checkpoints());
        for &at in rec.checkpoints() {
            // Else a jump would fall back to folding from the start, and prove nothing here.
            let restored = rec.restore(at).map(|(model, _)| model.samples());
            assert_eq!(restored, Ok(at.samples as u64), "{at:?}");
        }
        let mut p = Timeline::new(rec);
        let mut plain = Timeline::new(in_memory(&inputs, Spacing::NONE));
        assert!(plain.recording().checkpoints().is_empty());
        // Back and forth over every checkpoint: after each jump, the same model as the
        // recording without checkpoints folded from its start, and as the inputs fed directly.
        for n in [50, 3, 44, 8, 7, 1, 29, 28, 36, 15, 50, 22] {
            p.goto_sample(n);
            plain.goto_sample(n);
            assert_eq!(p.position(), plain.position());
            assert!(*p.model() == *plain.model(), "at sample {n}");
            let live = model_at(&inputs, if n == 50 { 51 } else { n });
            assert!(*p.model() == live, "at sample {n}: as live");
        }
        // Stepping on from a restored checkpoint folds alike.
        p.goto_sample(14);
        for n in 15..=22 {
            p.step(true);
            assert!(*p.model() == model_at(&inputs, n), "stepped to {n}");
        }
    }

    #[test]
    fn playing_moves_by_elapsed_time_times_speed() {
        let (mut p, _) = player();
        p.advance(Duration::from_millis(500));
        assert_eq!(p.position().0, 1);
        p.advance(Duration::from_millis(600));
        assert_eq!(p.position().0, 2, "samples are ~1 s apart");
        assert!(p.faster() && p.faster() && p.faster());
        assert_eq!(p.speed(), 8);
        p.advance(Duration::from_secs(1));
        assert!((9..=10).contains(&p.position().0), "{:?}", p.position());
        for _ in 0..10 {
            p.faster();
        }
        assert_eq!(p.speed(), MAX_SPEED);
        p.advance(Duration::from_secs(10));
        assert!(p.at_end());
    }
}

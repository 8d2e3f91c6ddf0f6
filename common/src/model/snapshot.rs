//! A sample that carries everything live, for a reader that starts here: the first sample of
//! each file of a rotated recording, so that a file alone replays as its own timeline (samples
//! otherwise carry only what changed since the sample before).

use super::Model;
use crate::input::{OpSample, ProcessSample, Sample};

impl Model {
    /// What the latest sample would have carried had everything live changed: every live
    /// process (name, refused setups, context), ring description and op with its counters as last read
    /// from the kernel (cumulative, so applying it after the samples it summarises changes
    /// nothing). What departed in the latest sample is left out. Lost counts, rule hits and the
    /// time are the latest sample's.
    pub fn snapshot(&self) -> Sample {
        let mut s = Sample {
            time_ns: self.time_ns,
            lost_records: self.lost_records,
            lost_updates: self.lost_updates,
            unmatched_cqes: self.unmatched_cqes,
            rule_hits: self.rule_hits.clone(),
            ..Sample::default()
        };
        let exited = |pid: u32| {
            self.leaving.pids.contains(&pid) || self.processes.get(&pid).is_some_and(|p| p.exited)
        };
        for (&pid, comm) in &self.comms {
            if exited(pid) {
                continue;
            }
            s.processes.push(ProcessSample {
                pid,
                comm: comm.clone(),
                setup_refused: self.setup_refused.get(&pid).cloned().unwrap_or_default(),
                context: self.contexts.get(&pid).cloned().unwrap_or_default(),
            });
        }
        for (id, info) in &self.ring_infos {
            if !self.leaving.closed.contains(id) {
                s.rings.push(info.clone());
            }
        }
        for p in self.processes.values().filter(|p| !p.exited) {
            for (&ring, r) in p.rings.iter().filter(|(_, r)| !r.closed) {
                for op in r.ops.values() {
                    s.ops.push(OpSample {
                        pid: p.pid,
                        ring,
                        opcode: op.opcode,
                        counters: op.raw.clone(),
                        slot: op.slot,
                    });
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Input;
    use crate::synthetic::synthetic_stream;

    /// What a display shows: every live op's cumulative counters.
    fn totals(m: &Model) -> Vec<(u32, u32, u8, crate::input::OpCounters)> {
        m.rings()
            .flat_map(|(p, r)| {
                r.ops
                    .values()
                    .map(move |o| (p.pid, r.info.ring, o.opcode, o.total.clone()))
            })
            .collect()
    }

    #[test]
    fn a_reader_starting_at_a_snapshot_sees_what_one_from_the_start_sees() {
        let inputs = synthetic_stream(3, 60, 6, 3);
        let samples: Vec<usize> = (0..inputs.len())
            .filter(|&i| matches!(inputs[i], Input::Sample(_)))
            .collect();
        for cut in [samples[1], samples[20], samples[45]] {
            let mut whole = Model::for_display();
            let mut before = Model::for_display();
            for input in &inputs[..cut] {
                before.apply(input);
            }
            let Input::Sample(at_cut) = &inputs[cut] else {
                unreachable!()
            };
            // The rotated file's first sample: the cut's own, with everything live beneath.
            let mut first = at_cut.clone();
            first.absorb_earlier(before.snapshot());
            let mut from_cut = Model::for_display();
            from_cut.apply(&Input::Sample(first));
            for input in &inputs[cut + 1..] {
                from_cut.apply(input);
            }
            for input in &inputs {
                whole.apply(input);
            }
            assert_eq!(totals(&from_cut), totals(&whole), "cut at input {cut}");
            assert_eq!(from_cut.lost_records(), whole.lost_records());
        }
    }
}

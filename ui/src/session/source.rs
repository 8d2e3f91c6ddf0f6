//! Where a headless session's inputs come from: the live probe, or the synthetic stream of
//! `record --synthetic`. (A recording is an iterator: see [`super::replay`].)

use super::probe;
use crate::policy_file::LoadedPolicy;
use anyhow::Result;
use std::time::Duration;
use tokio::sync::mpsc;
use uringtop_common::input::Input;
use uringtop_probe::memory::MemoryUse;
use uringtop_probe::{LiveControl, RequestFilter};

pub struct Source {
    inputs: mpsc::Receiver<Input>,
    kind: Kind,
    /// What the probe pins in the kernel (None for the synthetic stream).
    memory: Option<MemoryUse>,
}

enum Kind {
    /// Stopped, it sends its waiting records and a last sample, then closes.
    Probe(LiveControl),
    /// Stopped, it ends at once: what it queued is not wanted.
    Synthetic(tokio::task::JoinHandle<()>),
}

/// What a source still sends once stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterStop {
    /// Its last inputs, then the channel closes.
    LastInputs,
    /// Nothing: the session ends now.
    Ended,
}

impl Source {
    /// Loads the probe (see [`probe::start`]) and samples every `interval`.
    pub fn probe(interval: Duration, policy: Option<&LoadedPolicy>) -> Result<Source> {
        let (inputs, control, memory) = probe::start_measured(interval, policy, 0)?;
        Ok(Source {
            inputs,
            kind: Kind::Probe(control),
            memory: Some(memory),
        })
    }

    /// `samples` samples of the synthetic stream of `seed`, one per `interval`, their requests
    /// between.
    pub fn synthetic(seed: u64, samples: usize, interval: Duration) -> Source {
        let (tx, inputs) = mpsc::channel(1024);
        let stream = uringtop_common::synthetic::synthetic_stream(seed, samples, 4, 2);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            for input in stream {
                if let Input::Sample(_) = input {
                    tick.tick().await;
                }
                if tx.send(input).await.is_err() {
                    return;
                }
            }
        });
        Source {
            inputs,
            kind: Kind::Synthetic(task),
            memory: None,
        }
    }

    /// What the probe pins in the kernel and its counter slots (None: not the probe).
    pub fn memory(&self) -> Option<MemoryUse> {
        self.memory
    }

    /// Streams the individual requests `filter` selects (the synthetic stream has its own).
    pub fn stream_requests(&self, filter: RequestFilter) -> Result<()> {
        if let Kind::Probe(control) = &self.kind {
            control.stream_requests(Some(filter))?;
        }
        Ok(())
    }

    pub(super) async fn next(&mut self) -> Option<Input> {
        self.inputs.recv().await
    }

    pub(super) fn stop(&mut self) -> AfterStop {
        match &self.kind {
            Kind::Probe(control) => {
                control.stop();
                AfterStop::LastInputs
            }
            Kind::Synthetic(task) => {
                task.abort();
                AfterStop::Ended
            }
        }
    }

    /// Says on stderr what went wrong on the way, if anything did.
    pub(super) fn finish(self) {
        if let Kind::Probe(control) = &self.kind {
            probe::report_sampler_error(control);
        }
    }
}

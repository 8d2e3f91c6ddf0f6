//! The exposition sink: the model folded into an [`Exporter`] after every sample, for `serve`
//! (published after every sample, for the HTTP side to hand out) and `dump --format
//! openmetrics` (printed once at the end).

use super::{Flow, Sink};
use crate::serve::http::Published;
use anyhow::Result;
use bytes::Bytes;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::watch;
use uringtop_common::exposition::{Exporter, ExpositionConfig, ProbeFacts, TextFormat};
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_probe::memory::MemoryUse;

pub struct ExpositionSink {
    /// A display model: what departs is dropped after its last interval, so memory follows what
    /// is live however long `serve` runs (the exporter keeps what the counters need).
    model: Model,
    exporter: Exporter,
    facts: ProbeFacts,
    output: Output,
}

enum Output {
    /// Both formats after every sample, for every scrape until the next.
    Publish(watch::Sender<Arc<Published>>),
    /// OpenMetrics on stdout at the end.
    PrintAtEnd,
}

/// The probe's own figures for the health metrics.
pub fn facts(memory: Option<MemoryUse>) -> ProbeFacts {
    ProbeFacts {
        map_memory_bytes: memory.map(|m| m.bytes()),
        key_slots: memory.map(|m| m.key_slots),
    }
}

impl ExpositionSink {
    /// For `serve`: returns the sink and the receiver the HTTP side reads (already holding an
    /// exposition: the probe's health before its first sample).
    pub fn publishing(
        config: ExpositionConfig,
        facts: ProbeFacts,
    ) -> (Self, watch::Receiver<Arc<Published>>) {
        let exporter = Exporter::new(config);
        let (tx, rx) = watch::channel(Arc::new(render(&exporter, &facts)));
        let sink = ExpositionSink {
            model: Model::for_display(),
            exporter,
            facts,
            output: Output::Publish(tx),
        };
        (sink, rx)
    }

    /// For `dump --format openmetrics`.
    pub fn printing(facts: ProbeFacts) -> Self {
        ExpositionSink {
            model: Model::for_display(),
            exporter: Exporter::new(ExpositionConfig::default()),
            facts,
            output: Output::PrintAtEnd,
        }
    }
}

impl Sink for ExpositionSink {
    fn input(&mut self, input: &Input) -> Result<Flow> {
        self.model.apply(input);
        if let Input::Sample(_) = input {
            self.exporter.observe(&self.model);
            if let Output::Publish(tx) = &self.output {
                let (exporter, facts) = (&self.exporter, &self.facts);
                let published = off_the_workers(|| render(exporter, facts));
                tx.send_replace(Arc::new(published));
            }
        }
        Ok(Flow::Continue)
    }

    fn finish(self: Box<Self>) -> Result<Option<String>> {
        if let Output::PrintAtEnd = self.output {
            let text = self.exporter.render(TextFormat::OpenMetrics, &self.facts);
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Ok(None)
    }
}

fn render(exporter: &Exporter, facts: &ProbeFacts) -> Published {
    Published {
        openmetrics: Bytes::from(exporter.render(TextFormat::OpenMetrics, facts)),
        prometheus: Bytes::from(exporter.render(TextFormat::Prometheus, facts)),
    }
}

/// Rendering thousands of rings takes milliseconds: on tokio's multi-threaded runtime, the
/// worker hands its other tasks (the probe's drainer, the scrapes) to another thread first.
fn off_the_workers<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

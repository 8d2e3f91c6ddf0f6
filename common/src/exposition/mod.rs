//! The Prometheus / OpenMetrics exposition: what `uringtop serve` answers on /metrics and
//! `uringtop dump --format openmetrics` prints.
//!
//! An [`Exporter`] is a deterministic fold over the model, observed after every sample, and
//! [`Exporter::render`] writes its state as text. It is a fold rather than a plain function of
//! the latest model state because Prometheus counters must never go down while their series
//! lives: the sum of the live processes named `postgres` drops when one of them exits, which
//! Prometheus reads as a counter reset, and `increase()` would then count the survivors twice.
//! So each series adds up the per-sample *differences* of its members, and keeps them after a
//! member leaves.
//!
//! Cardinality is bounded three ways: the identity labels are chosen ([`LabelSetting`]: by comm,
//! by comm and pid, or by comm, pid and ring); at most [`ExpositionConfig::limit`] identities
//! get series of their own, the rest are counted under one identity whose labels all read
//! `other`; and an identity whose processes all exited (or whose rings all closed) leaves the
//! exposition [`ExpositionConfig::linger_ns`] after its last member went, long enough for a
//! scrape to see its final counts.

mod fold;
mod metrics;
#[cfg(test)]
mod tests;
mod text;

pub use fold::Exporter;
pub use metrics::{latency_bucket_bounds_ns, METRIC_NAMES};
pub use text::TextFormat;

/// Which labels identify a series (besides `op`, and the metric's own, such as `errno`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LabelSetting {
    /// `comm` only: every process of one name is one series (the smallest exposition).
    Comm,
    /// `comm` and `pid`: one series per process.
    #[default]
    Pid,
    /// `comm`, `pid` and `ring`: one series per process and ring.
    Ring,
}

impl LabelSetting {
    pub const NAMES: [&'static str; 3] = ["comm", "pid", "ring"];

    pub fn from_name(name: &str) -> Option<LabelSetting> {
        match name {
            "comm" => Some(LabelSetting::Comm),
            "pid" => Some(LabelSetting::Pid),
            "ring" => Some(LabelSetting::Ring),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LabelSetting::Comm => "comm",
            LabelSetting::Pid => "pid",
            LabelSetting::Ring => "ring",
        }
    }
}

/// How the exposition bounds its cardinality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpositionConfig {
    pub labels: LabelSetting,
    /// At most this many identities (label sets of [`LabelSetting`]) have series of their own;
    /// keys past it are counted under the identity `other`.
    pub limit: usize,
    /// How long an identity whose members all left stays in the exposition, in ns of sample
    /// time, so that a scrape sees what its processes did last.
    pub linger_ns: u64,
}

impl Default for ExpositionConfig {
    fn default() -> Self {
        ExpositionConfig {
            labels: LabelSetting::default(),
            limit: 500,
            linger_ns: 60_000_000_000,
        }
    }
}

/// What the model does not know about the probe and the exposition shows as its health.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbeFacts {
    /// Kernel memory the probe's maps pin (None: not live, e.g. from a recording).
    pub map_memory_bytes: Option<u64>,
    /// Counter slots for (process, ring, opcode) keys.
    pub key_slots: Option<u32>,
}

//! Writing the exporter's state in OpenMetrics 1.0 or Prometheus' text format 0.0.4. They differ
//! in metadata only: OpenMetrics names a counter family without `_total` and an info family
//! without `_info`, has `# UNIT` and ends with `# EOF`; Prometheus' format has no info type
//! (a gauge of 1) and names families as their samples.

use super::fold::Exporter;
use super::metrics::{self, Family, Kind};
use super::{LabelSetting, ProbeFacts};
use crate::input::OpCounters;
use crate::latency::bucket_bounds;
use crate::names::{errno_name, opcode_name, setup_flag_names};
use crate::verdict::Action;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFormat {
    OpenMetrics,
    Prometheus,
}

impl TextFormat {
    /// The Content-Type of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            TextFormat::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            TextFormat::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// Appends `value` escaped for a label value (backslash, double quote, newline).
pub(super) fn escape_label_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Seconds from ns, as Prometheus reads floats.
fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}

struct Writer {
    out: String,
    format: TextFormat,
    /// Where the current family's metadata starts, and whether it has a sample yet: a family
    /// without samples is taken out again.
    family_start: usize,
    family_samples: bool,
}

impl Writer {
    fn begin(&mut self, f: &Family) {
        self.end();
        self.family_start = self.out.len();
        self.family_samples = false;
        let name = match (self.format, f.kind) {
            (TextFormat::Prometheus, Kind::Counter) => format!("{}_total", f.name),
            (TextFormat::Prometheus, Kind::Info) => format!("{}_info", f.name),
            _ => f.name.to_string(),
        };
        let kind = match (self.format, f.kind) {
            (_, Kind::Counter) => "counter",
            (_, Kind::Gauge) | (TextFormat::Prometheus, Kind::Info) => "gauge",
            (_, Kind::Histogram) => "histogram",
            (TextFormat::OpenMetrics, Kind::Info) => "info",
        };
        let help = f.help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
        if self.format == TextFormat::OpenMetrics && !f.unit().is_empty() {
            let _ = writeln!(self.out, "# UNIT {name} {}", f.unit());
        }
    }

    fn end(&mut self) {
        if !self.family_samples {
            self.out.truncate(self.family_start);
        }
        self.family_start = self.out.len();
        self.family_samples = true;
    }

    /// A family of one sample without labels (the probe's and the exposition's health).
    fn single(&mut self, f: &Family, value: impl std::fmt::Display) {
        self.begin(f);
        let suffix = if f.kind == Kind::Counter {
            "_total"
        } else {
            ""
        };
        self.sample(f.name, suffix, "", value);
    }

    /// One sample: `name{labels} value`; `labels` is already escaped ("" for none).
    fn sample(&mut self, name: &str, suffix: &str, labels: &str, value: impl std::fmt::Display) {
        self.family_samples = true;
        if labels.is_empty() {
            let _ = writeln!(self.out, "{name}{suffix} {value}");
        } else {
            let _ = writeln!(self.out, "{name}{suffix}{{{labels}}} {value}");
        }
    }
}

impl Exporter {
    /// The exposition of the state as of the latest observed sample.
    pub fn render(&self, format: TextFormat, facts: &ProbeFacts) -> String {
        let mut w = Writer {
            out: String::with_capacity(4096 + self.series.len() * 2048),
            format,
            family_start: 0,
            family_samples: true,
        };
        let mut labels = String::with_capacity(128);
        // Per identity and op.
        let op_labels = |labels: &mut String, id: &str, opcode: u8| {
            labels.clear();
            labels.push_str(id);
            labels.push_str(",op=\"");
            escape_label_into(labels, &opcode_name(opcode));
            labels.push('"');
        };
        for (family, read) in metrics::OP_COUNTERS {
            w.begin(&family);
            for (id, series) in &self.series {
                for (&opcode, c) in &series.ops {
                    op_labels(&mut labels, id, opcode);
                    w.sample(family.name, "_total", &labels, read(c));
                }
            }
        }
        w.begin(&metrics::CQE_ERRORS);
        for (id, series) in &self.series {
            for (&opcode, c) in &series.ops {
                for (&errno, &n) in &c.errnos {
                    op_labels(&mut labels, id, opcode);
                    let _ = write!(labels, ",errno=\"{}\"", errno_name(errno));
                    w.sample(metrics::CQE_ERRORS.name, "_total", &labels, n);
                }
            }
        }
        if self.rule_hits.is_some() {
            w.begin(&metrics::VERDICTS);
            for (id, series) in &self.series {
                for (&opcode, c) in &series.ops {
                    for action in Action::ALL {
                        op_labels(&mut labels, id, opcode);
                        let _ = write!(labels, ",action=\"{}\"", action.name());
                        let n = c.verdicts.get(action);
                        w.sample(metrics::VERDICTS.name, "_total", &labels, n);
                    }
                }
            }
        }
        w.begin(&metrics::LATENCY);
        for (id, series) in &self.series {
            for (&opcode, c) in &series.ops {
                op_labels(&mut labels, id, opcode);
                latency_histogram(&mut w, &labels, c);
            }
        }
        self.render_rings(&mut w, &mut labels);
        self.render_health(&mut w, facts);
        w.end();
        if format == TextFormat::OpenMetrics {
            w.out.push_str("# EOF\n");
        }
        w.out
    }

    fn render_rings(&self, w: &mut Writer, labels: &mut String) {
        w.begin(&metrics::CQ_OVERFLOWS);
        for (id, series) in &self.series {
            w.sample(
                metrics::CQ_OVERFLOWS.name,
                "_total",
                id,
                series.cq_overflows,
            );
        }
        let mut by_flags: BTreeMap<(&str, u32), u64> = BTreeMap::new();
        for m in self.members.values() {
            *by_flags.entry((&m.identity, m.setup_flags)).or_default() += 1;
        }
        w.begin(&metrics::RINGS);
        for ((id, flags), n) in by_flags {
            labels.clear();
            labels.push_str(id);
            let _ = write!(labels, ",setup_flags=\"{}\"", flag_text(flags));
            w.sample(metrics::RINGS.name, "", labels, n);
        }
        if self.config.labels == LabelSetting::Ring {
            w.begin(&metrics::RING_INFO);
            let other = super::fold::overflow_identity(LabelSetting::Ring);
            let mut seen = std::collections::BTreeSet::new();
            for m in self.members.values() {
                // Rings folded into "other" have no identity of their own to describe.
                if m.identity == other || !seen.insert(m.identity.as_str()) {
                    continue;
                }
                labels.clear();
                labels.push_str(&m.identity);
                let _ = write!(
                    labels,
                    ",setup_flags=\"{}\",sq_entries=\"{}\",cq_entries=\"{}\"",
                    flag_text(m.setup_flags),
                    m.sq_entries,
                    m.cq_entries
                );
                w.sample(metrics::RING_INFO.name, "_info", labels, 1);
            }
        }
    }

    fn render_health(&self, w: &mut Writer, facts: &ProbeFacts) {
        w.single(&metrics::LOST_RECORDS, self.lost_records);
        w.single(&metrics::LOST_UPDATES, self.lost_updates);
        w.single(&metrics::UNMATCHED, self.unmatched_cqes);
        w.single(&metrics::KEYS, self.keys);
        if let Some(slots) = facts.key_slots {
            w.single(&metrics::KEY_SLOTS, slots);
        }
        if let Some(bytes) = facts.map_memory_bytes {
            w.single(&metrics::MAP_MEMORY, bytes);
        }
        if let Some(hits) = &self.rule_hits {
            w.begin(&metrics::RULE_HITS);
            for (i, n) in hits.iter().enumerate() {
                let labels = format!("rule=\"{}\"", i + 1);
                w.sample(metrics::RULE_HITS.name, "_total", &labels, n);
            }
        }
        w.single(&metrics::IDENTITIES, self.identities());
        w.single(&metrics::FOLDED, self.folded_members());
        if self.samples > 0 {
            w.single(&metrics::LAST_SAMPLE, seconds(self.time_ns));
        }
    }
}

/// `SQPOLL|SINGLE_ISSUER`, or `none`.
fn flag_text(flags: u32) -> String {
    let names = setup_flag_names(flags);
    if names.is_empty() {
        "none".into()
    } else {
        names.join("|")
    }
}

/// The `_bucket`, `_sum` and `_count` samples of one op's latency, the probe's buckets merged
/// into [`metrics::latency_bucket_bounds_ns`].
fn latency_histogram(w: &mut Writer, labels: &str, c: &OpCounters) {
    let name = metrics::LATENCY.name;
    let mut merged = [0u64; 14];
    let mut total = 0u64;
    for (&b, &n) in &c.latency.buckets {
        let (lo, _) = bucket_bounds(b);
        // The first bound above the bucket's lowest value holds the whole bucket (bounds are
        // boundaries of the probe's buckets).
        if let Some(i) = metrics::latency_bucket_bounds_ns().position(|le| lo < le) {
            merged[i] = merged[i].saturating_add(n);
        }
        total = total.saturating_add(n);
    }
    let mut cumulative = 0u64;
    let mut bucket_labels = String::with_capacity(labels.len() + 24);
    for (i, le) in metrics::latency_bucket_bounds_ns().enumerate() {
        cumulative = cumulative.saturating_add(merged[i]);
        bucket_labels.clear();
        bucket_labels.push_str(labels);
        let _ = write!(bucket_labels, ",le=\"{}\"", seconds(le));
        w.sample(name, "_bucket", &bucket_labels, cumulative);
    }
    bucket_labels.clear();
    bucket_labels.push_str(labels);
    bucket_labels.push_str(",le=\"+Inf\"");
    w.sample(name, "_bucket", &bucket_labels, total);
    w.sample(name, "_sum", labels, seconds(c.latency.sum_ns));
    // The histogram's own count (the probe's latency count is the same, from the same samples).
    w.sample(name, "_count", labels, total);
}

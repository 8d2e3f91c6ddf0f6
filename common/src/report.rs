//! The machine-readable contract: what `--json` / `--csv` print for a window of the model (see
//! [`crate::model::Model::report`]). Field order and names are the contract; bump
//! [`SCHEMA_VERSION`] on any incompatible change.

use crate::input::OTHER_RINGS;
use crate::latency::LatencySummary;
use crate::process_context::ProcessContext;
use crate::verdict::VerdictCounts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const SCHEMA_VERSION: u32 = 1;

/// Counts are deltas over the window; only processes, rings and ops with activity in it appear,
/// sorted by pid, ring id and opcode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub schema: u32,
    /// Length of the window: from its first sample (or the rebase) to its latest sample.
    pub duration_ns: u64,
    pub lost_records: u64,
    pub lost_updates: u64,
    pub unmatched_cqes: u64,
    pub processes: Vec<ProcessReport>,
    /// With a policy: verdicts per rule in the window, by the rule's position (rule 1 first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_hits: Option<Vec<u64>>,
    /// io_uring_setup calls the kernel refused in the window (e.g. EPERM: io_uring_disabled).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setup_refused: Vec<SetupRefusedReport>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupRefusedReport {
    pub pid: u32,
    pub comm: String,
    /// By errno name, e.g. {"EPERM": 1}.
    pub errors: BTreeMap<String, u64>,
}

/// io_uring_register calls on a ring with one register opcode, in the window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterReport {
    /// IORING_REGISTER_* name without the prefix, e.g. "REGISTER_FILES" ("REGISTER_<n>" if unknown).
    pub op: String,
    pub calls: u64,
    pub failed: u64,
    /// Refused by the kernel (-EACCES / -EPERM): the ring's restrictions or credentials.
    pub denied: u64,
    /// With a policy: the policy's verdicts on these calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<VerdictCounts>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessReport {
    pub pid: u32,
    pub comm: String,
    /// `uid`, `user`, `cgroup`, `cmdline` beside `comm`, each left out when unknown.
    #[serde(flatten)]
    pub context: ProcessContext,
    pub rings: Vec<RingReport>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingReport {
    /// The ring's id; null on the "other rings" row ([`OTHER_RINGS`], with `other_rings`).
    #[serde(with = "ring_id")]
    pub ring: u32,
    /// null when the ring's creation was not seen.
    pub fd: Option<i32>,
    /// IORING_SETUP_* names without the prefix, e.g. ["SQPOLL"].
    pub setup_flags: Vec<String>,
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub cq_overflows: u64,
    pub ops: Vec<OpReport>,
    /// io_uring_register calls by opcode (omitted when none in the window).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub register: Vec<RegisterReport>,
    /// The row of a process's rings that the probe could not count one by one (it ran out of
    /// counter slots): `ring` is null. Omitted (false) on every other row.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub other_rings: bool,
    /// The ring's registered files and buffers as last read from its fdinfo (omitted when
    /// never read: see [`crate::registered`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<std::sync::Arc<crate::registered::Registered>>,
}

/// `ring` in JSON: the id, or null for [`OTHER_RINGS`] (a number no ring has, which a script
/// would otherwise take for a ring).
mod ring_id {
    use crate::input::OTHER_RINGS;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ring: &u32, s: S) -> Result<S::Ok, S::Error> {
        if *ring == OTHER_RINGS {
            s.serialize_none()
        } else {
            s.serialize_u32(*ring)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        Ok(Option::<u32>::deserialize(d)?.unwrap_or(OTHER_RINGS))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpReport {
    /// IORING_OP_* name without the prefix, e.g. "READ"; "OP_<n>" if unknown.
    pub op: String,
    pub submitted: u64,
    pub rejected: u64,
    pub denied: u64,
    pub completed: u64,
    /// Failed completions by errno name, e.g. {"ENOENT": 37}.
    pub errors: BTreeMap<String, u64>,
    /// Punts to io-wq.
    #[serde(rename = "async")]
    pub async_punts: u64,
    pub latency_ns: LatencySummary,
    /// With a policy: verdicts on this op's SQEs, {"allow": n, "log": n, "deny": n, "kill": n}.
    /// Policy verdicts are uringtop's; `rejected`/`denied` are the kernel's own refusals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<VerdictCounts>,
}

const CSV_HEADER: [&str; 24] = [
    "pid",
    "comm",
    "ring",
    "fd",
    "setup_flags",
    "sq_entries",
    "cq_entries",
    "cq_overflows",
    "op",
    "submitted",
    "rejected",
    "denied",
    "completed",
    "errors",
    "async",
    "lat_count",
    "lat_p50_ns",
    "lat_p90_ns",
    "lat_p99_ns",
    "lat_max_ns",
    // With a policy; empty without.
    "verdict_allow",
    "verdict_log",
    "verdict_deny",
    "verdict_kill",
];

impl Report {
    /// The report as one line of JSON (no trailing newline).
    pub fn to_json(&self) -> String {
        // Serializing plain structs and string-keyed maps into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Indented JSON, for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A header, then one row per process x ring x op. A ring in the report without ops (it
    /// only overflowed its CQ) gets one row with the op columns empty, so it is not lost.
    /// setup_flags are joined with '|', errors written as "EAGAIN:2;ENOENT:37" (by name); the
    /// "other rings" row's ring is "other".
    pub fn write_csv(&self, w: &mut impl Write) -> io::Result<()> {
        self.write_csv_rows(w, None)
    }

    /// Like [`Report::write_csv`], for one of several intervals (`dump --interval`): every row,
    /// the header's included, starts with an `interval` column holding `interval` (1 for the
    /// first), so that the rows of different intervals can be told apart.
    pub fn write_csv_interval(&self, w: &mut impl Write, interval: u64) -> io::Result<()> {
        self.write_csv_rows(w, Some(interval))
    }

    fn write_csv_rows(&self, w: &mut impl Write, interval: Option<u64>) -> io::Result<()> {
        let header_lead = interval.map(|_| "interval".to_string());
        let header = CSV_HEADER.iter().map(|s| s.to_string());
        write_row(w, header_lead.into_iter().chain(header))?;
        let lead = interval.map(|n| n.to_string());
        let mut row = |cells: &mut dyn Iterator<Item = String>| {
            write_row(w, lead.iter().cloned().chain(cells))
        };
        for p in &self.processes {
            for r in &p.rings {
                let ring_cells = [
                    p.pid.to_string(),
                    p.comm.clone(),
                    if r.ring == OTHER_RINGS {
                        "other".to_string()
                    } else {
                        r.ring.to_string()
                    },
                    r.fd.map(|fd| fd.to_string()).unwrap_or_default(),
                    r.setup_flags.join("|"),
                    r.sq_entries.to_string(),
                    r.cq_entries.to_string(),
                    r.cq_overflows.to_string(),
                ];
                if r.ops.is_empty() {
                    let empty = std::iter::repeat_n(String::new(), CSV_HEADER.len() - 8);
                    row(&mut ring_cells.iter().cloned().chain(empty))?;
                }
                for op in &r.ops {
                    row(&mut ring_cells.iter().cloned().chain(op_cells(op)))?;
                }
            }
        }
        Ok(())
    }
}

fn op_cells(op: &OpReport) -> [String; 16] {
    let errors: Vec<String> = op
        .errors
        .iter()
        .map(|(name, n)| format!("{name}:{n}"))
        .collect();
    let l = &op.latency_ns;
    let verdict = |n: fn(&VerdictCounts) -> u64| {
        op.verdicts
            .as_ref()
            .map(n)
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    [
        op.op.clone(),
        op.submitted.to_string(),
        op.rejected.to_string(),
        op.denied.to_string(),
        op.completed.to_string(),
        errors.join(";"),
        op.async_punts.to_string(),
        l.count.to_string(),
        l.p50.to_string(),
        l.p90.to_string(),
        l.p99.to_string(),
        l.max.to_string(),
        verdict(|v| v.allow),
        verdict(|v| v.log),
        verdict(|v| v.deny),
        verdict(|v| v.kill),
    ]
}

fn write_row(w: &mut impl Write, cells: impl Iterator<Item = String>) -> io::Result<()> {
    let line: Vec<String> = cells.map(|c| csv_field(&c)).collect();
    writeln!(w, "{}", line.join(","))
}

/// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report of one process, `x` (pid 7), with `ring`.
    fn one_ring(ring: RingReport) -> Report {
        Report {
            processes: vec![ProcessReport {
                pid: 7,
                comm: "x".into(),
                context: ProcessContext::default(),
                rings: vec![ring],
            }],
            ..Report::default()
        }
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("fio"), "fio");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field(""), "");
    }

    #[test]
    fn empty_report_csv_is_just_the_header() {
        let mut out = Vec::new();
        Report::default().write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}\n", CSV_HEADER.join(","))
        );
    }

    #[test]
    fn ring_without_ops_keeps_a_row() {
        let report = one_ring(RingReport {
            ring: 1,
            cq_overflows: 3,
            ..RingReport::default()
        });
        let mut out = Vec::new();
        report.write_csv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert_eq!(row, "7,x,1,,,0,0,3,,,,,,,,,,,,,,,,");
        assert_eq!(row.split(',').count(), CSV_HEADER.len());
    }

    #[test]
    fn interval_rows_say_their_interval() {
        let report = one_ring(RingReport {
            ring: 1,
            ops: vec![OpReport {
                op: "NOP".into(),
                submitted: 5,
                ..OpReport::default()
            }],
            ..RingReport::default()
        });
        let mut out = Vec::new();
        report.write_csv_interval(&mut out, 3).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("interval,{}", CSV_HEADER.join(",")));
        assert!(lines[1].starts_with("3,7,x,1,"), "{}", lines[1]);
        assert_eq!(lines[1].split(',').count(), CSV_HEADER.len() + 1);
    }
}

//! The main table's rows, derived from the model: processes with their rings beneath, filtered,
//! folded and sorted. Rebuilt once per model update (not per frame); the views only read them.

use crate::columns::Column;
use std::cmp::Ordering;
use uringtop_common::model::{Model, ProcessState, RingState};
use uringtop_common::verdict::{Action, VerdictCounts};

/// What a row shows. A ring used by several processes appears under each, so a ring row is
/// identified by its process too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowId {
    Process(u32),
    Ring {
        pid: u32,
        ring: u32,
    },
    /// Processes of one unit, container or cgroup (grouping on, `c`), by a hash of its name.
    Group(u64),
}

impl RowId {
    /// The process of a process or ring row; 0 for a group row (see [`RowId::process`]).
    pub fn pid(self) -> u32 {
        self.process().unwrap_or(0)
    }

    /// The process of a process or ring row; None for a group row.
    pub fn process(self) -> Option<u32> {
        match self {
            RowId::Process(pid) | RowId::Ring { pid, .. } => Some(pid),
            RowId::Group(_) => None,
        }
    }
}

/// The numbers of one row, computed once per update.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Figures {
    pub req_per_s: f64,
    /// SQEs (submitted + rejected) since the probe attached.
    pub total: u64,
    pub inflight: u64,
    /// Completions in the latest interval; p50/p99 mean nothing when 0.
    pub completions: u64,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub err_per_s: f64,
    /// SQEs refused by a restriction or policy, since attach.
    pub denied: u64,
    pub async_pct: f64,
    /// CQ overflows of rings this process owns (a shared ring counts under its owner only).
    pub cq_overflows: u64,
    /// Policy verdicts in the latest interval (all zero without a policy).
    pub verdicts: VerdictCounts,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: RowId,
    pub figures: Figures,
    /// Process rows: how many rings; ring rows: 0.
    pub rings: usize,
    pub folded: bool,
    /// Ring rows: IORING_SETUP_* bits; process rows: those of all its rings.
    pub setup_flags: u32,
    /// Ring rows: the ring's fd in its creator, when known.
    pub fd: Option<i32>,
    /// Ring rows: the last ring of its process (for the tree glyph).
    pub last: bool,
    /// The process exited, or the ring closed, during the latest interval: the row shows that
    /// interval, marked, and is gone at the next sample (as htop shows a dying process).
    pub departed: bool,
    /// Group rows: the unit, container or cgroup ("nginx.service"). Built once per update.
    pub label: Option<String>,
    /// Process and ring rows under a group row: indented one more level.
    pub grouped: bool,
}

/// How the rows are chosen and ordered.
#[derive(Clone, Debug, PartialEq)]
pub struct RowSpec {
    pub sort: Column,
    pub descending: bool,
    /// Comm substring (ASCII case-insensitive) or exact pid; empty shows everything.
    pub filter: String,
    /// `--pid`: only this process, whatever the filter.
    pub only_pid: Option<u32>,
    /// Also list idle rings (see [`ring_is_idle`]); `i` toggles it.
    pub show_idle: bool,
    /// Intervals without a completion that make a ring idle (the config's `[idle] after`).
    pub idle_after: usize,
    /// The followed process (`F`): listed even when all its rings are idle.
    pub follow: Option<u32>,
    /// Processes under a row per unit, container or cgroup, with its totals (`c`).
    pub group: bool,
}

/// How many intervals without a completion (and with nothing in flight) make a ring idle,
/// unless the config file says otherwise.
pub const IDLE_INTERVALS: usize = 10;

/// A ring with no CQE in its last `after` intervals and nothing in flight: quiet, or closed
/// without the probe knowing (rings it knows closed leave the model on their own), which only
/// clutters the list of a process that creates short-lived rings.
pub fn ring_is_idle(ring: &RingState, after: usize) -> bool {
    ring.interval.inflight == 0
        && ring.rate_history.len() >= after
        && ring
            .rate_history
            .iter()
            .rev()
            .take(after)
            .all(|&r| r == 0.0)
}

/// Whether a ring of `process` gets a row: busy ones always; idle ones with `i`, but only while
/// they and their process are live (a ring that closed or a process that exited is shown for
/// its last interval only when it did something in it).
pub fn ring_is_shown(spec: &RowSpec, process: &ProcessState, ring: &RingState) -> bool {
    !ring_is_idle(ring, spec.idle_after) || (spec.show_idle && !ring.closed && !process.exited)
}

/// Which processes are folded: a default for all, and the exceptions the user toggled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Folds {
    pub all_folded: bool,
    pub toggled: std::collections::BTreeSet<u32>,
    /// Group rows folded (groups start unfolded), by their id.
    pub groups: std::collections::BTreeSet<u64>,
}

impl Folds {
    pub fn is_folded(&self, pid: u32) -> bool {
        self.all_folded != self.toggled.contains(&pid)
    }

    pub fn toggle_group(&mut self, id: u64) {
        if !self.groups.remove(&id) {
            self.groups.insert(id);
        }
    }

    pub fn toggle(&mut self, pid: u32) {
        if !self.toggled.remove(&pid) {
            self.toggled.insert(pid);
        }
    }

    pub fn set(&mut self, pid: u32, folded: bool) {
        if self.is_folded(pid) != folded {
            self.toggle(pid);
        }
    }

    /// Folds everything, or unfolds everything when all is folded already.
    pub fn toggle_all(&mut self) {
        self.all_folded = !(self.all_folded && self.toggled.is_empty());
        self.toggled.clear();
    }
}

/// Rebuilds `out` from the model.
pub fn build(model: &Model, spec: &RowSpec, folds: &Folds, out: &mut Vec<Row>) {
    out.clear();
    let mut processes: Vec<(&ProcessState, Row)> = model
        .processes()
        .filter(|p| spec.only_pid.is_none_or(|only| p.pid == only))
        .filter(|p| matches_filter(p, &spec.filter))
        .filter(|p| {
            spec.follow == Some(p.pid) || p.rings.values().any(|r| ring_is_shown(spec, p, r))
        })
        .map(|p| (p, process_row(p, folds)))
        .collect();
    processes.sort_by(|(pa, a), (pb, b)| {
        order(
            spec,
            key(spec.sort, pa, None, a),
            key(spec.sort, pb, None, b),
            a,
            b,
        )
    });
    let mut rings: Vec<(&RingState, Row)> = Vec::new();
    if spec.group {
        for group in crate::groups::group(processes, spec, folds) {
            let folded = group.row.folded;
            out.push(group.row);
            if !folded {
                for (process, mut row) in group.members {
                    row.grouped = true;
                    push_process(out, spec, process, row, &mut rings);
                }
            }
        }
        return;
    }
    for (process, row) in processes {
        push_process(out, spec, process, row, &mut rings);
    }
}

/// A process's row, then (unfolded) its rings' rows, sorted.
fn push_process<'m>(
    out: &mut Vec<Row>,
    spec: &RowSpec,
    process: &'m ProcessState,
    row: Row,
    rings: &mut Vec<(&'m RingState, Row)>,
) {
    let (folded, grouped) = (row.folded, row.grouped);
    out.push(row);
    if folded {
        return;
    }
    rings.clear();
    rings.extend(
        process
            .rings
            .values()
            .filter(|r| ring_is_shown(spec, process, r))
            .map(|r| (r, ring_row(process, r))),
    );
    rings.sort_by(|(ra, a), (rb, b)| {
        order(
            spec,
            key(spec.sort, process, Some(ra), a),
            key(spec.sort, process, Some(rb), b),
            a,
            b,
        )
    });
    let n = rings.len();
    out.extend(rings.drain(..).enumerate().map(|(i, (_, mut row))| {
        row.last = i + 1 == n;
        row.grouped = grouped;
        row
    }));
}

/// Whether a process passes the `/` filter.
pub fn matches_filter(p: &ProcessState, filter: &str) -> bool {
    let filter = filter.trim();
    if filter.is_empty() {
        return true;
    }
    filter.parse::<u32>().is_ok_and(|pid| pid == p.pid)
        || contains_ignore_ascii_case(&p.comm, filter)
        || contains_ignore_ascii_case(&p.context.cgroup, filter)
        || p.context.user == filter
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// A process's figures, as its row shows them (for the process popup).
pub fn process_figures(p: &ProcessState) -> Figures {
    process_row(p, &Folds::default()).figures
}

/// One ring's figures within its process, as its row shows them.
pub fn ring_figures(p: &ProcessState, ring: &RingState) -> Figures {
    ring_row(p, ring).figures
}

fn ring_row(process: &ProcessState, ring: &RingState) -> Row {
    let pid = process.pid;
    let i = &ring.interval;
    let (mut total, mut denied) = (0u64, 0u64);
    let mut verdicts = VerdictCounts::default();
    for op in ring.ops.values() {
        total = total.saturating_add(op.total.submitted.saturating_add(op.total.rejected));
        denied = denied.saturating_add(op.total.denied);
        // The model keeps no interval verdicts; the difference of its cumulative ones is that.
        let interval = op.total.verdicts.saturating_sub(&op.prev.verdicts);
        verdicts = verdicts.saturating_add(&interval);
    }
    let owned = ring.info.pid == pid;
    Row {
        id: RowId::Ring {
            pid,
            ring: ring.info.ring,
        },
        figures: Figures {
            req_per_s: i.req_per_s,
            total,
            inflight: i.inflight,
            completions: i.latency.count,
            p50_ns: i.latency.p50,
            p99_ns: i.latency.p99,
            err_per_s: i.err_per_s,
            denied,
            async_pct: i.async_pct,
            cq_overflows: if owned { ring.info.cq_overflows } else { 0 },
            verdicts,
        },
        rings: 0,
        folded: false,
        setup_flags: ring.info.setup_flags,
        fd: if owned { ring.info.fd } else { None },
        last: false,
        departed: ring.closed || process.exited,
        label: None,
        grouped: false,
    }
}

fn process_row(p: &ProcessState, folds: &Folds) -> Row {
    let i = &p.interval;
    let mut figures = Figures {
        req_per_s: i.req_per_s,
        inflight: i.inflight,
        completions: i.latency.count,
        p50_ns: i.latency.p50,
        p99_ns: i.latency.p99,
        err_per_s: i.err_per_s,
        async_pct: i.async_pct,
        ..Figures::default()
    };
    let mut setup_flags = 0;
    for ring in p.rings.values() {
        let r = ring_row(p, ring);
        figures.total = figures.total.saturating_add(r.figures.total);
        figures.denied = figures.denied.saturating_add(r.figures.denied);
        figures.cq_overflows = figures.cq_overflows.saturating_add(r.figures.cq_overflows);
        figures.verdicts = figures.verdicts.saturating_add(&r.figures.verdicts);
        setup_flags |= r.setup_flags;
    }
    Row {
        id: RowId::Process(p.pid),
        figures,
        rings: p.rings.len(),
        folded: folds.is_folded(p.pid),
        setup_flags,
        fd: None,
        last: false,
        departed: p.exited,
        label: None,
        grouped: false,
    }
}

pub(crate) enum Key<'a> {
    Num(f64),
    Text(&'a str),
    /// Worst action first, then how many violations: one kill matters more than many logs.
    Verdict(Option<Action>, u64),
}

/// The sort key of a process row (`ring` None) or of one of its ring rows. Columns that mean
/// nothing for a ring within its process (pid, comm) sort rings by id.
fn key<'a>(column: Column, p: &'a ProcessState, ring: Option<&RingState>, row: &Row) -> Key<'a> {
    if let Some(key) = figure_key(column, row) {
        return key;
    }
    let ring_id = |r: &RingState| f64::from(r.info.ring);
    match column {
        Column::Comm => match ring {
            Some(r) => Key::Num(ring_id(r)),
            None => Key::Text(&p.comm),
        },
        Column::Ring => Key::Num(match ring {
            Some(r) => ring_id(r),
            None => p.rings.keys().next().map_or(0.0, |&id| f64::from(id)),
        }),
        // PID (every other column shows a figure).
        _ => Key::Num(ring.map_or(f64::from(p.pid), ring_id)),
    }
}

/// The sort key of a column that shows one of the row's figures: every column but PID, COMM
/// and RING (None), which say what the row is. Process, ring and group rows share it.
pub(crate) fn figure_key(column: Column, row: &Row) -> Option<Key<'static>> {
    let f = &row.figures;
    Some(match column {
        Column::Pid | Column::Comm | Column::Ring => return None,
        Column::Flags => Key::Num(f64::from(row.setup_flags)),
        Column::ReqRate => Key::Num(f.req_per_s),
        Column::Total => Key::Num(f.total as f64),
        Column::Inflight => Key::Num(f.inflight as f64),
        Column::P50 => Key::Num(f.p50_ns as f64),
        Column::P99 => Key::Num(f.p99_ns as f64),
        Column::ErrRate => Key::Num(f.err_per_s),
        Column::Denied => Key::Num(f.denied as f64),
        Column::Verdict => Key::Verdict(
            f.verdicts.worst().filter(|&a| a != Action::Allow),
            f.verdicts.violations(),
        ),
        Column::AsyncPct => Key::Num(f.async_pct),
        Column::CqOverflow => Key::Num(f.cq_overflows as f64),
    })
}

/// By the key in the chosen direction, then by id ascending, so equal keys keep a stable order.
pub(crate) fn order(spec: &RowSpec, ka: Key, kb: Key, a: &Row, b: &Row) -> Ordering {
    let by_key = match (ka, kb) {
        (Key::Num(x), Key::Num(y)) => x.total_cmp(&y),
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        (Key::Verdict(w, n), Key::Verdict(v, m)) => (w, n).cmp(&(v, m)),
        // One column gives one kind of key; mixed kinds never meet.
        _ => Ordering::Equal,
    };
    let by_key = if spec.descending {
        by_key.reverse()
    } else {
        by_key
    };
    by_key.then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_matches_comm_substring_or_exact_pid() {
        let p = ProcessState {
            pid: 4242,
            comm: "Postgres".into(),
            ..ProcessState::default()
        };
        assert!(matches_filter(&p, ""));
        assert!(matches_filter(&p, "  "));
        assert!(matches_filter(&p, "gres"));
        assert!(matches_filter(&p, "POST"));
        assert!(matches_filter(&p, "4242"));
        assert!(!matches_filter(&p, "424"));
        let in_unit = ProcessState {
            context: uringtop_common::process_context::ProcessContext {
                user: "postgres".into(),
                cgroup: "/system.slice/postgresql@15-main.service".into(),
                ..Default::default()
            },
            ..p.clone()
        };
        assert!(matches_filter(&in_unit, "postgresql@15"), "by cgroup");
        assert!(matches_filter(&in_unit, "system.slice"), "by cgroup");
        assert!(matches_filter(&in_unit, "postgres"), "by user (and comm)");
        assert!(!matches_filter(&p, "system.slice"));
        assert!(!matches_filter(&p, "nginx"));
    }

    #[test]
    fn folds_toggle_one_or_all() {
        let mut f = Folds::default();
        assert!(!f.is_folded(1));
        f.toggle(1);
        assert!(f.is_folded(1));
        f.toggle_all(); // not all folded yet: fold all
        assert!(f.is_folded(1) && f.is_folded(2));
        f.set(2, false);
        assert!(!f.is_folded(2));
        f.toggle_all();
        assert!(f.is_folded(2));
        f.toggle_all();
        assert!(!f.is_folded(1) && !f.is_folded(2));
    }

    #[test]
    fn rings_quiet_for_ten_intervals_are_hidden_unless_asked_for() {
        use uringtop_common::input::{Input, OpSample, ProcessSample, RingSample, Sample};
        // Ring 1 keeps completing; ring 2 completes for 3 samples, then never again.
        let mut model = Model::new();
        for i in 0..15u64 {
            let done = |ring: u32, n: u64| OpSample::completed(7, ring, 0, n);
            model.apply(&Input::Sample(Sample {
                time_ns: (i + 1) * 1_000_000_000,
                processes: vec![ProcessSample {
                    pid: 7,
                    comm: "app".into(),
                    ..ProcessSample::default()
                }],
                rings: [1, 2]
                    .map(|ring| RingSample {
                        ring,
                        pid: 7,
                        ..RingSample::default()
                    })
                    .to_vec(),
                ops: vec![done(1, 10 * (i + 1)), done(2, 5 * (i + 1).min(3))],
                ..Sample::default()
            }));
        }
        let ring_ids = |show_idle: bool| {
            let spec = RowSpec {
                sort: Column::Pid,
                descending: false,
                filter: String::new(),
                only_pid: None,
                show_idle,
                idle_after: IDLE_INTERVALS,
                follow: None,
                group: false,
            };
            let mut rows = Vec::new();
            build(&model, &spec, &Folds::default(), &mut rows);
            rows.iter()
                .filter_map(|r| match r.id {
                    RowId::Ring { ring, .. } => Some(ring),
                    RowId::Process(_) | RowId::Group(_) => None,
                })
                .collect::<Vec<u32>>()
        };
        assert_eq!(
            ring_ids(false),
            [1],
            "ring 2 has been quiet for 12 intervals"
        );
        assert_eq!(ring_ids(true), [1, 2]);
    }
}

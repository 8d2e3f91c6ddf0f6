//! The main table grouped by unit, container or cgroup (`c`): a row per group with its totals,
//! its processes beneath. A group's percentiles are those of its processes' merged latency
//! histograms over the interval, not an average of their percentiles. Built once per update.

use crate::columns::Column;
use crate::rows::{figure_key, order, Figures, Folds, Key, Row, RowId, RowSpec};
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use uringtop_common::latency::summarize;
use uringtop_common::model::ProcessState;

/// A group's row and its processes' rows, in the table's order.
pub struct Group<'m> {
    pub row: Row,
    pub members: Vec<(&'m ProcessState, Row)>,
}

/// What a process is grouped by: its unit or container (common's `group_of`), else its cgroup
/// path as is, else that it is not known.
pub fn label_of(p: &ProcessState) -> &str {
    match (&p.group, p.context.cgroup.as_str()) {
        (Some(group), _) => group,
        (None, "") => "(cgroup unknown)",
        (None, "/") => "(root cgroup)",
        (None, path) => path,
    }
}

/// A group row's id: a hash of its name, stable across updates (SipHash with fixed keys).
pub fn group_id(label: &str) -> u64 {
    let mut h = DefaultHasher::new();
    label.hash(&mut h);
    h.finish()
}

/// Groups `processes` (already in the table's order, kept within each group) and orders the
/// groups by the table's sort column.
pub fn group<'m>(
    processes: Vec<(&'m ProcessState, Row)>,
    spec: &RowSpec,
    folds: &Folds,
) -> Vec<Group<'m>> {
    let mut by_label: BTreeMap<&'m str, Vec<(&'m ProcessState, Row)>> = BTreeMap::new();
    for (p, row) in processes {
        by_label.entry(label_of(p)).or_default().push((p, row));
    }
    let mut groups: Vec<Group<'m>> = by_label
        .into_iter()
        .map(|(label, members)| Group {
            row: group_row(label, &members, folds),
            members,
        })
        .collect();
    groups.sort_by(|a, b| {
        order(
            spec,
            key(spec.sort, &a.row),
            key(spec.sort, &b.row),
            &a.row,
            &b.row,
        )
    });
    groups
}

fn group_row(label: &str, members: &[(&ProcessState, Row)], folds: &Folds) -> Row {
    let mut f = Figures::default();
    let (mut submitted, mut punts, mut max_ns) = (0u64, 0u64, 0u64);
    let mut buckets: BTreeMap<u16, u64> = BTreeMap::new();
    let (mut rings, mut setup_flags) = (0, 0);
    for (p, row) in members {
        let m = &row.figures;
        f.req_per_s += m.req_per_s;
        f.err_per_s += m.err_per_s;
        f.total = f.total.saturating_add(m.total);
        f.inflight = f.inflight.saturating_add(m.inflight);
        f.denied = f.denied.saturating_add(m.denied);
        f.cq_overflows = f.cq_overflows.saturating_add(m.cq_overflows);
        f.verdicts = f.verdicts.saturating_add(&m.verdicts);
        submitted = submitted.saturating_add(p.interval.submitted);
        punts = punts.saturating_add(p.interval.async_punts);
        max_ns = max_ns.max(p.interval.latency.max);
        rings += row.rings;
        setup_flags |= row.setup_flags;
        // The interval's histogram of every op: its cumulative counts less the previous ones.
        for op in p.rings.values().flat_map(|r| r.ops.values()) {
            let prev = &op.prev.latency.buckets;
            for (&bucket, &n) in &op.total.latency.buckets {
                let n = n.saturating_sub(prev.get(&bucket).copied().unwrap_or(0));
                if n > 0 {
                    *buckets.entry(bucket).or_default() += n;
                }
            }
        }
    }
    let latency = summarize(&buckets, max_ns);
    f.completions = latency.count;
    f.p50_ns = latency.p50;
    f.p99_ns = latency.p99;
    f.async_pct = if submitted == 0 {
        0.0
    } else {
        (punts as f64 / submitted as f64 * 100.0).min(100.0)
    };
    let id = group_id(label);
    Row {
        id: RowId::Group(id),
        figures: f,
        rings,
        folded: folds.groups.contains(&id),
        setup_flags,
        fd: None,
        last: false,
        departed: members.iter().all(|(p, _)| p.exited),
        label: Some(label.to_string()),
        grouped: false,
    }
}

/// Groups sort by name where the column names a process (PID, COMM, RING), else by figure.
fn key(column: Column, row: &Row) -> Key<'_> {
    figure_key(column, row).unwrap_or(Key::Text(row.label.as_deref().unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::process_context::ProcessContext;

    #[test]
    fn a_process_is_grouped_by_its_unit_else_its_cgroup_else_unknown() {
        let with = |cgroup: &str| {
            let context = ProcessContext {
                cgroup: cgroup.into(),
                ..ProcessContext::default()
            };
            ProcessState {
                group: context.group(),
                context,
                ..ProcessState::default()
            }
        };
        assert_eq!(
            label_of(&with("/system.slice/nginx.service")),
            "nginx.service"
        );
        assert_eq!(label_of(&with("/custom/thing")), "/custom/thing");
        assert_eq!(label_of(&with("/")), "(root cgroup)");
        assert_eq!(label_of(&with("")), "(cgroup unknown)");
        assert_eq!(group_id("nginx.service"), group_id("nginx.service"));
        assert_ne!(group_id("nginx.service"), group_id("sshd.service"));
    }
}

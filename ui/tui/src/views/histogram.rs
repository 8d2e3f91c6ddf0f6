//! A latency histogram over the probe's log buckets: one horizontal bar per bucket, or per group
//! of adjacent buckets when they do not all fit (groups are powers of two, aligned, so a group of
//! four is exactly one octave).

use super::text::cell;
use crate::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::BTreeMap;
use uringtop_common::latency::{bucket_bounds, bucket_of, LAST_BUCKET};

const LABEL: u16 = 15;
const COUNT: u16 = 7;
const MARK: u16 = 8;
const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/// Draws `buckets` (bucket index -> count) in `area`, marking the bars holding `p50` and `p99`.
pub fn draw(
    buf: &mut Buffer,
    area: Rect,
    buckets: &BTreeMap<u16, u64>,
    marks: [(u64, &str); 2],
    theme: &Theme,
) {
    let mut nonzero = buckets
        .iter()
        .filter(|&(_, &n)| n > 0)
        .map(|(&b, _)| b.min(LAST_BUCKET));
    let Some(first) = nonzero.next() else {
        cell(
            buf,
            area.x + 1,
            area.y,
            area.width.saturating_sub(2),
            "no completions (t: since start / last interval)",
            theme.dim,
            false,
        );
        return;
    };
    let last = nonzero.next_back().unwrap_or(first);
    let rows = u32::from(area.height.max(1));
    let mut group = 1u32;
    while (u32::from(last) / group - u32::from(first) / group + 1) > rows && group < 256 {
        group *= 2;
    }
    let (first_group, last_group) = (u32::from(first) / group, u32::from(last) / group);
    let sum_of = |g: u32| -> u64 {
        let (lo, hi) = (g * group, (g + 1) * group - 1);
        buckets
            .range(lo as u16..=hi.min(u32::from(LAST_BUCKET)) as u16)
            .map(|(_, &n)| n)
            .sum()
    };
    let max = (first_group..=last_group)
        .map(sum_of)
        .max()
        .unwrap_or(1)
        .max(1);
    let bar_width = area.width.saturating_sub(LABEL + COUNT + MARK + 3);
    let mut s = String::with_capacity(32);
    for (y, g) in (area.y..area.bottom()).zip(first_group..=last_group) {
        let lo = (g * group) as u16;
        let hi = ((g + 1) * group - 1).min(u32::from(LAST_BUCKET)) as u16;
        s.clear();
        label(&mut s, lo, hi);
        // Every piece is clipped to the area: on a tiny terminal it must not spill into the
        // sparkline beside it.
        let fit = |x: u16, w: u16| w.min(area.right().saturating_sub(x));
        cell(buf, area.x, y, fit(area.x, LABEL), &s, theme.dim, true);
        let n = sum_of(g);
        let bar_x = area.x + LABEL + 1;
        bar(buf, bar_x, y, bar_width, n, max, theme);
        s.clear();
        format::count(&mut s, n);
        let count_x = bar_x + bar_width + 1;
        cell(buf, count_x, y, fit(count_x, COUNT), &s, theme.ring, true);
        s.clear();
        for (value, name) in marks {
            let b = bucket_of(value);
            if value > 0 && lo <= b && b <= hi {
                s.push(' ');
                s.push_str(name);
            }
        }
        let mark_x = count_x + COUNT;
        cell(buf, mark_x, y, fit(mark_x, MARK), &s, theme.key, false);
    }
}

/// `lo–hi` of a bucket range, `≥lo` for the open-ended last bucket.
fn label(s: &mut String, lo: u16, hi: u16) {
    let (from, _) = bucket_bounds(lo);
    let (_, to) = bucket_bounds(hi);
    if hi >= LAST_BUCKET {
        s.push('≥');
        format::short_duration(s, from);
        return;
    }
    format::short_duration(s, from);
    s.push('–');
    format::short_duration(s, to.saturating_add(1));
}

fn bar(buf: &mut Buffer, x: u16, y: u16, width: u16, n: u64, max: u64, theme: &Theme) {
    let eighths = (u128::from(n) * u128::from(width) * 8 / u128::from(max)) as u64;
    // Anything at all gets a sliver, so a rare slow bucket is not invisible.
    let eighths = if n > 0 { eighths.max(1) } else { 0 };
    let full = (eighths / 8) as u16;
    for i in 0..full.min(width) {
        buf.set_stringn(x + i, y, "█", 1, theme.bar);
    }
    let part = EIGHTHS[(eighths % 8) as usize];
    if !part.is_empty() && full < width {
        buf.set_stringn(x + full, y, part, 1, theme.bar);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_span_the_group() {
        let mut s = String::new();
        label(&mut s, bucket_of(1024), bucket_of(1024) + 3);
        assert_eq!(s, "1.0µs–2.0µs");
        s.clear();
        label(&mut s, LAST_BUCKET, LAST_BUCKET);
        assert!(s.starts_with('≥'));
    }
}

//! A multi-row sparkline of a rate history, newest on the right, scaled to its own maximum.

use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::VecDeque;

const LEVELS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

/// Draws the last `area.width` values of `history`; returns the largest value shown.
pub fn draw(buf: &mut Buffer, area: Rect, history: &VecDeque<f64>, theme: &Theme) -> f64 {
    let width = usize::from(area.width);
    let shown = history.iter().skip(history.len().saturating_sub(width));
    let max = shown
        .clone()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if area.height == 0 || max <= 0.0 {
        return max;
    }
    let steps = f64::from(area.height) * 8.0;
    let start_x = area.right() - history.len().min(width) as u16;
    for (x, &v) in (start_x..).zip(shown) {
        let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
        let mut eighths = (v / max * steps).round() as u32;
        if v > 0.0 {
            eighths = eighths.max(1); // activity never looks like idleness
        }
        for row in 0..area.height {
            let y = area.bottom() - 1 - row;
            let level = eighths.saturating_sub(u32::from(row) * 8).min(8) as usize;
            if level == 0 {
                break;
            }
            buf.set_stringn(x, y, LEVELS[level], 1, theme.spark);
        }
    }
    max
}

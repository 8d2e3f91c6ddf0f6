//! Compact, fixed-width-friendly number formats for table cells.
//!
//! Each formatter appends to a caller-owned `String`, so a view can reuse one scratch buffer for a
//! whole frame instead of allocating a `String` per cell.

use std::fmt::Write;

/// The units of rates and counts past their exact range.
const THOUSANDS: [(f64, &str); 4] = [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")];

/// A per-second rate: `0`, `0.50`, `12.3`, `842`, `9999`, `12.3k`, `1.23M`; at most 6 characters.
pub fn rate(out: &mut String, per_s: f64) {
    let v = if per_s.is_finite() && per_s > 0.0 {
        per_s
    } else {
        0.0
    };
    let _ = match v {
        0.0 => write!(out, "0"),
        v if v < 10.0 => write!(out, "{v:.2}"),
        v if v < 100.0 => write!(out, "{v:.1}"),
        v if v < 10_000.0 => write!(out, "{v:.0}"),
        v => return scaled(out, v, &THOUSANDS),
    };
}

/// A count: exact up to 99999, then `123k`, `12.3M`, `1.23G`; at most 6 characters (absurdly
/// large values excepted).
pub fn count(out: &mut String, n: u64) {
    if n < 100_000 {
        let _ = write!(out, "{n}");
    } else {
        scaled(out, n as f64, &THOUSANDS);
    }
}

/// A latency in at most 6 characters, 3 significant digits: `850ns`, `12.3µs`, `106µs`,
/// `4.56ms`, `1.20s`.
pub fn duration(out: &mut String, ns: u64) {
    if ns < 1_000 {
        let _ = write!(out, "{ns}ns");
    } else {
        scaled(out, ns as f64, &[(1e3, "µs"), (1e6, "ms"), (1e9, "s")]);
    }
}

/// `v` in the first of `units` (ascending) that keeps it under 1000 after rounding to three
/// significant digits (the last unit otherwise), e.g. 999_600 ns is `1.00ms`, not `1000µs`.
fn scaled(out: &mut String, v: f64, units: &[(f64, &str)]) {
    let (scale, unit) = units
        .iter()
        .copied()
        .find(|&(scale, _)| v / scale < 999.5)
        .unwrap_or(units[units.len() - 1]);
    let x = v / scale;
    let _ = if (x * 100.0).round() < 1000.0 {
        write!(out, "{x:.2}{unit}")
    } else if (x * 10.0).round() < 1000.0 {
        write!(out, "{x:.1}{unit}")
    } else {
        write!(out, "{x:.0}{unit}")
    };
}

/// A latency bound as short as possible, for histogram labels: `850ns`, `12µs`, `4.5ms`, `1.2s`.
pub fn short_duration(out: &mut String, ns: u64) {
    let (v, unit) = match ns {
        0..=999 => (ns as f64, "ns"),
        1_000..=999_999 => (ns as f64 / 1e3, "µs"),
        1_000_000..=999_999_999 => (ns as f64 / 1e6, "ms"),
        _ => (ns as f64 / 1e9, "s"),
    };
    let _ = if v < 10.0 && v.fract() != 0.0 {
        write!(out, "{v:.1}{unit}")
    } else {
        write!(out, "{v:.0}{unit}")
    };
}

/// A share in percent: `0`, `0.5%`, `12%`, `100%`.
pub fn percent(out: &mut String, pct: f64) {
    let _ = match pct {
        p if !p.is_finite() || p <= 0.0 => write!(out, "0"),
        p if p < 9.95 => write!(out, "{p:.1}%"),
        p => write!(out, "{:.0}%", p.min(100.0)),
    };
}

/// An interval for the status line: `500ms`, `1s`, `2.5s`, `1m`.
pub fn interval(out: &mut String, d: std::time::Duration) {
    let ms = d.as_millis();
    let _ = if ms < 1000 {
        write!(out, "{ms}ms")
    } else if ms.is_multiple_of(60_000) {
        write!(out, "{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        write!(out, "{}s", ms / 1000)
    } else {
        write!(out, "{:.1}s", d.as_secs_f64())
    };
}

/// A memory size in binary units, 3 significant digits past 1 KiB: `512 B`, `4 KiB`, `64 KiB`,
/// `1.50 MiB` (registered buffers are page multiples, so the common ones read exactly).
pub fn bytes(out: &mut String, n: u64) {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        let _ = write!(out, "{n} B");
        return;
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    let _ = if v.fract() == 0.0 {
        write!(out, "{v:.0} {}", UNITS[unit])
    } else if v < 10.0 {
        write!(out, "{v:.2} {}", UNITS[unit])
    } else if v < 100.0 {
        write!(out, "{v:.1} {}", UNITS[unit])
    } else {
        write!(out, "{v:.0} {}", UNITS[unit])
    };
}

/// Convenience for one-off texts (tests, titles): runs a formatter into a new `String`.
pub use uringtop_common::request_fields::to_string;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `(input, text)` case: `format` writes exactly the text.
    fn writes<T: Copy + std::fmt::Debug>(format: fn(&mut String, T), cases: &[(T, &str)]) {
        for &(v, text) in cases {
            assert_eq!(to_string(format, v), text, "{v:?}");
        }
    }

    /// Every value of `values` in at most 6 characters, the width of a table's figure.
    fn at_most_six<T: Copy>(format: fn(&mut String, T), values: &[T]) {
        for &v in values {
            let text = to_string(format, v);
            assert!(text.chars().count() <= 6, "{text}");
        }
    }

    #[test]
    fn rates_stay_short() {
        writes(
            rate,
            &[
                (0.0, "0"),
                (f64::NAN, "0"),
                (-3.0, "0"),
                (0.5, "0.50"),
                (12.34, "12.3"),
                (842.2, "842"),
                (9_999.0, "9999"),
                (12_345.0, "12.3k"),
                (999_999.0, "1.00M"),
                (1_234_567.0, "1.23M"),
                (4.2e9, "4.20G"),
            ],
        );
        at_most_six(
            rate,
            &[
                0.1, 9.99, 99.9, 9_999.4, 99_999.0, 999_499.0, 999_999.0, 999e9,
            ],
        );
    }

    #[test]
    fn counts_are_exact_while_they_fit() {
        writes(
            count,
            &[
                (0, "0"),
                (99_999, "99999"),
                (123_456, "123k"),
                (999_999, "1.00M"),
                (12_345_678, "12.3M"),
                (1_234_567_890, "1.23G"),
                (u64::MAX, "18446744T"), // absurd, but no panic
            ],
        );
    }

    #[test]
    fn sizes_use_binary_units() {
        writes(
            bytes,
            &[
                (512, "512 B"),
                (4096, "4 KiB"),
                (65536 + 4096, "68 KiB"),
                (1536 * 1024, "1.50 MiB"),
                (u64::MAX, "16 EiB"), // absurd, but no panic
            ],
        );
    }

    #[test]
    fn durations_keep_three_digits() {
        writes(
            duration,
            &[
                (850, "850ns"),
                (1_000, "1.00µs"),
                (12_300, "12.3µs"),
                (106_600, "107µs"),
                (999_600, "1.00ms"),
                (99_960, "100µs"),
                (9_996, "10.0µs"),
                (4_560_000, "4.56ms"),
                (603_980_000, "604ms"),
                (1_200_000_000, "1.20s"),
            ],
        );
        at_most_six(
            duration,
            &[
                999,
                9_999,
                99_999,
                999_499,
                999_999,
                9_999_999,
                99_999_999,
                999_999_999,
            ],
        );
        // A request's latency in full (the detail, the trace) is request_fields::latency.
        writes(
            uringtop_common::request_fields::latency,
            &[(12_300, "12.3µs"), (4_560_000, "4.56ms")],
        );
        writes(
            short_duration,
            &[
                (8, "8ns"),
                (1_024, "1.0µs"),
                (1_536, "1.5µs"),
                (16_384, "16µs"),
                (3_000_000, "3ms"),
            ],
        );
    }

    #[test]
    fn percents_intervals_and_clock() {
        writes(
            percent,
            &[(0.0, "0"), (0.46, "0.5%"), (33.3, "33%"), (250.0, "100%")],
        );
        let ms = std::time::Duration::from_millis;
        writes(
            interval,
            &[
                (ms(500), "500ms"),
                (ms(1000), "1s"),
                (ms(2500), "2.5s"),
                (ms(120_000), "2m"),
            ],
        );
        let mut s = String::new();
        uringtop_common::request_fields::time(&mut s, 43_201_123_456_789, 0);
        assert_eq!(s, "12:00:01.123456");
    }
}

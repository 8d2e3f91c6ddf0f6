//! Points in a recording given by a person: a wall-clock time of day (`12:03:10`, local time) or
//! an offset from the start (`+90s`, `+1.5m`, `+500ms`, `+90`).

/// A parsed time argument, resolved against a recording by [`TimeSpec::resolve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSpec {
    /// Nanoseconds after the recording's first sample.
    Offset(u64),
    /// Seconds since local midnight (with nanoseconds).
    TimeOfDay(u64),
}

const NS: u64 = 1_000_000_000;
const DAY_NS: u64 = 86_400 * NS;

impl TimeSpec {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if let Some(rest) = t.strip_prefix('+') {
            return parse_duration_ns(rest)
                .map(TimeSpec::Offset)
                .ok_or_else(|| format!("`{text}` is not an offset (try +90s, +1.5m, +500ms)"));
        }
        let bad = || format!("`{text}` is not a time of day (try 12:03:10) or an offset (+90s)");
        let parts: Vec<&str> = t.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let h: u64 = parts[0].parse().map_err(|_| bad())?;
        let m: u64 = parts[1].parse().map_err(|_| bad())?;
        let s: f64 = match parts.get(2) {
            Some(p) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                p.parse().map_err(|_| bad())?
            }
            Some(_) => return Err(bad()),
            None => 0.0,
        };
        if h > 23 || m > 59 || !(0.0..60.0).contains(&s) {
            return Err(bad());
        }
        Ok(TimeSpec::TimeOfDay(
            (h * 3600 + m * 60) * NS + (s * 1e9).round() as u64,
        ))
    }

    /// The instant (ns since the epoch) in a recording whose first sample is at `start_ns`, for
    /// a local time `utc_offset_s` from UTC. A time of day earlier than the start is taken on
    /// the next day (a recording across midnight).
    pub fn resolve(self, start_ns: u64, utc_offset_s: i64) -> u64 {
        match self {
            TimeSpec::Offset(ns) => start_ns.saturating_add(ns),
            TimeSpec::TimeOfDay(tod) => {
                let offset_ns = utc_offset_s.saturating_mul(NS as i64);
                let local_start = (start_ns as i64).saturating_add(offset_ns) as u64;
                let local_midnight = local_start - local_start % DAY_NS;
                let mut t = local_midnight + tod;
                // Whole seconds were given: `12:03:10` includes the start at 12:03:10.4.
                if t + NS <= local_start {
                    t += DAY_NS;
                }
                (t as i64).saturating_sub(offset_ns).max(0) as u64
            }
        }
    }
}

fn parse_duration_ns(text: &str) -> Option<u64> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1e9)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60e9)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600e9)
    } else {
        (t, 1e9)
    };
    let v: f64 = num.trim().parse().ok()?;
    let ns = v * scale;
    (ns.is_finite() && (0.0..1e19).contains(&ns)).then_some(ns as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_and_times_of_day() {
        assert_eq!(TimeSpec::parse("+90s"), Ok(TimeSpec::Offset(90 * NS)));
        assert_eq!(TimeSpec::parse("+90"), Ok(TimeSpec::Offset(90 * NS)));
        assert_eq!(TimeSpec::parse("+1.5m"), Ok(TimeSpec::Offset(90 * NS)));
        assert_eq!(TimeSpec::parse("+500ms"), Ok(TimeSpec::Offset(NS / 2)));
        assert_eq!(
            TimeSpec::parse("12:03:10"),
            Ok(TimeSpec::TimeOfDay((12 * 3600 + 3 * 60 + 10) * NS))
        );
        assert_eq!(TimeSpec::parse("00:01"), Ok(TimeSpec::TimeOfDay(60 * NS)));
        for bad in [
            "", "+", "+x", "+-1s", "25:00", "12:60", "12:00:61", "1:2:3:4", "noon", "12:00:-1",
        ] {
            assert!(TimeSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_of_day_resolve_in_local_time_and_across_midnight() {
        // 2025-06-15T23:59:00Z
        let start = 1_749_945_600 * NS - 60 * NS;
        let at = |t: &str, off| TimeSpec::parse(t).unwrap().resolve(start, off);
        assert_eq!(at("23:59:30", 0), start + 30 * NS);
        assert_eq!(
            at("00:00:30", 0),
            start + 90 * NS,
            "after midnight: next day"
        );
        assert_eq!(at("01:59:30", 7200), start + 30 * NS, "UTC+2");
        assert_eq!(at("+10s", 0), start + 10 * NS);
    }
}

/// `YYYYMMDDTHHMMSSZ` for a time in ns since the Unix epoch (UTC): the names of a rotated
/// recording's files, which therefore sort by time.
pub fn utc_file_stamp(time_ns: u64) -> String {
    let secs = time_ns / 1_000_000_000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days to a civil date (the proleptic Gregorian calendar), after Howard Hinnant's algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The time (ns since the epoch) of a [`utc_file_stamp`] at the start of `text`
/// (`20261202T020000Z…`), if there is one.
pub fn parse_utc_file_stamp(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { text.get(r)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // A civil date to days since the epoch (the inverse of utc_file_stamp's conversion).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    u64::try_from(secs).ok().map(|s| s * 1_000_000_000)
}

#[cfg(test)]
mod stamp_tests {
    #[test]
    fn file_stamps_parse_back() {
        for t in [0u64, 951_782_400, 1_796_201_947, 4_102_444_799] {
            let ns = t * 1_000_000_000;
            let stamp = super::utc_file_stamp(ns);
            assert_eq!(super::parse_utc_file_stamp(&stamp), Some(ns), "{stamp}");
        }
        assert_eq!(super::parse_utc_file_stamp("20261302T000000Z"), None);
        assert_eq!(super::parse_utc_file_stamp("sample"), None);
    }

    #[test]
    fn file_stamps_are_utc_and_sort_by_time() {
        assert_eq!(super::utc_file_stamp(0), "19700101T000000Z");
        // 2026-12-02 08:59:07 UTC
        assert_eq!(
            super::utc_file_stamp(1_796_201_947_000_000_000),
            "20261202T085907Z"
        );
        assert_eq!(
            super::utc_file_stamp(951_782_400_000_000_000),
            "20000229T000000Z"
        );
    }
}

//! The header every output format starts with, as plain lines (each format adds its comment
//! marker): what was observed, and what the advice does to anything that was not.

use super::analysis::{Advice, ObservedFrom};
use super::text::{comment_line, printable};

/// The common header, a blank line, then `intro` (the format's own lines on how to apply it).
pub fn lines(advice: &Advice, intro: &[&str]) -> Vec<String> {
    let seconds = advice.observed.seconds;
    let observed = match &advice.observed.source {
        ObservedFrom::Live => format!("Observed: the live probe, for {seconds:.1} s."),
        ObservedFrom::Recording(path) => {
            format!(
                "Observed: the recording {}, {seconds:.1} s.",
                printable(path)
            )
        }
    };
    let mut lines = vec![
        "uringtop advise: least-privilege io_uring restrictions, from what was observed.".into(),
        observed,
    ];
    lines.extend(
        [
            "Only what was observed is allowed: an opcode, IOSQE flag or register call that the",
            "workload did not use while it was observed will be refused (-EACCES). Observe the",
            "workload's full range first (startup, every feature, error paths, shutdown).",
        ]
        .map(String::from),
    );
    lines.push(String::new());
    lines.extend(intro.iter().map(|&l| String::from(l)));
    lines
}

/// The start of an output whose comments are lines (`#`, `//`): [`lines`], `marker` before
/// each.
pub fn comment(marker: &str, advice: &Advice, intro: &[&str]) -> String {
    let mut out = String::new();
    for line in lines(advice, intro) {
        comment_line(&mut out, marker, &line);
    }
    out
}

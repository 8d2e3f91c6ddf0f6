//! `uringtop dump --format openmetrics` from the sample recording (no privileges): one
//! exposition whose counters equal the JSON report's, per opcode; options that pick windows or
//! processes are refused with the reason.

use std::collections::BTreeMap;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_uringtop");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/sample.mcap");

fn dump(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["dump", "--from", SAMPLE])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_exposition_holds_the_reports_counts() {
    let out = dump(&["--format", "openmetrics"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.ends_with("# EOF\n"));
    let mut exposed: BTreeMap<(String, String), u64> = BTreeMap::new();
    for line in text.lines() {
        for (metric, field) in [
            ("uringtop_sqes_submitted_total{", "submitted"),
            ("uringtop_cqes_completed_total{", "completed"),
        ] {
            if let Some(rest) = line.strip_prefix(metric) {
                let op = rest
                    .split("op=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                let value: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
                *exposed
                    .entry((op.to_string(), field.to_string()))
                    .or_default() += value;
            }
        }
    }
    let json = dump(&[]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut reported: BTreeMap<(String, String), u64> = BTreeMap::new();
    for p in report["processes"].as_array().unwrap() {
        for r in p["rings"].as_array().unwrap() {
            for o in r["ops"].as_array().unwrap() {
                for field in ["submitted", "completed"] {
                    let key = (o["op"].as_str().unwrap().to_string(), field.to_string());
                    *reported.entry(key).or_default() += o[field].as_u64().unwrap();
                }
            }
        }
    }
    reported.retain(|_, n| *n > 0);
    exposed.retain(|_, n| *n > 0);
    assert!(!reported.is_empty());
    assert_eq!(exposed, reported);
}

#[test]
fn windows_and_pids_do_not_apply() {
    for args in [
        &["--format", "openmetrics", "--interval", "1"][..],
        &["--format", "openmetrics", "--start", "+1s"][..],
        &["--format", "openmetrics", "--pid", "7"][..],
    ] {
        let out = dump(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("does not apply to --format openmetrics"),
            "{err}"
        );
    }
}

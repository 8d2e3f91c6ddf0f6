//! How a recording was made: the recorder's options, typed. The file stores them as string pairs
//! in its header ([`super::Header::options`]); this is the one place that names those keys.

use std::collections::BTreeMap;
use std::time::Duration;

const INTERVAL: &str = "interval_s";
const REQUESTS: &str = "requests";
const PID: &str = "pid";
const DURATION: &str = "duration_s";
const SYNTHETIC_SEED: &str = "synthetic_seed";
const FROM: &str = "from";
const FROM_TUI: &str = "tui";
const POLICY_TEXT: &str = "policy";
const POLICY_FILE: &str = "policy_file";
const POLICY_ENFORCE: &str = "enforce";

/// Which requests a recording holds (policy violations always stream, so they are in every one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordedRequests {
    /// Every request the probe streamed (`record --requests`).
    All,
    /// Only policy violations (`record` without `--requests`).
    ViolationsOnly,
    /// Those of the rings whose request view was open, while it was (`uringtop --record`).
    WhileAViewStreams,
}

impl RecordedRequests {
    fn text(self) -> &'static str {
        match self {
            RecordedRequests::All => "true",
            RecordedRequests::ViolationsOnly => "false",
            RecordedRequests::WhileAViewStreams => "while a request view streams",
        }
    }

    fn from_text(text: &str) -> Option<Self> {
        [
            RecordedRequests::All,
            RecordedRequests::ViolationsOnly,
            RecordedRequests::WhileAViewStreams,
        ]
        .into_iter()
        .find(|r| r.text() == text)
    }
}

/// The policy a recording was made with: its text, so that a replay names the rules its
/// verdicts point at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedPolicy {
    /// The policy file's text.
    pub text: String,
    /// Its path, as the user gave it.
    pub file: Option<String>,
    /// `--enforce`: kills were carried out.
    pub enforce: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordingOptions {
    /// How often the probe was sampled.
    pub interval: Option<Duration>,
    pub requests: Option<RecordedRequests>,
    /// `--pid`: only this process was recorded.
    pub pid: Option<u32>,
    /// `--duration`: how long the recorder was asked to run.
    pub duration: Option<Duration>,
    /// `--synthetic SEED`: the synthetic stream, not the probe.
    pub synthetic_seed: Option<u64>,
    /// Recorded beside the TUI (`uringtop --record`).
    pub from_tui: bool,
    pub policy: Option<RecordedPolicy>,
    /// Keys this version does not know (a newer recorder's), as they were.
    pub other: BTreeMap<String, String>,
}

impl RecordingOptions {
    /// The header's string pairs.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut m = self.other.clone();
        let mut put = |k: &str, v: String| {
            m.insert(k.to_string(), v);
        };
        if let Some(d) = self.interval {
            put(INTERVAL, d.as_secs_f64().to_string());
        }
        if let Some(r) = self.requests {
            put(REQUESTS, r.text().to_string());
        }
        if let Some(pid) = self.pid {
            put(PID, pid.to_string());
        }
        if let Some(d) = self.duration {
            put(DURATION, d.as_secs_f64().to_string());
        }
        if let Some(seed) = self.synthetic_seed {
            put(SYNTHETIC_SEED, seed.to_string());
        }
        if self.from_tui {
            put(FROM, FROM_TUI.to_string());
        }
        if let Some(p) = &self.policy {
            put(POLICY_TEXT, p.text.clone());
            if let Some(file) = &p.file {
                put(POLICY_FILE, file.clone());
            }
            put(POLICY_ENFORCE, p.enforce.to_string());
        }
        m
    }

    /// From the header's string pairs; a value that does not parse reads as absent.
    pub fn from_map(m: &BTreeMap<String, String>) -> Self {
        let seconds = |k: &str| {
            m.get(k)
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s > 0.0)
                .map(Duration::from_secs_f64)
        };
        let known = [
            INTERVAL,
            REQUESTS,
            PID,
            DURATION,
            SYNTHETIC_SEED,
            FROM,
            POLICY_TEXT,
            POLICY_FILE,
            POLICY_ENFORCE,
        ];
        RecordingOptions {
            interval: seconds(INTERVAL),
            requests: m.get(REQUESTS).and_then(|r| RecordedRequests::from_text(r)),
            pid: m.get(PID).and_then(|p| p.parse().ok()),
            duration: seconds(DURATION),
            synthetic_seed: m.get(SYNTHETIC_SEED).and_then(|s| s.parse().ok()),
            from_tui: m.get(FROM).is_some_and(|f| f == FROM_TUI),
            policy: m.get(POLICY_TEXT).map(|text| RecordedPolicy {
                text: text.clone(),
                file: m.get(POLICY_FILE).cloned(),
                enforce: m.get(POLICY_ENFORCE).is_some_and(|v| v == "true"),
            }),
            other: m
                .iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_keep_their_keys_and_come_back_typed() {
        let options = RecordingOptions {
            interval: Some(Duration::from_millis(500)),
            requests: Some(RecordedRequests::WhileAViewStreams),
            pid: Some(42),
            duration: Some(Duration::from_secs(3)),
            synthetic_seed: Some(7),
            from_tui: true,
            policy: Some(RecordedPolicy {
                text: "default = \"allow\"\n".into(),
                file: Some("p.toml".into()),
                enforce: true,
            }),
            other: [("newer".to_string(), "x".to_string())].into(),
        };
        let m = options.to_map();
        // The keys files have always had (readers of older versions look these up).
        assert_eq!(m["interval_s"], "0.5");
        assert_eq!(m["requests"], "while a request view streams");
        assert_eq!(m["pid"], "42");
        assert_eq!(m["duration_s"], "3");
        assert_eq!(m["synthetic_seed"], "7");
        assert_eq!(m["from"], "tui");
        assert_eq!(m["policy_file"], "p.toml");
        assert_eq!(m["enforce"], "true");
        assert_eq!(RecordingOptions::from_map(&m), options);
        assert_eq!(
            RecordingOptions::from_map(&BTreeMap::new()),
            RecordingOptions::default()
        );
    }
}

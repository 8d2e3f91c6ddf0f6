//! `--policy FILE [--enforce]`: the policy file, read and checked in full before the probe loads
//! (a bad file loads nothing), and how a recording keeps it for replay.

use anyhow::{anyhow, Result};
use std::fmt;
use std::path::{Path, PathBuf};
use uringtop_common::abi;
use uringtop_common::policy::{self, Policy};
use uringtop_common::recording::{RecordedPolicy, RecordingOptions};

/// A mistake in what the user asked for (bad policy file): `main` exits with status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

#[derive(Clone, Debug)]
pub struct LoadedPolicy {
    /// Where it was read from, as the user wrote it.
    pub path: PathBuf,
    pub policy: Policy,
    pub enforce: bool,
}

impl LoadedPolicy {
    /// Reads and parses `path`; problems are a [`UsageError`] naming the file, line and column of
    /// each mistake in it, one per line, as a compiler does.
    pub fn read(path: &Path, enforce: bool) -> Result<LoadedPolicy> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow!(UsageError(format!(
                "cannot read the policy file {}: {e}",
                path.display()
            )))
        })?;
        let policy = policy::parse_all(&text).map_err(|errors| {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {e}", path.display()))
                .collect();
            let summary = match errors.len() {
                1 => String::new(),
                n => format!("\n{n} errors in {}; nothing was loaded", path.display()),
            };
            anyhow!(UsageError(lines.join("\n") + &summary))
        })?;
        Ok(LoadedPolicy {
            path: path.to_path_buf(),
            policy,
            enforce,
        })
    }

    /// `--policy` / `--enforce` as given (None without `--policy`).
    pub fn from_args(path: Option<&Path>, enforce: bool) -> Result<Option<LoadedPolicy>> {
        path.map(|p| LoadedPolicy::read(p, enforce)).transpose()
    }

    /// What the terminal UI shows of the policy: its file, mode, and each rule described (the
    /// UI numbers them itself, so the description's own "#N" is left out).
    pub fn label(&self) -> uringtop_tui::PolicyLabel {
        uringtop_tui::PolicyLabel {
            file: self.path.display().to_string(),
            enforce: self.enforce,
            rules: (0..self.policy.rules.len())
                .map(|i| {
                    let text = self.policy.describe_rule(i);
                    text.split_once(' ')
                        .map_or(text.clone(), |(_, rest)| rest.to_string())
                })
                .collect(),
            default: self.policy.default,
        }
    }

    /// The tables the probe evaluates.
    pub fn compiled(&self) -> abi::Policy {
        self.policy.compile(self.enforce)
    }

    /// One line for people: what is loaded and whether kills are carried out.
    pub fn summary(&self) -> String {
        format!(
            "policy {} ({} rule{}, default {}, {})",
            self.path.display(),
            self.policy.rules.len(),
            if self.policy.rules.len() == 1 {
                ""
            } else {
                "s"
            },
            self.policy.default.name(),
            if self.enforce {
                "enforcing: kill sends SIGKILL"
            } else {
                "audit only: kill is reported as would-kill"
            }
        )
    }

    /// What a recording keeps of the policy: its text, so that a replay can name the rules its
    /// verdicts point at.
    pub fn recorded(&self) -> RecordedPolicy {
        RecordedPolicy {
            text: self.policy.source.clone(),
            file: Some(self.path.display().to_string()),
            enforce: self.enforce,
        }
    }

    /// The policy a recording was made with, if any. A stored text that no longer parses (a
    /// newer uringtop's syntax) is an error the caller may show and go on without.
    pub fn from_recording(options: &RecordingOptions) -> Option<Result<LoadedPolicy>> {
        let recorded = options.policy.as_ref()?;
        let path = PathBuf::from(recorded.file.as_deref().unwrap_or("(recorded)"));
        Some(
            policy::parse(&recorded.text)
                .map(|policy| LoadedPolicy {
                    path: path.clone(),
                    policy,
                    enforce: recorded.enforce,
                })
                .map_err(|e| anyhow!("the recording's policy ({}): {e}", path.display())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_survives_the_recording_header() {
        let text =
            "default = \"log\"\n[[rule]]\ncomm = \"db*\"\nops = [\"OPENAT\"]\naction = \"deny\"\n";
        let loaded = LoadedPolicy {
            path: "p.toml".into(),
            policy: policy::parse(text).unwrap(),
            enforce: true,
        };
        // Through the header's string pairs, as a file stores them.
        let options = RecordingOptions {
            policy: Some(loaded.recorded()),
            ..RecordingOptions::default()
        }
        .to_map();
        let options = RecordingOptions::from_map(&options);
        let back = LoadedPolicy::from_recording(&options).unwrap().unwrap();
        assert_eq!(back.policy, loaded.policy);
        assert!(back.enforce);
        assert_eq!(back.path, PathBuf::from("p.toml"));
        assert!(LoadedPolicy::from_recording(&RecordingOptions::default()).is_none());
        let label = back.label();
        assert_eq!(label.rules, vec!["comm=db* ops=OPENAT → deny".to_string()]);
        assert_eq!(label.file, "p.toml");
    }

    #[test]
    fn bad_files_are_usage_errors_with_a_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[[rule]]\nops = [\"OPENATT\"]\naction = \"deny\"\n").unwrap();
        let e = LoadedPolicy::read(&path, false).unwrap_err();
        let text = e.to_string();
        assert!(e.downcast_ref::<UsageError>().is_some());
        assert!(text.contains("bad.toml: line 2, column"), "{text}");
        assert!(text.contains("OPENAT"), "{text}");
        // Every mistake, each with its position.
        std::fs::write(
            &path,
            "[[rule]]\nops = [\"OPENATT\"]\naction = \"deny\"\n[[rule]]\nops = [\"REDA\"]\naction = \"deyn\"\n",
        )
        .unwrap();
        let text = LoadedPolicy::read(&path, false).unwrap_err().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[0].ends_with(
                "bad.toml: line 2, column 8: unknown opcode \"OPENATT\" (did you mean \"OPENAT\"?)"
            ),
            "{text}"
        );
        assert!(
            lines[1].ends_with(
                "bad.toml: line 5, column 8: unknown opcode \"REDA\" (did you mean \"READ\"?)"
            ),
            "{text}"
        );
        assert!(
            lines[2].contains("bad.toml: line 6, column 10: unknown action \"deyn\""),
            "{text}"
        );
        assert!(lines[3].starts_with("3 errors in"), "{text}");
        let missing = LoadedPolicy::read(&dir.path().join("none.toml"), false).unwrap_err();
        assert!(missing.to_string().contains("cannot read the policy file"));
    }
}

//! `--config FILE` / `--no-config` / `--theme`: the terminal UI's config file, found, read and
//! checked in full before the terminal is taken over. A bad file is a usage error (exit 2)
//! naming the line and column of every mistake, as a bad policy file is.

use crate::cli::ConfigArgs;
use crate::policy_file::UsageError;
use anyhow::{anyhow, Result};
use std::path::Path;
use uringtop_tui::settings::{self, ConfigStore, Settings};
use uringtop_tui::Theme;

/// The config a UI session runs with, and where its column chooser saves.
pub struct Loaded {
    pub settings: Settings,
    pub store: ConfigStore,
    /// `--theme`, else the file's `theme`, else NO_COLOR's choice.
    pub theme: Theme,
}

/// Reads the config file the arguments (and XDG_CONFIG_HOME, HOME) name. A default location
/// with no file is no error (built-in defaults; saving creates it); a file named by `--config`
/// must exist.
pub fn load(args: &ConfigArgs) -> Result<Loaded> {
    let (settings, store) = if args.no_config {
        (Settings::default(), ConfigStore::Disabled)
    } else if let Some(path) = &args.config {
        (read(path, true)?, ConfigStore::File(path.clone()))
    } else {
        let env = |name| std::env::var_os(name).map(std::path::PathBuf::from);
        match settings::location(env("XDG_CONFIG_HOME").as_deref(), env("HOME").as_deref()) {
            Some(path) => (read(&path, false)?, ConfigStore::File(path)),
            None => (Settings::default(), ConfigStore::Nowhere),
        }
    };
    let theme = settings::choose_theme(
        args.theme.or(settings.theme),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    Ok(Loaded {
        settings,
        store,
        theme,
    })
}

/// Parses the file at `path`; `must_exist`: a missing file is an error (else: no settings).
fn read(path: &Path, must_exist: bool) -> Result<Settings> {
    let shown = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            return Ok(Settings::default())
        }
        Err(e) => {
            return Err(anyhow!(UsageError(format!(
                "cannot read the config file {shown}: {e} (--no-config starts without one)"
            ))))
        }
    };
    settings::parse(&text).map_err(|errors| {
        let mut lines: Vec<String> = errors.iter().map(|e| format!("{shown}: {e}")).collect();
        lines.push(match errors.len() {
            1 => format!("nothing of {shown} was used; fix it, or start with --no-config"),
            n => format!("{n} errors in {shown}; nothing of it was used; fix them, or start with --no-config"),
        });
        anyhow!(UsageError(lines.join("\n")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_file_is_a_usage_error_naming_every_mistake() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "intreval = 2\n[sort]\ncolumn = \"p98\"\n").unwrap();
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..ConfigArgs::default()
        };
        let e = load(&args).err().unwrap();
        assert!(e.downcast_ref::<UsageError>().is_some());
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with(&format!(
            "{}: line 1, column 1: unknown key \"intreval\"",
            path.display()
        )));
        assert!(lines[1].starts_with(&format!(
            "{}: line 3, column 10: unknown column \"p98\"",
            path.display()
        )));
        assert!(lines[2].starts_with("2 errors in"), "{text}");
        // Named but missing: an error; --no-config: nothing read, nothing saved.
        let missing = ConfigArgs {
            config: Some(dir.path().join("none.toml")),
            ..ConfigArgs::default()
        };
        let e = load(&missing).err().unwrap().to_string();
        assert!(
            e.contains("cannot read the config file") && e.contains("--no-config"),
            "{e}"
        );
        let none = load(&ConfigArgs {
            no_config: true,
            ..ConfigArgs::default()
        })
        .unwrap();
        assert_eq!(
            (none.settings, none.store),
            (Settings::default(), ConfigStore::Disabled)
        );
    }
}

//! The config file (`$XDG_CONFIG_HOME/uringtop/config.toml`): what the user chose to keep
//! between sessions. [`parse`] reads it with errors that point at the line and column at fault
//! (every one, as a compiler reports them); [`save`] writes the column chooser's choice back into
//! it, keeping the rest of the file (comments included) as it was; [`location`] finds it.
//! assets/config.toml is the annotated example.

mod parse;
pub mod save;

pub use parse::{parse, SettingsError};
pub use save::{save_columns, SaveOutcome};

use crate::column_choice::ViewColumns;
use crate::columns::Column;
use crate::theme::Theme;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a config file sets; None: not set (the built-in default, or what NO_COLOR says).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    /// `interval`: the live view's refresh interval (`--interval` overrides it).
    pub interval: Option<Duration>,
    /// `theme` (`--theme` overrides it; set, it also overrides NO_COLOR, as no-color.org asks).
    pub theme: Option<ThemeName>,
    /// `[sort] column`, `descending`: the process list's sort.
    pub sort: Option<Column>,
    pub descending: Option<bool>,
    /// `[idle] show`: list idle rings from the start (`i` toggles it).
    pub show_idle: Option<bool>,
    /// `[idle] after`: intervals without a completion that make a ring idle.
    pub idle_after: Option<usize>,
    /// `[columns]`: each table's columns, in order.
    pub columns: ViewColumns,
}

/// How many intervals without a completion make a ring idle, unless the config says.
pub const DEFAULT_IDLE_AFTER: usize = crate::rows::IDLE_INTERVALS;

/// The named colour schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeName {
    /// Colours for a dark terminal background.
    Default,
    /// Colours that read on a light background.
    Light,
    /// No colour: bold, reverse and underline only (what NO_COLOR gives).
    Mono,
}

impl ThemeName {
    pub const ALL: [ThemeName; 3] = [ThemeName::Default, ThemeName::Light, ThemeName::Mono];

    pub fn name(self) -> &'static str {
        match self {
            ThemeName::Default => "default",
            ThemeName::Light => "light",
            ThemeName::Mono => "mono",
        }
    }

    pub fn from_name(name: &str) -> Option<ThemeName> {
        ThemeName::ALL.into_iter().find(|t| t.name() == name.trim())
    }

    pub fn theme(self) -> Theme {
        match self {
            ThemeName::Default => Theme::colored(),
            ThemeName::Light => Theme::light(),
            ThemeName::Mono => Theme::plain(),
        }
    }
}

/// The theme to use: the one asked for (`--theme`, else the config's), else by NO_COLOR (pass
/// `std::env::var_os("NO_COLOR")`).
pub fn choose_theme(asked: Option<ThemeName>, no_color: Option<&std::ffi::OsStr>) -> Theme {
    match asked {
        Some(name) => name.theme(),
        None => Theme::for_no_color(no_color),
    }
}

/// Where the config file is: `$XDG_CONFIG_HOME/uringtop/config.toml`, else
/// `$HOME/.config/uringtop/config.toml` (pass the two variables). None when neither gives an
/// absolute directory (the XDG spec ignores relative ones).
pub fn location(xdg_config_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let base = match xdg_config_home.filter(|p| p.is_absolute()) {
        Some(dir) => dir.to_path_buf(),
        None => home.filter(|p| p.is_absolute())?.join(".config"),
    };
    Some(base.join("uringtop").join("config.toml"))
}

/// Which config file the session uses, and whether the chooser may save to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigStore {
    /// This file (it may not exist yet: saving creates it).
    File(PathBuf),
    /// `--no-config`: nothing read, nothing saved.
    Disabled,
    /// No HOME or XDG_CONFIG_HOME: there is nowhere to save.
    Nowhere,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_follows_xdg() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            location(Some(&p("/x/cfg")), Some(&p("/home/a"))),
            Some(p("/x/cfg/uringtop/config.toml"))
        );
        assert_eq!(
            location(Some(&p("relative")), Some(&p("/home/a"))),
            Some(p("/home/a/.config/uringtop/config.toml")),
            "a relative XDG_CONFIG_HOME is ignored"
        );
        assert_eq!(location(None, None), None);
        assert_eq!(location(None, Some(&p("rel"))), None);
    }

    #[test]
    fn an_asked_theme_overrides_no_color() {
        let set = Some(std::ffi::OsStr::new("1"));
        assert_eq!(choose_theme(None, set), Theme::plain());
        assert_eq!(
            choose_theme(Some(ThemeName::Default), set),
            Theme::colored()
        );
        assert_eq!(choose_theme(Some(ThemeName::Light), None), Theme::light());
    }
}

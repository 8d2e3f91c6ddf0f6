//! What the TUI tests (tui_loop.rs, tui_views/) and benchmarks (benches/render.rs,
//! benches/churn.rs, through benches/tui_bench) share: the options they start from.

use std::time::Duration;
use uringtop_tui::settings::{ConfigStore, Settings};
use uringtop_tui::{Options, Refresh, Theme};

/// Sampled every second, colored, times in UTC, the config file's defaults.
pub fn options() -> Options {
    Options {
        refresh: Refresh::new(Duration::from_secs(1)),
        only_pid: None,
        theme: Theme::colored(),
        utc_offset_s: 0,
        policy: None,
        settings: Settings::default(),
        // Tests never write a config file unless they choose one.
        store: ConfigStore::Disabled,
    }
}

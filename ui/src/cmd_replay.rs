//! `uringtop replay FILE`: the live view's screens over a recording, with a timeline.

use crate::cli::ReplayArgs;
use anyhow::{bail, Result};
use std::time::Duration;
use uringtop_common::recording::Recording;
use uringtop_tui::Player;

pub async fn run(args: ReplayArgs) -> Result<()> {
    // Everything that can fail with a message happens before the terminal is taken over.
    let config = crate::config_file::load(&args.config)?;
    uringtop_tui::check_terminal()?;
    let rec = crate::recording_file::open(&args.file)?;
    let Some((first, _)) = rec.time_range() else {
        bail!(
            "{}: the recording holds no sample ({})",
            args.file.display(),
            rec.summary()
        );
    };
    let interval = recorded_interval(&rec);
    // The policy the recording was made with names the rules its verdicts point at.
    let policy =
        match crate::policy_file::LoadedPolicy::from_recording(&rec.header().recording_options()) {
            Some(Ok(p)) => Some(p.label()),
            Some(Err(e)) => {
                eprintln!("uringtop: warning: {e:#}: verdicts are shown without rule descriptions");
                None
            }
            None => None,
        };
    let offset = crate::local_time::utc_offset_s();
    let mut player = Player::new(rec, offset);
    if let Some(start) = args.start {
        player.goto_time(start.resolve(first, offset));
    }
    let options = uringtop_tui::Options {
        refresh: uringtop_tui::Refresh::new(interval),
        only_pid: args.pid,
        theme: config.theme,
        utc_offset_s: offset,
        policy,
        // The replay's interval is the recording's; the rest of the config applies.
        settings: config.settings,
        store: config.store,
    };
    uringtop_tui::run(uringtop_tui::ReplayDriver::new(player), options).await
}

/// The interval the recording was made with (its header says), else the median sample spacing.
fn recorded_interval(rec: &Recording) -> Duration {
    if let Some(interval) = rec.header().recording_options().interval {
        return interval;
    }
    let times: Vec<u64> = rec.sample_times().collect();
    let mut gaps: Vec<u64> = times
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]))
        .collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2)
        .map_or(Duration::from_secs(1), |&ns| {
            Duration::from_nanos(ns.max(1_000_000))
        })
}

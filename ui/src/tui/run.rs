//! The event loop: keys and resizes from the terminal, inputs from the source, a frame tick, and
//! signals, in one `tokio::select!`. The app decides; this loop carries the decisions out (pause,
//! request streaming, interval, quit) and draws.

use crate::app::{App, Config};
use crate::policy::PolicyLabel;
use crate::refresh::{Decimator, Refresh};
use crate::source::Source;
use crate::terminal::TerminalGuard;
use crate::theme::Theme;
use crate::views;
use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use uringtop_common::input::Input;
use uringtop_common::model::Model;

/// How often streamed requests may redraw the screen. Samples are rarer; keys redraw at once.
const FRAME: Duration = Duration::from_millis(100);
/// Inputs taken from the channel per wake-up, so a flood of requests cannot starve the keys.
const BATCH: usize = 4096;

/// What the UI starts with, apart from the source.
#[derive(Clone, Debug)]
pub struct Options {
    pub refresh: Refresh,
    pub only_pid: Option<u32>,
    pub theme: Theme,
    pub utc_offset_s: i64,
    /// The loaded policy's label (None: no policy).
    pub policy: Option<PolicyLabel>,
}

/// Runs the UI on `source` until the user quits, the terminal goes away, or SIGTERM/SIGINT/SIGHUP.
/// The terminal is restored in every case.
pub async fn run(source: Source, options: Options) -> Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let result = event_loop(&mut guard, source, options).await;
    drop(guard);
    result
}

async fn event_loop(guard: &mut TerminalGuard, mut source: Source, options: Options) -> Result<()> {
    let config = Config {
        source: source.kind,
        refresh: options.refresh,
        only_pid: options.only_pid,
        theme: options.theme,
        utc_offset_s: options.utc_offset_s,
        policy: options.policy,
    };
    let mut app = App::new(config);
    // A display model: the TUI never reports a window, so what departs is dropped once it has
    // shown its last interval and memory follows what is live (see Model::for_display).
    let mut model = Model::for_display();
    // While paused the screen shows this copy; the live model keeps taking inputs, so nothing is
    // lost and resuming shows the present.
    let mut frozen: Option<Model> = None;
    let size = guard.terminal.size().context("reading the terminal size")?;
    app.resize(&model, size.width, size.height);

    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate()).context("handling SIGTERM")?;
    let mut sighup = signal(SignalKind::hangup()).context("handling SIGHUP")?;
    let mut sigint = signal(SignalKind::interrupt()).context("handling SIGINT")?;
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut decimator = Decimator::default();
    let mut streaming: Option<u32> = None;
    let mut batch = Vec::with_capacity(BATCH);
    let (mut changed, mut redraw, mut inputs_open) = (false, true, true);

    let result = loop {
        if redraw {
            let shown = frozen.as_ref().unwrap_or(&model);
            if let Err(e) = guard.terminal.draw(|frame| views::draw(frame, shown, &app)) {
                break Err(e).context("drawing");
            }
            redraw = false;
        }
        tokio::select! {
            event = events.next() => {
                let shown = frozen.as_ref().unwrap_or(&model);
                match event {
                    Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                        if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) {
                            if let Err(e) = guard.suspend() {
                                break Err(e);
                            }
                        } else {
                            app.key(shown, key);
                        }
                        redraw = true;
                    }
                    Some(Ok(Event::Resize(width, height))) => {
                        app.resize(shown, width, height);
                        redraw = true;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break Err(e).context("reading the terminal"),
                    None => break Ok(()), // the terminal is gone
                }
            }
            n = source.inputs.recv_many(&mut batch, BATCH), if inputs_open => {
                if n == 0 {
                    inputs_open = false;
                    app.set_source_ended();
                    redraw = true;
                }
                for input in batch.drain(..) {
                    // Skipping samples makes the model's interval longer; what they carried
                    // rides on with the next one applied.
                    let input = match input {
                        Input::Sample(s) => match decimator.pass(s, app.refresh()) {
                            Some(s) => Input::Sample(s),
                            None => continue,
                        },
                        other => other,
                    };
                    model.apply(&input);
                    changed = true;
                }
            }
            _ = tick.tick() => {
                if changed && frozen.is_none() {
                    app.sync(&model);
                    changed = false;
                    redraw = true;
                }
            }
            _ = sigterm.recv() => break Ok(()),
            _ = sighup.recv() => break Ok(()),
            _ = sigint.recv() => break Ok(()),
        }
        if app.should_quit() {
            break Ok(());
        }
        match (app.paused(), frozen.is_some()) {
            (true, false) => frozen = Some(model.clone()),
            (false, true) => {
                frozen = None;
                app.sync(&model);
            }
            _ => {}
        }
        if let Some(control) = &source.control {
            let wanted = app.records_wanted();
            if wanted != streaming {
                streaming = wanted;
                if let Err(e) = control.set_records(wanted) {
                    app.set_message(format!("cannot stream requests: {e}"));
                    redraw = true;
                }
            }
        }
    };
    if let Some(control) = &source.control {
        if streaming.is_some() {
            let _ = control.set_records(None);
        }
        control.stop();
    }
    result
}

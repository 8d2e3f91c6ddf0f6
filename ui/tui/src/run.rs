//! The event loop, one for live and replay: keys and resizes from the terminal, the driver's
//! inputs, a frame clock, and signals, merged into one [`Event`]. The app decides; the driver
//! carries out what concerns the source; this loop draws, suspends, and quits.
//!
//! It is generic over the ratatui backend and the terminal's event stream, so tests drive this
//! very loop on a `TestBackend` (see ui/tests/tui_loop.rs).

use crate::app::{App, Config, SourceKind};
use crate::driver::Driver;
use crate::event::{Event, EventState};
use crate::policy::PolicyLabel;
use crate::refresh::Refresh;
use crate::settings::{ConfigStore, Settings};
use crate::terminal::{Screen, TerminalGuard};
use crate::theme::Theme;
use crate::views;
use anyhow::{Context, Result};
use crossterm::event::KeyModifiers;
use crossterm::event::{
    Event as TerminalEvent, EventStream, KeyCode, KeyEvent, KeyEventKind, MouseEventKind,
};
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};

/// How often a frame passes: streamed requests redraw at most this often, a replay's playhead
/// moves this often. Keys redraw at once.
const FRAME: Duration = Duration::from_millis(100);

/// What the UI starts with, apart from its driver.
#[derive(Clone, Debug)]
pub struct Options {
    pub refresh: Refresh,
    pub only_pid: Option<u32>,
    pub theme: Theme,
    pub utc_offset_s: i64,
    /// The loaded policy's label (None: no policy).
    pub policy: Option<PolicyLabel>,
    /// What the config file set.
    pub settings: Settings,
    /// Where the column chooser saves.
    pub store: ConfigStore,
}

impl Options {
    /// The app's configuration for a source of `kind`.
    pub fn config(self, kind: SourceKind) -> Config {
        Config {
            source: kind,
            refresh: self.refresh,
            only_pid: self.only_pid,
            theme: self.theme,
            utc_offset_s: self.utc_offset_s,
            policy: self.policy,
            settings: self.settings,
            store: self.store,
        }
    }
}

/// Runs the UI on the terminal until the user quits, the terminal goes away, or
/// SIGTERM/SIGINT/SIGHUP. The terminal is restored in every case, panics included.
pub async fn run(driver: impl Driver, options: Options) -> Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let result = run_on(&mut guard, EventStream::new(), driver, options).await;
    drop(guard);
    result
}

/// The loop itself, on any [`Screen`] and stream of terminal events.
pub async fn run_on<S, E, D>(
    screen: &mut S,
    mut events: E,
    mut driver: D,
    options: Options,
) -> Result<()>
where
    S: Screen,
    <S::Backend as Backend>::Error: Send + Sync + 'static,
    E: Stream<Item = std::io::Result<TerminalEvent>> + Unpin,
    D: Driver,
{
    let mut app = App::new(options.config(driver.kind()));
    let size = screen
        .terminal()
        .size()
        .context("reading the terminal size")?;
    app.resize(driver.model(), size.width, size.height);
    driver.after_event(&mut app);

    let mut quit = QuitSignals::new()?;
    let mut frames = tokio::time::interval(FRAME);
    frames.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_frame = tokio::time::Instant::now();
    let mut redraw = true;
    let result = loop {
        if redraw {
            let (model, timeline) = (driver.model(), driver.timeline());
            let drawn = screen
                .terminal()
                .draw(|frame| views::draw_with_timeline(frame, model, &app, timeline));
            if let Err(e) = drawn {
                break Err(e).context("drawing");
            }
            redraw = false;
        }
        let event = tokio::select! {
            event = events.next() => match event {
                Some(Ok(TerminalEvent::Key(key))) if key.kind != KeyEventKind::Release => Event::Key(key),
                Some(Ok(TerminalEvent::Resize(width, height))) => Event::Resize(width, height),
                Some(Ok(TerminalEvent::Mouse(mouse))) => Event::Mouse(mouse),
                Some(Ok(_)) => continue,
                Some(Err(e)) => break Err(e).context("reading the terminal"),
                None => Event::Quit, // the terminal is gone
            },
            event = driver.wait() => event,
            now = frames.tick() => {
                let elapsed = now.duration_since(last_frame);
                last_frame = now;
                Event::Frame(elapsed)
            }
            () = quit.received() => Event::Quit,
        };
        match handle(event, &mut app, &mut driver, screen) {
            Ok(Some(draw)) => redraw |= draw,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    driver.stop();
    result
}

/// One event: Some(true) when the screen needs drawing, None when the UI ends.
fn handle<S: Screen, D: Driver>(
    event: Event,
    app: &mut App,
    driver: &mut D,
    screen: &mut S,
) -> Result<Option<bool>> {
    let redraw = match event {
        Event::Quit => return Ok(None),
        // Ctrl-C and Ctrl-Z arrive as keys in raw mode; Ctrl-Z stops the process as a shell
        // expects, with the terminal given back meanwhile.
        Event::Key(key)
            if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) =>
        {
            screen.suspend()?;
            true
        }
        Event::Key(key) => {
            dispatch_key(app, driver, key);
            // The chooser's save: file I/O, so here in the loop rather than in the pure app.
            if let Some(said) = app.take_save_request().map(|request| request.save()) {
                app.set_message(said);
            }
            true
        }
        Event::Mouse(mouse) => {
            // The loop's clock (paused in tests), for double clicks.
            let now = tokio::time::Instant::now().into_std();
            app.mouse(driver.model(), mouse, now);
            // Clicks and the wheel redraw; motion, drags and releases change nothing.
            matches!(
                mouse.kind,
                MouseEventKind::Down(_) | MouseEventKind::ScrollDown | MouseEventKind::ScrollUp
            )
        }
        Event::Resize(width, height) => {
            app.resize(driver.model(), width, height);
            true
        }
        Event::Inputs => {
            driver.take_inputs(app);
            false
        }
        Event::SourceEnded => {
            app.set_source_ended();
            true
        }
        Event::Frame(elapsed) => driver.frame(app, elapsed),
    };
    if app.should_quit() {
        return Ok(None);
    }
    if let Some(request) = app.take_signal_request() {
        driver.signal(app, request);
    }
    Ok(Some(driver.after_event(app) || redraw))
}

/// Asks, in order, until one takes the key: the app's own keys (quit, an open help, a filter
/// being typed), the driver's (a replay's timeline), the app's screens.
pub(crate) fn dispatch_key<D: Driver>(app: &mut App, driver: &mut D, key: KeyEvent) {
    if app.key_first(driver.model(), key) == EventState::Consumed {
        return;
    }
    if driver.key(app, key) == EventState::Consumed {
        return;
    }
    app.key_screens(driver.model(), key);
}

/// SIGINT, SIGTERM and SIGHUP end the UI (the loop returns and the terminal is restored).
struct QuitSignals {
    signals: [Signal; 3],
}

impl QuitSignals {
    fn new() -> Result<Self> {
        Ok(QuitSignals {
            signals: [
                signal(SignalKind::terminate()).context("handling SIGTERM")?,
                signal(SignalKind::hangup()).context("handling SIGHUP")?,
                signal(SignalKind::interrupt()).context("handling SIGINT")?,
            ],
        })
    }

    async fn received(&mut self) {
        let [term, hup, int] = &mut self.signals;
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
    }
}

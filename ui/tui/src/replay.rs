//! Replaying a recording in the UI: a [`Player`] over the recording's inputs with a timeline
//! (play/pause, step, seek, speed, go to a time), and the [`ReplayDriver`] that runs it in the
//! event loop, with the live view's screens.
//!
//! The timeline itself is pure and lives with the recordings ([`Timeline`]); here are its keys,
//! its go-to prompt and its status line.

use crate::app::{App, SourceKind};
use crate::driver::Driver;
use crate::event::{Event, EventState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;
use uringtop_common::model::Model;
use uringtop_common::recording::time::TimeSpec;
use uringtop_common::recording::timeline::MAX_SPEED;
use uringtop_common::recording::{Recording, Timeline};

/// How far `[` and `]` seek.
pub const SEEK_NS: u64 = 10_000_000_000;

/// A recording's [`Timeline`] as the replay's keys move it, with the go-to prompt.
pub struct Player {
    timeline: Timeline,
    /// `:` was pressed: the time being typed.
    prompt: Option<String>,
    utc_offset_s: i64,
}

impl Player {
    /// At the first sample, at 1x.
    pub fn new(rec: Recording, utc_offset_s: i64) -> Self {
        Player {
            timeline: Timeline::new(rec),
            prompt: None,
            utc_offset_s,
        }
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub fn model(&self) -> &Model {
        self.timeline.model()
    }

    /// (samples applied, samples in the recording).
    pub fn position(&self) -> (usize, usize) {
        self.timeline.position()
    }

    pub fn at_end(&self) -> bool {
        self.timeline.at_end()
    }

    /// The last sample at or before recorded time `t` (`replay --start`).
    pub fn goto_time(&mut self, t: u64) {
        self.timeline.goto_time(t);
    }

    /// Playing: `elapsed` of real time passed.
    pub fn advance(&mut self, elapsed: Duration) {
        self.timeline.advance(elapsed);
    }

    /// The timeline for the status line: `12:03:10.123 · 17/300 (+16.0s) · 4x`.
    pub fn status(&self) -> String {
        let mut s = String::new();
        let t = &self.timeline;
        uringtop_common::request_fields::time(&mut s, t.current_time_ns(), self.utc_offset_s);
        // Milliseconds are plenty for a position.
        s.truncate(s.len().saturating_sub(3));
        let (at, total) = self.position();
        let offset = t.current_time_ns().saturating_sub(t.first_time_ns());
        s.push_str(&format!(
            " · {at}/{total} (+{:.1}s) · {}x",
            offset as f64 / 1e9,
            t.speed()
        ));
        if self.at_end() {
            s.push_str(" · end");
        }
        if self.damage_found().is_some() {
            s.push_str(" · damaged");
        }
        s
    }

    /// What was wrong with a chunk read after the open (a finished file's chunks are checked
    /// as they are read): the replay cannot pass it, except by a jump to a later checkpoint.
    pub fn damage_found(&self) -> Option<&str> {
        let d = self.timeline.recording().damage()?;
        d.after_open.then_some(d.error.as_str())
    }

    /// What the go-to prompt shows, while it is open.
    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_deref()
    }

    /// Handles a replay key; false if it is not one (the app's screens get it then).
    /// Returns a message for the status line in `message`.
    pub fn key(&mut self, key: KeyEvent, message: &mut Option<String>) -> bool {
        if let Some(text) = &mut self.prompt {
            match key.code {
                KeyCode::Esc => self.prompt = None,
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Enter => {
                    let typed = std::mem::take(text);
                    self.prompt = None;
                    self.go_to_text(&typed, message);
                }
                KeyCode::Char(c)
                    if !key.modifiers.contains(KeyModifiers::CONTROL) && text.len() < 32 =>
                {
                    text.push(c)
                }
                _ => {}
            }
            return true;
        }
        let t = &mut self.timeline;
        if let Some(forward) = step_key(&key) {
            t.step(forward);
            return true;
        }
        match key.code {
            // In a replay the arrows and Home/End move through time, as in a player; folding stays
            // on f / Enter / h / l, and the list's top and bottom on PgUp / PgDn.
            KeyCode::Char(']') | KeyCode::Right => t.seek(true, SEEK_NS),
            KeyCode::Char('[') | KeyCode::Left => t.seek(false, SEEK_NS),
            KeyCode::Char('}') => {
                if !t.faster() {
                    *message = Some(format!("already the fastest ({MAX_SPEED}x)"));
                }
            }
            KeyCode::Char('{') => {
                if !t.slower() {
                    *message = Some("already the slowest (1x)".into());
                }
            }
            KeyCode::Char('0') | KeyCode::Home => t.goto_sample(1),
            KeyCode::Char('$') | KeyCode::End => t.goto_end(),
            KeyCode::Char(':') | KeyCode::Char('g') => self.prompt = Some(String::new()),
            KeyCode::Char('+') | KeyCode::Char('-') | KeyCode::Char('=') | KeyCode::Char('_') => {
                *message = Some(
                    "a recording's interval is the one it was recorded with ({ } change the speed)"
                        .into(),
                )
            }
            _ => return false,
        }
        true
    }

    fn go_to_text(&mut self, typed: &str, message: &mut Option<String>) {
        let timeline = &mut self.timeline;
        match typed.trim() {
            "start" | "" => timeline.goto_sample(1),
            "end" => timeline.goto_end(),
            other => match TimeSpec::parse(other) {
                Ok(spec) => {
                    let t = spec.resolve(timeline.first_time_ns(), self.utc_offset_s);
                    if t > timeline.last_time_ns() {
                        *message = Some(format!("{other} is after the recording's end"));
                    }
                    timeline.goto_time(t);
                }
                Err(e) => *message = Some(e),
            },
        }
    }
}

/// A step key: Some(true) one sample forward, Some(false) one back. t/T step through samples as
/// in below and atop; . and , do the same.
fn step_key(key: &KeyEvent) -> Option<bool> {
    match key.code {
        KeyCode::Char('.') | KeyCode::Char('t') => Some(true),
        KeyCode::Char(',') | KeyCode::Char('T') => Some(false),
        _ => None,
    }
}

/// The replay driver: the player's model on screen, its keys (they move through time and come
/// before the screens'), and its playback at each frame.
///
/// A step pauses the playback, as a frame step does in a video player: the sample stepped to
/// stays on screen. Playing on from it would move on at the next frame whenever the next
/// sample is close (a recording's last one may come 27 ms after the one before).
pub struct ReplayDriver {
    player: Player,
    /// The position (or the go-to prompt) for the status line, made when it changes.
    timeline: String,
    /// Whether damage found reading the file was told (once, on the message line).
    damage_told: bool,
}

impl ReplayDriver {
    pub fn new(player: Player) -> Self {
        let mut driver = ReplayDriver {
            player,
            timeline: String::new(),
            damage_told: false,
        };
        driver.show();
        driver
    }

    pub fn player(&self) -> &Player {
        &self.player
    }

    /// Tells damage found reading the file, once.
    fn tell_damage(&mut self, app: &mut App) {
        if let Some(error) = self.player.damage_found().filter(|_| !self.damage_told) {
            app.set_message(format!("the recording is damaged: {error}"));
            self.damage_told = true;
        }
    }

    fn show(&mut self) {
        self.timeline = match self.player.prompt() {
            Some(typed) => format!("go to (12:03:10, +90s, start, end): {typed}█"),
            None => self.player.status(),
        };
    }
}

impl Driver for ReplayDriver {
    fn kind(&self) -> SourceKind {
        SourceKind::Recording
    }

    fn model(&self) -> &Model {
        self.player.model()
    }

    fn timeline(&self) -> Option<&str> {
        Some(&self.timeline)
    }

    /// The recording is all there: frames move the playhead.
    async fn wait(&mut self) -> Event {
        std::future::pending().await
    }

    fn key(&mut self, app: &mut App, key: KeyEvent) -> EventState {
        let mut message = None;
        if !self.player.key(key, &mut message) {
            return EventState::NotConsumed;
        }
        if self.player.prompt().is_none() && step_key(&key).is_some() {
            app.set_paused(true);
        }
        app.sync(self.player.model());
        if let Some(text) = message {
            app.set_message(text);
        }
        self.tell_damage(app);
        self.show();
        EventState::Consumed
    }

    /// Playing: moves the playhead by `elapsed` times the speed; true when the position moved.
    fn frame(&mut self, app: &mut App, elapsed: Duration) -> bool {
        let player = &mut self.player;
        if app.paused() || player.prompt().is_some() || player.at_end() {
            return false;
        }
        let before = player.position();
        player.advance(elapsed);
        if player.position() == before {
            return false;
        }
        app.sync(player.model());
        self.tell_damage(app);
        self.show();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uringtop_common::input::Input;
    use uringtop_common::recording::{in_memory, Spacing};
    use uringtop_common::synthetic::synthetic_stream;

    fn player() -> (Player, Vec<Input>) {
        let inputs = synthetic_stream(3, 40, 3, 2);
        (Player::new(in_memory(&inputs, Spacing::DEFAULT), 0), inputs)
    }

    #[test]
    fn keys_step_seek_and_go_to_a_time() {
        let (mut p, _) = player();
        let key = |c| KeyEvent::from(KeyCode::Char(c));
        let mut msg = None;
        assert!(p.key(key('.'), &mut msg));
        assert!(p.key(key('.'), &mut msg));
        assert_eq!(p.position().0, 3);
        assert!(p.key(key(','), &mut msg));
        assert_eq!(p.position().0, 2);
        assert!(p.key(key('$'), &mut msg));
        assert!(p.at_end());
        assert!(p.key(key('0'), &mut msg));
        assert_eq!(p.position().0, 1);
        assert!(p.key(key(':'), &mut msg));
        for c in "+20s".chars() {
            assert!(p.key(key(c), &mut msg));
        }
        assert!(p.prompt().is_some());
        assert!(p.key(KeyEvent::from(KeyCode::Enter), &mut msg));
        assert_eq!(p.position().0, 20, "{msg:?}");
        assert!(p.status().contains("20/40"), "{}", p.status());
        p.key(key(':'), &mut msg);
        p.key(key('x'), &mut msg);
        p.key(KeyEvent::from(KeyCode::Enter), &mut msg);
        assert!(msg.unwrap().contains("not a time"));
        assert!(!p.key(key('q'), &mut None), "not a replay key");
    }

    fn app() -> App {
        App::new(crate::app::Config {
            source: crate::app::SourceKind::Recording,
            refresh: crate::refresh::Refresh::new(Duration::from_secs(1)),
            only_pid: None,
            theme: crate::theme::Theme::colored(),
            utc_offset_s: 0,
            policy: None,
            settings: crate::settings::Settings::default(),
            store: crate::settings::ConfigStore::Disabled,
        })
    }

    /// A key as the event loop hands it out: the app's own keys, the driver's, the screens'.
    fn key(app: &mut App, d: &mut ReplayDriver, key: KeyEvent) {
        crate::run::dispatch_key(app, d, key);
    }

    fn tick(app: &mut App, d: &mut ReplayDriver, elapsed: Duration) -> bool {
        d.frame(app, elapsed)
    }

    #[test]
    fn a_step_while_playing_pauses_on_the_sample_stepped_to() {
        let (p, _) = player();
        let mut p = ReplayDriver::new(p);
        let mut app = app();
        let key_ = |c| KeyEvent::from(KeyCode::Char(c));
        key(&mut app, &mut p, KeyEvent::from(KeyCode::End));
        assert!(p.player().at_end() && !app.paused(), "playing, at the end");
        key(&mut app, &mut p, key_(','));
        assert_eq!(p.player().position().0, 39);
        assert!(app.paused(), "the step paused the playback");
        // The next frames leave it there, however close the next sample is.
        assert!(!tick(&mut app, &mut p, Duration::from_secs(5)));
        assert_eq!(p.player().position().0, 39);
        // Space plays on from it.
        key(&mut app, &mut p, key_(' '));
        assert!(!app.paused());
        assert!(tick(&mut app, &mut p, Duration::from_secs(5)));
        assert!(p.player().at_end());
        // Other timeline keys do not pause.
        key(&mut app, &mut p, KeyEvent::from(KeyCode::Home));
        key(&mut app, &mut p, key_(']'));
        assert!(!app.paused());
        // Typed into the go-to prompt, t is a character, not a step.
        key(&mut app, &mut p, key_('g'));
        key(&mut app, &mut p, key_('t'));
        assert_eq!(p.player().prompt(), Some("t"));
        assert!(!app.paused());
    }

    #[test]
    fn t_g_arrows_and_home_end_move_through_time() {
        let (mut p, _) = player();
        let key = |c| KeyEvent::from(KeyCode::Char(c));
        let mut msg = None;
        assert!(p.key(key('t'), &mut msg) && p.key(key('t'), &mut msg));
        assert_eq!(p.position().0, 3);
        assert!(p.key(key('T'), &mut msg));
        assert_eq!(p.position().0, 2);
        assert!(p.key(KeyEvent::from(KeyCode::End), &mut msg));
        assert!(p.at_end());
        assert!(p.key(KeyEvent::from(KeyCode::Home), &mut msg));
        assert_eq!(p.position().0, 1);
        assert!(p.key(key(']'), &mut msg));
        let ten_seconds_on = p.position().0;
        assert!(ten_seconds_on > 1);
        assert!(p.key(KeyEvent::from(KeyCode::Home), &mut msg));
        assert!(p.key(KeyEvent::from(KeyCode::Right), &mut msg));
        assert_eq!(p.position().0, ten_seconds_on, "→ is ]");
        assert!(p.key(KeyEvent::from(KeyCode::Left), &mut msg));
        assert_eq!(p.position().0, 1, "← is [");
        assert!(p.key(key('g'), &mut msg));
        assert!(p.prompt().is_some(), "g asks for a time");
    }
}

//! The terminal UI's screens and navigation, rendered into ratatui's TestBackend from the
//! deterministic synthetic stream: no root, no terminal, no probe.

/// Snapshot tests that only press keys and look, as a table. A row `test: harness => "keys";`
/// is a test that presses the keys on the harness and snapshots the screen under the test's
/// name; a row `test: harness => { "name": "keys", ... }` presses each step's keys in turn and
/// snapshots the screen after each, under the step's name. Defined before the modules that use
/// it (a `macro_rules!` is in scope from where it is written on).
macro_rules! screen_snapshots {
    () => {};
    ($(#[doc = $doc:literal])* $test:ident: $harness:expr => $keys:literal; $($rest:tt)*) => {
        $(#[doc = $doc])*
        #[test]
        fn $test() {
            insta::assert_snapshot!($harness.press($keys).render());
        }
        screen_snapshots!($($rest)*);
    };
    (
        $(#[doc = $doc:literal])* $test:ident: $harness:expr =>
            { $($name:literal: $keys:literal),+ $(,)? }
        $($rest:tt)*
    ) => {
        $(#[doc = $doc])*
        #[test]
        fn $test() {
            let mut h = $harness;
            $(insta::assert_snapshot!($name, h.press($keys).render());)+
        }
        screen_snapshots!($($rest)*);
    };
}

mod arguments;
mod churn;
mod columns;
mod filters;
mod mouse;
mod navigation;
mod people;
mod policy;
mod registered;
mod screens;
#[path = "../tui_support/mod.rs"]
mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::synthetic::{
    synthetic_stream, synthetic_stream_with_policy, SYNTHETIC_POLICY_RULES,
};
use uringtop_common::verdict::Action;
use uringtop_tui::rows::RowId;
use uringtop_tui::{views, App, Config, PolicyLabel, ScreenKind, SourceKind, Theme};

/// A model, an app and a terminal of a fixed size.
pub struct Harness {
    pub model: Model,
    pub app: App,
    pub terminal: Terminal<TestBackend>,
}

impl Harness {
    /// Six processes with two rings each, after 30 one-second samples.
    pub fn synthetic(width: u16, height: u16) -> Self {
        Harness::with_inputs(
            &synthetic_stream(7, 30, 6, 2),
            width,
            height,
            Theme::colored(),
        )
    }

    /// The same six processes with a policy loaded (audit mode): verdicts on every op.
    pub fn with_policy(width: u16, height: u16, theme: Theme) -> Self {
        Harness::with_config(
            &synthetic_stream_with_policy(7, 30, 6, 2),
            width,
            height,
            Config {
                theme,
                policy: Some(policy_label()),
                ..config()
            },
        )
    }

    /// Two processes with one ring each after 200 samples: enough streamed requests to fill
    /// and filter a request view.
    pub fn request_heavy(width: u16, height: u16) -> Self {
        Harness::with_inputs(
            &synthetic_stream(11, 200, 2, 1),
            width,
            height,
            Theme::colored(),
        )
    }

    pub fn with_inputs(inputs: &[Input], width: u16, height: u16, theme: Theme) -> Self {
        Harness::with_config(inputs, width, height, Config { theme, ..config() })
    }

    pub fn with_config(inputs: &[Input], width: u16, height: u16, config: Config) -> Self {
        // What the TUI runs on (see Model::for_display).
        let mut model = Model::for_display();
        for input in inputs {
            model.apply(input);
        }
        let mut app = App::new(config);
        app.resize(&model, width, height);
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
        Harness {
            model,
            app,
            terminal,
        }
    }

    /// Presses keys: each character is a key, except `<name>` for special keys
    /// (`<enter>`, `<esc>`, `<down>`, `<up>`, `<pgdn>`, `<pgup>`, `<home>`, `<end>`, `<bs>`,
    /// `<left>`, `<right>`, `<f6>`, `<space>`, `<ctrl-c>`).
    pub fn press(&mut self, keys: &str) -> &mut Self {
        let mut rest = keys;
        while let Some(c) = rest.chars().next() {
            let (key, len) =
                if c == '<' && rest.len() > 1 && rest.contains('>') && !rest.starts_with("<>") {
                    let end = rest.find('>').expect("a closing >");
                    (named(&rest[1..end]), end + 1)
                } else {
                    (
                        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
                        c.len_utf8(),
                    )
                };
            self.app.key(&self.model, key);
            rest = &rest[len..];
        }
        self
    }

    /// Presses `keys` and checks that they lead to `screen`.
    #[track_caller]
    pub fn press_onto(&mut self, keys: &str, screen: ScreenKind) -> &mut Self {
        self.press(keys);
        assert_eq!(self.app.screen(), screen, "after {keys:?}");
        self
    }

    /// [`Harness::synthetic`] on the request list of its first ring, whose id it returns: for
    /// tests that feed that list requests of their own.
    pub fn first_rings_requests(width: u16, height: u16) -> (Self, u32) {
        let mut h = Harness::synthetic(width, height);
        h.press("j");
        let ring = h.selected_ring();
        h.press("r");
        (h, ring)
    }

    /// Moves the main view's cursor onto the row `id` with the arrows, from the top.
    pub fn select(&mut self, id: RowId) -> &mut Self {
        self.press("<home>");
        for _ in 0..self.app.main_rows().count() {
            if self.app.main_selection() == Some(id) {
                return self;
            }
            self.press("<down>");
        }
        panic!("no row {id:?}");
    }

    /// The ring of the main view's selected row, which must be a ring row.
    pub fn selected_ring(&self) -> u32 {
        let Some(RowId::Ring { ring, .. }) = self.app.main_selection() else {
            panic!("a ring row")
        };
        ring
    }

    /// Applies more inputs, as the event loop does.
    pub fn apply(&mut self, inputs: &[Input]) -> &mut Self {
        for input in inputs {
            self.model.apply(input);
        }
        self.app.sync(&self.model);
        self
    }

    /// The screen as text, one line per row.
    pub fn render(&mut self) -> String {
        let (model, app) = (&self.model, &self.app);
        self.terminal
            .draw(|frame| views::draw(frame, model, app))
            .expect("drawing");
        self.terminal.backend().to_string()
    }
}

/// A live source with the options every TUI test starts from.
pub fn config() -> Config {
    tui_support::options().config(SourceKind::Live)
}

/// The options of a replay: time keys instead of some list keys, "recording" on the status
/// line, no signals.
pub fn replay_config() -> Config {
    Config {
        source: SourceKind::Recording,
        ..config()
    }
}

/// How the policy of [`synthetic_stream_with_policy`] is labelled.
pub fn policy_label() -> PolicyLabel {
    PolicyLabel {
        file: "synthetic.toml".into(),
        enforce: false,
        rules: SYNTHETIC_POLICY_RULES.map(String::from).to_vec(),
        default: Action::Allow,
    }
}

fn named(name: &str) -> KeyEvent {
    let code = match name {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "down" => KeyCode::Down,
        "up" => KeyCode::Up,
        "pgdn" => KeyCode::PageDown,
        "pgup" => KeyCode::PageUp,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "bs" => KeyCode::Backspace,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "f6" => KeyCode::F(6),
        "f9" => KeyCode::F(9),
        "space" => KeyCode::Char(' '),
        "ctrl-c" => return KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        other => panic!("no key named <{other}>"),
    };
    KeyEvent::new(code, KeyModifiers::NONE)
}

//! What the TUI benchmarks (render.rs, churn.rs) share: the live view at 200x60 with the
//! options the TUI tests start from (so that the benchmarks measure the UI the tests check),
//! drawn as the event loop draws it; the rings they make; and how they print a time.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;
use uringtop_common::input::RingSample;
use uringtop_common::model::Model;
use uringtop_tui::{views, App, SourceKind};

#[path = "../../tests/tui_support/mod.rs"]
mod tui_support;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

/// The live view's app and a WIDTH x HEIGHT terminal to draw it into.
pub struct Screen {
    app: App,
    terminal: Terminal<TestBackend>,
}

impl Screen {
    pub fn new(model: &Model) -> Self {
        let mut app = App::new(tui_support::options().config(SourceKind::Live));
        app.resize(model, WIDTH, HEIGHT);
        let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal");
        Screen { app, terminal }
    }

    /// Draws `model` with the rows as they are.
    pub fn draw(&mut self, model: &Model) {
        let app = &self.app;
        self.terminal
            .draw(|frame| views::draw(frame, model, app))
            .expect("drawing");
    }

    /// What the event loop does per applied sample: re-derive, filter and sort the rows, then
    /// draw.
    pub fn sync_and_draw(&mut self, model: &Model) {
        self.app.sync(model);
        self.draw(model);
    }

    /// What was drawn, for `black_box`: the frames must not be optimised away.
    pub fn drawn(&self) -> &TestBackend {
        self.terminal.backend()
    }
}

/// A ring of `pid` with `sq_entries` SQ entries and twice as many CQ entries (io_uring_setup's
/// default), its fd `fd`, nothing else said.
pub fn ring_sample(ring: u32, pid: u32, fd: i32, sq_entries: u32) -> RingSample {
    RingSample {
        ring,
        pid,
        fd: Some(fd),
        sq_entries,
        cq_entries: 2 * sq_entries,
        ..RingSample::default()
    }
}

/// A duration in whole microseconds.
pub fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

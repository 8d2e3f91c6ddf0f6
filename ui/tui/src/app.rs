//! The UI's state and its reaction to keys: pure, no I/O. Given the model and a key, the app
//! updates itself; the event loop then reads what it wants (requests streamed or not, paused or
//! not, which interval, quit) and makes it so. That keeps every decision testable without a
//! terminal or a probe.

use crate::chooser::{Chooser, ChooserAction};
use crate::column_choice::{TableView, ViewColumns};
use crate::event::EventState;
use crate::layout;
use crate::main_screen::{MainAction, MainScreen};
use crate::policy::PolicyLabel;
use crate::refresh::Refresh;
use crate::request_list::ListAction;
use crate::request_screen::RequestScreen;
use crate::requests::RequestFilter;
use crate::ring_screen::{RingAction, RingScreen};
use crate::settings::{ConfigStore, Settings};
use crate::signals::{self, SignalRequest, SignalScreen, SIGNALS};
use crate::theme::Theme;
use crate::thread_screen::{Listing, ThreadScreen};
use crate::threads::ThreadInfo;
use crate::violation_screen::ViolationScreen;
use crate::violations::ViolationFilter;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use uringtop_common::input::Request;
use uringtop_common::model::Model;

/// Where the inputs come from; the status line says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Live,
    Recording,
}

impl SourceKind {
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Live => "live",
            SourceKind::Recording => "recording",
        }
    }
}

/// What the app starts with.
#[derive(Clone, Debug)]
pub struct Config {
    pub source: SourceKind,
    pub refresh: Refresh,
    /// `--pid`: only this process.
    pub only_pid: Option<u32>,
    pub theme: Theme,
    /// For request times, in local time.
    pub utc_offset_s: i64,
    /// The loaded policy, if any: verdict columns and the violations view appear with it.
    pub policy: Option<PolicyLabel>,
    /// What the config file set (columns, sort, the idle-ring rule).
    pub settings: Settings,
    /// Where the column chooser saves.
    pub store: ConfigStore,
}

/// What the column chooser asked to save (see [`App::take_save_request`]).
pub struct SaveRequest<'a> {
    pub store: &'a ConfigStore,
    pub view: TableView,
    pub choice: &'a crate::column_choice::Choice,
    pub sort: Option<(crate::columns::Column, bool)>,
}

impl SaveRequest<'_> {
    /// Writes it; what the status line should say.
    pub fn save(&self) -> String {
        match crate::settings::save_columns(self.store, self.view, self.choice, self.sort) {
            Ok(said) | Err(said) => said,
        }
    }
}

/// A screen above the main view.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Ring(RingScreen),
    /// Boxed: its filter and scratch buffers make it the largest by far.
    Requests(Box<RequestScreen>),
    /// The policy's recent violations.
    Violations(ViolationScreen),
    /// One request's every field, over the request list.
    Detail(Box<Request>),
    /// A process's context, rings and totals, over the screen it was opened from.
    Process(u32),
    /// Choosing a signal for a process, then confirming it, over the screen below.
    Signal(SignalScreen),
    /// A process's threads, with the SQEs each submitted while the view is open.
    Threads(ThreadScreen),
}

impl Screen {
    /// Drawn over the screen below it rather than in its place.
    pub fn is_popup(&self) -> bool {
        matches!(
            self,
            Screen::Detail(_) | Screen::Process(_) | Screen::Signal(_)
        )
    }
}

/// Which screen is on top, for tests and the help text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenKind {
    Main,
    Ring,
    Requests,
    Violations,
    Detail,
    Process,
    Signal,
    Threads,
}

#[derive(Clone, Debug)]
pub struct App {
    pub(crate) config: Config,
    pub(crate) main: MainScreen,
    /// Screens opened above the main view, innermost last; Esc pops one.
    pub(crate) stack: Vec<Screen>,
    pub(crate) help: bool,
    paused: bool,
    quit: bool,
    pub(crate) area: Rect,
    /// A one-off message for the status line, cleared by the next key.
    pub(crate) message: Option<String>,
    pub(crate) source_ended: bool,
    /// Each table's columns, in order (the config file's, then the chooser's).
    pub(crate) columns: ViewColumns,
    /// The column chooser (`C`), over the screen it was opened on.
    pub(crate) chooser: Option<Chooser>,
    /// The chooser asked to save this table's columns; the event loop does it (I/O).
    save_request: Option<TableView>,
    /// A signal the user confirmed, for the driver to send (kill(2) is I/O: not the app's).
    signal_request: Option<SignalRequest>,
    /// The last left click, for telling a double click (see [`crate::mouse`]).
    pub(crate) last_click: Option<crate::mouse::Click>,
}

impl App {
    pub fn new(config: Config) -> Self {
        let mut main = MainScreen::new(config.only_pid, config.policy.is_some());
        main.apply_settings(&config.settings);
        App {
            columns: config.settings.columns.clone(),
            chooser: None,
            save_request: None,
            config,
            main,
            stack: Vec::new(),
            help: false,
            paused: false,
            quit: false,
            area: Rect::new(0, 0, 80, 24),
            message: None,
            source_ended: false,
            signal_request: None,
            last_click: None,
        }
    }

    /// The terminal's size changed (also call once at start).
    pub fn resize(&mut self, model: &Model, width: u16, height: u16) {
        self.area = Rect::new(0, 0, width, height);
        self.sync(model);
    }

    /// The model changed: re-derive the rows of every open screen.
    pub fn sync(&mut self, model: &Model) {
        let main_height = self.table_height();
        self.main.sync(model, main_height);
        if let Some(pid) = self.main.follow_ended.take() {
            self.message = Some(format!("pid {pid} exited: no longer following it"));
        }
        for i in 0..self.stack.len() {
            let height = self.screen_height(&self.stack[i]);
            match &mut self.stack[i] {
                Screen::Ring(s) => s.sync(model, height),
                Screen::Requests(s) => s.sync(model, height),
                Screen::Violations(s) => s.sync(model, height),
                Screen::Threads(s) => s.sync(model, height),
                Screen::Detail(_) | Screen::Process(_) | Screen::Signal(_) => {}
            }
        }
    }

    /// A key: first the keys the app owns whatever the source ([`App::key_first`]), then the
    /// screens'. A driver with keys of its own (a replay's timeline) asks in between.
    pub fn key(&mut self, model: &Model, key: KeyEvent) {
        if self.key_first(model, key) == EventState::NotConsumed {
            self.key_screens(model, key);
        }
    }

    /// The keys the app takes before anyone else: a release is ignored, Ctrl-C quits, any key
    /// closes the help, and a filter being typed takes every key. Clears the last message.
    pub fn key_first(&mut self, model: &Model, key: KeyEvent) -> EventState {
        if key.kind == KeyEventKind::Release {
            return EventState::Consumed;
        }
        self.message = None;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c')) {
            self.quit = true;
            return EventState::Consumed;
        }
        if self.help {
            // Any key closes the help, and does nothing else.
            self.help = false;
            return EventState::Consumed;
        }
        if let Some(chooser) = &mut self.chooser {
            let choice = self.columns.get_mut(chooser.view);
            match chooser.key(choice, key) {
                ChooserAction::None => {}
                ChooserAction::Close => self.chooser = None,
                ChooserAction::Save => self.save_request = Some(chooser.view),
                ChooserAction::Hint(h) => self.message = Some(h.into()),
            }
            return EventState::Consumed;
        }
        if self.stack.is_empty() && self.main.editing_filter {
            let height = self.table_height();
            self.main.key(model, key, height);
            return EventState::Consumed;
        }
        let height = self.table_height();
        if let Some(Screen::Requests(s)) = self.stack.last_mut() {
            if s.editing.is_some() {
                s.key(model, key, height);
                return EventState::Consumed;
            }
        }
        EventState::NotConsumed
    }

    /// The keys of the app's screens: quit, help, pause, interval, then the screen on top.
    pub fn key_screens(&mut self, model: &Model, key: KeyEvent) {
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('?') | KeyCode::F(1) => self.help = true,
            KeyCode::Char('C') if self.table_view().is_some() => {
                self.chooser = self.table_view().map(Chooser::new);
            }
            KeyCode::Char(' ') => self.paused = !self.paused,
            KeyCode::Char('+') | KeyCode::Char('=') => {
                if !self.config.refresh.slower() {
                    self.message = Some("already the longest interval".into());
                }
            }
            KeyCode::Char('-') | KeyCode::Char('_') => {
                if !self.config.refresh.faster() {
                    self.message = Some(format!(
                        "already the shortest: the probe reads every {} ms (--interval sets it)",
                        self.config.refresh.sampling().as_millis()
                    ));
                }
            }
            _ => self.screen_key(model, key),
        }
        self.sync(model);
    }

    fn screen_key(&mut self, model: &Model, key: KeyEvent) {
        let height = self
            .stack
            .last()
            .map_or_else(|| self.table_height(), |s| self.screen_height(s));
        let Some(top) = self.stack.last_mut() else {
            match self.main.key(model, key, height) {
                MainAction::OpenRing { pid, ring } => {
                    self.stack.push(Screen::Ring(RingScreen::new(pid, ring)))
                }
                MainAction::OpenRequests { pid, ring } => self.open_requests(pid, ring, None),
                MainAction::OpenViolations => self.open_violations(ViolationFilter::default()),
                MainAction::OpenProcess(pid) => self.stack.push(Screen::Process(pid)),
                MainAction::Signal(pid) => self.open_signal(model, pid),
                MainAction::OpenThreads(pid) => self.open_threads(model, pid),
                MainAction::Hint(h) => self.message = Some(h.into()),
                MainAction::None | MainAction::Unhandled => {}
            }
            return;
        };
        match top {
            Screen::Ring(s) => {
                let (pid, ring) = (s.pid, s.ring);
                match s.key(model, key, height) {
                    RingAction::Back => self.back(),
                    RingAction::OpenRequests(op) => self.open_requests(pid, ring, op),
                    RingAction::OpenViolations => self.open_violations(ViolationFilter {
                        ring: Some((pid, ring)),
                    }),
                    RingAction::None | RingAction::Unhandled => {}
                }
            }
            Screen::Requests(s) => {
                let action = s.key(model, key, height);
                self.list_action(action);
            }
            Screen::Violations(s) => {
                let action = s.key(model, key, height);
                self.list_action(action);
            }
            Screen::Detail(_) => {
                if closes_popup(key.code) {
                    self.back();
                }
            }
            Screen::Process(pid) => {
                let pid = *pid;
                match key.code {
                    code if closes_popup(code) => self.back(),
                    KeyCode::Char('k') | KeyCode::F(9) => self.open_signal(model, pid),
                    KeyCode::Char('t') | KeyCode::Char('H') => self.open_threads(model, pid),
                    _ => {}
                }
            }
            Screen::Threads(s) => {
                if s.key(key, height) {
                    self.back();
                }
            }
            Screen::Signal(s) => {
                if let Some(request) = signal_key(s, key.code) {
                    self.back();
                    self.signal_request = request;
                }
            }
        }
    }

    /// `k` on a process: the signal chooser, unless there is nothing this session may signal.
    fn open_signal(&mut self, model: &Model, pid: u32) {
        let refused = if self.config.source == SourceKind::Recording {
            Some("a recording: its processes are not this machine's to signal (live only)")
        } else {
            signals::refusal(pid)
        };
        if let Some(why) = refused {
            self.message = Some(why.into());
            return;
        }
        if model.process(pid).is_some_and(|p| p.exited) {
            self.message = Some(format!(
                "pid {pid} exited: nothing left to signal (its pid may already be another's)"
            ));
            return;
        }
        self.stack.push(Screen::Signal(SignalScreen::new(pid)));
    }

    /// `t` or `H` on a process: its threads. Live, the driver lists them from /proc and streams
    /// the process's requests while the view is open.
    fn open_threads(&mut self, model: &Model, pid: u32) {
        if pid == 0 {
            self.message = Some("this row is not one process: it has no threads to list".into());
            return;
        }
        let live = self.config.source == SourceKind::Live;
        self.stack
            .push(Screen::Threads(ThreadScreen::new(pid, model, live)));
    }

    /// The live driver read the threads of `pid` from /proc (or failed to).
    pub fn set_threads(
        &mut self,
        model: &Model,
        pid: u32,
        threads: Result<Vec<ThreadInfo>, String>,
    ) {
        let height = usize::from(layout::threads(self.area).body.height);
        for screen in &mut self.stack {
            if let Screen::Threads(s) = screen {
                if s.pid == pid {
                    s.set_listing(match &threads {
                        Ok(list) => Listing::Read(list.clone()),
                        Err(why) => Listing::Failed(why.clone()),
                    });
                    s.sync(model, height);
                }
            }
        }
    }

    /// The process whose threads an open thread view lists (live: from /proc, by the driver).
    pub fn threads_wanted(&self) -> Option<u32> {
        self.stack.iter().rev().find_map(|s| match s {
            Screen::Threads(t) => Some(t.pid),
            _ => None,
        })
    }

    /// What the probe should stream: the ring of an open request view, or the process of an
    /// open thread view, whichever is on top.
    pub fn stream_wanted(&self) -> Option<crate::live::Stream> {
        self.stack.iter().rev().find_map(|s| match s {
            Screen::Requests(r) => Some(crate::live::Stream::Ring(r.filter.ring)),
            Screen::Threads(t) => Some(crate::live::Stream::Process(t.pid)),
            _ => None,
        })
    }

    /// The signal the user confirmed, taken once, for the driver to send.
    pub fn take_signal_request(&mut self) -> Option<SignalRequest> {
        self.signal_request.take()
    }

    fn open_requests(&mut self, pid: u32, ring: u32, opcode: Option<u8>) {
        self.stack
            .push(Screen::Requests(Box::new(RequestScreen::new(
                pid,
                RequestFilter { ring, opcode },
            ))));
    }

    /// Only with a policy: without one there are no verdicts, and the view would only confuse.
    fn open_violations(&mut self, filter: ViolationFilter) {
        if self.config.policy.is_some() {
            self.stack
                .push(Screen::Violations(ViolationScreen::new(filter)));
        } else {
            self.message = Some("no policy loaded: there are no verdicts".into());
        }
    }

    fn back(&mut self) {
        self.stack.pop();
    }

    /// What a key on the request or violations list asked for.
    fn list_action(&mut self, action: ListAction) {
        match action {
            ListAction::Back => self.back(),
            ListAction::Open(request) => self.stack.push(Screen::Detail(request)),
            ListAction::None | ListAction::Unhandled => {}
        }
    }

    fn table_height(&self) -> usize {
        usize::from(layout::table(self.area).body.height)
    }

    fn screen_height(&self, screen: &Screen) -> usize {
        match screen {
            Screen::Ring(s) => usize::from(
                layout::ring(self.area, s.ops.len(), s.register_line, s.registered_line)
                    .ops_body
                    .height,
            ),
            Screen::Violations(_) => usize::from(layout::violations(self.area).body.height),
            Screen::Threads(_) => usize::from(layout::threads(self.area).body.height),
            Screen::Requests(_) | Screen::Detail(_) | Screen::Process(_) | Screen::Signal(_) => {
                self.table_height()
            }
        }
    }

    /// The ring whose requests the probe should stream: the one of an open request view.
    pub fn requests_wanted(&self) -> Option<u32> {
        self.stack.iter().find_map(|s| match s {
            Screen::Requests(r) => Some(r.filter.ring),
            _ => None,
        })
    }

    pub fn screen(&self) -> ScreenKind {
        match self.stack.last() {
            None => ScreenKind::Main,
            Some(Screen::Ring(_)) => ScreenKind::Ring,
            Some(Screen::Requests(_)) => ScreenKind::Requests,
            Some(Screen::Violations(_)) => ScreenKind::Violations,
            Some(Screen::Detail(_)) => ScreenKind::Detail,
            Some(Screen::Process(_)) => ScreenKind::Process,
            Some(Screen::Signal(_)) => ScreenKind::Signal,
            Some(Screen::Threads(_)) => ScreenKind::Threads,
        }
    }

    /// The table whose columns the chooser edits: the one on screen (None under a process's
    /// popup, the signal chooser, or the thread view, whose columns are fixed).
    pub fn table_view(&self) -> Option<TableView> {
        match self.screen() {
            ScreenKind::Main => Some(TableView::Main),
            ScreenKind::Ring => Some(TableView::Ring),
            ScreenKind::Requests | ScreenKind::Detail => Some(TableView::Requests),
            ScreenKind::Violations => Some(TableView::Violations),
            ScreenKind::Process | ScreenKind::Signal | ScreenKind::Threads => None,
        }
    }

    /// Each table's columns as chosen.
    pub fn columns(&self) -> &ViewColumns {
        &self.columns
    }

    /// True while the column chooser is open.
    pub fn chooser_shown(&self) -> bool {
        self.chooser.is_some()
    }

    /// What the chooser asked to save, once: the table, its columns, and (the process list's)
    /// sort. The event loop writes it (see [`crate::settings::save_columns`]).
    pub fn take_save_request(&mut self) -> Option<SaveRequest<'_>> {
        let view = self.save_request.take()?;
        let sort =
            (view == TableView::Main).then_some((self.main.spec.sort, self.main.spec.descending));
        Some(SaveRequest {
            store: &self.config.store,
            view,
            choice: self.columns.get(view),
            sort,
        })
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Pauses or resumes the display (space toggles it); a replay pauses when a step is taken.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn refresh(&self) -> &Refresh {
        &self.config.refresh
    }

    pub fn help_shown(&self) -> bool {
        self.help
    }

    /// The item the main view's cursor is on.
    pub fn main_selection(&self) -> Option<crate::rows::RowId> {
        self.main.selected
    }

    /// Ids of the main view's rows, top to bottom.
    pub fn main_rows(&self) -> impl Iterator<Item = crate::rows::RowId> + '_ {
        self.main.rows.iter().map(|r| r.id)
    }

    /// The main view's rows, top to bottom, with their figures.
    pub fn main_rows_full(&self) -> impl Iterator<Item = &crate::rows::Row> + '_ {
        self.main.rows.iter()
    }

    /// The current status message, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Shows `text` in the status line until the next key (e.g. an error from the source).
    pub fn set_message(&mut self, text: String) {
        self.message = Some(text);
    }

    /// The source has no more inputs (the probe stopped, or the recording ended).
    pub fn set_source_ended(&mut self) {
        self.source_ended = true;
    }
}

/// Keys that close a popup (a request's detail, a process's).
fn closes_popup(code: KeyCode) -> bool {
    matches!(
        code,
        KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace | KeyCode::Left
    )
}

/// A key in the signal chooser: Some(None) closes it, Some(Some(request)) closes it and sends;
/// None keeps it open. Choosing: arrows or j/k (or the signal's number) select, Enter asks to
/// confirm, Esc cancels. Confirming: y or Enter sends, n or Esc goes back to choosing.
fn signal_key(s: &mut SignalScreen, code: KeyCode) -> Option<Option<SignalRequest>> {
    let send = || {
        Some(Some(SignalRequest {
            pid: s.pid,
            signal: s.signal(),
        }))
    };
    if s.confirming {
        return match code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => send(),
            _ => {
                s.confirming = false;
                None
            }
        };
    }
    match code {
        KeyCode::Esc => return Some(None),
        KeyCode::Up | KeyCode::Char('k') => s.index = s.index.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => s.index = (s.index + 1).min(SIGNALS.len() - 1),
        KeyCode::Home => s.index = 0,
        KeyCode::End => s.index = SIGNALS.len() - 1,
        KeyCode::Char(c @ '1'..='8') => s.index = usize::from(c as u8 - b'1'),
        KeyCode::Enter => s.confirming = true,
        _ => {}
    }
    None
}

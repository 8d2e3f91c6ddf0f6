//! Taking over the terminal and giving it back, whatever happens: normal exit, error return,
//! panic (ratatui's panic hook restores before the message is printed), SIGTERM/SIGHUP (the event
//! loop ends and the guard drops), and Ctrl-Z (given back while stopped, taken again on resume).

use anyhow::{bail, Context, Result};
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::{DefaultTerminal, Terminal};
use std::io::{IsTerminal, Stdout};

/// Where the event loop draws: the real terminal (behind its [`TerminalGuard`]), or an in-memory
/// one in tests.
pub trait Screen {
    type Backend: Backend;
    fn terminal(&mut self) -> &mut Terminal<Self::Backend>;
    /// Ctrl-Z: stop the process, the terminal given back meanwhile.
    fn suspend(&mut self) -> Result<()>;
}

/// An in-memory terminal has nothing to give back, and a test process is not stopped.
impl Screen for Terminal<TestBackend> {
    type Backend = TestBackend;

    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        self
    }

    fn suspend(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Fails, with advice, when stdout is not a terminal: call before loading the probe, so the
/// user gets the message on a normal screen and a non-zero exit.
pub fn check_terminal() -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the live view needs a terminal; for output to a file or a pipe use `uringtop dump` or `uringtop trace`");
    }
    Ok(())
}

/// The terminal in raw mode on the alternate screen, restored when dropped.
pub struct TerminalGuard {
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    pub fn enter() -> Result<Self> {
        // try_init installs the panic hook that restores the terminal first.
        let terminal = ratatui::try_init().context("setting up the terminal")?;
        let mut guard = TerminalGuard { terminal };
        guard.terminal.hide_cursor().context("hiding the cursor")?;
        // Clicks and the wheel come as events (text selection then needs Shift, as in htop).
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
            .context("enabling the mouse")?;
        Ok(guard)
    }
}

impl Screen for TerminalGuard {
    type Backend = CrosstermBackend<Stdout>;

    fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }

    /// Ctrl-C/Ctrl-Z arrive as keys in raw mode: Ctrl-Z stops the process the way a shell
    /// expects, with the terminal given back meanwhile.
    fn suspend(&mut self) -> Result<()> {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        ratatui::try_restore().context("restoring the terminal")?;
        // SAFETY: raise(2) on our own process; SIGTSTP's default action stops us until SIGCONT.
        unsafe { libc::raise(libc::SIGTSTP) };
        // Not try_init again: that would stack another panic hook.
        crossterm::terminal::enable_raw_mode().context("taking the terminal back")?;
        crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)
            .context("taking the terminal back")?;
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)
            .context("taking the terminal back")?;
        self.terminal.clear().context("redrawing")?;
        self.terminal.hide_cursor().context("hiding the cursor")?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // Also on a panic's unwinding: a shell left with mouse reporting on prints garbage.
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        let _ = self.terminal.show_cursor();
        ratatui::restore();
    }
}

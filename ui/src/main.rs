//! uringtop: a `top` for Linux io_uring.

mod cli;
mod cmd_dump;
mod cmd_trace;
mod live_session;
mod trace_line;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors: message and exit status 2
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("uringtop: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Some(Command::Dump(args)) => cmd_dump::run(args).await,
            Some(Command::Trace(args)) => cmd_trace::run(args).await,
            Some(Command::Check) => check(),
            None => tui(cli.tui).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uringtop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The live terminal UI. Everything that can fail with a message for the user (no terminal, the
/// probe not loading) happens before the terminal is switched to the alternate screen.
async fn tui(args: cli::TuiArgs) -> anyhow::Result<()> {
    uringtop_tui::check_terminal()?;
    let refresh = uringtop_tui::Refresh::new(args.interval);
    let (inputs, control) = live_session::start(refresh.sampling())?;
    let options = uringtop_tui::Options {
        refresh,
        only_pid: args.pid,
        theme: uringtop_tui::Theme::for_no_color(std::env::var_os("NO_COLOR").as_deref()),
        utc_offset_s: trace_line::local_utc_offset_s(),
    };
    uringtop_tui::run(uringtop_tui::Source::live(inputs, control), options).await
}

fn check() -> anyhow::Result<()> {
    let report = uringtop_probe::check::run();
    print!("{report}");
    if report.works() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "uringtop cannot observe io_uring on this machine (see above)"
        ))
    }
}

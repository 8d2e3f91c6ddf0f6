//! uringtop: a `top` for Linux io_uring.

mod advise;
mod cli;
mod cmd_advise;
mod cmd_dump;
mod cmd_export;
mod cmd_record;
mod cmd_replay;
mod cmd_run;
mod cmd_trace;
mod config_file;
mod local_time;
mod policy_file;
mod protobuf;
mod recording_file;
mod serve;
mod session;
mod sink;
mod task_restrict;

use cli::{Cli, Command};
use std::io::Write;
use std::process::ExitCode;
use uringtop_common::recording::RecordedRequests;

fn main() -> ExitCode {
    let cli = Cli::parse_checked(); // usage errors: message and exit status 2
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
            Some(Command::Record(args)) => cmd_record::run(args).await,
            Some(Command::Replay(args)) => cmd_replay::run(args).await,
            Some(Command::Export(args)) => cmd_export::run(args),
            Some(Command::Advise(args)) => cmd_advise::run(args).await,
            Some(Command::Run(args)) => cmd_run::run(args).await,
            Some(Command::Serve(args)) => serve::run(args).await,
            Some(Command::Completions { shell }) => {
                Cli::completions(shell, &mut std::io::stdout().lock());
                Ok(())
            }
            Some(Command::Man) => Ok(Cli::man_page(&mut std::io::stdout().lock())?),
            None => tui(cli.tui).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`uringtop dump | head -1`): it has all it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uringtop: {e:#}");
            if e.downcast_ref::<policy_file::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// True when writing to stdout failed because its reader closed the pipe (EPIPE: Rust ignores
/// SIGPIPE, so the write returns the error instead of killing the process).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The live terminal UI. Everything that can fail with a message for the user (no terminal, the
/// probe not loading) happens before the terminal is switched to the alternate screen.
async fn tui(args: cli::TuiArgs) -> anyhow::Result<()> {
    let config = config_file::load(&args.config)?;
    uringtop_tui::check_terminal()?;
    // --interval, else the config file's, else a second.
    let interval = args
        .interval
        .or(config.settings.interval)
        .unwrap_or(std::time::Duration::from_secs(1));
    let refresh = uringtop_tui::Refresh::new(interval);
    let policy =
        policy_file::LoadedPolicy::from_args(args.policy.policy.as_deref(), args.policy.enforce)?;
    let (inputs, control) = session::probe::start(refresh.sampling(), policy.as_ref())?;
    // The recorder beside the UI: every input the UI gets, flushed every half second.
    let (inputs, recorder) = match &args.record {
        Some(path) => {
            let recorder = sink::recorder::RecorderSink::create(
                path,
                &uringtop_common::recording::RecordingOptions {
                    interval: Some(refresh.sampling()),
                    requests: Some(RecordedRequests::WhileAViewStreams),
                    from_tui: true,
                    policy: policy.as_ref().map(policy_file::LoadedPolicy::recorded),
                    ..Default::default()
                },
                sink::recorder::Keep {
                    pid: None,
                    all_requests: true,
                },
                false,
            )?;
            let (inputs, task) = session::beside(inputs, vec![Box::new(recorder)]);
            (inputs, Some((path.clone(), task)))
        }
        None => (inputs, None),
    };
    let options = uringtop_tui::Options {
        refresh,
        only_pid: args.pid,
        theme: config.theme,
        utc_offset_s: crate::local_time::utc_offset_s(),
        policy: policy.as_ref().map(policy_file::LoadedPolicy::label),
        settings: config.settings,
        store: config.store,
    };
    let control = Box::new(session::probe::TuiControl(control));
    let driver = uringtop_tui::LiveDriver::new(inputs, Some(control));
    let result = uringtop_tui::run(driver, options).await;
    if let Some((path, task)) = recorder {
        // The source was stopped: the recorder ends with its last inputs (bounded, in case the
        // UI failed before it could stop the source; the file then lacks only its summary).
        match tokio::time::timeout(std::time::Duration::from_secs(5), task).await {
            Ok(Ok(outcome)) => outcome.print(),
            Ok(Err(e)) => eprintln!("uringtop: recording to {}: {e}", path.display()),
            Err(_) => eprintln!(
                "uringtop: recording to {}: not finished (readable up to its last flush)",
                path.display()
            ),
        }
    }
    result
}

fn check() -> anyhow::Result<()> {
    let report = uringtop_probe::check::run();
    let mut out = std::io::stdout().lock();
    write!(out, "{report}")?;
    out.flush()?;
    if report.works() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "cannot observe io_uring on this machine (see above)"
        ))
    }
}

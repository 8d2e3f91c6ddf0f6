//! Command-line arguments. clap exits with status 2 on a usage error, with a message saying why.

use clap::parser::ValueSource;
use clap::{
    ArgGroup, ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum,
};
use std::path::PathBuf;
use std::time::Duration;
use uringtop_common::recording::time::TimeSpec;

/// `uringtop --version`: the crate version, the git revision and the BPF object's hash (see
/// ui/build.rs), so that a report names exactly the build and the probe that ran.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (git ",
    env!("URINGTOP_GIT_REV"),
    ", BPF object sha256 ",
    env!("URINGTOP_BPF_SHA256"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "uringtop",
    version = VERSION,
    about = "top for Linux io_uring: what each process does through its rings, seen from an eBPF probe",
    long_about = "top for Linux io_uring: SQEs, CQEs, errors, denials, io-wq punts and latency per process, \
                  ring and opcode, from an eBPF probe on io_uring's tracepoints. Without a subcommand it opens \
                  the live terminal UI. Needs root (or CAP_BPF and CAP_PERFMON); `uringtop check` says what \
                  works on this machine."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Args, Debug, Clone)]
pub struct TuiArgs {
    /// Refresh interval of the live view, in seconds (`+` and `-` change it while it runs);
    /// default: the config file's `interval`, else 1.
    #[arg(long, value_parser = parse_secs, allow_negative_numbers = true, global = false)]
    pub interval: Option<Duration>,
    /// Show only this process.
    #[arg(long, value_parser = parse_pid)]
    pub pid: Option<u32>,
    /// Also record what the view receives to FILE (a new file, mode 0600): every sample, and
    /// the requests of the rings whose request view is open while it is.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// The config file of the terminal UI (columns, sort, interval, theme, the idle-ring rule).
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigArgs {
    /// Read (and let the column chooser save to) this config file instead of
    /// $XDG_CONFIG_HOME/uringtop/config.toml (~/.config/uringtop/config.toml).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no config file (built-in defaults; the column chooser saves nothing).
    #[arg(long)]
    pub no_config: bool,
    /// Colours: default (dark terminals), light (light terminals) or mono (none, as NO_COLOR);
    /// overrides the config file's `theme` and NO_COLOR.
    #[arg(long, value_name = "NAME", value_parser = parse_theme)]
    pub theme: Option<uringtop_tui::settings::ThemeName>,
}

fn parse_theme(text: &str) -> Result<uringtop_tui::settings::ThemeName, String> {
    uringtop_tui::settings::ThemeName::from_name(text)
        .ok_or_else(|| format!("`{text}` is not a theme (default, light or mono)"))
}

/// A policy to judge every SQE and io_uring_register call against (see the README).
#[derive(Args, Debug, Clone, Default)]
pub struct PolicyArgs {
    /// Judge every SQE and io_uring_register call against this policy file (TOML): verdicts
    /// allow / log / deny / kill per process, ring and opcode, and a list of violations.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Carry out `kill` verdicts: SIGKILL the process that submitted the SQE. Without it, kill
    /// is only reported (as would-kill).
    #[arg(long, requires = "policy")]
    pub enforce: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Observe for a while, then print per process x ring x opcode counts (JSON or CSV).
    Dump(DumpArgs),
    /// Print one line per completed request, strace-like, until Ctrl-C.
    Trace(TraceArgs),
    /// Say what works on this machine: kernel, BTF, tracepoints, privileges, io_uring sysctl.
    Check,
    /// Record what the probe sees to a file (headless), for `dump --from` later.
    Record(RecordArgs),
    /// Replay a recording in the terminal UI, with a timeline (no privileges needed).
    Replay(ReplayArgs),
    /// Convert a recording's requests to a trace for Perfetto (ui.perfetto.dev).
    Export(ExportArgs),
    /// Observe (live, or from a recording), then print the least-privilege io_uring
    /// restrictions per process and ring: what was seen used, and nothing else.
    Advise(AdviseArgs),
    /// Start a command under a policy: on Linux 7.0+ the kernel refuses what the policy denies
    /// and the kernel can see; uringtop judges the rest. Exits with the command's status.
    Run(RunArgs),
    /// Serve the counters to Prometheus: OpenMetrics on http://ADDR:PORT/metrics, until
    /// Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Print a shell completion script: `uringtop completions bash > /etc/bash_completion.d/uringtop`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print uringtop's manual page (roff): `uringtop man > uringtop.1 && man ./uringtop.1`.
    Man,
}

/// The shells `completions` writes for.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Cli {
    /// Writes the completion script for `shell` to `out`.
    pub fn completions(shell: Shell, out: &mut dyn std::io::Write) {
        let mut cmd = Cli::command();
        let shell = match shell {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        };
        clap_complete::generate(shell, &mut cmd, "uringtop", out);
    }

    /// Writes the manual page (roff), with a section per subcommand, to `out`.
    pub fn man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let cmd = Cli::command();
        let man = clap_mangen::Man::new(cmd.clone());
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        man.render_options_section(out)?;
        man.render_subcommands_section(out)?;
        // One section per subcommand, its synopsis, description and options as subsections.
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = sub.get_name();
            writeln!(out, ".SH \"URINGTOP {}\"", name.to_uppercase())?;
            let page = clap_mangen::Man::new(sub.clone().bin_name(format!("uringtop {name}")));
            let mut part = Vec::new();
            page.render_synopsis_section(&mut part)?;
            page.render_description_section(&mut part)?;
            page.render_options_section(&mut part)?;
            let part = String::from_utf8_lossy(&part);
            for line in part.lines() {
                match line.strip_prefix(".SH ") {
                    Some(title) => writeln!(out, ".SS {title}")?,
                    None => writeln!(out, "{line}")?,
                }
            }
        }
        man.render_version_section(out)?;
        Ok(())
    }
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Install nothing in the kernel: uringtop judges every rule (deny is reported, the request
    /// still runs). The only mode before Linux 7.0.
    #[arg(long)]
    pub audit: bool,
    /// Write the JSON report (what `dump` prints) of everything observed while the command ran
    /// to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where to listen. Loopback by default: to let a Prometheus on another host scrape,
    /// give an address of this host (or 0.0.0.0:9753 for every one) deliberately.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9753")]
    pub listen: std::net::SocketAddr,
    /// The labels that tell series apart (besides op): comm (one series per process name),
    /// pid (comm and pid: per process) or ring (comm, pid and ring).
    #[arg(long, value_enum, default_value_t = LabelsArg::Pid)]
    pub labels: LabelsArg,
    /// At most this many label sets (processes, or rings with --labels ring, or names with
    /// --labels comm) get series of their own; past it, new ones are counted under "other".
    #[arg(long, default_value = "500", value_parser = parse_limit)]
    pub limit: usize,
    /// How often to read the probe's counters, in seconds (a scrape sees the latest read).
    #[arg(long, default_value = "1", value_parser = parse_secs, allow_negative_numbers = true)]
    pub interval: Duration,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// How long the headless session of `record` and `serve` runs, and what it reads.
#[derive(Args, Debug)]
pub struct SessionArgs {
    /// Stop after this many seconds (default: until Ctrl-C or SIGTERM).
    #[arg(long, value_parser = parse_secs, allow_negative_numbers = true)]
    pub duration: Option<Duration>,
    /// Read a deterministic synthetic stream (this seed) instead of the probe: for tests and
    /// demos, needs no privileges.
    #[arg(long, hide = true, value_name = "SEED")]
    pub synthetic: Option<u64>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LabelsArg {
    Comm,
    Pid,
    Ring,
}

impl LabelsArg {
    pub fn setting(self) -> uringtop_common::exposition::LabelSetting {
        use uringtop_common::exposition::LabelSetting;
        match self {
            LabelsArg::Comm => LabelSetting::Comm,
            LabelsArg::Pid => LabelSetting::Pid,
            LabelsArg::Ring => LabelSetting::Ring,
        }
    }
}

/// A number of label sets: at least 1.
fn parse_limit(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "`{text}` is not a number of label sets (at least 1; e.g. 500)"
        )),
        Ok(n) => Ok(n),
    }
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("observation").required(true).args(["file", "duration"])))]
pub struct AdviseArgs {
    /// A recording (`uringtop record -o FILE`) to advise from (no privileges needed).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Observe live for this many seconds instead (needs root, like `dump`).
    #[arg(long, value_parser = parse_secs, allow_negative_numbers = true)]
    pub duration: Option<Duration>,
    /// Only this process.
    #[arg(long, value_parser = parse_pid)]
    pub pid: Option<u32>,
    /// Output: a uringtop policy file, C for liburing, Rust for the io-uring crate, JSON, or
    /// `task`: one policy for `uringtop run` that the kernel enforces (Linux 7.0+).
    #[arg(long, value_enum, default_value_t = AdviseFormat::Policy)]
    pub format: AdviseFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum AdviseFormat {
    Policy,
    C,
    Rust,
    Json,
    Task,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The recording (made with `uringtop record --requests`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Write a Perfetto trace (protobuf, for ui.perfetto.dev) to this new file, mode 0600 (it
    /// holds every recorded request): a track per ring, a slice per request.
    #[arg(long, value_name = "OUT", required = true)]
    pub perfetto: PathBuf,
    /// Replace OUT if it exists (without it, an existing file is not overwritten).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The recording (`uringtop record -o FILE`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Show only this process.
    #[arg(long, value_parser = parse_pid)]
    pub pid: Option<u32>,
    /// Start at this time: a local time of day (12:03:10) or an offset (+90s).
    #[arg(long, value_name = "T", value_parser = TimeSpec::parse)]
    pub start: Option<TimeSpec>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Args, Debug)]
pub struct DumpArgs {
    /// How long to observe, in seconds (e.g. 5, 0.5).
    #[arg(long, default_value = "5", value_parser = parse_secs, allow_negative_numbers = true, conflicts_with = "from")]
    pub duration: Duration,
    /// Print one object per interval (JSON lines, or CSV rows with an interval column) instead of one
    /// at the end.
    #[arg(long, value_parser = parse_secs, allow_negative_numbers = true)]
    pub interval: Option<Duration>,
    /// Only this process.
    #[arg(long, value_parser = parse_pid)]
    pub pid: Option<u32>,
    /// Output format (openmetrics: one exposition, as `serve` would answer a scrape at the end).
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Read a recording (`uringtop record`) instead of the live probe: no privileges needed.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// With --from: start of the window, a local time of day (12:03:10) or an offset from the
    /// recording's start (+90s). Default: the start.
    #[arg(long, value_name = "T", value_parser = TimeSpec::parse)]
    pub start: Option<TimeSpec>,
    /// With --from: end of the window, like --start. Default: the end.
    #[arg(long, value_name = "T", value_parser = TimeSpec::parse)]
    pub end: Option<TimeSpec>,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("destination").required(true).args(["output", "dir"])))]
pub struct RecordArgs {
    /// The file to create (mode 0600; an existing file is not overwritten).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Record as a service: a series of files in DIR (created mode 0700), a new one every
    /// --rotate, the oldest deleted past --keep; one recorder per directory (a lock).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// With --dir: start a new file this often (e.g. 10m, 1h, 90s).
    #[arg(long, value_name = "PERIOD", default_value = "10m", value_parser = parse_period)]
    pub rotate: Duration,
    /// With --dir: delete the oldest files past this age (24h, 7d) or total size (10GiB,
    /// 500MB); give both to keep within both.
    #[arg(long, value_name = "AGE|SIZE", value_parser = parse_keep)]
    pub keep: Vec<KeepLimit>,
    #[command(flatten)]
    pub session: SessionArgs,
    /// How often to record the counters, in seconds.
    #[arg(long, default_value = "1", value_parser = parse_secs, allow_negative_numbers = true)]
    pub interval: Duration,
    /// Also record every SQE/CQE pair (the probe may drop some under load: see lost_records).
    #[arg(long)]
    pub requests: bool,
    /// Only this process.
    #[arg(long, value_parser = parse_pid)]
    pub pid: Option<u32>,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Csv,
    /// One OpenMetrics exposition (what `serve` answers a scrape with), counters since the start.
    Openmetrics,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Only this process.
    #[arg(long, value_parser = parse_pid)]
    pub pid: Option<u32>,
    /// Only this ring (the id `dump` and the UI show).
    #[arg(long, value_parser = parse_ring)]
    pub ring: Option<u32>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long, value_parser = parse_secs, allow_negative_numbers = true)]
    pub duration: Option<Duration>,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

impl Cli {
    /// The command line, with what does not apply refused (exit status 2, with the reason).
    pub fn parse_checked() -> Cli {
        Cli::try_parse_checked_from(std::env::args_os()).unwrap_or_else(|e| e.exit())
    }

    /// Like [`Cli::parse_checked`], from `args`; errors are clap's, so they print and exit alike.
    pub fn try_parse_checked_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut command = Cli::command();
        let matches = command.try_get_matches_from_mut(args)?;
        let cli = Cli::from_arg_matches(&matches)?;
        let Some((place, why)) = not_applying(&cli, &matches) else {
            return Ok(cli);
        };
        // The usage shown under the message is that of the command where the mistake was made.
        let kind = clap::error::ErrorKind::ArgumentConflict;
        Err(
            match place.and_then(|name| command.find_subcommand_mut(name)) {
                Some(sub) => sub.error(kind, why),
                None => command.error(kind, why),
            },
        )
    }
}

/// Why an option that parsed does not apply where it was given, if one does not, with the
/// subcommand it was given to (None: before any). clap's own `requires` cannot say why, and was
/// skipped when an option with a default value was given too (`dump --start +1s --duration 1`).
fn not_applying(cli: &Cli, matches: &ArgMatches) -> Option<(Option<&'static str>, String)> {
    let given = |m: &ArgMatches, id: &str| m.value_source(id) == Some(ValueSource::CommandLine);
    if let Some((name, _)) = matches.subcommand() {
        for (id, flag) in [
            ("interval", "--interval"),
            ("pid", "--pid"),
            ("record", "--record"),
            ("policy", "--policy"),
            ("enforce", "--enforce"),
            ("config", "--config"),
            ("no_config", "--no-config"),
            ("theme", "--theme"),
        ] {
            if given(matches, id) {
                return Some((
                    None,
                    format!(
                        "{flag} before `{name}` is an option of the live view (uringtop without a \
                     command); options of `{name}` come after it: `uringtop {name} {flag} …`"
                    ),
                ));
            }
        }
    }
    if let Some(("record", sub)) = matches.subcommand() {
        if !given(sub, "dir") {
            for (id, flag) in [("rotate", "--rotate"), ("keep", "--keep")] {
                if given(sub, id) {
                    return Some((
                        Some("record"),
                        format!(
                            "{flag} applies to a directory of recordings: \
                             `uringtop record --dir DIR {flag} …` (-o FILE writes one file)"
                        ),
                    ));
                }
            }
        }
    }
    if let Some(Command::Dump(dump)) = &cli.command {
        if dump.format == Format::Openmetrics {
            for (set, flag) in [
                (dump.interval.is_some(), "--interval"),
                (dump.start.is_some(), "--start"),
                (dump.pid.is_some(), "--pid"),
            ] {
                if set {
                    return Some((
                        Some("dump"),
                        format!(
                            "{flag} does not apply to --format openmetrics: an exposition holds \
                             every process's counters from the start (`uringtop serve` serves \
                             them as they grow; Prometheus picks windows and processes)"
                        ),
                    ));
                }
            }
        }
        if dump.from.is_none() {
            for (set, flag) in [
                (dump.start.is_some(), "--start"),
                (dump.end.is_some(), "--end"),
            ] {
                if set {
                    return Some((
                        Some("dump"),
                        format!(
                        "{flag} picks a window in a recording, so it needs --from FILE; a live \
                         dump starts now and lasts --duration"
                    ),
                    ));
                }
            }
        }
    }
    None
}

/// A retention limit of `record --dir`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepLimit {
    Age(Duration),
    Bytes(u64),
}

/// `24h`, `7d`, `90m`, `3600s`: a period of at least a second.
pub fn parse_period(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a period (try 90s, 10m, 24h or 7d)"))?;
    let scale = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not a period (try 90s, 10m, 24h or 7d)"
            ))
        }
    };
    match n.checked_mul(scale) {
        Some(s) if s > 0 => Ok(Duration::from_secs(s)),
        _ => Err(format!("`{text}` must be at least a second")),
    }
}

/// An age (`24h`, see [`parse_period`]) or a size (`10GiB`, `500MB`, `1TiB`).
pub fn parse_keep(text: &str) -> Result<KeepLimit, String> {
    if let Ok(age) = parse_period(text) {
        return Ok(KeepLimit::Age(age));
    }
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "b" => 1,
        "kb" => 1000,
        "mb" => 1000_u64.pow(2),
        "gb" => 1000_u64.pow(3),
        "tb" => 1000_u64.pow(4),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "`{text}` is neither an age (24h, 7d) nor a size (10GiB, 500MB)"
            ))
        }
    };
    match num.parse::<u64>().ok().and_then(|n| n.checked_mul(scale)) {
        Some(b) if b > 0 => Ok(KeepLimit::Bytes(b)),
        _ => Err(format!("`{text}` is not a size (try 10GiB or 500MB)")),
    }
}

/// A process id: not 0, which the probe's filters would read as "every process".
pub fn parse_pid(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(0) => Err("0 is not a process id (leave --pid out to see every process)".into()),
        Ok(pid) => Ok(pid),
        Err(_) => Err(format!("`{text}` is not a process id")),
    }
}

/// A ring id as `dump` and the UI show it: they start at 1 (0 would mean "every ring").
pub fn parse_ring(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(0) => Err(
            "ring ids start at 1, in the order uringtop first saw each ring (as `dump` and the \
             UI show them); leave --ring out to see every ring"
                .into(),
        ),
        Ok(ring) => Ok(ring),
        Err(_) => Err(format!("`{text}` is not a ring id")),
    }
}

/// The units [`parse_secs`] takes, in seconds; "ms" before "s", which it ends with.
const SECS_UNITS: [(&str, f64); 3] = [("ms", 0.001), ("s", 1.0), ("m", 60.0)];

/// Seconds as a positive decimal number ("5", "0.25"), or with a unit ("500ms", "2s", "1m").
pub fn parse_secs(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, scale) = SECS_UNITS
        .iter()
        .find_map(|&(unit, scale)| Some((t.strip_suffix(unit)?, scale)))
        .unwrap_or((t, 1.0));
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds (try 5, 0.5 or 500ms)"))?;
    let secs = value * scale;
    if !secs.is_finite() || secs <= 0.0 || secs > 365.0 * 86400.0 {
        return Err(format!(
            "`{text}` must be more than 0 seconds and at most a year"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_with_and_without_units() {
        assert_eq!(parse_secs("5").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_secs("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_secs("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_secs("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_secs("0").is_err());
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("soon").is_err());
        assert!(parse_secs("NaN").is_err());
    }

    #[test]
    fn usage_errors_are_reported_not_panicked() {
        use clap::error::ErrorKind;
        let err = Cli::try_parse_from(["uringtop", "dump", "--format", "xml"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(["uringtop", "dump", "--duration", "never"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(["uringtop", "frobnicate"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn what_does_not_apply_is_refused_with_the_reason() {
        use clap::error::ErrorKind;
        let refused = |args: &[&str], says: &str| {
            let err = Cli::try_parse_checked_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
            let text = err.to_string();
            assert!(text.contains(says), "{args:?}: {text}");
            err.kind()
        };
        let kind = refused(
            &["uringtop", "dump", "--start", "+1s", "--duration", "1"],
            "needs --from",
        );
        assert_eq!(kind, ErrorKind::ArgumentConflict);
        refused(&["uringtop", "dump", "--end", "+1s"], "needs --from");
        refused(&["uringtop", "trace", "--ring", "0"], "ring ids start at 1");
        refused(&["uringtop", "trace", "--pid", "0"], "not a process id");
        refused(
            &["uringtop", "dump", "--duration", "-1"],
            "more than 0 seconds",
        );
        refused(
            &["uringtop", "record", "-o", "x", "--interval", "-0.5"],
            "more than 0 seconds",
        );
        refused(
            &["uringtop", "--pid", "7", "dump"],
            "`uringtop dump --pid …`",
        );
        refused(
            &["uringtop", "--interval", "2", "replay", "x"],
            "option of the live view",
        );
        refused(
            &["uringtop", "--config", "c.toml", "replay", "x"],
            "`uringtop replay --config …`",
        );
        refused(
            &["uringtop", "--theme", "dark"],
            "not a theme (default, light or mono)",
        );
        refused(
            &["uringtop", "--config", "c.toml", "--no-config"],
            "cannot be used with",
        );
        // What does apply still parses.
        for ok in [
            &[
                "uringtop", "dump", "--from", "x", "--start", "+1s", "--end", "+2s",
            ][..],
            &["uringtop", "trace", "--ring", "1", "--pid", "7"][..],
            &["uringtop", "--pid", "7", "--interval", "2"][..],
            &["uringtop", "--config", "c.toml", "--theme", "light"][..],
            &["uringtop", "replay", "x", "--no-config", "--theme", "mono"][..],
        ] {
            Cli::try_parse_checked_from(ok).unwrap();
        }
    }

    #[test]
    fn retention_limits_parse() {
        assert_eq!(
            parse_keep("24h"),
            Ok(KeepLimit::Age(Duration::from_secs(86_400)))
        );
        assert_eq!(parse_keep("10GiB"), Ok(KeepLimit::Bytes(10 << 30)));
        assert_eq!(parse_keep("500MB"), Ok(KeepLimit::Bytes(500_000_000)));
        assert!(parse_keep("lots").is_err());
        assert!(parse_keep("0h").is_err());
        assert_eq!(parse_period("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_period("10x").is_err());
        let err = Cli::try_parse_from(["uringtop", "record"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(["uringtop", "record", "-o", "f", "--dir", "d"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        for flag in ["--keep", "--rotate"] {
            let err = Cli::try_parse_checked_from(["uringtop", "record", "-o", "f", flag, "1h"])
                .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{flag} needs --dir");
            assert!(err.to_string().contains("applies to a directory"), "{err}");
        }
    }

    #[test]
    fn advise_needs_exactly_one_of_a_recording_or_a_duration() {
        use clap::error::ErrorKind;
        let err = Cli::try_parse_from(["uringtop", "advise"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(err.exit_code(), 2);
        let err =
            Cli::try_parse_from(["uringtop", "advise", "x.mcap", "--duration", "5"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ArgumentConflict);
        assert_eq!(err.exit_code(), 2);
        let err =
            Cli::try_parse_from(["uringtop", "advise", "x.mcap", "--format", "toml"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
        let cli =
            Cli::try_parse_from(["uringtop", "advise", "--duration", "2", "--pid", "7"]).unwrap();
        let Some(Command::Advise(args)) = cli.command else {
            panic!("not advise: {cli:?}");
        };
        assert_eq!(args.duration, Some(Duration::from_secs(2)));
        assert_eq!((args.pid, args.format), (Some(7), AdviseFormat::Policy));
    }
}

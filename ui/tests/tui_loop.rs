//! The TUI's one event loop, driven for real on a TestBackend: live from the synthetic stream
//! through a channel, and replay from a recording file. The clock is paused, so time moves only
//! when the loop has nothing left to do: what it shows is deterministic.

mod tui_support;

use crossterm::event::{Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{unbounded, UnboundedSender};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use std::time::Duration;
use tokio::sync::mpsc;
use tui_support::options;
use uringtop_common::input::Input;
use uringtop_common::model::Model;
use uringtop_common::recording::{Header, Recording, RecordingWriter};
use uringtop_common::synthetic::synthetic_stream;
use uringtop_tui::settings::ConfigStore;
use uringtop_tui::{run_on, views, App, LiveDriver, Options, Player, ReplayDriver, SourceKind};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 30;

type Keys = UnboundedSender<std::io::Result<TerminalEvent>>;

fn press(keys: &Keys, code: KeyCode) {
    keys.unbounded_send(Ok(TerminalEvent::Key(KeyEvent::from(code))))
        .expect("the loop is running");
}

fn ctrl_c(keys: &Keys) {
    let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    keys.unbounded_send(Ok(TerminalEvent::Key(key)))
        .expect("the loop is running");
}

/// Lets the loop run until it is idle and `d` of frames have passed.
async fn settle(d: Duration) {
    tokio::time::sleep(d).await;
}

fn text(buf: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// Whether the live source ends after its inputs, as a finished stream does, or stays open, as
/// the probe does (then only a key ends the loop).
#[derive(Clone, Copy)]
enum Source {
    Ends,
    StaysOpen,
}

/// Runs the loop live on `inputs` (all sent, then a second to settle) while `script` presses
/// keys; the screen at the end.
async fn live_screen<F: std::future::Future<Output = ()>>(
    inputs: Vec<Input>,
    source: Source,
    options: Options,
    script: impl FnOnce(Keys) -> F,
) -> String {
    let (tx, rx) = mpsc::channel(64);
    let (keys, events) = unbounded();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let feed = async move {
        for input in inputs {
            tx.send(input).await.unwrap();
        }
        let open = match source {
            Source::Ends => {
                drop(tx);
                None
            }
            Source::StaysOpen => Some(tx),
        };
        settle(Duration::from_secs(1)).await;
        script(keys).await;
        open
    };
    let driver = LiveDriver::new(rx, None);
    let (result, _open) = tokio::join!(run_on(&mut terminal, events, driver, options), feed);
    result.unwrap();
    text(terminal.backend().buffer())
}

#[tokio::test(start_paused = true)]
async fn live_shows_what_the_views_show_for_the_model_fed_directly() {
    let inputs = synthetic_stream(7, 20, 4, 2);
    let shown = live_screen(inputs.clone(), Source::Ends, options(), |keys| async move {
        press(&keys, KeyCode::Char('q'));
    })
    .await;

    // The same inputs straight into a display model, drawn by the pure views.
    let mut model = Model::for_display();
    for input in &inputs {
        model.apply(input);
    }
    let mut app = App::new(options().config(SourceKind::Live));
    app.resize(&model, WIDTH, HEIGHT);
    app.set_source_ended();
    let mut expected = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    expected
        .draw(|frame| views::draw(frame, &model, &app))
        .unwrap();
    assert_eq!(shown, text(expected.backend().buffer()));
    assert!(shown.contains("source ended"), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn live_keys_reach_the_app_and_ctrl_c_quits() {
    // The source stays open: Ctrl-C alone ends the loop.
    let inputs = synthetic_stream(7, 5, 2, 1);
    let shown = live_screen(inputs, Source::StaysOpen, options(), |keys| async move {
        press(&keys, KeyCode::Char('?'));
        settle(Duration::from_millis(300)).await;
        ctrl_c(&keys);
    })
    .await;
    assert!(
        shown.contains("any key closes"),
        "the help was open:\n{shown}"
    );
    assert!(!shown.contains("source ended"), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn the_column_chooser_saves_through_the_loop_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let options = Options {
        store: ConfigStore::File(path.clone()),
        ..options()
    };
    let inputs = synthetic_stream(7, 5, 2, 1);
    let shown = live_screen(inputs, Source::StaysOpen, options, |keys| async move {
        // Hide PID, save, close the chooser; the message stays until the next key.
        for c in ['C', ' ', 's'] {
            press(&keys, KeyCode::Char(c));
        }
        settle(Duration::from_millis(300)).await;
        ctrl_c(&keys);
    })
    .await;
    assert!(shown.contains("saved to"), "{shown}");
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.contains("main = [\"comm\", \"ring\""), "{saved}");
}

fn recording_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("replay.mcap");
    let mut w = RecordingWriter::create(&path, &Header::default()).unwrap();
    for input in synthetic_stream(3, 40, 3, 2) {
        w.write(&input).unwrap();
    }
    w.finish().unwrap();
    path
}

/// Replays a recording file in the loop while `script` presses keys; the status line at the end.
async fn replay_status<F: std::future::Future<Output = ()>>(
    script: impl FnOnce(Keys) -> F,
) -> String {
    let shown = replay_screen(script).await;
    shown.lines().last().unwrap().to_string()
}

/// Replays a recording file in the loop while `script` presses keys; the screen at the end.
async fn replay_screen<F: std::future::Future<Output = ()>>(
    script: impl FnOnce(Keys) -> F,
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recording::open(&recording_file(dir.path())).unwrap();
    let (keys, events) = unbounded();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let driver = ReplayDriver::new(Player::new(rec, 0));
    let (result, ()) = tokio::join!(
        run_on(&mut terminal, events, driver, options()),
        script(keys)
    );
    result.unwrap();
    text(terminal.backend().buffer())
}

#[tokio::test(start_paused = true)]
async fn a_replays_request_list_filters_and_its_keys_are_text_while_typed() {
    let screen = replay_screen(|keys| async move {
        settle(Duration::from_millis(300)).await;
        // The first ring's requests; then a filter with `t`, which would step the replay.
        for c in ['j', 'r', '/', 'e', 'r', 'r', ' ', 't'] {
            press(&keys, KeyCode::Char(c));
        }
        press(&keys, KeyCode::Enter);
        settle(Duration::from_millis(300)).await;
        press(&keys, KeyCode::Char('q'));
    })
    .await;
    let title = screen.lines().next().unwrap();
    assert!(title.starts_with("requests of ring"), "{screen}");
    assert!(title.contains("filter \"err t\""), "{screen}");
    assert!(
        !screen.contains("PAUSED"),
        "t was typed, not a step:\n{screen}"
    );
}

#[tokio::test(start_paused = true)]
async fn replay_moves_through_a_recording_file_by_its_keys() {
    let status = replay_status(|keys| async move {
        settle(Duration::from_millis(300)).await;
        press(&keys, KeyCode::End);
        press(&keys, KeyCode::Char(','));
        // A step pauses: frames leave the position where it is.
        settle(Duration::from_secs(5)).await;
        press(&keys, KeyCode::Char('q'));
    })
    .await;
    assert!(status.contains("recording"), "{status}");
    assert!(status.contains("39/40"), "{status}");
    assert!(status.contains("PAUSED"), "{status}");
}

#[tokio::test(start_paused = true)]
async fn replay_plays_in_recorded_time() {
    let status = replay_status(|keys| async move {
        // Samples are about a second apart: 10.5 s of playing at 1x moves 10 samples on.
        settle(Duration::from_millis(10_500)).await;
        press(&keys, KeyCode::Char('q'));
    })
    .await;
    assert!(status.contains("11/40"), "{status}");
    assert!(!status.contains("PAUSED"), "{status}");
}

/// One sample in which `pid` (named `comm`) has done 10 NOPs on ring 1.
fn one_process(pid: u32, comm: &str) -> Vec<Input> {
    use uringtop_common::input::{OpSample, ProcessSample, RingSample, Sample};
    let sample = |seconds: u64, n: u64| {
        Input::Sample(Sample {
            time_ns: seconds * 1_000_000_000,
            processes: vec![ProcessSample::named(pid, comm)],
            rings: vec![RingSample {
                ring: 1,
                pid,
                ..RingSample::default()
            }],
            ops: vec![OpSample::completed(pid, 1, 0, n)],
            ..Sample::default()
        })
    };
    vec![sample(1, 0), sample(2, 10)]
}

/// `k`, Enter, `y` on a live process sends it SIGTERM with kill(2), from the loop (not while
/// drawing), and the status line says it was sent.
#[tokio::test(start_paused = true)]
async fn live_k_sends_the_chosen_signal_to_the_process() {
    let mut child = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .expect("sleep(1)");
    let pid = child.id();
    let inputs = one_process(pid, "sleep");
    let shown = live_screen(inputs, Source::StaysOpen, options(), |keys| async move {
        for key in [KeyCode::Char('k'), KeyCode::Down, KeyCode::Enter] {
            press(&keys, key);
        }
        settle(Duration::from_millis(300)).await;
        press(&keys, KeyCode::Char('y'));
        settle(Duration::from_millis(300)).await;
        press(&keys, KeyCode::Char('q'));
    })
    .await;
    let status = child.wait().expect("the child's status");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{shown}");
    assert!(
        shown.contains(&format!("sent SIGKILL to sleep[{pid}]")),
        "{shown}"
    );
}

/// Clicks and the wheel reach the app through the loop, in live and in replay alike: a double
/// click on a ring row opens the ring view, the wheel scrolls.
#[tokio::test(start_paused = true)]
async fn the_mouse_selects_opens_and_scrolls_through_the_loop() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mouse = |kind, column, row| {
        Ok(TerminalEvent::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    let down = MouseEventKind::Down(MouseButton::Left);
    let up = MouseEventKind::Up(MouseButton::Left);
    // Replay: the first process's first ring is on screen row 3 (title, header, process).
    let shown = replay_screen(|keys| async move {
        settle(Duration::from_millis(300)).await;
        press(&keys, KeyCode::Char(' ')); // pause where it is
        for kind in [down, up, down, up] {
            keys.unbounded_send(mouse(kind, 30, 3)).unwrap();
        }
        settle(Duration::from_millis(300)).await;
        press(&keys, KeyCode::Char('q'));
    })
    .await;
    assert!(
        shown.contains("latency of") && shown.contains("OP"),
        "a double click opened the ring view:\n{shown}"
    );

    // Live: the wheel moves the selection three rows a notch; a slow second click is a single.
    let inputs = synthetic_stream(7, 5, 4, 2);
    let shown = live_screen(inputs, Source::StaysOpen, options(), |keys| async move {
        keys.unbounded_send(mouse(MouseEventKind::ScrollDown, 5, 5))
            .unwrap();
        settle(Duration::from_millis(300)).await;
        keys.unbounded_send(mouse(down, 30, 2)).unwrap();
        settle(Duration::from_secs(1)).await;
        keys.unbounded_send(mouse(down, 30, 2)).unwrap();
        settle(Duration::from_millis(300)).await;
        press(&keys, KeyCode::Char('q'));
    })
    .await;
    assert!(
        shown.contains("PID") && !shown.contains("┌ process"),
        "two slow clicks select without opening:\n{shown}"
    );
}

/// `t` on a live process: the live driver lists its threads from /proc (this test's own
/// process, whose main thread's tid is its pid), not while drawing.
#[tokio::test(start_paused = true)]
async fn live_t_lists_the_threads_of_the_process_from_proc() {
    let pid = std::process::id();
    let inputs = one_process(pid, "tui_loop");
    let shown = live_screen(inputs, Source::StaysOpen, options(), |keys| async move {
        press(&keys, KeyCode::Char('t'));
        settle(Duration::from_millis(1500)).await;
        press(&keys, KeyCode::Char('q'));
    })
    .await;
    assert!(
        shown.contains(&format!("threads · tui_loop[{pid}]")),
        "{shown}"
    );
    let main_row = shown
        .lines()
        .find(|l| l.starts_with(&format!("{pid} ")))
        .unwrap_or_else(|| panic!("the main thread's row:\n{shown}"));
    assert!(main_row.contains("main"), "{main_row}");
    assert!(shown.contains("Threads: /proc/PID/task"), "{shown}");
}

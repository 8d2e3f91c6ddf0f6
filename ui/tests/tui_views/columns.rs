//! The column chooser (`C`) and the config file's columns: what the chooser shows, that its
//! changes apply at once to the table behind it, that it saves, and the hidden-columns marker
//! of every table on a narrow terminal.

use super::{config, Harness};
use insta::assert_snapshot;
use uringtop_common::synthetic::synthetic_stream;
use uringtop_tui::column_choice::{Choice, TableView};
use uringtop_tui::settings::{self, ConfigStore, Settings};
use uringtop_tui::{Config, Theme};

screen_snapshots! {
    the_chooser_lists_the_tables_columns_in_order: Harness::synthetic(80, 24) => "C";
}

#[test]
fn hiding_and_moving_apply_at_once() {
    let mut h = Harness::synthetic(100, 12);
    // Hide PID (the first), then move p99 (9th) two places left.
    h.press("C<space>jjjjjjjjKK<esc>");
    let screen = h.render();
    assert_snapshot!(screen);
    let header = screen.lines().nth(1).unwrap();
    assert!(!header.contains("PID"), "{header}");
    let p99 = header.find("p99").unwrap();
    assert!(p99 < header.find("INFLIGHT").unwrap(), "{header}");
    let shown: Vec<usize> = h.app.columns().main.shown().collect();
    assert_eq!(
        &shown[..7],
        &[1, 2, 3, 4, 5, 8, 6],
        "COMM RING FLAGS REQ/s TOTAL p99 INFLIGHT …"
    );
}

#[test]
fn the_required_column_stays_and_says_why() {
    let mut h = Harness::synthetic(100, 24);
    h.press("Cj<space>");
    assert_eq!(
        h.app.message(),
        Some("COMM holds the process tree and the names")
    );
    assert!(h.app.columns().main.is_shown(1));
    // d restores the defaults.
    h.press("k<space>d");
    assert_eq!(h.app.columns().main, Choice::all(TableView::Main));
}

#[test]
fn the_chooser_edits_the_table_on_screen() {
    let mut h = Harness::with_inputs(&synthetic_stream(11, 200, 2, 1), 120, 30, Theme::colored());
    h.press("j<enter>rC");
    assert!(h.app.chooser_shown());
    assert_snapshot!(h.render());
    // Keep TIME, OP and RES only.
    h.press("j<space>jj<space>j<space>j<space>j<space>j<space>jj<space>j<space>j<space><esc>");
    let screen = h.render();
    let header = screen.lines().nth(1).unwrap();
    assert_eq!(
        header
            .trim_matches('"')
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["TIME", "OP", "RES"],
        "{screen}"
    );
}

#[test]
fn columns_and_sort_come_from_the_config_file() {
    let text = "[sort]\ncolumn = \"p99\"\ndescending = false\n[columns]\nmain = [\"comm\", \"p99\", \"req_s\"]\n";
    let settings = settings::parse(text).unwrap();
    let h = &mut Harness::with_config(
        &synthetic_stream(7, 30, 6, 2),
        100,
        10,
        Config {
            settings,
            ..config()
        },
    );
    assert_snapshot!(h.render());
}

#[test]
fn saving_writes_the_file_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uringtop/config.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "# my settings\ninterval = 2\n").unwrap();
    let mut h = Harness::with_config(
        &synthetic_stream(7, 30, 6, 2),
        100,
        24,
        Config {
            store: ConfigStore::File(path.clone()),
            ..config()
        },
    );
    h.press("L").press("C<space>s");
    // The event loop does the writing (see tui_loop.rs); here, what it calls.
    let said = h.app.take_save_request().expect("a save was asked").save();
    assert_eq!(
        said,
        format!(
            "columns and sort of the process list saved to {}",
            path.display()
        )
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# my settings\ninterval = 2\n"), "{text}");
    let back = settings::parse(&text).unwrap();
    assert!(!back.columns.main.is_shown(0), "PID hidden");
    assert_eq!(back.sort, Some(uringtop_tui::columns::Column::P99));
    assert_eq!(back.interval, Some(std::time::Duration::from_secs(2)));
    assert!(h.app.take_save_request().is_none(), "asked once");
    // --no-config: nothing is written, and the reason is said.
    let mut h = Harness::synthetic(100, 24);
    h.press("Cs");
    let said = h.app.take_save_request().unwrap().save();
    assert!(said.starts_with("not saved: --no-config"), "{said}");
    let _ = Settings::default();
}

#[test]
fn every_table_marks_columns_hidden_for_want_of_width() {
    let mut h = Harness::with_inputs(&synthetic_stream(11, 200, 2, 1), 60, 10, Theme::colored());
    let main = h.render();
    assert!(main.lines().nth(1).unwrap().contains("+7›"), "{main}");
    h.press("j<enter>");
    let ring = h.render();
    h.press("r");
    let requests = h.render();
    assert_snapshot!("hidden_marker_ring_60", ring);
    assert_snapshot!("hidden_marker_requests_60", requests);
    // Wide enough for all: no marker.
    let mut wide =
        Harness::with_inputs(&synthetic_stream(11, 200, 2, 1), 200, 10, Theme::colored());
    wide.press("j<enter>r");
    assert!(!wide.render().lines().nth(1).unwrap().contains('›'));
}

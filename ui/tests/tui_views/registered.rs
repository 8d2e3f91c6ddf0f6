//! The ring view's registered files and buffers: a line under the summary, and with `R` the
//! whole list in place of the graphs.

use super::Harness;
use uringtop_common::input::Input;
use uringtop_common::registered::{Registered, RegisteredBuffer, RegisteredFile};
use uringtop_common::synthetic::synthetic_stream;
use uringtop_tui::Theme;

fn registered(files: u32, complete: bool) -> Registered {
    Registered {
        file_slots: 64,
        files: (0..files)
            .map(|i| RegisteredFile {
                slot: i * 2,
                name: format!("/var/lib/db/data.{i}"),
            })
            .collect(),
        buffer_count: 2,
        buffers: vec![
            RegisteredBuffer {
                index: 0,
                addr: 0x7f00_0000_0000,
                len: 4096,
            },
            RegisteredBuffer {
                index: 1,
                addr: 0x7f00_0001_0000,
                len: 65536,
            },
        ],
        complete,
    }
}

/// The synthetic stream with every ring listing `reg`.
fn with_registered(reg: &Registered) -> Vec<Input> {
    let mut inputs = synthetic_stream(7, 30, 6, 2);
    for input in &mut inputs {
        if let Input::Sample(s) = input {
            for ring in &mut s.rings {
                ring.registered = Some(std::sync::Arc::new(reg.clone()));
            }
        }
    }
    inputs
}

#[test]
fn the_ring_view_lists_registered_files_and_buffers() {
    let inputs = with_registered(&registered(5, true));
    let mut h = Harness::with_inputs(&inputs, 100, 24, Theme::colored());
    let ring = h.press("j<enter>").render();
    insta::assert_snapshot!("ring_registered_line", ring);
    let list = h.press("R").render();
    insta::assert_snapshot!("ring_registered_list", list);
    let back = h.press("R").render();
    assert!(back.contains("latency"), "{back}");
}

#[test]
fn a_list_longer_than_the_panel_says_how_much_is_hidden() {
    let inputs = with_registered(&registered(40, false));
    let mut h = Harness::with_inputs(&inputs, 100, 24, Theme::colored());
    let list = h.press("j<enter>R").render();
    assert!(
        list.contains("more lines (`dump --format json` lists them all)"),
        "{list}"
    );
    insta::assert_snapshot!("ring_registered_list_cut", list);
}

//! The editing keys of a one-line text field typed on the status line (the process list's
//! filter, the request view's filter), so that every field edits the same way.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Edits `text` by `key`: Backspace deletes the last character, Ctrl-U clears the field, and a
/// character is typed while the field is shorter than `max` bytes. Any other key leaves it as it
/// is (Enter and Esc are the field owner's).
pub fn edit(text: &mut String, key: KeyEvent, max: usize) {
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if control => text.clear(),
        KeyCode::Char(c) if !control && text.len() < max => text.push(c),
        _ => {}
    }
}

//! Rendering: read-only over the model and the app's state. No I/O, no locks; numbers are
//! formatted into one scratch buffer per frame rather than a `String` per cell.

mod chooser;
mod detail;
mod flags;
mod help;
mod histogram;
mod kernel_denials;
mod main_table;
mod process;
mod register_line;
mod registered;
mod request_table;
mod requests;
mod ring;
mod signal;
mod sparkline;
mod status;
mod text;
mod threads;
mod violations;

use crate::app::{App, Screen};
use crate::layout;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Block;
use ratatui::Frame;
use text::cell;
use uringtop_common::model::Model;

/// Shown instead of the screens below [`layout::MIN_WIDTH`] x [`layout::MIN_HEIGHT`].
const TOO_SMALL: &str = "terminal too small (need 40x8)";

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, model: &Model, app: &App) {
    draw_with_timeline(frame, model, app, None);
}

/// Draws the whole screen, with a replay's position on its timeline (or its go-to prompt) on
/// the status line.
pub fn draw_with_timeline(frame: &mut Frame, model: &Model, app: &App, timeline: Option<&str>) {
    let area = frame.area();
    draw_into(frame.buffer_mut(), area, model, app, timeline);
}

/// Draws the whole screen into `buf` (what [`draw`] does, for callers without a `Frame`).
pub fn draw_buffer(buf: &mut Buffer, area: Rect, model: &Model, app: &App) {
    draw_into(buf, area, model, app, None);
}

fn draw_into(buf: &mut Buffer, area: Rect, model: &Model, app: &App, timeline: Option<&str>) {
    let theme = &app.config.theme;
    if layout::too_small(area) {
        cell(buf, area.x, area.y, area.width, TOO_SMALL, theme.bad, false);
        return;
    }
    let mut scratch = String::with_capacity(128);
    let content = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
    let mut canvas = Canvas {
        buf,
        model,
        app,
        theme,
        s: &mut scratch,
    };
    // Popups (a request's detail, a process, the signal chooser) go over the screen they were
    // opened from, in the order they were opened.
    let base = app.stack.iter().rposition(|s| !s.is_popup());
    match base.map(|i| &app.stack[i]) {
        None => main_table::draw(canvas.reborrow(), content),
        Some(Screen::Ring(s)) => ring::draw(canvas.reborrow(), content, s),
        Some(Screen::Requests(s)) => requests::draw(canvas.reborrow(), content, s),
        Some(Screen::Violations(s)) => violations::draw(canvas.reborrow(), content, s),
        Some(Screen::Threads(s)) => threads::draw(canvas.reborrow(), content, s),
        Some(_) => {}
    }
    let popups = base.map_or(0, |i| i + 1);
    for screen in &app.stack[popups..] {
        match screen {
            Screen::Detail(request) => detail::draw(canvas.buf, content, app, request),
            Screen::Process(pid) => process::draw(canvas.reborrow(), content, *pid),
            Screen::Signal(s) => signal::draw(canvas.reborrow(), content, s),
            _ => {}
        }
    }
    let status_line = layout::status(area);
    status::draw(canvas.buf, status_line, model, app, timeline, canvas.s);
    if let Some(c) = &app.chooser {
        chooser::draw(canvas.buf, content, app, c, canvas.s);
    }
    if app.help {
        help::draw(canvas.buf, area, app);
    }
}

/// What every screen draws with: the frame's buffer, the model and the app it shows (and the
/// app's theme), and the frame's one scratch string, which numbers and titles are formatted
/// into rather than a `String` per cell.
struct Canvas<'f> {
    buf: &'f mut Buffer,
    model: &'f Model,
    app: &'f App,
    theme: &'f Theme,
    s: &'f mut String,
}

impl<'f> Canvas<'f> {
    /// Its parts, for a draw function to name.
    fn parts(
        self,
    ) -> (
        &'f mut Buffer,
        &'f Model,
        &'f App,
        &'f Theme,
        &'f mut String,
    ) {
        (self.buf, self.model, self.app, self.theme, self.s)
    }

    /// The same canvas for one screen's draw, handed back when it returns.
    fn reborrow(&mut self) -> Canvas<'_> {
        Canvas {
            buf: self.buf,
            model: self.model,
            app: self.app,
            theme: self.theme,
            s: self.s,
        }
    }
}

/// "ring 7", or "other rings" for the probe's row of rings it could not count one by one.
fn ring_label(ring: u32) -> std::borrow::Cow<'static, str> {
    if ring == uringtop_common::input::OTHER_RINGS {
        uringtop_common::names::ring_name(ring)
    } else {
        format!("ring {ring}").into()
    }
}

/// The frame of every popup (help, a request's detail, a process, the signal and column
/// choosers): titled, bordered, and filled in the popup's style.
fn popup_block<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .title(title)
        .title_style(theme.title)
        .border_style(theme.title)
        .style(theme.popup)
}

/// A centered two-line message in place of an empty table.
fn empty_message(buf: &mut Buffer, area: Rect, first: &str, second: &str, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    // The explanation is wrapped at spaces rather than cut mid-sentence on a narrow terminal.
    let mut lines = vec![(first, theme.title)];
    lines.extend(wrap(second, usize::from(area.width)).map(|l| (l, theme.dim)));
    let y = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (dy, (line, style)) in lines.into_iter().enumerate() {
        let w = text::display_width(line).min(usize::from(area.width)) as u16;
        let x = area.x + (area.width - w) / 2;
        if y + (dy as u16) < area.bottom() {
            cell(buf, x, y + dy as u16, w, line, style, false);
        }
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a word longer than the
/// width gets a line of its own, cut).
fn wrap(text: &str, width: usize) -> impl Iterator<Item = &str> {
    let mut rest = text.trim();
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let fits = |s: &str| text::display_width(s) <= width.max(1);
        let end = if fits(rest) {
            rest.len()
        } else {
            let mut end = None;
            for (i, c) in rest.char_indices() {
                if c == ' ' {
                    if fits(&rest[..i]) {
                        end = Some(i);
                    } else {
                        break;
                    }
                }
            }
            end.unwrap_or_else(|| rest.find(' ').unwrap_or(rest.len()))
        };
        let (line, tail) = rest.split_at(end);
        rest = tail.trim_start();
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hint_wraps_at_spaces() {
        let lines: Vec<&str> =
            super::wrap("processes appear here as soon as they submit to a ring", 24).collect();
        assert_eq!(
            lines,
            [
                "processes appear here as",
                "soon as they submit to a",
                "ring"
            ]
        );
        assert_eq!(super::wrap("short", 24).collect::<Vec<_>>(), ["short"]);
    }

    #[test]
    fn the_too_small_message_states_the_real_minimum() {
        let size = format!("{}x{}", super::layout::MIN_WIDTH, super::layout::MIN_HEIGHT);
        assert!(super::TOO_SMALL.contains(&size));
    }
}

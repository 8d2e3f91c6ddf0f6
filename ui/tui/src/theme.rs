//! Styles, in color or (NO_COLOR) with attributes only.
//!
//! https://no-color.org: when NO_COLOR is set and not empty, no color at all; bold, reverse and
//! underline still mark the header, the selection and warnings, so nothing is lost but the hue.

use ratatui::style::{Color, Modifier, Style};
use uringtop_common::verdict::Action;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub title: Style,
    pub header: Style,
    /// The header cell of the sort column.
    pub sort_header: Style,
    pub selected: Style,
    pub process: Style,
    pub ring: Style,
    pub dim: Style,
    /// Non-zero errors, denials, overflows.
    pub bad: Style,
    /// Lost records and other data-loss warnings: must stand out.
    pub alarm: Style,
    pub bar: Style,
    pub spark: Style,
    pub key: Style,
    pub status: Style,
    pub popup: Style,
    pub paused: Style,
    /// Rows of a process that exited or a ring that closed, in their last interval. They also
    /// say so in words ("exited", "closed"), which is all that marks them without color.
    pub departed: Style,
    /// Policy verdicts, by severity: log < deny < kill.
    pub log: Style,
    pub deny: Style,
    pub kill: Style,
}

impl Theme {
    pub fn colored() -> Self {
        let bold = Modifier::BOLD;
        Theme {
            title: Style::new().fg(Color::Cyan).add_modifier(bold),
            header: Style::new().fg(Color::Black).bg(Color::Cyan),
            sort_header: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(bold),
            selected: Style::new().fg(Color::Black).bg(Color::LightCyan),
            process: Style::new().add_modifier(bold),
            ring: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            bad: Style::new().fg(Color::LightRed),
            alarm: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(bold),
            bar: Style::new().fg(Color::Green),
            spark: Style::new().fg(Color::LightBlue),
            key: Style::new().fg(Color::Yellow).add_modifier(bold),
            status: Style::new().fg(Color::White).bg(Color::Blue),
            popup: Style::new().fg(Color::White).bg(Color::Black),
            paused: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(bold),
            // htop's dying processes: dark on red.
            departed: Style::new().fg(Color::Black).bg(Color::Red),
            log: Style::new().fg(Color::Yellow),
            deny: Style::new().fg(Color::LightRed).add_modifier(bold),
            kill: Style::new()
                .fg(Color::White)
                .bg(Color::Magenta)
                .add_modifier(bold),
        }
    }

    /// For a light terminal background: no yellow or white text, which vanish on it; dark hues
    /// on pale backgrounds.
    pub fn light() -> Self {
        let bold = Modifier::BOLD;
        Theme {
            title: Style::new().fg(Color::Blue).add_modifier(bold),
            header: Style::new().fg(Color::White).bg(Color::Blue),
            sort_header: Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(bold),
            selected: Style::new().fg(Color::Black).bg(Color::LightBlue),
            process: Style::new().add_modifier(bold),
            ring: Style::new(),
            dim: Style::new().fg(Color::Gray),
            bad: Style::new().fg(Color::Red).add_modifier(bold),
            alarm: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(bold),
            bar: Style::new().fg(Color::Green),
            spark: Style::new().fg(Color::Blue),
            key: Style::new().fg(Color::Magenta).add_modifier(bold),
            status: Style::new().fg(Color::White).bg(Color::Blue),
            popup: Style::new().fg(Color::Black).bg(Color::White),
            paused: Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(bold),
            departed: Style::new().fg(Color::Black).bg(Color::LightRed),
            log: Style::new().fg(Color::Magenta),
            deny: Style::new().fg(Color::Red).add_modifier(bold),
            kill: Style::new()
                .fg(Color::White)
                .bg(Color::Magenta)
                .add_modifier(bold),
        }
    }

    pub fn plain() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            title: bold,
            header: reversed,
            sort_header: reversed.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: reversed,
            process: bold,
            ring: Style::new(),
            dim: Style::new(),
            bad: bold,
            alarm: reversed.add_modifier(Modifier::BOLD),
            bar: Style::new(),
            spark: Style::new(),
            key: bold,
            status: reversed,
            popup: Style::new(),
            paused: reversed.add_modifier(Modifier::BOLD),
            departed: Style::new(),
            // Without hue, severity is in the attributes: plain, bold, bold underlined.
            log: Style::new(),
            deny: bold,
            kill: bold.add_modifier(Modifier::UNDERLINED),
        }
    }

    /// The style of a verdict's action (allow: none).
    pub fn verdict(&self, action: Action) -> Style {
        match action {
            Action::Allow => Style::new(),
            Action::Log => self.log,
            Action::Deny => self.deny,
            Action::Kill => self.kill,
        }
    }

    /// By the value of NO_COLOR (pass `std::env::var_os("NO_COLOR")`).
    pub fn for_no_color(no_color: Option<&std::ffi::OsStr>) -> Self {
        if no_color.is_some_and(|v| !v.is_empty()) {
            Theme::plain()
        } else {
            Theme::colored()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_means_set_and_not_empty() {
        assert_eq!(Theme::for_no_color(None), Theme::colored());
        assert_eq!(Theme::for_no_color(Some(OsStr::new(""))), Theme::colored());
        assert_eq!(Theme::for_no_color(Some(OsStr::new("1"))), Theme::plain());
    }
}

//! The one error type of policy parsing: a message anchored at a line and column.

use std::fmt;

/// What is wrong with a policy file, and where. Line and column are 1-based; the column counts
/// characters, not bytes, so it matches what an editor shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl PolicyError {
    /// An error at byte `offset` of `text` (clamped into the text).
    pub(crate) fn at(text: &str, offset: usize, message: impl Into<String>) -> PolicyError {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        PolicyError {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            message: message.into(),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for PolicyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd\n";
        let e = PolicyError::at(text, 0, "x");
        assert_eq!((e.line, e.column), (1, 1));
        let e = PolicyError::at(text, 5, "x"); // 'd': 'ç' is two bytes
        assert_eq!((e.line, e.column), (2, 2));
        let e = PolicyError::at(text, 4, "x"); // inside 'ç': moves back to its start
        assert_eq!((e.line, e.column), (2, 1));
        let e = PolicyError::at(text, 999, "x");
        assert_eq!((e.line, e.column), (3, 1));
        assert_eq!(e.to_string(), "line 3, column 1: x");
    }
}

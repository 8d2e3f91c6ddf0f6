//! Config text -> [`Settings`]. Walks toml's spanned tree, as the policy parser does, so that
//! every error names the line and column of the key or value at fault and what would be right.
//! Every error in the file is reported, in file order; one is enough for nothing to be used.
//!
//! Unknown keys are errors, not ignored: a misspelt key (`intreval`) silently doing nothing is
//! worse than a file written for a newer uringtop being refused with the key named (and
//! `--no-config` to start without it).

use super::{Settings, ThemeName};
use crate::column_choice::{Choice, TableView};
use crate::columns::Column;
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::time::Duration;
use toml::de::{DeTable, DeValue};
use toml::Spanned;
use uringtop_common::model::RATE_HISTORY;
use uringtop_common::names::nearest_name;

type Value<'i> = Spanned<DeValue<'i>>;
type Key<'i> = Spanned<Cow<'i, str>>;

const TOP_KEYS: [&str; 5] = ["interval", "theme", "sort", "idle", "columns"];
const SORT_KEYS: [&str; 2] = ["column", "descending"];
const IDLE_KEYS: [&str; 2] = ["show", "after"];
const COLUMNS_KEYS: [&str; 4] = ["main", "ring", "requests", "violations"];
const THEMES: [&str; 3] = ["default", "light", "mono"];

/// What is wrong, where: line and column from 1, the column in characters (as editors count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SettingsError {
    fn at(text: &str, offset: usize, message: impl Into<String>) -> SettingsError {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        SettingsError {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SettingsError {}

/// Parses a config file. A TOML syntax error stops the reading, so it comes alone; otherwise
/// every mistake is reported.
pub fn parse(text: &str) -> Result<Settings, Vec<SettingsError>> {
    let doc = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        vec![SettingsError::at(
            text,
            offset,
            e.message().trim_end().to_string(),
        )]
    })?;
    let mut p = Parser {
        text,
        errors: Vec::new(),
    };
    let mut settings = Settings::default();
    for (key, value) in in_file_order(doc.get_ref()) {
        match key.get_ref().as_ref() {
            "interval" => settings.interval = p.interval(value),
            "theme" => settings.theme = p.theme(value),
            "sort" => p.table(key, value, &SORT_KEYS, |p, k, v| match k {
                "column" => settings.sort = p.sort_column(v),
                _ => settings.descending = p.boolean(v, "descending"),
            }),
            "idle" => p.table(key, value, &IDLE_KEYS, |p, k, v| match k {
                "show" => settings.show_idle = p.boolean(v, "show"),
                _ => settings.idle_after = p.idle_after(v),
            }),
            "columns" => p.table(key, value, &COLUMNS_KEYS, |p, k, v| {
                let view = TableView::ALL
                    .into_iter()
                    .find(|view| view.key() == k)
                    .unwrap_or(TableView::Main);
                if let Some(choice) = p.columns(view, v) {
                    *settings.columns.get_mut(view) = choice;
                }
            }),
            other => p.unknown_key(key, other, &TOP_KEYS, "at the top level"),
        }
    }
    if p.errors.is_empty() {
        Ok(settings)
    } else {
        p.errors.sort_by_key(|e| (e.line, e.column));
        Err(p.errors)
    }
}

fn in_file_order<'a, 'i>(table: &'a DeTable<'i>) -> Vec<(&'a Key<'i>, &'a Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

struct Parser<'t> {
    text: &'t str,
    errors: Vec<SettingsError>,
}

impl Parser<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.errors
            .push(SettingsError::at(self.text, span.start, message));
    }

    fn unknown_key(&mut self, key: &Key<'_>, name: &str, known: &[&'static str], place: &str) {
        let hint = nearest_name(name, "", known)
            .map(|n| format!(" (did you mean \"{n}\"?)"))
            .unwrap_or_default();
        self.error(
            key.span(),
            format!(
                "unknown key \"{name}\" {place}{hint}; known keys: {}",
                known.join(", ")
            ),
        );
    }

    fn wrong_type(&mut self, value: &Value<'_>, key: &str, want: &str) {
        let t = value.get_ref().type_str();
        let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        self.error(
            value.span(),
            format!("\"{key}\" must be {want}, not {article} {t}"),
        );
    }

    /// A `[name]` table: each of its keys, known ones to `each`.
    fn table<'v>(
        &mut self,
        key: &Key<'_>,
        value: &'v Value<'_>,
        known: &[&'static str],
        mut each: impl FnMut(&mut Self, &str, &'v Value<'_>),
    ) {
        let name = key.get_ref().as_ref();
        let Some(table) = value.get_ref().as_table() else {
            let want = format!("a table: write it as a [{name}] section");
            return self.wrong_type(value, name, &want);
        };
        for (k, v) in in_file_order(table) {
            let k_name = k.get_ref().as_ref();
            if known.contains(&k_name) {
                each(self, k_name, v);
            } else {
                self.unknown_key(k, k_name, known, &format!("in [{name}]"));
            }
        }
    }

    fn boolean(&mut self, value: &Value<'_>, key: &str) -> Option<bool> {
        let b = value.get_ref().as_bool();
        if b.is_none() {
            self.wrong_type(value, key, "true or false");
        }
        b
    }

    fn number(&mut self, value: &Value<'_>, key: &str) -> Option<f64> {
        let v = value.get_ref();
        if let Some(int) = v.as_integer() {
            if let Ok(n) = i64::from_str_radix(int.as_str(), int.radix()) {
                return Some(n as f64);
            }
        }
        if let Some(float) = v.as_float() {
            if let Ok(x) = float.as_str().parse::<f64>() {
                return Some(x);
            }
        }
        self.wrong_type(value, key, "a number");
        None
    }

    fn interval(&mut self, value: &Value<'_>) -> Option<Duration> {
        let secs = self.number(value, "interval")?;
        if !(0.001..=3600.0).contains(&secs) {
            self.error(
                value.span(),
                format!("\"interval\" is in seconds, from 0.001 to 3600: {secs} is not"),
            );
            return None;
        }
        Some(Duration::from_secs_f64(secs))
    }

    fn theme(&mut self, value: &Value<'_>) -> Option<ThemeName> {
        let Some(name) = value.get_ref().as_str() else {
            self.wrong_type(value, "theme", "a string");
            return None;
        };
        let theme = ThemeName::from_name(name);
        if theme.is_none() {
            let hint = nearest_name(name, "", &THEMES)
                .map(|n| format!(" (did you mean \"{n}\"?)"))
                .unwrap_or_default();
            self.error(
                value.span(),
                format!(
                    "unknown theme \"{name}\"{hint}; themes: {}",
                    THEMES.join(", ")
                ),
            );
        }
        theme
    }

    fn sort_column(&mut self, value: &Value<'_>) -> Option<Column> {
        let Some(name) = value.get_ref().as_str() else {
            self.wrong_type(value, "column", "a string");
            return None;
        };
        match TableView::Main.find(name) {
            Some(i) => Some(Column::ALL[i]),
            None => {
                self.unknown_column(value.span(), TableView::Main, name);
                None
            }
        }
    }

    fn unknown_column(&mut self, span: Range<usize>, view: TableView, name: &str) {
        let keys: Vec<&'static str> = view.names().iter().map(|n| n.key).collect();
        let hint = nearest_name(name, "", &keys)
            .map(|n| format!(" (did you mean \"{n}\"?)"))
            .unwrap_or_default();
        self.error(
            span,
            format!(
                "unknown column \"{name}\" of the {}{hint}; its columns: {}",
                view.title(),
                keys.join(", ")
            ),
        );
    }

    fn idle_after(&mut self, value: &Value<'_>) -> Option<usize> {
        let n = self.number(value, "after")?;
        // The model keeps RATE_HISTORY intervals of each ring's rate: the rule can look no
        // further back.
        if n.fract() != 0.0 || n < 1.0 || n > RATE_HISTORY as f64 {
            self.error(
                value.span(),
                format!(
                    "\"after\" is a whole number of intervals from 1 to {RATE_HISTORY}: {n} is not"
                ),
            );
            return None;
        }
        Some(n as usize)
    }

    /// A table's columns: a list of column names, left to right; the others are hidden.
    fn columns(&mut self, view: TableView, value: &Value<'_>) -> Option<Choice> {
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(value, view.key(), "a list of column names");
            return None;
        };
        let before = self.errors.len();
        let mut shown: Vec<usize> = Vec::new();
        for item in items.iter() {
            let Some(name) = item.get_ref().as_str() else {
                self.wrong_type(item, view.key(), "a list of column names");
                continue;
            };
            match view.find(name) {
                Some(i) if shown.contains(&i) => {
                    self.error(item.span(), format!("column \"{name}\" is listed twice"))
                }
                Some(i) => shown.push(i),
                None => self.unknown_column(item.span(), view, name),
            }
        }
        let (required, why) = view.required();
        if self.errors.len() == before && !shown.contains(&required) {
            let key = view.names()[required].key;
            self.error(
                value.span(),
                format!("the {} must show \"{key}\": {why}", view.title()),
            );
        }
        (self.errors.len() == before).then(|| Choice::from_shown(view, &shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn the_annotated_example_parses_to_the_defaults() {
        let example = include_str!("../../../../assets/config.toml");
        let s = parse(example).unwrap();
        assert_eq!(s.columns, crate::column_choice::ViewColumns::default());
        assert_eq!(s.interval, Some(Duration::from_secs(1)));
        assert_eq!(s.theme, Some(ThemeName::Default));
        assert_eq!((s.sort, s.descending), (Some(Column::ReqRate), Some(true)));
        assert_eq!(
            (s.show_idle, s.idle_after),
            (Some(false), Some(super::super::DEFAULT_IDLE_AFTER))
        );
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        assert_eq!(parse("").unwrap(), Settings::default());
        assert_eq!(parse("# only a comment\n").unwrap(), Settings::default());
    }

    #[test]
    fn every_key_is_read() {
        let s = parse(
            "interval = 2.5\ntheme = \"light\"\n[sort]\ncolumn = \"p99\"\ndescending = false\n\
             [idle]\nshow = true\nafter = 30\n[columns]\nmain = [\"pid\", \"comm\", \"REQ/s\"]\n\
             requests = [\"time\", \"op\", \"res\", \"latency\"]\n",
        )
        .unwrap();
        assert_eq!(s.interval, Some(Duration::from_millis(2500)));
        assert_eq!(s.theme, Some(ThemeName::Light));
        assert_eq!(s.sort, Some(Column::P99));
        assert_eq!(s.descending, Some(false));
        assert_eq!((s.show_idle, s.idle_after), (Some(true), Some(30)));
        assert_eq!(s.columns.main.shown().collect::<Vec<_>>(), [0, 1, 4]);
        assert_eq!(s.columns.requests.shown().collect::<Vec<_>>(), [0, 2, 8, 9]);
        assert_eq!(s.columns.ring, Choice::all(TableView::Ring));
        // An integer interval is seconds too.
        assert_eq!(
            parse("interval = 2").unwrap().interval,
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn every_mistake_is_reported_with_its_place_and_the_nearest_name() {
        let e = errors(
            "intreval = 1\ntheme = \"ligth\"\n[sort]\ncolumn = \"p98\"\ndescending = \"yes\"\n\
             [idle]\nafter = 0\n[columns]\nmain = [\"pid\", \"reqs\", \"pid\"]\nring = [\"p50\"]\n",
        );
        assert_eq!(
            e,
            [
                "line 1, column 1: unknown key \"intreval\" at the top level (did you mean \"interval\"?); known keys: interval, theme, sort, idle, columns",
                "line 2, column 9: unknown theme \"ligth\" (did you mean \"light\"?); themes: default, light, mono",
                "line 4, column 10: unknown column \"p98\" of the process list (did you mean \"p99\"?); its columns: pid, comm, ring, flags, req_s, total, inflight, p50, p99, err_s, denied, verdict, async_pct, cq_ovfl",
                "line 5, column 14: \"descending\" must be true or false, not a string",
                "line 7, column 9: \"after\" is a whole number of intervals from 1 to 60: 0 is not",
                "line 9, column 16: unknown column \"reqs\" of the process list (did you mean \"req_s\"?); its columns: pid, comm, ring, flags, req_s, total, inflight, p50, p99, err_s, denied, verdict, async_pct, cq_ovfl",
                "line 9, column 24: column \"pid\" is listed twice",
                "line 10, column 8: the ring view (opcodes) must show \"op\": OP names each row",
            ]
        );
    }

    #[test]
    fn syntax_errors_and_wrong_shapes_say_where() {
        let e = errors("interval = \n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("line 1, column "), "{e:?}");
        assert_eq!(
            errors("sort = \"p99\"\n"),
            ["line 1, column 8: \"sort\" must be a table: write it as a [sort] section, not a string"]
        );
        assert_eq!(
            errors("[sort]\ncolum = \"p99\"\n"),
            ["line 2, column 1: unknown key \"colum\" in [sort] (did you mean \"column\"?); known keys: column, descending"]
        );
        assert_eq!(
            errors("interval = 0\n"),
            ["line 1, column 12: \"interval\" is in seconds, from 0.001 to 3600: 0 is not"]
        );
    }
}

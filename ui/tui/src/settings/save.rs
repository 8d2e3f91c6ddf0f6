//! Saving the column chooser's choice into the config file: only the keys it sets change (the
//! table's `[columns]` entry, and the process list's `[sort]`); comments, order and every other
//! key stay as the user wrote them. The new text is checked by parsing it before it is written,
//! and written atomically (a temporary file in the same directory, then rename), so a crash or a
//! full disk leaves the old file whole.

use super::{parse, ConfigStore};
use crate::column_choice::{Choice, TableView};
use crate::columns::Column;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use toml::de::DeTable;

/// What the status line says after a save: Ok (where it went) or Err (why not).
pub type SaveOutcome = Result<String, String>;

/// Saves `choice` as the columns of `view` (and `sort`, the process list's, when given).
pub fn save_columns(
    store: &ConfigStore,
    view: TableView,
    choice: &Choice,
    sort: Option<(Column, bool)>,
) -> SaveOutcome {
    let path = match store {
        ConfigStore::File(path) => path,
        ConfigStore::Disabled => {
            return Err(
                "not saved: --no-config was given (start without it, or with --config FILE)".into(),
            )
        }
        ConfigStore::Nowhere => {
            return Err(
                "not saved: neither XDG_CONFIG_HOME nor HOME names a directory (--config FILE \
                 chooses one)"
                    .into(),
            )
        }
    };
    let shown = path.display();
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot save to {shown}: cannot read it: {e}")),
    };
    let names: Vec<String> = choice
        .shown()
        .map(|i| quoted(view.names()[i].key))
        .collect();
    let list = format!("[{}]", names.join(", "));
    let mut text = set(&old, "columns", view.key(), &list)
        .map_err(|e| format!("cannot save to {shown}: {e}"))?;
    if let Some((column, descending)) = sort {
        let key = TableView::Main.names()[column_index(column)].key;
        text = set(&text, "sort", "column", &quoted(key))
            .and_then(|t| set(&t, "sort", "descending", &descending.to_string()))
            .map_err(|e| format!("cannot save to {shown}: {e}"))?;
    }
    write_atomically(path, &text).map_err(|e| format!("cannot save to {shown}: {e}"))?;
    let what = if sort.is_some() {
        "columns and sort"
    } else {
        "columns"
    };
    Ok(format!("{what} of the {} saved to {shown}", view.title()))
}

fn column_index(column: Column) -> usize {
    Column::ALL.iter().position(|&c| c == column).unwrap_or(0)
}

fn quoted(s: &str) -> String {
    // Keys and column names are plain ASCII words: no escaping needed.
    format!("\"{s}\"")
}

/// `text` with `[table] key = value` set: the value replaced where the key is, the key added
/// under the table's header, or the table appended. The result must parse as a config file.
pub fn set(text: &str, table: &str, key: &str, value: &str) -> Result<String, String> {
    let unparsable =
        |e: String| format!("it no longer parses ({e}); fix it or start with --no-config");
    let doc = DeTable::parse(text).map_err(|e| unparsable(e.message().trim_end().to_string()))?;
    let existing = doc
        .get_ref()
        .get(table)
        .and_then(|t| t.get_ref().as_table())
        .map(|t| t.get(key).map(|v| v.span()));
    let mut out = String::with_capacity(text.len() + value.len() + 32);
    match existing {
        Some(Some(span)) => {
            out.push_str(&text[..span.start]);
            out.push_str(value);
            out.push_str(&text[span.end..]);
        }
        Some(None) => {
            let Some(after_header) = header_end(text, table) else {
                return Err(format!(
                    "its [{table}] is not a section of its own (an inline or dotted table): \
                     write it as a [{table}] section to let uringtop save"
                ));
            };
            out.push_str(&text[..after_header]);
            let _ = writeln!(out, "{key} = {value}");
            out.push_str(&text[after_header..]);
        }
        None => {
            out.push_str(text);
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "[{table}]\n{key} = {value}");
        }
    }
    parse(&out).map_err(|errors| {
        let first = errors.first().map(|e| e.to_string()).unwrap_or_default();
        format!("its edited text would not parse ({first}); not saved")
    })?;
    Ok(out)
}

/// The byte offset just past the line of the `[table]` header, if the file has one.
fn header_end(text: &str, table: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("").trim();
        let inner = code.strip_prefix('[').and_then(|c| c.strip_suffix(']'));
        if inner.is_some_and(|name| name.trim() == table) {
            let end = offset + line.len();
            return Some(end);
        }
        offset += line.len();
    }
    None
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so the
/// file is either the old one or the new one. The directory is created if missing; an existing
/// file keeps its mode and owner (uringtop runs as root: a user's file saved by root stays the
/// user's).
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let old = std::fs::metadata(path).ok();
    let mode = old
        .as_ref()
        .map_or(0o644, |m| m.permissions().mode() & 0o7777);
    let name = path
        .file_name()
        .map_or_else(|| "config.toml".into(), |n| n.to_string_lossy());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        // The mode given at creation is masked by the umask; the old file's mode is the one.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if let Some(m) = &old {
            // Best effort: only root can give a file away, and then it should.
            let _ = std::os::unix::fs::fchown(&file, Some(m.uid()), Some(m.gid()));
        }
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    } else if let Ok(d) = std::fs::File::open(dir) {
        // The rename is durable once the directory is.
        let _ = d.sync_all();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_replaced_added_under_its_table_or_its_table_appended() {
        let text = "# mine\ninterval = 2 # keep this\n\n[columns]\n# the process list\nmain = [\"comm\"]\n";
        let out = set(text, "columns", "main", "[\"comm\", \"pid\"]").unwrap();
        assert_eq!(
            out,
            "# mine\ninterval = 2 # keep this\n\n[columns]\n# the process list\nmain = [\"comm\", \"pid\"]\n"
        );
        let out = set(&out, "columns", "ring", "[\"op\"]").unwrap();
        assert_eq!(
            out,
            "# mine\ninterval = 2 # keep this\n\n[columns]\nring = [\"op\"]\n# the process list\nmain = [\"comm\", \"pid\"]\n"
        );
        let out = set(&out, "sort", "column", "\"p99\"").unwrap();
        assert!(
            out.ends_with("main = [\"comm\", \"pid\"]\n\n[sort]\ncolumn = \"p99\"\n"),
            "{out}"
        );
        assert_eq!(
            set("", "sort", "descending", "true").unwrap(),
            "[sort]\ndescending = true\n"
        );
        assert!(set("[columns\n", "columns", "main", "[]")
            .unwrap_err()
            .contains("no longer parses"));
        assert!(set(
            "columns = { ring = [\"op\"] }\n",
            "columns",
            "main",
            "[\"comm\"]"
        )
        .unwrap_err()
        .contains("not a section of its own"));
    }

    #[test]
    fn saving_writes_atomically_and_says_where_or_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        let store = ConfigStore::File(path.clone());
        let choice = Choice::from_shown(TableView::Requests, &[0, 2, 8]);
        let said = save_columns(&store, TableView::Requests, &choice, None).unwrap();
        assert_eq!(
            said,
            format!("columns of the request list saved to {}", path.display())
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[columns]\nrequests = [\"time\", \"op\", \"res\"]\n"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let main = Choice::from_shown(TableView::Main, &[1, 0]);
        save_columns(&store, TableView::Main, &main, Some((Column::P99, false))).unwrap();
        let back = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back.columns.requests, choice);
        assert_eq!(back.columns.main, main);
        assert_eq!(
            (back.sort, back.descending),
            (Some(Column::P99), Some(false))
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the file keeps its mode");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left");
        let e = save_columns(&ConfigStore::Disabled, TableView::Main, &main, None).unwrap_err();
        assert!(e.contains("--no-config"), "{e}");
        // A directory where the file should be: the reason is given.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir_all(blocked.join("config.toml")).unwrap();
        let e = save_columns(
            &ConfigStore::File(blocked.join("config.toml")),
            TableView::Main,
            &main,
            None,
        )
        .unwrap_err();
        assert!(
            e.starts_with(&format!(
                "cannot save to {}",
                blocked.join("config.toml").display()
            )),
            "{e}"
        );
    }
}

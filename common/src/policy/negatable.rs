//! The rule `paths` and `peers` lists share (README "Policy files"): a list holds for a value
//! when one of its plain entries matches it (or it has none) and none of its negated entries
//! (written with `!`) does. The probe walks both lists the same way.

/// A list's verdict on one value; `negated` and `matches` read an entry.
pub(super) fn list_holds_for<E>(
    entries: &[E],
    negated: impl Fn(&E) -> bool,
    matches: impl Fn(&E) -> bool,
) -> bool {
    let mut plain = false;
    let mut plain_hit = false;
    for entry in entries {
        let hit = matches(entry);
        if negated(entry) && hit {
            return false;
        }
        if !negated(entry) {
            plain = true;
            plain_hit |= hit;
        }
    }
    !plain || plain_hit
}

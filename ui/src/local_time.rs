//! The local time zone, for the times people read (trace lines, the TUI, `--start 12:03`).

/// The local time zone's offset from UTC now, in seconds (0 if it cannot be known).
pub fn utc_offset_s() -> i64 {
    // SAFETY: time and localtime_r write into values we own.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    }
}

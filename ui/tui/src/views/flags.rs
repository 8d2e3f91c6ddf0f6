//! IORING_SETUP_* flags abbreviated to fit a table cell. The ring view spells them out in
//! full (from `names::setup_flag_names`); the help explains the abbreviations.

use std::fmt::Write;

/// By bit, as in `names.rs`.
pub const SHORT_SETUP_FLAGS: [&str; 19] = [
    "IOPOLL", "SQPOLL", "SQAFF", "CQSIZE", "CLAMP", "ATTWQ", "RDIS", "SUBALL", "COOP", "TRFLAG",
    "SQE128", "CQE32", "SINGLE", "DEFER", "NOMMAP", "REGFD", "NOSQARR", "HYBRID", "CQEMIX",
];

/// IOSQE_* by bit, abbreviated.
pub const SHORT_SQE_FLAGS: [&str; 7] = ["FIXED", "DRAIN", "LINK", "HLINK", "ASYNC", "BSEL", "SKIP"];

/// Appends the setup flags' abbreviations, comma-separated; unknown bits as one hex value.
pub fn short(out: &mut String, flags: u32) {
    short_in(out, flags, &SHORT_SETUP_FLAGS);
}

/// Appends the SQE flags' abbreviations, like [`short`].
pub fn short_sqe(out: &mut String, flags: u8) {
    short_in(out, u32::from(flags), &SHORT_SQE_FLAGS);
}

/// Appends the setup flags' full names (without IORING_SETUP_), `|`-separated, as the ring
/// view spells them; unknown bits as one hex value. No allocation.
pub fn long(out: &mut String, flags: u32) {
    let mut first = true;
    let mut rest = flags;
    for (bit, name) in uringtop_common::names::setup_flag_names_known()
        .iter()
        .enumerate()
    {
        if flags & (1 << bit) != 0 {
            if !first {
                out.push('|');
            }
            out.push_str(name);
            first = false;
            rest &= !(1 << bit);
        }
    }
    if rest != 0 {
        if !first {
            out.push('|');
        }
        let _ = write!(out, "{rest:#x}");
    }
}

fn short_in(out: &mut String, flags: u32, table: &[&str]) {
    let mut rest = flags;
    for (bit, name) in table.iter().enumerate() {
        if flags & (1 << bit) != 0 {
            if rest != flags {
                out.push(',');
            }
            out.push_str(name);
            rest &= !(1 << bit);
        }
    }
    if rest != 0 {
        if rest != flags {
            out.push(',');
        }
        let _ = write!(out, "{rest:#x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_follow_the_bits() {
        let s = |f| {
            let mut out = String::new();
            short(&mut out, f);
            out
        };
        assert_eq!(s(0), "");
        assert_eq!(s(0b11), "IOPOLL,SQPOLL");
        assert_eq!(s((1 << 12) | (1 << 13)), "SINGLE,DEFER");
        assert_eq!(s(1 << 30), "0x40000000");
        assert_eq!(s(1 | (1 << 30)), "IOPOLL,0x40000000");
        assert_eq!(
            uringtop_common::names::setup_flag_names(1 << 18),
            vec!["CQE_MIXED"]
        );
        let mut out = String::new();
        long(&mut out, 0b10 | (1 << 12) | (1 << 30));
        assert_eq!(out, "SQPOLL|SINGLE_ISSUER|0x40000000");
        let mut out = String::new();
        short_sqe(&mut out, 0b10101);
        assert_eq!(out, "FIXED,LINK,ASYNC");
    }
}

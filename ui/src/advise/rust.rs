//! `--format rust`: a function per process and set of restrictions (the rings that need the
//! same set share one) returning them as `Vec<io_uring::register::Restriction>`, for the
//! io-uring crate 0.7.

use super::analysis::Advice;
use super::header;
use super::text::{known_sqe_flags, register_macro, same_sets, set_ident, set_label};
use std::fmt::Write;
use uringtop_common::names::opcode_name;

/// The io-uring crate's type in `io_uring::opcode` for each opcode, indexed by opcode (the
/// kernel numbering of `uringtop_common::names`). Where the crate has several types for one
/// opcode (Recv, RecvMulti, ...) the plain one; they share the CODE.
const OPCODE_TYPES: [&str; 63] = [
    "Nop",
    "Readv",
    "Writev",
    "Fsync",
    "ReadFixed",
    "WriteFixed",
    "PollAdd",
    "PollRemove",
    "SyncFileRange",
    "SendMsg",
    "RecvMsg",
    "Timeout",
    "TimeoutRemove",
    "Accept",
    "AsyncCancel",
    "LinkTimeout",
    "Connect",
    "Fallocate",
    "OpenAt",
    "Close",
    "FilesUpdate",
    "Statx",
    "Read",
    "Write",
    "Fadvise",
    "Madvise",
    "Send",
    "Recv",
    "OpenAt2",
    "EpollCtl",
    "Splice",
    "ProvideBuffers",
    "RemoveBuffers",
    "Tee",
    "Shutdown",
    "RenameAt",
    "UnlinkAt",
    "MkDirAt",
    "SymlinkAt",
    "LinkAt",
    "MsgRingData",
    "FSetXattr",
    "SetXattr",
    "FGetXattr",
    "GetXattr",
    "Socket",
    "UringCmd16",
    "SendZc",
    "SendMsgZc",
    "ReadMulti",
    "WaitId",
    "FutexWait",
    "FutexWake",
    "FutexWaitV",
    "FixedFdInstall",
    "Ftruncate",
    "Bind",
    "Listen",
    "RecvZc",
    "EpollWait",
    "ReadvFixed",
    "WritevFixed",
    "Pipe",
];

pub fn render(advice: &Advice) -> String {
    let mut out = header::comment(
        "//",
        advice,
        &[
            "For the io-uring crate 0.7 (opcode types as of 0.7.16). Apply to a ring created",
            "disabled, before enabling it:",
            "  let mut ring: io_uring::IoUring =",
            "      io_uring::IoUring::builder().setup_r_disabled().build(entries)?;",
            "  ring.submitter().register_restrictions(&mut <function>())?;",
            "  ring.submitter().register_enable_rings()?;",
        ],
    );
    for process in &advice.processes {
        for rings in same_sets(process) {
            let ring = rings[0];
            out.push('\n');
            for line in set_label(process, &rings, 90) {
                let _ = writeln!(out, "/// {line}");
            }
            let _ = writeln!(
                out,
                "pub fn {}() -> Vec<io_uring::register::Restriction> {{",
                set_ident(process, &rings)
            );
            out.push_str("    use io_uring::register::Restriction;\n    vec![\n");
            for &op in &ring.sqe_ops {
                match OPCODE_TYPES.get(usize::from(op)) {
                    Some(ty) => call(
                        &mut out,
                        "sqe_op",
                        &format!("io_uring::opcode::{ty}::CODE"),
                        "",
                    ),
                    None => call(
                        &mut out,
                        "sqe_op",
                        &op.to_string(),
                        &format!("{}: no type in io-uring 0.7", opcode_name(op)),
                    ),
                }
            }
            call(
                &mut out,
                "sqe_flags_allowed",
                &flags(ring.sqe_flags_allowed),
                if ring.sqe_flags_allowed == 0 {
                    "no IOSQE flag"
                } else {
                    ""
                },
            );
            if ring.sqe_flags_required != 0 {
                call(
                    &mut out,
                    "sqe_flags_required",
                    &flags(ring.sqe_flags_required),
                    "",
                );
            }
            for &op in &ring.register_ops {
                // The crate keeps the IORING_REGISTER_* constants private: the number, named.
                let name = register_macro(op)
                    .unwrap_or_else(|| "newer than uringtop's register opcode table".into());
                call(&mut out, "register_op", &op.to_string(), &name);
            }
            out.push_str("    ]\n}\n");
        }
    }
    out
}

fn call(out: &mut String, function: &str, arg: &str, note: &str) {
    let _ = write!(out, "        Restriction::{function}({arg}),");
    if !note.is_empty() {
        let _ = write!(out, " // {note}");
    }
    out.push('\n');
}

/// `io_uring::squeue::Flags::A.bits()`, `(A | B).bits()`, or `0`.
fn flags(bits: u8) -> String {
    let names: Vec<String> = known_sqe_flags(bits)
        .iter()
        .map(|n| {
            // The crate drops the CQE_ of IOSQE_CQE_SKIP_SUCCESS.
            let n = n.strip_prefix("CQE_").unwrap_or(n);
            format!("io_uring::squeue::Flags::{n}")
        })
        .collect();
    match names.len() {
        0 => "0".into(),
        1 => format!("{}.bits()", names[0]),
        _ => format!("({}).bits()", names.join(" | ")),
    }
}

//! Kernel names of the opcodes and errnos the workloads use.
//!
//! The probe reports opcodes and errnos as numbers; the tests compare by the
//! kernel's names (`IORING_OP_<NAME>`, `<ERRNO>`) so failures read naturally.

use io_uring::opcode;

/// The kernel's name (without `IORING_OP_`) of an opcode the workloads
/// submit, or None for opcodes they never use.
pub fn opcode_name(code: u8) -> Option<&'static str> {
    let name = match code {
        opcode::Nop::CODE => "NOP",
        opcode::Read::CODE => "READ",
        opcode::Write::CODE => "WRITE",
        opcode::OpenAt::CODE => "OPENAT",
        opcode::Timeout::CODE => "TIMEOUT",
        opcode::LinkTimeout::CODE => "LINK_TIMEOUT",
        opcode::AcceptMulti::CODE => "ACCEPT",
        opcode::RecvMulti::CODE => "RECV",
        opcode::AsyncCancel::CODE => "ASYNC_CANCEL",
        opcode::ProvideBuffers::CODE => "PROVIDE_BUFFERS",
        opcode::MsgRingData::CODE => "MSG_RING",
        opcode::Statx::CODE => "STATX",
        opcode::RenameAt::CODE => "RENAMEAT",
        opcode::UnlinkAt::CODE => "UNLINKAT",
        opcode::MkDirAt::CODE => "MKDIRAT",
        opcode::SymlinkAt::CODE => "SYMLINKAT",
        opcode::Connect::CODE => "CONNECT",
        opcode::SendMsg::CODE => "SENDMSG",
        opcode::Send::CODE => "SEND",
        opcode::SendZc::CODE => "SEND_ZC",
        opcode::Bind::CODE => "BIND",
        opcode::ReadFixed::CODE => "READ_FIXED",
        opcode::WriteFixed::CODE => "WRITE_FIXED",
        opcode::Readv::CODE => "READV",
        _ => return None,
    };
    Some(name)
}

/// The symbolic name of a (positive) errno, e.g. `ENOENT` for 2; numbers
/// outside the table read as `E<number>` so no error is ever lost.
pub fn errno_name(errno: i32) -> String {
    let name = match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EINVAL => "EINVAL",
        libc::ENOSPC => "ENOSPC",
        libc::ETIME => "ETIME",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ECANCELED => "ECANCELED",
        other => return format!("E{other}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_kernel_numbers() {
        assert_eq!(opcode_name(0), Some("NOP"));
        assert_eq!(opcode_name(11), Some("TIMEOUT"));
        assert_eq!(opcode_name(18), Some("OPENAT"));
        assert_eq!(opcode_name(22), Some("READ"));
        assert_eq!(opcode_name(23), Some("WRITE"));
        assert_eq!(opcode_name(200), None);
        assert_eq!(errno_name(2), "ENOENT");
        assert_eq!(errno_name(62), "ETIME");
        assert_eq!(errno_name(125), "ECANCELED");
        assert_eq!(errno_name(4095), "E4095");
    }
}

//! Installing a [`KernelPlan`] on the current task (Linux 7.0+): `no_new_privs`, then
//! `io_uring_register(-1, IORING_REGISTER_RESTRICTIONS, struct io_uring_task_restriction *, 1)`
//! and `io_uring_register(-1, IORING_REGISTER_BPF_FILTER, struct io_uring_bpf *, 1)` per opcode.
//! Every ring the task and its children (after fork, across execve) create afterwards carries
//! them. Layouts from the 7.2 uapi headers (include/uapi/linux/io_uring.h,
//! include/uapi/linux/io_uring/bpf_filter.h).
//!
//! Everything is built in the parent ([`Installer::new`]); the child only makes system calls
//! between fork and exec ([`Installer::install`]), where allocating is not safe.

use std::io;
use uringtop_common::policy::kernel::{KernelPlan, OpProgram, SockFilter};

const SYS_IO_URING_SETUP: libc::c_long = 425;
const SYS_IO_URING_REGISTER: libc::c_long = 427;
const IORING_REGISTER_PROBE: libc::c_long = 8;
const IORING_REGISTER_RESTRICTIONS: libc::c_long = 11;
const IORING_REGISTER_BPF_FILTER: libc::c_long = 37;
const IORING_RESTRICTION_REGISTER_OP: u16 = 0;
const IORING_RESTRICTION_SQE_OP: u16 = 1;
const IORING_RESTRICTION_SQE_FLAGS_ALLOWED: u16 = 2;
const IO_URING_BPF_CMD_FILTER: u16 = 1;
const IO_URING_BPF_FILTER_DENY_REST: u32 = 1;

/// `struct io_uring_restriction`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Restriction {
    opcode: u16,
    value: u8,
    resv: u8,
    resv2: [u32; 3],
}

/// `struct io_uring_task_restriction` followed by its restrictions (at most 38 register ops).
#[repr(C)]
struct TaskRestriction {
    flags: u16,
    nr_res: u16,
    resv: [u32; 3],
    restrictions: [Restriction; 128],
}

/// `struct sock_filter`.
#[repr(C)]
#[derive(Clone, Copy)]
struct CFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

/// `struct io_uring_bpf` with its `struct io_uring_bpf_filter`.
#[repr(C)]
struct BpfFilterCmd {
    cmd_type: u16,
    cmd_flags: u16,
    resv: u32,
    opcode: u32,
    flags: u32,
    filter_len: u32,
    pdu_size: u8,
    fresv: [u8; 3],
    filter_ptr: u64,
    resv2: [u64; 5],
}

const _: () = {
    assert!(std::mem::size_of::<Restriction>() == 16);
    assert!(std::mem::size_of::<CFilter>() == 8);
    assert!(std::mem::size_of::<BpfFilterCmd>() == 8 + 64);
};

/// What the child registers, built before fork.
pub struct Installer {
    restrictions: Option<Box<TaskRestriction>>,
    /// The programs, kept alive for the pointers in `filters`.
    _programs: Vec<Vec<CFilter>>,
    filters: Vec<BpfFilterCmd>,
}

/// Which registration failed, for the message.
#[derive(Debug)]
pub enum InstallStep {
    NoNewPrivs,
    Restrictions,
    Filter(u8),
}

impl Installer {
    /// The registrations for `plan` on a kernel whose last SQE opcode is `last_op`.
    pub fn new(plan: &KernelPlan, last_op: u8) -> Installer {
        let restrictions = plan.register_allowed.as_ref().map(|allowed| {
            let mut t = Box::new(TaskRestriction {
                flags: 0,
                nr_res: 0,
                resv: [0; 3],
                restrictions: [Restriction::default(); 128],
            });
            let mut entries: Vec<(u16, u8)> = allowed
                .iter()
                .map(|&op| (IORING_RESTRICTION_REGISTER_OP, op))
                .collect();
            if entries.is_empty() {
                // No register opcode allowed. An empty list would refuse SQEs too (the kernel
                // reads zero restrictions as "nothing at all"), so list every SQE opcode and
                // IOSQE flag as allowed: the filters alone judge SQEs.
                entries.extend((0..=last_op).map(|op| (IORING_RESTRICTION_SQE_OP, op)));
                entries.push((IORING_RESTRICTION_SQE_FLAGS_ALLOWED, 0x7f));
            }
            for (slot, &(opcode, value)) in t.restrictions.iter_mut().zip(&entries) {
                *slot = Restriction {
                    opcode,
                    value,
                    ..Restriction::default()
                };
            }
            t.nr_res = u16::try_from(entries.len().min(128)).unwrap_or(128);
            t
        });
        let allow_all = [SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 1,
        }];
        let deny_all = [SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: 0,
        }];
        let mut programs: Vec<(u8, Vec<CFilter>)> = Vec::new();
        for (op, p) in (0u8..).zip(&plan.ops) {
            if op > last_op {
                break; // the kernel refuses SQEs of opcodes it does not have (EINVAL) anyway
            }
            let prog: &[SockFilter] = match p {
                OpProgram::Filter(f) => f,
                OpProgram::Deny => &deny_all,
                // With DENY_REST below, an opcode without a filter would be refused.
                OpProgram::Allow if plan.deny_rest => &allow_all,
                OpProgram::Allow => continue,
            };
            programs.push((op, prog.iter().map(c_filter).collect()));
        }
        if plan.deny_rest {
            // Last: fills every opcode still without a filter (those newer than this table)
            // with the kernel's deny-all. NOP's own verdict is already there; this one adds
            // nothing to it (a request passes only if every filter allows it).
            programs.push((0, allow_all.iter().map(c_filter).collect()));
        }
        let last = programs.len();
        let filters = programs
            .iter()
            .enumerate()
            .map(|(i, (op, prog))| BpfFilterCmd {
                cmd_type: IO_URING_BPF_CMD_FILTER,
                cmd_flags: 0,
                resv: 0,
                opcode: u32::from(*op),
                flags: if plan.deny_rest && i + 1 == last {
                    IO_URING_BPF_FILTER_DENY_REST
                } else {
                    0
                },
                filter_len: u32::try_from(prog.len()).unwrap_or(u32::MAX),
                // 0: the filter reads no more of the context than the kernel fills for this
                // opcode (a smaller size than the kernel's is accepted).
                pdu_size: 0,
                fresv: [0; 3],
                filter_ptr: prog.as_ptr() as u64,
                resv2: [0; 5],
            })
            .collect();
        Installer {
            restrictions,
            _programs: programs.into_iter().map(|(_, p)| p).collect(),
            filters,
        }
    }

    /// In the child, between fork and exec: no allocation, only system calls.
    pub fn install(&mut self) -> Result<(), (InstallStep, io::Error)> {
        // SAFETY: prctl with integer arguments.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err((InstallStep::NoNewPrivs, io::Error::last_os_error()));
        }
        if let Some(t) = &mut self.restrictions {
            register(
                IORING_REGISTER_RESTRICTIONS,
                &mut **t as *mut TaskRestriction as u64,
            )
            .map_err(|e| (InstallStep::Restrictions, e))?;
        }
        for f in &mut self.filters {
            let op = u8::try_from(f.opcode).unwrap_or(u8::MAX);
            // The kernel writes its own pdu_size back into the structure.
            register(IORING_REGISTER_BPF_FILTER, f as *mut BpfFilterCmd as u64)
                .map_err(|e| (InstallStep::Filter(op), e))?;
        }
        Ok(())
    }
}

fn c_filter(f: &SockFilter) -> CFilter {
    CFilter {
        code: f.code,
        jt: f.jt,
        jf: f.jf,
        k: f.k,
    }
}

/// `io_uring_register(-1, opcode, arg, 1)`: registrations for the task, not a ring.
fn register(opcode: libc::c_long, arg: u64) -> io::Result<()> {
    // SAFETY: `arg` points at a live, correctly laid out structure for `opcode`.
    let ret = unsafe { libc::syscall(SYS_IO_URING_REGISTER, -1 as libc::c_int, opcode, arg, 1) };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The highest SQE opcode this kernel has (IORING_REGISTER_PROBE on a throwaway ring).
pub fn last_opcode() -> io::Result<u8> {
    #[repr(C)]
    struct Params {
        words: [u32; 30], // struct io_uring_params is 120 bytes
    }
    #[repr(C)]
    struct Probe {
        last_op: u8,
        ops_len: u8,
        resv: u16,
        resv2: [u32; 3],
        ops: [[u8; 8]; 256],
    }
    let mut params = Params { words: [0; 30] };
    // SAFETY: io_uring_setup writes into params, which is large enough.
    let fd = unsafe { libc::syscall(SYS_IO_URING_SETUP, 1u32, &mut params as *mut Params) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = fd as libc::c_int;
    let mut probe = Box::new(Probe {
        last_op: 0,
        ops_len: 0,
        resv: 0,
        resv2: [0; 3],
        ops: [[0; 8]; 256],
    });
    // SAFETY: the probe buffer holds 256 entries, as nr_args says.
    let ret = unsafe {
        libc::syscall(
            SYS_IO_URING_REGISTER,
            fd,
            IORING_REGISTER_PROBE,
            &mut *probe as *mut Probe,
            256u32,
        )
    };
    let err = io::Error::last_os_error();
    // SAFETY: closing the fd we opened.
    unsafe { libc::close(fd) };
    if ret < 0 {
        return Err(err);
    }
    Ok(probe.last_op)
}

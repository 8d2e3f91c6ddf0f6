use super::result::decode_result;
use super::sockaddr::{SockAddr, UnixAddr};
use super::value::{args_json, args_text};
use super::*;
use crate::abi;

fn args(sqe: Sqe, mem: [Mem; 2]) -> OpArgs {
    OpArgs {
        source: SqeSource::Ring,
        sqe,
        mem,
        files: Vec::new(),
    }
}

/// Arguments of an SQE that points at no user memory the probe read.
fn sqe_only(sqe: Sqe) -> OpArgs {
    args(sqe, [Mem::None, Mem::None])
}

fn string(s: &str) -> Mem {
    Mem::Str {
        bytes: s.as_bytes().to_vec(),
        cut: false,
    }
}

#[test]
fn an_sqe_reads_from_its_uapi_bytes() {
    let mut b = [0u8; 64];
    b[0] = 18;
    b[2..4].copy_from_slice(&7u16.to_le_bytes());
    b[4..8].copy_from_slice(&(-100i32).to_le_bytes());
    b[8..16].copy_from_slice(&0x1122_3344_5566_7788u64.to_le_bytes());
    b[16..24].copy_from_slice(&0xdead_beefu64.to_le_bytes());
    b[24..28].copy_from_slice(&0o644u32.to_le_bytes());
    b[28..32].copy_from_slice(&0o2000000u32.to_le_bytes());
    b[40..42].copy_from_slice(&3u16.to_le_bytes());
    b[42..44].copy_from_slice(&9u16.to_le_bytes());
    b[44..48].copy_from_slice(&5u32.to_le_bytes());
    b[48..56].copy_from_slice(&42u64.to_le_bytes());
    assert_eq!(
        Sqe::from_bytes(&b),
        Sqe {
            ioprio: 7,
            fd: -100,
            off: 0x1122_3344_5566_7788,
            addr: 0xdead_beef,
            len: 0o644,
            op_flags: 0o2000000,
            buf_index: 3,
            personality: 9,
            file_index: 5,
            addr3: 42,
        }
    );
}

#[test]
fn the_probes_argument_part_becomes_op_args() {
    let mut raw = abi::Args {
        source: abi::SQE_RING,
        ..Default::default()
    };
    raw.mem[0] = abi::Mem {
        len: 3,
        state: abi::MEM_STR | abi::MEM_CUT,
        _pad: 0,
    };
    raw.mem[1] = abi::Mem {
        len: -14,
        state: abi::MEM_UNREADABLE,
        _pad: 0,
    };
    let mut mem = vec![0u8; 2 * abi::ARG_MEM];
    mem[..3].copy_from_slice(b"abc");
    let a = OpArgs::from_abi(&raw, &mem).unwrap();
    assert_eq!(
        a.mem,
        [
            Mem::Str {
                bytes: b"abc".to_vec(),
                cut: true
            },
            Mem::Unreadable { errno: 14 }
        ]
    );
    // Without the memory (a record that carries none), pieces that needed it are absent.
    raw.mem[0].state = abi::MEM_BYTES;
    assert_eq!(OpArgs::from_abi(&raw, &[]).unwrap().mem[0], Mem::None);
    raw.source = abi::SQE_NONE;
    assert_eq!(OpArgs::from_abi(&raw, &mem), None);
}

#[test]
fn openat_reads_like_strace_with_the_files_behind_its_fds() {
    let mut a = args(
        Sqe {
            fd: -100,
            addr: 0x1000,
            op_flags: 0o2000000,
            ..Default::default()
        },
        [string("/etc/passwd"), Mem::None],
    );
    a.files.push(FdFile {
        fd: 5,
        what: "/etc/passwd".into(),
    });
    let decoded = a.decode(18, 0);
    assert_eq!(
        args_text(&decoded),
        r#"AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC"#
    );
    assert_eq!(
        args_json(&decoded),
        serde_json::json!({
            "dirfd": {"fd": -100, "name": "AT_FDCWD"},
            "path": "/etc/passwd",
            "flags": ["O_RDONLY", "O_CLOEXEC"],
        })
    );
    assert_eq!(decode_result(18, 5, 0, Some(&a)).text(), "5</etc/passwd>");
    assert_eq!(decode_result(18, -2, 0, Some(&a)).text(), "-2 ENOENT");
    assert_eq!(a.plain_fds(18, 0, 5), [5]);
    // Created files show their mode; a direct open names its slot.
    let a = args(
        Sqe {
            fd: 3,
            op_flags: 0o1101,
            len: 0o640,
            file_index: 4,
            ..Default::default()
        },
        [string("new"), Mem::None],
    );
    assert_eq!(
        args_text(&a.decode(18, 0)),
        r#"3, "new", O_WRONLY|O_CREAT|O_TRUNC, 0640, 3"#
    );
    assert_eq!(decode_result(18, 0, 0, Some(&a)).text(), "0 (fixed:3)");
}

#[test]
fn cut_and_unreadable_strings_say_so() {
    let a = args(
        Sqe {
            fd: -100,
            addr: 0xdead,
            off: 0x2000,
            ..Default::default()
        },
        [
            Mem::Unreadable { errno: 14 },
            Mem::Str {
                bytes: b"long".to_vec(),
                cut: true,
            },
        ],
    );
    let d = a.decode(35, 0);
    assert_eq!(
        args_text(&d),
        r#"AT_FDCWD, 0xdead <unreadable: EFAULT>, 0, "long"..., 0"#
    );
    let j = args_json(&d);
    assert_eq!(
        j["oldpath"],
        serde_json::json!({"addr": 0xdead, "unreadable": "EFAULT"})
    );
    assert_eq!(
        j["newpath"],
        serde_json::json!({"text": "long", "cut": true})
    );
}

#[test]
fn socket_addresses_of_every_family() {
    let mut v4 = vec![2, 0];
    v4.extend_from_slice(&41234u16.to_be_bytes());
    v4.extend_from_slice(&[127, 0, 0, 1]);
    v4.extend_from_slice(&[0; 8]);
    assert_eq!(
        SockAddr::parse(&v4).unwrap().text(),
        "{AF_INET, 127.0.0.1:41234}"
    );
    let mut v6 = vec![10, 0];
    v6.extend_from_slice(&443u16.to_be_bytes());
    v6.extend_from_slice(&[0; 4]);
    v6.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
    v6.extend_from_slice(&[0; 4]);
    assert_eq!(
        SockAddr::parse(&v6).unwrap().text(),
        "{AF_INET6, [::1]:443}"
    );
    let mut unix = vec![1, 0];
    unix.extend_from_slice(b"/run/x.sock\0");
    assert_eq!(
        SockAddr::parse(&unix).unwrap(),
        SockAddr::Unix(UnixAddr::Path("/run/x.sock".into()))
    );
    let mut abs = vec![1, 0, 0];
    abs.extend_from_slice(b"name");
    assert_eq!(
        SockAddr::parse(&abs).unwrap().text(),
        r#"{AF_UNIX, @"name"}"#
    );
    assert_eq!(
        SockAddr::parse(&[2, 0, 1]).unwrap().text(),
        "{AF_INET, 3 bytes}"
    );
    assert_eq!(SockAddr::parse(&[2]), None);
    let a = args(
        Sqe {
            fd: 6,
            addr: 0x10,
            off: 16,
            ..Default::default()
        },
        [
            Mem::Bytes {
                bytes: v4,
                cut: false,
            },
            Mem::None,
        ],
    );
    assert_eq!(
        args_text(&a.decode(16, 0)),
        "6, {AF_INET, 127.0.0.1:41234}, 16"
    );
    assert_eq!(
        args_json(&a.decode(16, 0))["addr"],
        serde_json::json!({"family": "AF_INET", "addr": "127.0.0.1", "port": 41234})
    );
}

#[test]
fn fds_fixed_files_and_close() {
    let a = sqe_only(Sqe {
        fd: 2,
        file_index: 0,
        ..Default::default()
    });
    assert_eq!(args_text(&a.decode(19, 0)), "2");
    let fixed = sqe_only(Sqe {
        file_index: 3,
        ..Default::default()
    });
    assert_eq!(args_text(&fixed.decode(19, 0)), "fixed:2");
    let read = sqe_only(Sqe {
        fd: 1,
        addr: 0x5000,
        len: 4096,
        off: u64::MAX,
        ..Default::default()
    });
    assert_eq!(args_text(&read.decode(22, 1)), "fixed:1, 0x5000, 4096, -1");
    assert_eq!(read.plain_fds(22, 1, 4096), Vec::<i32>::new());
    assert_eq!(read.plain_fds(22, 0, 4096), [1]);
}

#[test]
fn flags_of_the_other_opcodes() {
    let sqe = |fd, off, addr, len, op_flags| Sqe {
        fd,
        off,
        addr,
        len,
        op_flags,
        ..Default::default()
    };
    let text = |op, s: Sqe| args_text(&sqe_only(s).decode(op, 0));
    assert_eq!(text(3, sqe(4, 0, 0, 0, 1)), "4, IORING_FSYNC_DATASYNC");
    assert_eq!(
        text(17, sqe(4, 10, 20, 3, 0)),
        "4, FALLOC_FL_KEEP_SIZE|FALLOC_FL_PUNCH_HOLE, 10, 20"
    );
    assert_eq!(
        text(24, sqe(4, 0, 0, 100, 4)),
        "4, 0, 100, POSIX_FADV_DONTNEED"
    );
    assert_eq!(text(34, sqe(4, 0, 0, 1, 0)), "4, SHUT_WR");
    assert_eq!(text(57, sqe(4, 0, 0, 128, 0)), "4, 128");
    assert_eq!(
        text(45, sqe(10, 0o2000001, 0, 6, 0)),
        "AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP"
    );
    assert_eq!(
        text(36, sqe(-100, 0, 9, 0, 0x200)),
        "AT_FDCWD, 0x9, AT_REMOVEDIR"
    );
    assert_eq!(text(26, sqe(4, 0, 9, 3, 0x4000)), "4, 0x9, 3, MSG_NOSIGNAL");
    assert_eq!(
        text(6, sqe(4, 0, 0, 1, 1)),
        "4, POLLIN, IORING_POLL_ADD_MULTI"
    );
    assert_eq!(
        text(
            30,
            Sqe {
                file_index: 3,
                ..sqe(4, u64::MAX, 8, 100, 1)
            }
        ),
        "3, 8, 4, -1, 100, SPLICE_F_MOVE"
    );
}

#[test]
fn cqe_flags_and_buffers() {
    let r = decode_result(27, 100, (7 << 16) | 1 | 2, None);
    assert_eq!(r.text(), "100 [BUFFER(7)|MORE]");
}

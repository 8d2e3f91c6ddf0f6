//! A request's decoded arguments in the request list (its most telling one) and in its detail
//! (every one, and the call as strace would print it).

use super::Harness;
use uringtop_common::args::{FdFile, Mem, OpArgs, Sqe, SqeSource};
use uringtop_common::input::{Input, Request};

fn connect(ring: u32) -> Input {
    let mut addr = vec![10, 0];
    addr.extend_from_slice(&443u16.to_be_bytes());
    addr.extend_from_slice(&[0; 4]);
    addr.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
    addr.extend_from_slice(&[0; 4]);
    Input::Request(Request {
        ring,
        opcode: 16,
        fd: 6,
        user_data: 77,
        res: -111,
        latency_ns: Some(2_000),
        args: Some(Box::new(OpArgs {
            source: SqeSource::Ring,
            sqe: Sqe {
                fd: 6,
                addr: 0x1000,
                off: 28,
                ..Sqe::default()
            },
            mem: [
                Mem::Bytes {
                    bytes: addr,
                    cut: false,
                },
                Mem::None,
            ],
            files: vec![FdFile {
                fd: 6,
                what: "socket:[4242]".into(),
            }],
        })),
        ..Request::default()
    })
}

#[test]
fn the_list_shows_the_address_and_the_detail_every_argument() {
    let (mut h, ring) = Harness::first_rings_requests(160, 40);
    h.apply(&[connect(ring)]);
    let list = h.render();
    let header = list.lines().nth(1).unwrap();
    assert!(header.contains(" ARG "), "{header}");
    let row = list.lines().nth(2).unwrap();
    assert!(
        row.contains("CONNECT") && row.contains("{AF_INET6, [::1]:443}"),
        "{list}"
    );
    let detail = h.press("<enter>").render();
    for want in [
        "Arguments",
        "call       CONNECT(6<socket:[4242]>, {AF_INET6, [::1]:443}, 28) = -1",
        "fd         6<socket:[4242]>",
        "addr       {AF_INET6, [::1]:443}",
        "addrlen    28",
    ] {
        assert!(detail.contains(want), "{want}\n{detail}");
    }
}

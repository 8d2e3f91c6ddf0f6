//! `uringtop advise --format rust` output, compiled: `advise_rust_output/generated.rs` is what
//! the renderer prints for every opcode, IOSQE flag and register opcode uringtop knows (a unit
//! test in ui/src/advise keeps it current). Compiling it checks every io-uring type name; the
//! tests below check that each names the opcode it stands for, and that the kernel takes the set.

#[allow(dead_code)]
mod generated {
    include!("advise_rust_output/generated.rs");
}

use io_uring::register::Restriction;

/// `struct io_uring_restriction`: u16 opcode, then the u8 union (sqe_op, sqe_flags, register_op).
fn parts(r: &Restriction) -> (u16, u8) {
    const _: () = assert!(std::mem::size_of::<Restriction>() == 16);
    // SAFETY: Restriction is repr(transparent) over the kernel's 16-byte plain-integer struct.
    let bytes: &[u8; 16] = unsafe { &*(r as *const Restriction).cast() };
    (u16::from_ne_bytes([bytes[0], bytes[1]]), bytes[2])
}

const REGISTER_OP: u16 = 0;
const SQE_OP: u16 = 1;
const SQE_FLAGS_ALLOWED: u16 = 2;
const SQE_FLAGS_REQUIRED: u16 = 3;

#[test]
fn every_opcode_type_is_the_opcode_it_is_named_for() {
    let got: Vec<(u16, u8)> = generated::uringtop_every_1_ring1()
        .iter()
        .map(parts)
        .collect();
    let mut want: Vec<(u16, u8)> = (0..63).map(|op| (SQE_OP, op)).collect();
    want.push((SQE_FLAGS_ALLOWED, 0x7f));
    want.push((SQE_FLAGS_REQUIRED, 0x01));
    want.extend(
        (0..35)
            .filter(|op| ![11, 12].contains(op))
            .map(|op| (REGISTER_OP, op)),
    );
    assert_eq!(got, want);
    let newer: Vec<(u16, u8)> = generated::uringtop_newer_2_ring2()
        .iter()
        .map(parts)
        .collect();
    assert_eq!(
        newer,
        [
            (SQE_OP, 0),
            (SQE_OP, 70),
            (SQE_FLAGS_ALLOWED, 0),
            (REGISTER_OP, 200)
        ]
    );
}

/// The kernel refuses (EINVAL) a restriction naming an opcode it does not know, so this also
/// checks that uringtop's tables hold nothing this kernel lacks. Needs no privilege: only
/// `kernel.io_uring_disabled` can stop it, and then it says so and passes.
#[test]
fn the_kernel_takes_the_full_set() {
    let ring: io_uring::IoUring = match io_uring::IoUring::builder().setup_r_disabled().build(8) {
        Ok(ring) => ring,
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            uringtop_tests::privilege::skip(
                "the_kernel_takes_the_full_set",
                &format!("io_uring_setup, refused here ({e})"),
                "sysctl kernel.io_uring_disabled=0",
            );
            return;
        }
        Err(e) => panic!("io_uring_setup: {e}"),
    };
    let mut all = generated::uringtop_every_1_ring1();
    ring.submitter()
        .register_restrictions(&mut all)
        .expect("IORING_REGISTER_RESTRICTIONS with every known code");
    ring.submitter()
        .register_enable_rings()
        .expect("IORING_REGISTER_ENABLE_RINGS");
}

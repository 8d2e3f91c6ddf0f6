//! Reading one enum constant from the kernel's BTF.
//!
//! The probe needs the bit of `struct io_kiocb.flags` that says an SQE named a personality
//! (REQ_F_CREDS_BIT). It lives in an anonymous enum, which CO-RE cannot relocate (relocations
//! match enums by name), and its value moves between kernel versions as flags are added. So the
//! loader looks it up here and hands it to the programs as a read-only global. aya parses BTF
//! but keeps its type list private, hence this small reader of the format
//! (Documentation/bpf/btf.rst): a header, a type section and a string section.

const MAGIC: u16 = 0xeb9f;
const KIND_ENUM: u32 = 6;
const KIND_ENUM64: u32 = 19;

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// Bytes that follow a type's 12-byte common header, by kind (None: a kind this reader does
/// not know, so the walk cannot go on safely).
fn trailing_bytes(kind: u32, vlen: usize) -> Option<usize> {
    Some(match kind {
        2 | 7..=12 | 16 | 18 => 0,  // ptr, fwd, typedef, cv, func, float, type tag
        1 | 14 | 17 => 4,           // int, var, decl tag
        3 => 12,                    // array
        4 | 5 | 15 => 12 * vlen,    // struct, union, datasec
        KIND_ENUM | 13 => 8 * vlen, // enum, func proto
        KIND_ENUM64 => 12 * vlen,   // enum64
        _ => return None,
    })
}

/// The value of the enumerator `name` in BTF `data` (the first found), if any.
pub fn enum_value(data: &[u8], name: &str) -> Option<i64> {
    if u16::from_le_bytes(data.get(0..2)?.try_into().ok()?) != MAGIC {
        return None; // big-endian BTF or not BTF at all
    }
    let hdr_len = u32_at(data, 4)? as usize;
    let (type_off, type_len) = (u32_at(data, 8)? as usize, u32_at(data, 12)? as usize);
    let (str_off, str_len) = (u32_at(data, 16)? as usize, u32_at(data, 20)? as usize);
    let types = data.get(hdr_len + type_off..hdr_len + type_off + type_len)?;
    let strings = data.get(hdr_len + str_off..hdr_len + str_off + str_len)?;
    let wanted = string_offset(strings, name)?;
    let mut at = 0;
    while at + 12 <= types.len() {
        let info = u32_at(types, at + 4)?;
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        let members = at + 12;
        if kind == KIND_ENUM || kind == KIND_ENUM64 {
            let step = if kind == KIND_ENUM { 8 } else { 12 };
            for m in 0..vlen {
                let entry = members + m * step;
                if u32_at(types, entry)? as usize == wanted {
                    let low = u32_at(types, entry + 4)?;
                    return Some(if kind == KIND_ENUM {
                        i64::from(low as i32)
                    } else {
                        (i64::from(u32_at(types, entry + 8)?) << 32) | i64::from(low)
                    });
                }
            }
        }
        at = members + trailing_bytes(kind, vlen)?;
    }
    None
}

/// Where `name` starts in the string section (strings are NUL-terminated, back to back).
fn string_offset(strings: &[u8], name: &str) -> Option<usize> {
    let mut at = 0;
    for s in strings.split(|&b| b == 0) {
        if s == name.as_bytes() {
            return Some(at);
        }
        at += s.len() + 1;
    }
    None
}

/// REQ_F_CREDS_BIT of the running kernel, if its BTF says.
pub fn creds_flag_bit() -> Option<u32> {
    req_flag_bit("REQ_F_CREDS_BIT")
}

/// The bit of `io_kiocb.flags` that marks a multishot request (REQ_F_APOLL_MULTISHOT_BIT, 27 on
/// 6.18): the probe remembers the owner of the CQEs such a request posts without itself.
pub fn multishot_flag_bit() -> Option<u32> {
    req_flag_bit("REQ_F_APOLL_MULTISHOT_BIT")
}

/// The running kernel has registered-buffer forms of vectored I/O (IORING_OP_READV_FIXED, Linux
/// 6.15+, which came with registered vectors for SENDMSG_ZC): READV, WRITEV and an unregistered
/// SENDMSG_ZC then violate a `fixed_buffers` rule.
pub fn has_vectored_fixed() -> bool {
    std::fs::read("/sys/kernel/btf/vmlinux")
        .ok()
        .and_then(|data| enum_value(&data, "IORING_OP_READV_FIXED"))
        .is_some()
}

fn req_flag_bit(name: &str) -> Option<u32> {
    let data = std::fs::read("/sys/kernel/btf/vmlinux").ok()?;
    enum_value(&data, name)
        .and_then(|v| u32::try_from(v).ok())
        .filter(|&b| b < 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made BTF blob: an int, then an enum { A = 3, REQ_F_CREDS_BIT = 19 }.
    fn blob() -> Vec<u8> {
        let strings = b"\0int\0A\0REQ_F_CREDS_BIT\0";
        let mut types = Vec::new();
        let mut put = |v: u32| types.extend_from_slice(&v.to_le_bytes());
        // int: name "int", kind 1, size 4, then its 4-byte encoding
        put(1);
        put(1 << 24);
        put(4);
        put(32);
        // enum: anonymous, kind 6, vlen 2, size 4
        put(0);
        put((6 << 24) | 2);
        put(4);
        put(5); // "A"
        put(3);
        put(7); // "REQ_F_CREDS_BIT"
        put(19);
        let mut out = Vec::new();
        out.extend_from_slice(&MAGIC.to_le_bytes());
        out.extend_from_slice(&[1, 0]);
        for v in [
            24u32,
            0,
            types.len() as u32,
            types.len() as u32,
            strings.len() as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&types);
        out.extend_from_slice(strings);
        out
    }

    #[test]
    fn finds_an_enumerator_of_an_anonymous_enum() {
        assert_eq!(enum_value(&blob(), "REQ_F_CREDS_BIT"), Some(19));
        assert_eq!(enum_value(&blob(), "A"), Some(3));
        assert_eq!(enum_value(&blob(), "MISSING"), None);
    }

    #[test]
    fn damaged_data_is_not_a_panic() {
        let b = blob();
        for cut in 0..b.len() {
            let _ = enum_value(&b[..cut], "REQ_F_CREDS_BIT");
        }
        assert_eq!(enum_value(b"not btf at all", "X"), None);
    }

    #[test]
    fn this_kernel_names_the_bit() {
        // Every kernel uringtop supports (6.5+) has REQ_F_CREDS_BIT in its BTF.
        if std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
            let bit = creds_flag_bit().expect("REQ_F_CREDS_BIT in this kernel's BTF");
            assert!((7..64).contains(&bit), "{bit}");
        }
    }
}

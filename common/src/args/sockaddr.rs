//! Socket addresses from the bytes of a `struct sockaddr` the program passed (CONNECT, BIND,
//! SENDMSG's msg_name, SEND_ZC's destination).

use crate::arg_names::address_family_name;
use serde_json::{json, Value as Json};
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    Inet {
        addr: Ipv4Addr,
        port: u16,
    },
    Inet6 {
        addr: Ipv6Addr,
        port: u16,
        flowinfo: u32,
        scope_id: u32,
    },
    /// AF_UNIX: a path, an abstract name (its leading NUL dropped), or unnamed.
    Unix(UnixAddr),
    /// Another family, or an address too short for its family: the family and the length.
    Other {
        family: u16,
        len: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnixAddr {
    Path(String),
    Abstract(String),
    Unnamed,
}

const AF_UNIX: u16 = 1;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

impl SockAddr {
    /// Decodes `bytes` (as long as the program said the address is); None for fewer than the two
    /// bytes of a family.
    pub fn parse(bytes: &[u8]) -> Option<SockAddr> {
        let family = u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]);
        let other = SockAddr::Other {
            family,
            len: bytes.len(),
        };
        let be16 = |i: usize| Some(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        let u32_at = |i: usize| -> Option<u32> {
            Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?))
        };
        Some(match family {
            AF_INET if bytes.len() >= 8 => SockAddr::Inet {
                port: be16(2)?,
                addr: Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]),
            },
            AF_INET6 if bytes.len() >= 24 => {
                let octets: [u8; 16] = bytes[8..24].try_into().ok()?;
                SockAddr::Inet6 {
                    port: be16(2)?,
                    flowinfo: u32::from_be(u32_at(4)?),
                    addr: Ipv6Addr::from(octets),
                    scope_id: if bytes.len() >= 28 { u32_at(24)? } else { 0 },
                }
            }
            AF_UNIX => {
                let path = &bytes[2..];
                SockAddr::Unix(match path.first() {
                    None => UnixAddr::Unnamed,
                    // Abstract names are not NUL-terminated: their length is the address's.
                    Some(0) => UnixAddr::Abstract(String::from_utf8_lossy(&path[1..]).into_owned()),
                    Some(_) => {
                        let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                        UnixAddr::Path(String::from_utf8_lossy(&path[..end]).into_owned())
                    }
                })
            }
            _ => other,
        })
    }

    /// `{AF_INET, 127.0.0.1:41234}`, `{AF_INET6, [::1]:41234}`, `{AF_UNIX, "/run/x.sock"}`,
    /// `{AF_UNIX, @"name"}` (abstract).
    pub fn text(&self) -> String {
        match self {
            SockAddr::Inet { addr, port } => format!("{{AF_INET, {addr}:{port}}}"),
            SockAddr::Inet6 {
                addr,
                port,
                scope_id,
                ..
            } => {
                if *scope_id != 0 {
                    format!("{{AF_INET6, [{addr}%{scope_id}]:{port}}}")
                } else {
                    format!("{{AF_INET6, [{addr}]:{port}}}")
                }
            }
            SockAddr::Unix(UnixAddr::Path(p)) => format!("{{AF_UNIX, {}}}", super::value::quote(p)),
            SockAddr::Unix(UnixAddr::Abstract(p)) => {
                format!("{{AF_UNIX, @{}}}", super::value::quote(p))
            }
            SockAddr::Unix(UnixAddr::Unnamed) => "{AF_UNIX}".into(),
            SockAddr::Other { family, len } => {
                format!(
                    "{{{}, {len} bytes}}",
                    address_family_name(u32::from(*family))
                )
            }
        }
    }

    pub fn json(&self) -> Json {
        match self {
            SockAddr::Inet { addr, port } => {
                json!({ "family": "AF_INET", "addr": addr.to_string(), "port": port })
            }
            SockAddr::Inet6 {
                addr,
                port,
                flowinfo,
                scope_id,
            } => json!({
                "family": "AF_INET6", "addr": addr.to_string(), "port": port,
                "flowinfo": flowinfo, "scope_id": scope_id,
            }),
            SockAddr::Unix(UnixAddr::Path(p)) => json!({ "family": "AF_UNIX", "path": p }),
            SockAddr::Unix(UnixAddr::Abstract(p)) => {
                json!({ "family": "AF_UNIX", "abstract": p })
            }
            SockAddr::Unix(UnixAddr::Unnamed) => json!({ "family": "AF_UNIX" }),
            SockAddr::Other { family, len } => json!({
                "family": address_family_name(u32::from(*family)), "len": len,
            }),
        }
    }
}

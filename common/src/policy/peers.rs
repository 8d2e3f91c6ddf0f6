//! `peers` conditions: the socket address an SQE names (CONNECT's and BIND's address,
//! SENDMSG's and SENDMSG_ZC's msg_name, SEND's and SEND_ZC's destination), as CIDRs and ports.
//! The probe matches the same entries (probe/bpf/policy.h, `peer_step`) against the address it
//! reads at submission.
//!
//! Syntax of one entry (README "Policy files"):
//! - `10.0.0.0/8`, `192.168.1.7`, `10.0.0.0/8:5432`, `10.0.0.0/8:1024-65535`, `10.0.0.0/8:*`;
//! - `[::1]`, `[::1]:443`, `[2001:db8::]/32:*`, `2001:db8::/32` (brackets needed with a port);
//! - `*`, `*:53`: every IPv4 and IPv6 address (with that port);
//! - `unix`: every AF_UNIX address;
//! - `!` in front negates: a rule's peers hold for an address when one of its plain entries
//!   matches (or it has none) and none of its negated entries does.
//!
//! An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is matched as the IPv4 address it stands for:
//! a connect to `::ffff:127.0.0.1` is a connect to 127.0.0.1.

use super::negatable::list_holds_for;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IORING_OP_* numbers of the opcodes that name a socket address.
pub const OP_SENDMSG: u8 = 9;
pub const OP_CONNECT: u8 = 16;
pub const OP_SEND: u8 = 26;
pub const OP_SEND_ZC: u8 = 47;
pub const OP_SENDMSG_ZC: u8 = 48;
pub const OP_BIND: u8 = 56;

/// The opcodes a `peers` condition judges.
pub const PEER_OPS: [u8; 6] = [
    OP_SENDMSG,
    OP_CONNECT,
    OP_SEND,
    OP_SEND_ZC,
    OP_SENDMSG_ZC,
    OP_BIND,
];

pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;

/// Which addresses an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerFamily {
    /// IPv4 and IPv6 (`*`).
    Inet,
    V4,
    V6,
    Unix,
}

/// One entry of a `peers` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerPattern {
    /// As written in the file (with its `!`).
    pub source: String,
    pub negated: bool,
    pub family: PeerFamily,
    /// The network's address (IPv4 in the first 4 bytes), host bits zero.
    pub net: [u8; 16],
    /// Prefix length in bits (0..=32 for IPv4, 0..=128 for IPv6).
    pub prefix: u8,
    pub port_lo: u16,
    pub port_hi: u16,
}

/// The socket address of one SQE, as the probe read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// AF_INET (`v6` false, the address in the first 4 bytes) or AF_INET6; a v4-mapped IPv6
    /// address is stored as IPv4.
    Inet {
        v6: bool,
        addr: [u8; 16],
        port: u16,
    },
    Unix,
    /// Another family: no entry matches it, but a list of only negated entries holds for it.
    Other(u16),
}

impl Peer {
    /// The address in a `struct sockaddr` (family in host order, port in network order).
    /// None when it is too short to say.
    pub fn from_sockaddr(b: &[u8]) -> Option<Peer> {
        let family = u16::from_ne_bytes([*b.first()?, *b.get(1)?]);
        let ip = match family {
            AF_INET => IpAddr::from(<[u8; 4]>::try_from(b.get(4..8)?).ok()?),
            AF_INET6 => IpAddr::from(<[u8; 16]>::try_from(b.get(8..24)?).ok()?),
            AF_UNIX => return Some(Peer::Unix),
            other => return Some(Peer::Other(other)),
        };
        Some(Peer::inet(ip, u16::from_be_bytes([*b.get(2)?, *b.get(3)?])))
    }

    /// An IPv4 or IPv6 address and port; a v4-mapped IPv6 address becomes the IPv4 address it
    /// stands for (as the probe reads it, see the module's documentation).
    pub fn inet(ip: IpAddr, port: u16) -> Peer {
        let mut addr = [0u8; 16];
        let v6 = match ip.to_canonical() {
            IpAddr::V4(a) => {
                addr[..4].copy_from_slice(&a.octets());
                false
            }
            IpAddr::V6(a) => {
                addr = a.octets();
                true
            }
        };
        Peer::Inet { v6, addr, port }
    }
}

/// The mask of a prefix over 16 bytes.
pub fn prefix_mask(prefix: u8) -> [u8; 16] {
    let mut mask = [0u8; 16];
    for (i, m) in mask.iter_mut().enumerate() {
        let bits = usize::from(prefix).saturating_sub(i * 8).min(8);
        *m = if bits == 0 { 0 } else { 0xffu8 << (8 - bits) };
    }
    mask
}

fn ports(text: &str, entry: &str) -> Result<(u16, u16), String> {
    if text == "*" {
        return Ok((0, u16::MAX));
    }
    let bad = || {
        format!(
            "peer \"{entry}\": \"{text}\" is not a port; write a number (443), a range \
             (1024-65535) or * (every port)"
        )
    };
    let one = |s: &str| s.trim().parse::<u16>().map_err(|_| bad());
    match text.split_once('-') {
        Some((lo, hi)) => {
            let (lo, hi) = (one(lo)?, one(hi)?);
            if lo > hi {
                return Err(format!(
                    "peer \"{entry}\": port range {lo}-{hi} is empty; write the lower port first"
                ));
            }
            Ok((lo, hi))
        }
        None => one(text).map(|p| (p, p)),
    }
}

/// Parses one `peers` entry; Err is the message.
pub fn parse_peer(entry: &str) -> Result<PeerPattern, String> {
    let (negated, rest) = match entry.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, entry.trim()),
    };
    let mut out = PeerPattern {
        source: entry.to_string(),
        negated,
        family: PeerFamily::Inet,
        net: [0; 16],
        prefix: 0,
        port_lo: 0,
        port_hi: u16::MAX,
    };
    if rest.eq_ignore_ascii_case("unix") {
        out.family = PeerFamily::Unix;
        return Ok(out);
    }
    // Split the address part from the port part.
    let (addr, port) = if let Some(inner) = rest.strip_prefix('[') {
        let Some((addr, after)) = inner.split_once(']') else {
            return Err(format!(
                "peer \"{entry}\": \"[\" without its \"]\"; write IPv6 addresses as [::1] or [::1]:443"
            ));
        };
        // "[2001:db8::]/32:443" or "[2001:db8::/32]:443".
        let (len, port) = match after.strip_prefix('/') {
            Some(l) => match l.split_once(':') {
                Some((l, p)) => (Some(l), Some(p)),
                None => (Some(l), None),
            },
            None if after.is_empty() => (None, None),
            None => match after.strip_prefix(':') {
                Some(p) => (None, Some(p)),
                None => {
                    return Err(format!(
                        "peer \"{entry}\": expected \":PORT\" or \"/PREFIX\" after \"]\""
                    ))
                }
            },
        };
        let addr = match len {
            Some(l) => format!("{addr}/{l}"),
            None => addr.to_string(),
        };
        (addr, port)
    } else if rest.matches(':').count() > 1 {
        (rest.to_string(), None) // a bare IPv6 address: no port
    } else {
        match rest.split_once(':') {
            Some((a, p)) => (a.to_string(), Some(p)),
            None => (rest.to_string(), None),
        }
    };
    if let Some(p) = port {
        (out.port_lo, out.port_hi) = ports(p, entry)?;
    }
    if addr == "*" {
        return Ok(out);
    }
    let (ip, len) = match addr.split_once('/') {
        Some((ip, len)) => (ip, Some(len)),
        None => (addr.as_str(), None),
    };
    let max = if let Ok(v4) = ip.parse::<Ipv4Addr>() {
        out.family = PeerFamily::V4;
        out.net[..4].copy_from_slice(&v4.octets());
        32
    } else if let Ok(v6) = ip.parse::<Ipv6Addr>() {
        out.family = PeerFamily::V6;
        out.net = v6.octets();
        128
    } else {
        return Err(format!(
            "peer \"{entry}\": \"{ip}\" is not an IPv4 or IPv6 address; entries look like \
             10.0.0.0/8, 10.0.0.0/8:5432, [::1]:*, *:53 or unix"
        ));
    };
    out.prefix = match len {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(n) if n <= max => n,
            _ => {
                return Err(format!(
                    "peer \"{entry}\": \"/{l}\" is not a prefix length (0 to {max})"
                ))
            }
        },
    };
    let mask = prefix_mask(out.prefix);
    let net: Vec<u8> = out.net.iter().zip(mask).map(|(a, m)| a & m).collect();
    if net != out.net {
        let fixed = if out.family == PeerFamily::V4 {
            Ipv4Addr::new(net[0], net[1], net[2], net[3]).to_string()
        } else {
            let mut b = [0u8; 16];
            b.copy_from_slice(&net);
            Ipv6Addr::from(b).to_string()
        };
        return Err(format!(
            "peer \"{entry}\": {ip} has bits set beyond its /{} prefix (did you mean \"{fixed}/{}\"?)",
            out.prefix, out.prefix
        ));
    }
    Ok(out)
}

impl PeerPattern {
    pub fn matches(&self, peer: &Peer) -> bool {
        let (v6, addr, port) = match (self.family, peer) {
            (PeerFamily::Unix, Peer::Unix) => return true,
            (_, Peer::Inet { v6, addr, port }) => (*v6, addr, *port),
            _ => return false,
        };
        let family_ok = match self.family {
            PeerFamily::Inet => true,
            PeerFamily::V4 => !v6,
            PeerFamily::V6 => v6,
            PeerFamily::Unix => false,
        };
        let mask = prefix_mask(self.prefix);
        family_ok
            && (self.port_lo..=self.port_hi).contains(&port)
            && addr
                .iter()
                .zip(mask)
                .zip(self.net)
                .all(|((a, m), n)| a & m == n)
    }
}

/// A list's verdict on one address: one plain entry matches (or there is none), no negated one
/// does (the rule `paths` lists share).
pub fn peers_hold_for(patterns: &[PeerPattern], peer: &Peer) -> bool {
    list_holds_for(patterns, |p| p.negated, |p| p.matches(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: [u8; 4], port: u16) -> Peer {
        let mut addr = [0u8; 16];
        addr[..4].copy_from_slice(&a);
        Peer::Inet {
            v6: false,
            addr,
            port,
        }
    }

    fn v6(a: Ipv6Addr, port: u16) -> Peer {
        Peer::Inet {
            v6: true,
            addr: a.octets(),
            port,
        }
    }

    fn m(entry: &str, peer: Peer) -> bool {
        parse_peer(entry).unwrap().matches(&peer)
    }

    #[test]
    fn cidrs_and_ports() {
        assert!(m("127.0.0.0/8", v4([127, 0, 0, 1], 80)));
        assert!(!m("127.0.0.0/8", v4([128, 0, 0, 1], 80)));
        assert!(m("10.0.0.0/8:5432", v4([10, 1, 2, 3], 5432)));
        assert!(!m("10.0.0.0/8:5432", v4([10, 1, 2, 3], 5433)));
        assert!(m("10.0.0.0/8:5000-6000", v4([10, 1, 2, 3], 5433)));
        assert!(m("192.168.1.7", v4([192, 168, 1, 7], 1)));
        assert!(!m("192.168.1.7", v4([192, 168, 1, 8], 1)));
        assert!(m("0.0.0.0/0", v4([1, 2, 3, 4], 1)));
        assert!(m("[::1]:*", v6(Ipv6Addr::LOCALHOST, 9)));
        assert!(!m("[::1]:*", v4([127, 0, 0, 1], 9)));
        assert!(m("[::1]:443", v6(Ipv6Addr::LOCALHOST, 443)));
        assert!(m(
            "[2001:db8::]/32:*",
            v6("2001:db8:1::5".parse().unwrap(), 1)
        ));
        assert!(m("2001:db8::/32", v6("2001:db8:1::5".parse().unwrap(), 1)));
        assert!(!m("2001:db8::/32", v6("2001:db9::5".parse().unwrap(), 1)));
        assert!(m("*:53", v6(Ipv6Addr::LOCALHOST, 53)));
        assert!(m("*:53", v4([8, 8, 8, 8], 53)));
        assert!(!m("*:53", Peer::Unix));
        assert!(m("unix", Peer::Unix));
        assert!(!m("unix", v4([1, 1, 1, 1], 1)));
    }

    #[test]
    fn sockaddrs_and_mapped_addresses() {
        let mut sin = vec![0u8; 16];
        sin[..2].copy_from_slice(&AF_INET.to_ne_bytes());
        sin[2..4].copy_from_slice(&8080u16.to_be_bytes());
        sin[4..8].copy_from_slice(&[127, 0, 0, 1]);
        assert_eq!(Peer::from_sockaddr(&sin), Some(v4([127, 0, 0, 1], 8080)));
        let mut sin6 = vec![0u8; 28];
        sin6[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
        sin6[2..4].copy_from_slice(&443u16.to_be_bytes());
        let mapped: Ipv6Addr = "::ffff:127.0.0.1".parse().unwrap();
        sin6[8..24].copy_from_slice(&mapped.octets());
        assert_eq!(Peer::from_sockaddr(&sin6), Some(v4([127, 0, 0, 1], 443)));
        assert!(m("127.0.0.0/8", Peer::from_sockaddr(&sin6).unwrap()));
        sin6[8..24].copy_from_slice(&Ipv6Addr::LOCALHOST.octets());
        assert_eq!(
            Peer::from_sockaddr(&sin6),
            Some(v6(Ipv6Addr::LOCALHOST, 443))
        );
        assert_eq!(Peer::from_sockaddr(&[2]), None);
        assert_eq!(Peer::from_sockaddr(&[1, 0, b'/']), Some(Peer::Unix));
    }

    #[test]
    fn negation() {
        let list: Vec<_> = ["!127.0.0.0/8", "![::1]"]
            .iter()
            .map(|s| parse_peer(s).unwrap())
            .collect();
        assert!(!peers_hold_for(&list, &v4([127, 0, 0, 1], 1)));
        assert!(!peers_hold_for(&list, &v6(Ipv6Addr::LOCALHOST, 1)));
        assert!(peers_hold_for(&list, &v4([10, 0, 0, 1], 1)));
        assert!(peers_hold_for(&list, &Peer::Other(16)));
    }

    #[test]
    fn refused_entries() {
        for bad in [
            "",
            "10.0.0.0/33",
            "10.1.0.0/8",
            "10.0.0.0/8:99999",
            "10.0.0.0/8:9-1",
            "[::1",
            "[::1]x",
            "localhost",
            "::1:80x",
        ] {
            assert!(parse_peer(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_peer("10.1.0.0/8").unwrap_err(),
            "peer \"10.1.0.0/8\": 10.1.0.0 has bits set beyond its /8 prefix (did you mean \"10.0.0.0/8\"?)"
        );
    }
}

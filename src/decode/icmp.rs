//! ICMP (RFC 792, RFC 1191) and ICMPv6 (RFC 4443) errors, tied to the flow they quote.

use crate::bytes::{array, be16, be32};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of ICMP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IcmpKind {
    /// Destination unreachable: network or host (v4 codes 0, 1, 6, 7; v6 code 0, 3).
    HostUnreachable,
    /// Destination unreachable: port (v4 code 3, v6 code 4).
    PortUnreachable,
    /// Destination unreachable: protocol (v4 code 2).
    ProtocolUnreachable,
    /// Communication administratively prohibited (v4 codes 9, 10, 13; v6 code 1): a firewall.
    AdminProhibited,
    /// Fragmentation needed and DF set (v4 code 4), with the next-hop MTU (RFC 1191).
    FragmentationNeeded {
        /// Next-hop MTU, 0 when the router did not say.
        mtu: u32,
    },
    /// ICMPv6 Packet Too Big (RFC 4443 §3.2).
    PacketTooBig {
        /// The MTU of the next hop.
        mtu: u32,
    },
    /// Time exceeded (TTL expired in transit, a routing loop).
    TimeExceeded,
    /// Any other destination-unreachable code.
    Unreachable {
        /// The raw code.
        code: u8,
    },
}

impl IcmpKind {
    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            IcmpKind::HostUnreachable => "host unreachable".into(),
            IcmpKind::PortUnreachable => "port unreachable".into(),
            IcmpKind::ProtocolUnreachable => "protocol unreachable".into(),
            IcmpKind::AdminProhibited => "communication administratively prohibited".into(),
            IcmpKind::FragmentationNeeded { mtu } => {
                format!("fragmentation needed (next-hop MTU {mtu})")
            }
            IcmpKind::PacketTooBig { mtu } => format!("packet too big (MTU {mtu})"),
            IcmpKind::TimeExceeded => "time exceeded in transit".into(),
            IcmpKind::Unreachable { code } => format!("destination unreachable (code {code})"),
        }
    }
}

/// The flow an ICMP error quotes: the offending packet's addresses and ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedFlow {
    /// IP protocol number of the quoted packet (6 TCP, 17 UDP).
    pub protocol: u8,
    /// Source address of the quoted packet (our side that sent it).
    pub src: IpAddr,
    /// Destination address of the quoted packet.
    pub dst: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// TCP sequence number of the quoted segment, if TCP.
    pub seq: Option<u32>,
}

/// An ICMP error and the flow it refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpError {
    /// What went wrong.
    pub kind: IcmpKind,
    /// Raw type and code.
    pub icmp_type: u8,
    /// Raw code.
    pub code: u8,
    /// The packet it quotes.
    pub quoted: QuotedFlow,
}

/// Parse an ICMPv4 message; only errors that quote a packet are returned.
pub fn parse_v4(icmp: &[u8]) -> Option<IcmpError> {
    let (&ty, &code) = (icmp.first()?, icmp.get(1)?);
    let kind = match (ty, code) {
        (3, 0 | 1 | 6 | 7 | 11 | 12) => IcmpKind::HostUnreachable,
        (3, 2) => IcmpKind::ProtocolUnreachable,
        (3, 3) => IcmpKind::PortUnreachable,
        (3, 4) => {
            let mtu = be16(icmp, 6).unwrap_or(0);
            IcmpKind::FragmentationNeeded {
                mtu: u32::from(mtu),
            }
        }
        (3, 9 | 10 | 13) => IcmpKind::AdminProhibited,
        (3, c) => IcmpKind::Unreachable { code: c },
        (11, _) => IcmpKind::TimeExceeded,
        _ => return None,
    };
    let quoted = quoted_v4(icmp.get(8..)?)?;
    Some(IcmpError {
        kind,
        icmp_type: ty,
        code,
        quoted,
    })
}

/// Parse an ICMPv6 message; only errors that quote a packet are returned.
pub fn parse_v6(icmp: &[u8]) -> Option<IcmpError> {
    let (&ty, &code) = (icmp.first()?, icmp.get(1)?);
    let kind = match (ty, code) {
        (1, 1 | 5 | 6) => IcmpKind::AdminProhibited,
        (1, 4) => IcmpKind::PortUnreachable,
        (1, 0 | 2 | 3) => IcmpKind::HostUnreachable,
        (1, c) => IcmpKind::Unreachable { code: c },
        (2, _) => {
            let mtu = be32(icmp, 4).unwrap_or(0);
            IcmpKind::PacketTooBig { mtu }
        }
        (3, _) => IcmpKind::TimeExceeded,
        _ => return None,
    };
    let quoted = quoted_v6(icmp.get(8..)?)?;
    Some(IcmpError {
        kind,
        icmp_type: ty,
        code,
        quoted,
    })
}

/// The quoted IPv4 header plus at least the first 8 bytes of its payload (RFC 792).
fn quoted_v4(q: &[u8]) -> Option<QuotedFlow> {
    let vihl = *q.first()?;
    if vihl >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(vihl & 0x0f) * 4;
    let protocol = *q.get(9)?;
    let src: [u8; 4] = array(q, 12)?;
    let dst: [u8; 4] = array(q, 16)?;
    let l4 = q.get(ihl..)?;
    let (src_port, dst_port, seq) = ports(l4, protocol)?;
    Some(QuotedFlow {
        protocol,
        src: IpAddr::V4(Ipv4Addr::from(src)),
        dst: IpAddr::V4(Ipv4Addr::from(dst)),
        src_port,
        dst_port,
        seq,
    })
}

/// The quoted IPv6 header (extension headers are not walked: TCP/UDP directly follow in practice).
fn quoted_v6(q: &[u8]) -> Option<QuotedFlow> {
    if *q.first()? >> 4 != 6 {
        return None;
    }
    let protocol = *q.get(6)?;
    let src: [u8; 16] = array(q, 8)?;
    let dst: [u8; 16] = array(q, 24)?;
    let (src_port, dst_port, seq) = ports(q.get(40..)?, protocol)?;
    Some(QuotedFlow {
        protocol,
        src: IpAddr::V6(Ipv6Addr::from(src)),
        dst: IpAddr::V6(Ipv6Addr::from(dst)),
        src_port,
        dst_port,
        seq,
    })
}

fn ports(l4: &[u8], protocol: u8) -> Option<(u16, u16, Option<u32>)> {
    if protocol != 6 && protocol != 17 {
        return None;
    }
    let seq = if protocol == 6 { be32(l4, 4) } else { None };
    Some((be16(l4, 0)?, be16(l4, 2)?, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ICMP 3/13 quoting a SYN 192.0.2.10:40000 → 198.51.100.20:3389.
    fn admin_prohibited() -> Vec<u8> {
        let mut v = vec![3, 13, 0, 0, 0, 0, 0, 0];
        v.extend_from_slice(&[0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0]);
        v.extend_from_slice(&[192, 0, 2, 10, 198, 51, 100, 20]);
        v.extend_from_slice(&[0x9c, 0x40, 0x0d, 0x3d, 0, 0, 0, 1]);
        v
    }

    #[test]
    fn admin_prohibited_quotes_the_syn() {
        let e = parse_v4(&admin_prohibited()).unwrap();
        assert_eq!(e.kind, IcmpKind::AdminProhibited);
        assert_eq!(e.quoted.src_port, 40000);
        assert_eq!(e.quoted.dst_port, 3389);
        assert_eq!(e.quoted.seq, Some(1));
        assert_eq!(e.quoted.dst.to_string(), "198.51.100.20");
    }

    #[test]
    fn frag_needed_carries_mtu() {
        let mut v = admin_prohibited();
        v[1] = 4;
        v[6] = 0x05;
        v[7] = 0x78;
        assert_eq!(
            parse_v4(&v).unwrap().kind,
            IcmpKind::FragmentationNeeded { mtu: 1400 }
        );
    }

    #[test]
    fn truncated_quote_is_ignored_not_a_panic() {
        let v = admin_prohibited();
        for n in 0..v.len() - 4 {
            assert!(parse_v4(&v[..n]).is_none(), "prefix {n}");
        }
        assert!(parse_v4(&v[..v.len() - 4]).is_some());
    }

    #[test]
    fn echo_is_not_an_error() {
        assert!(parse_v4(&[8, 0, 0, 0, 0, 0, 0, 0]).is_none());
    }
}

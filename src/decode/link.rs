//! Link layers (tcpdump.org LINKTYPE_* numbers): Ethernet with 802.1Q/QinQ tags, Linux cooked
//! capture v1 and v2, raw IP, BSD NULL/LOOP, PPP.

use crate::bytes::{array, be16};
use crate::capture::LinkType;
use etherparse::{EtherType, LaxSlicedPacket};

/// LINKTYPE_NULL: BSD loopback, 4-byte address family in host byte order.
pub const NULL: LinkType = 0;
/// LINKTYPE_ETHERNET.
pub const ETHERNET: LinkType = 1;
/// LINKTYPE_PPP (RFC 1661 protocol field, optionally after the HDLC address/control bytes).
pub const PPP: LinkType = 9;
/// DLT_RAW on most BSDs.
pub const RAW_12: LinkType = 12;
/// DLT_RAW on OpenBSD.
pub const RAW_14: LinkType = 14;
/// LINKTYPE_PPP_HDLC.
pub const PPP_HDLC: LinkType = 50;
/// LINKTYPE_RAW.
pub const RAW: LinkType = 101;
/// LINKTYPE_LOOP: OpenBSD loopback, address family in network byte order.
pub const LOOP: LinkType = 108;
/// LINKTYPE_LINUX_SLL (16-byte cooked header).
pub const LINUX_SLL: LinkType = 113;
/// LINKTYPE_IPV4.
pub const IPV4: LinkType = 228;
/// LINKTYPE_IPV6.
pub const IPV6: LinkType = 229;
/// LINKTYPE_LINUX_SLL2 (20-byte cooked header, used by `any`).
pub const LINUX_SLL2: LinkType = 276;

/// Link-layer slicing outcome (short-lived, on the stack: the size difference is fine).
#[allow(clippy::large_enum_variant)]
pub enum Sliced<'a> {
    /// Sliced down to (possibly) the network layer.
    Packet(LaxSlicedPacket<'a>),
    /// A frame that does not carry IP.
    NotIp,
    /// A link type we do not decode.
    Unknown,
    /// The link header itself is cut or invalid.
    Malformed(&'static str),
}

/// Slice a frame of the given link type.
pub fn slice(link: LinkType, data: &[u8]) -> Sliced<'_> {
    match link {
        ETHERNET => match LaxSlicedPacket::from_ethernet(data) {
            Ok(p) => Sliced::Packet(p),
            Err(_) => Sliced::Malformed("Ethernet header truncated"),
        },
        _ => match ip_bytes_checked(link, data) {
            Inner::Ip(ip) => match LaxSlicedPacket::from_ip(ip) {
                Ok(p) => Sliced::Packet(p),
                Err(_) => Sliced::Malformed("IP header truncated or invalid"),
            },
            Inner::Ether(et, rest) => Sliced::Packet(LaxSlicedPacket::from_ether_type(et, rest)),
            Inner::NotIp => Sliced::NotIp,
            Inner::Unknown => Sliced::Unknown,
            Inner::Short(why) => Sliced::Malformed(why),
        },
    }
}

/// The bytes of the IP packet inside a frame, when the link header says it is IP.
pub fn ip_bytes(link: LinkType, data: &[u8]) -> Option<&[u8]> {
    match link {
        ETHERNET => match LaxSlicedPacket::from_ethernet(data) {
            Ok(p) => match p.net {
                Some(etherparse::LaxNetSlice::Ipv4(v4)) => {
                    let start = v4.header().slice().as_ptr() as usize - data.as_ptr() as usize;
                    data.get(start..)
                }
                Some(etherparse::LaxNetSlice::Ipv6(v6)) => {
                    let start = v6.header().slice().as_ptr() as usize - data.as_ptr() as usize;
                    data.get(start..)
                }
                _ => None,
            },
            Err(_) => None,
        },
        _ => match ip_bytes_checked(link, data) {
            Inner::Ip(ip) => Some(ip),
            Inner::Ether(et, rest) if et == EtherType::IPV4 || et == EtherType::IPV6 => Some(rest),
            _ => None,
        },
    }
}

enum Inner<'a> {
    Ip(&'a [u8]),
    Ether(EtherType, &'a [u8]),
    NotIp,
    Unknown,
    Short(&'static str),
}

fn ip_bytes_checked(link: LinkType, data: &[u8]) -> Inner<'_> {
    match link {
        RAW | RAW_12 | RAW_14 | IPV4 | IPV6 => Inner::Ip(data),
        NULL | LOOP => {
            let Some(fam) = array::<4>(data, 0) else {
                return Inner::Short("loopback header truncated");
            };
            // NULL is host order of the capturing machine: accept either.
            let v = if link == LOOP {
                u32::from_be_bytes(fam)
            } else {
                let le = u32::from_le_bytes(fam);
                if le < 256 {
                    le
                } else {
                    u32::from_be_bytes(fam)
                }
            };
            match v {
                2 | 24 | 28 | 30 => Inner::Ip(data.get(4..).unwrap_or_default()),
                _ => Inner::NotIp,
            }
        }
        PPP | PPP_HDLC => {
            let mut rest = data;
            if rest.first() == Some(&0xff) && rest.get(1) == Some(&0x03) {
                rest = rest.get(2..).unwrap_or_default();
            }
            let Some(p) = be16(rest, 0) else {
                return Inner::Short("PPP header truncated");
            };
            match p {
                0x0021 | 0x0057 => Inner::Ip(rest.get(2..).unwrap_or_default()),
                _ => Inner::NotIp,
            }
        }
        LINUX_SLL => match (be16(data, 14), data.get(16..)) {
            (Some(p), Some(rest)) => Inner::Ether(EtherType(p), rest),
            _ => Inner::Short("Linux cooked header truncated"),
        },
        LINUX_SLL2 => match (be16(data, 0), data.get(20..)) {
            (Some(p), Some(rest)) => Inner::Ether(EtherType(p), rest),
            _ => Inner::Short("Linux cooked v2 header truncated"),
        },
        _ => Inner::Unknown,
    }
}

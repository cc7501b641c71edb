//! Which worker a frame belongs to, from a cheap peek at its headers (no full decode).
//!
//! The key is a hash of the *unordered IP address pair*, so both directions of a connection,
//! every fragment of a datagram, an RDP-over-UDP flow and the TCP connection between the same
//! two hosts all go to one worker. An ICMP error is keyed by the addresses of the packet it
//! quotes (RFC 792, RFC 4443 §2.4), so it reaches the worker holding the connection it is about.
//!
//! The common case (Ethernet with up to two VLAN tags, Linux cooked captures or raw IP, carrying
//! IPv4 that is not ICMP or IPv6 straight to TCP/UDP) reads fixed offsets. Anything else takes
//! the slow path: the decoder's own link slicing and ICMP parsing, so the addresses seen here are
//! exactly the ones the decoder will see. Frames that are not IP at all get `None` (worker 0).

use crate::bytes::{array, be16};
use crate::capture::LinkType;
use crate::decode::{icmp, link};
use etherparse::{IpNumber, LaxNetSlice};
use std::net::IpAddr;

/// A frame's shard key, and whether the frame may be analysed out of file order with respect
/// to frames of other keys (see [`super::parallel`]'s regrouping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The hash of the unordered address pair.
    pub hash: u64,
    /// A plain TCP or UDP packet over IPv4 (not a fragment) or IPv6 (no extension header): its
    /// analysis touches only the state of its own connection. An IP fragment (the decoder's
    /// reassembly pool, shared by all), an ICMP error or anything the fast path does not
    /// read keeps its place.
    pub reorderable: bool,
}

/// The shard key of a frame, or `None` when it carries no IP packet we can see.
pub fn flow_hash(link_type: LinkType, data: &[u8]) -> Option<u64> {
    flow_key(link_type, data).map(|k| k.hash)
}

/// [`flow_hash`], with whether the frame may be reordered.
pub fn flow_key(link_type: LinkType, data: &[u8]) -> Option<Key> {
    let ip = match link_type {
        link::ETHERNET => ethernet_ip(data),
        link::RAW | link::RAW_12 | link::RAW_14 | link::IPV4 | link::IPV6 => Some(data),
        link::LINUX_SLL => match be16(data, 14) {
            Some(0x0800 | 0x86dd) => data.get(16..),
            _ => None,
        },
        link::LINUX_SLL2 => match be16(data, 0) {
            Some(0x0800 | 0x86dd) => data.get(20..),
            _ => None,
        },
        _ => None,
    };
    if let Some(k) = ip.and_then(fast_ip) {
        return Some(k);
    }
    slow(link_type, data).map(|hash| Key {
        hash,
        reorderable: false,
    })
}

/// The IP packet of an Ethernet frame with at most two 802.1Q / 802.1ad tags.
fn ethernet_ip(data: &[u8]) -> Option<&[u8]> {
    let mut at = 12;
    for _ in 0..3 {
        match be16(data, at)? {
            0x0800 | 0x86dd => return data.get(at + 2..),
            0x8100 | 0x88a8 | 0x9100 => at += 4,
            _ => return None,
        }
    }
    None
}

/// Fixed-offset addresses for IPv4 (not ICMP) and IPv6 directly followed by TCP or UDP;
/// `None` sends the frame to the slow path.
fn fast_ip(ip: &[u8]) -> Option<Key> {
    match ip.first()? >> 4 {
        4 => {
            if *ip.get(9)? == 1 {
                return None;
            }
            // More fragments, or a fragment offset (RFC 791 §3.1).
            let fragment = be16(ip, 6)? & 0x3fff != 0;
            Some(Key {
                hash: key4(array(ip, 12)?, array(ip, 16)?),
                reorderable: !fragment,
            })
        }
        6 => {
            if !matches!(ip.get(6)?, 6 | 17) {
                return None;
            }
            Some(Key {
                hash: key6(array(ip, 8)?, array(ip, 24)?),
                reorderable: true,
            })
        }
        _ => None,
    }
}

/// The decoder's view: etherparse's lax slicing (every link type, tags, extension headers) and,
/// for an unfragmented ICMP error, the quoted packet's addresses.
fn slow(link_type: LinkType, data: &[u8]) -> Option<u64> {
    let link::Sliced::Packet(p) = link::slice(link_type, data) else {
        return None;
    };
    match p.net.as_ref()? {
        LaxNetSlice::Ipv4(v4) => {
            let pl = v4.payload();
            if !pl.fragmented && pl.ip_number == IpNumber::ICMP {
                if let Some(e) = icmp::parse_v4(pl.payload) {
                    return Some(key(e.quoted.src, e.quoted.dst));
                }
            }
            let h = v4.header();
            Some(key4(h.source(), h.destination()))
        }
        LaxNetSlice::Ipv6(v6) => {
            let pl = v6.payload();
            if !pl.fragmented && pl.ip_number == IpNumber::IPV6_ICMP {
                if let Some(e) = icmp::parse_v6(pl.payload) {
                    return Some(key(e.quoted.src, e.quoted.dst));
                }
            }
            let h = v6.header();
            Some(key6(h.source(), h.destination()))
        }
        LaxNetSlice::Arp(_) => None,
    }
}

fn key(a: IpAddr, b: IpAddr) -> u64 {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => key4(a.octets(), b.octets()),
        (IpAddr::V6(a), IpAddr::V6(b)) => key6(a.octets(), b.octets()),
        (IpAddr::V4(a), IpAddr::V6(b)) | (IpAddr::V6(b), IpAddr::V4(a)) => {
            mix(u64::from(u32::from_be_bytes(a.octets())) ^ fold(u128::from_be_bytes(b.octets())))
        }
    }
}

fn key4(a: [u8; 4], b: [u8; 4]) -> u64 {
    let (a, b) = (u32::from_be_bytes(a), u32::from_be_bytes(b));
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    mix((u64::from(lo) << 32) | u64::from(hi))
}

fn key6(a: [u8; 16], b: [u8; 16]) -> u64 {
    let (a, b) = (u128::from_be_bytes(a), u128::from_be_bytes(b));
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    mix(fold(lo) ^ fold(hi).rotate_left(29).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn fold(x: u128) -> u64 {
    (x as u64) ^ ((x >> 64) as u64).rotate_left(17)
}

/// A 64-bit finaliser (splitmix64's): every input bit affects every output bit (the high
/// ones pick the analyzer).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn tcp4(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let mut v = Vec::new();
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(src, dst, 64)
            .tcp(50000, 3389, 1, 1000)
            .write(&mut v, b"x")
            .unwrap();
        v
    }

    #[test]
    fn both_directions_share_a_key() {
        let a = tcp4([10, 0, 0, 1], [10, 0, 0, 2]);
        let b = tcp4([10, 0, 0, 2], [10, 0, 0, 1]);
        let c = tcp4([10, 0, 0, 1], [10, 0, 0, 3]);
        let ka = flow_hash(link::ETHERNET, &a).unwrap();
        assert_eq!(Some(ka), flow_hash(link::ETHERNET, &b));
        assert_ne!(Some(ka), flow_hash(link::ETHERNET, &c));
    }

    #[test]
    fn vlan_tagged_and_raw_ip_agree_with_plain_ethernet() {
        let plain = tcp4([192, 0, 2, 1], [198, 51, 100, 7]);
        let mut tagged = plain[..12].to_vec();
        tagged.extend_from_slice(&[0x81, 0x00, 0x00, 0x64]);
        tagged.extend_from_slice(&plain[12..]);
        let k = flow_hash(link::ETHERNET, &plain);
        assert!(k.is_some());
        assert_eq!(k, flow_hash(link::ETHERNET, &tagged));
        assert_eq!(k, flow_hash(link::RAW, &plain[14..]));
    }

    #[test]
    fn icmp_error_is_keyed_by_the_quoted_packet() {
        // A router 192.0.2.254 tells 10.0.0.1 that its SYN to 10.0.0.2:3389 was filtered.
        let syn = tcp4([10, 0, 0, 1], [10, 0, 0, 2]);
        let quoted = &syn[14..14 + 28];
        let mut icmp = Vec::new();
        PacketBuilder::ethernet2([3; 6], [1; 6])
            .ipv4([192, 0, 2, 254], [10, 0, 0, 1], 255)
            .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
                etherparse::icmpv4::DestUnreachableHeader::FilterProhibited,
            ))
            .write(&mut icmp, quoted)
            .unwrap();
        assert_eq!(
            flow_hash(link::ETHERNET, &icmp),
            flow_hash(link::ETHERNET, &syn)
        );
        // An echo request is keyed by its own addresses.
        let mut echo = Vec::new();
        PacketBuilder::ethernet2([3; 6], [1; 6])
            .ipv4([192, 0, 2, 254], [10, 0, 0, 1], 255)
            .icmpv4_echo_request(1, 1)
            .write(&mut echo, b"ping")
            .unwrap();
        assert_eq!(
            flow_hash(link::ETHERNET, &echo),
            Some(key4([192, 0, 2, 254], [10, 0, 0, 1]))
        );
    }

    #[test]
    fn ipv6_with_extension_header_takes_the_slow_path_to_the_same_key() {
        let mut v = Vec::new();
        let src = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let dst = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv6(src, dst, 64)
            .udp(5000, 3389)
            .write(&mut v, b"x")
            .unwrap();
        let k = flow_hash(link::ETHERNET, &v);
        // Insert an 8-byte Destination Options header (next header 60) before UDP.
        let mut ext = v[..14 + 40].to_vec();
        ext[14 + 6] = 60;
        let plen = u16::from_be_bytes([ext[14 + 4], ext[14 + 5]]) + 8;
        ext[14 + 4..14 + 6].copy_from_slice(&plen.to_be_bytes());
        ext.extend_from_slice(&[17, 0, 1, 4, 0, 0, 0, 0]);
        ext.extend_from_slice(&v[14 + 40..]);
        assert!(k.is_some());
        assert_eq!(k, flow_hash(link::ETHERNET, &ext));
    }

    #[test]
    fn only_plain_tcp_and_udp_may_be_reordered() {
        let plain = tcp4([10, 0, 0, 1], [10, 0, 0, 2]);
        let key = |d: &[u8]| flow_key(link::ETHERNET, d).unwrap();
        assert!(key(&plain).reorderable);
        // The same packet as a first fragment (MF) and as a later one (offset 8): same key,
        // kept in place.
        for (flags_offset, what) in [(0x2000u16, "first fragment"), (0x0001, "later fragment")] {
            let mut frag = plain.clone();
            frag[14 + 6..14 + 8].copy_from_slice(&flags_offset.to_be_bytes());
            let k = key(&frag);
            assert_eq!(k.hash, key(&plain).hash, "{what}");
            assert!(!k.reorderable, "{what}");
        }
        // Don't Fragment alone is not a fragment.
        let mut df = plain.clone();
        df[14 + 6..14 + 8].copy_from_slice(&0x4000u16.to_be_bytes());
        assert!(key(&df).reorderable);
        // An ICMP error (slow path) keeps its place.
        let mut icmp = Vec::new();
        PacketBuilder::ethernet2([3; 6], [1; 6])
            .ipv4([192, 0, 2, 254], [10, 0, 0, 1], 255)
            .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
                etherparse::icmpv4::DestUnreachableHeader::FilterProhibited,
            ))
            .write(&mut icmp, &plain[14..14 + 28])
            .unwrap();
        assert_eq!(key(&icmp).hash, key(&plain).hash);
        assert!(!key(&icmp).reorderable);
    }

    #[test]
    fn non_ip_and_short_frames_have_no_key() {
        let arp = [0xffu8; 12]
            .iter()
            .copied()
            .chain([0x08, 0x06])
            .chain([0u8; 28])
            .collect::<Vec<_>>();
        assert_eq!(flow_hash(link::ETHERNET, &arp), None);
        let syn = tcp4([10, 0, 0, 1], [10, 0, 0, 2]);
        for n in 0..14 + 20 {
            assert_eq!(flow_hash(link::ETHERNET, &syn[..n]), None, "prefix {n}");
        }
        assert_eq!(flow_hash(9999, &syn), None);
    }
}

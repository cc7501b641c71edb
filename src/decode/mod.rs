//! Decoding a frame: link layer → IPv4/IPv6 → TCP, UDP or an ICMP error.
//!
//! Header parsing is `etherparse`'s (lax mode, so snaplen-cut packets still yield their headers);
//! this module adds the link types etherparse does not know (SLL2, BSD loopback, PPP), bounded
//! IPv4/IPv6 fragment reassembly (etherparse's defragmentation pool), and ICMP errors tied to the
//! connection they quote. Checksums are never verified: offload makes bad ones common.

pub mod icmp;
pub(crate) mod link;

pub use icmp::{IcmpError, IcmpKind, QuotedFlow};

use crate::capture::LinkType;
use crate::flow::segment::TcpOptions;
use crate::types::Timestamp;
use etherparse::defrag::IpDefragPool;
use etherparse::{IpNumber, LaxNetSlice, SlicedPacket, TcpSlice, UdpSlice};
use etherparse::{TcpOptionElement, TcpOptionsIterator};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP transport protocol numbers we track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Transport {
    /// TCP (RFC 9293).
    #[serde(rename = "tcp")]
    Tcp,
    /// UDP (RFC 768).
    #[serde(rename = "udp")]
    Udp,
}

/// The network-layer facts about a packet that the analysis uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpMeta {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit (a forged RST often differs from the server's own packets).
    pub ttl: u8,
    /// IPv4 identification (None for IPv6 unless fragmented).
    pub ip_id: Option<u32>,
}

/// A TCP segment's header fields and payload, borrowed from the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpView<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// The eight flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80).
    pub flags: u8,
    /// The raw (unscaled) window.
    pub window: u16,
    /// The raw option bytes (RFC 9293 §3.1).
    pub options: &'a [u8],
    /// The captured payload (may be shorter than on the wire when the snap length cut it).
    pub payload: &'a [u8],
    /// Payload length on the wire (from the IP length), which can exceed `payload.len()`.
    pub wire_len: u32,
    /// The checksum field as sent (not verified: offloading leaves it unset on the sender).
    pub checksum: u16,
}

/// What a frame decoded to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A TCP segment.
    Tcp(IpMeta, TcpView<'a>),
    /// A UDP datagram.
    Udp {
        /// Addresses.
        ip: IpMeta,
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Datagram payload.
        payload: &'a [u8],
    },
    /// An ICMP or ICMPv6 error quoting some flow.
    Icmp(IpMeta, IcmpError),
    /// A fragment held for reassembly (the frame that completes the datagram yields it).
    Fragment,
    /// IP, but neither TCP, UDP nor an ICMP error (or too damaged to tell).
    OtherIp,
    /// Not IP at all (ARP, LLDP, ...).
    NotIp,
    /// A link type we cannot decode.
    UnknownLink(LinkType),
    /// Too short or damaged to decode; the reason names the layer.
    Malformed(&'static str),
}

/// Bounds on fragment reassembly.
const FRAG_TIMEOUT_NS: i64 = 30_000_000_000;
const FRAG_MAX_PENDING: u32 = 4_096;

/// Stateful decoder (it holds IP fragments until their datagram is complete).
pub struct Decoder {
    pool: IpDefragPool<i64, ()>,
    pending_frags: u32,
    /// Buffer holding the last reassembled datagram's payload.
    reassembled: Vec<u8>,
    /// Fragment reassemblies dropped because of the bounds.
    pub frags_evicted: u64,
    /// Datagrams reassembled from fragments.
    pub frags_reassembled: u64,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with an empty fragment pool.
    pub fn new() -> Self {
        Decoder {
            pool: IpDefragPool::new(),
            pending_frags: 0,
            reassembled: Vec::new(),
            frags_evicted: 0,
            frags_reassembled: 0,
        }
    }

    /// Decode one frame of the given link type.
    pub fn decode<'a>(&'a mut self, link: LinkType, data: &'a [u8], ts: Timestamp) -> Decoded<'a> {
        if link == link::ETHERNET {
            if let Some((meta, ip_number, payload, wire)) =
                plain_ipv4(data).or_else(|| plain_ipv6(data))
            {
                return transport(meta, ip_number, payload, Some(wire));
            }
        }
        self.decode_sliced(link, data, ts)
    }

    /// [`Decoder::decode`] through etherparse's lax slicing (every case).
    fn decode_sliced<'a>(
        &'a mut self,
        link: LinkType,
        data: &'a [u8],
        ts: Timestamp,
    ) -> Decoded<'a> {
        let sliced = match link::slice(link, data) {
            link::Sliced::Packet(p) => p,
            link::Sliced::NotIp => return Decoded::NotIp,
            link::Sliced::Unknown => return Decoded::UnknownLink(link),
            link::Sliced::Malformed(why) => return Decoded::Malformed(why),
        };
        let Some(net) = &sliced.net else {
            return match sliced.stop_err {
                Some(_) => Decoded::Malformed("IP header truncated or invalid"),
                None => Decoded::NotIp,
            };
        };
        let (meta, payload, ip_number, fragmented, wire_payload) = match net {
            LaxNetSlice::Ipv4(v4) => {
                let h = v4.header();
                let meta = IpMeta {
                    src: IpAddr::V4(Ipv4Addr::from(h.source())),
                    dst: IpAddr::V4(Ipv4Addr::from(h.destination())),
                    ttl: h.ttl(),
                    ip_id: Some(u32::from(h.identification())),
                };
                let p = v4.payload();
                let wire = usize::from(h.total_len()).saturating_sub(h.slice().len());
                (meta, p.payload, p.ip_number, p.fragmented, wire)
            }
            LaxNetSlice::Ipv6(v6) => {
                let h = v6.header();
                let meta = IpMeta {
                    src: IpAddr::V6(Ipv6Addr::from(h.source())),
                    dst: IpAddr::V6(Ipv6Addr::from(h.destination())),
                    ttl: h.hop_limit(),
                    ip_id: None,
                };
                let p = v6.payload();
                let wire = usize::from(h.payload_length());
                (meta, p.payload, p.ip_number, p.fragmented, wire)
            }
            LaxNetSlice::Arp(_) => return Decoded::NotIp,
        };
        if fragmented {
            return self.defragment(link::ip_bytes(link, data), ts, meta);
        }
        transport(meta, ip_number, payload, Some(wire_payload))
    }

    fn defragment<'a>(
        &'a mut self,
        ip: Option<&'a [u8]>,
        ts: Timestamp,
        meta: IpMeta,
    ) -> Decoded<'a> {
        let Some(ip) = ip else {
            return Decoded::Malformed("IP fragment without a readable header");
        };
        let Ok(strict) = SlicedPacket::from_ip(ip) else {
            return Decoded::Malformed("IP fragment truncated");
        };
        // Bound the pool: drop reassemblies older than the timeout, and everything when too many
        // fragments are pending (a fragment flood must not grow memory).
        self.pending_frags += 1;
        if self.pending_frags % 256 == 0 {
            let now = ts.0;
            self.pool
                .retain(|t| now.saturating_sub(*t) < FRAG_TIMEOUT_NS);
        }
        if self.pending_frags > FRAG_MAX_PENDING {
            self.pool.retain(|_| false);
            self.frags_evicted += u64::from(self.pending_frags);
            self.pending_frags = 0;
        }
        match self.pool.process_sliced_packet(&strict, ts.0, ()) {
            Ok(Some(done)) => {
                self.frags_reassembled += 1;
                self.pending_frags = 0;
                let number = done.ip_number;
                let old = std::mem::replace(&mut self.reassembled, done.payload);
                // Hand the spent buffer back to the pool for reuse.
                self.pool
                    .return_buf(etherparse::defrag::IpDefragPayloadVec {
                        ip_number: number,
                        len_source: done.len_source,
                        payload: old,
                    });
                transport(meta, number, &self.reassembled, None)
            }
            Ok(None) => Decoded::Fragment,
            Err(_) => Decoded::Malformed("inconsistent IP fragments"),
        }
    }
}

/// The common case read directly, without building etherparse's slicing of every layer (a few
/// hundred bytes moved around per packet): an Ethernet II frame holding an unfragmented IPv4
/// packet (RFC 791 §3.1) whose header and total length are consistent and fit in the frame,
/// carrying TCP or UDP. Returns the packet's facts, transport protocol, payload and payload
/// length on the wire, exactly as the etherparse path finds them; None for anything else (that
/// path then decides).
fn plain_ipv4(data: &[u8]) -> Option<(IpMeta, IpNumber, &[u8], usize)> {
    use crate::bytes::{array, be16};
    if be16(data, 12)? != 0x0800 {
        return None;
    }
    let ip = data.get(14..)?;
    let h: [u8; 20] = array::<20>(ip, 0)?;
    let (version, ihl) = (h[0] >> 4, usize::from(h[0] & 0x0f) * 4);
    let total = usize::from(u16::from_be_bytes([h[2], h[3]]));
    let more_fragments = h[6] & 0x20 != 0;
    let offset = u16::from_be_bytes([h[6], h[7]]) & 0x1fff;
    // Other protocols may carry IPv4 extension headers (AH), which etherparse walks.
    let proto = h[9];
    if version != 4
        || ihl < 20
        || total < ihl
        || total > ip.len()
        || more_fragments
        || offset != 0
        || (proto != 6 && proto != 17)
    {
        return None;
    }
    let meta = IpMeta {
        src: IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])),
        dst: IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])),
        ttl: h[8],
        ip_id: Some(u32::from(u16::from_be_bytes([h[4], h[5]]))),
    };
    let payload = ip.get(ihl..total)?;
    Some((meta, IpNumber(proto), payload, total - ihl))
}

/// The IPv6 counterpart of [`plain_ipv4`]: an Ethernet II frame holding an IPv6 packet (RFC 8200
/// §3) without extension headers, its payload length non-zero and within the frame, carrying TCP
/// or UDP. Anything else (extension headers, fragments, a cut packet) takes the etherparse path.
fn plain_ipv6(data: &[u8]) -> Option<(IpMeta, IpNumber, &[u8], usize)> {
    use crate::bytes::{array, be16};
    if be16(data, 12)? != 0x86dd {
        return None;
    }
    let ip = data.get(14..)?;
    let h: [u8; 40] = array::<40>(ip, 0)?;
    let len = usize::from(u16::from_be_bytes([h[4], h[5]]));
    let next = h[6];
    if h[0] >> 4 != 6 || len == 0 || 40 + len > ip.len() || (next != 6 && next != 17) {
        return None;
    }
    let addr = |at: usize| array::<16>(&h, at).map(|a| IpAddr::V6(Ipv6Addr::from(a)));
    let meta = IpMeta {
        src: addr(8)?,
        dst: addr(24)?,
        ttl: h[7],
        ip_id: None,
    };
    let payload = ip.get(40..40 + len)?;
    Some((meta, IpNumber(next), payload, len))
}

/// Decode the transport layer. `wire_payload` is the IP payload length on the wire when known
/// (the captured payload may be shorter when the snap length cut the packet).
fn transport<'a>(
    meta: IpMeta,
    ip_number: IpNumber,
    payload: &'a [u8],
    wire_payload: Option<usize>,
) -> Decoded<'a> {
    match ip_number {
        IpNumber::TCP => match TcpSlice::from_slice(payload) {
            Ok(tcp) => {
                let captured = tcp.payload().len();
                let wire_len = wire_payload
                    .map(|w| w.saturating_sub(tcp.header_len()).max(captured))
                    .unwrap_or(captured) as u32;
                Decoded::Tcp(
                    meta,
                    TcpView {
                        src_port: tcp.source_port(),
                        dst_port: tcp.destination_port(),
                        seq: tcp.sequence_number(),
                        ack: tcp.acknowledgment_number(),
                        flags: tcp_flags(&tcp),
                        window: tcp.window_size(),
                        options: tcp.header_slice().get(20..).unwrap_or_default(),
                        payload: tcp.payload(),
                        wire_len,
                        checksum: tcp.checksum(),
                    },
                )
            }
            Err(_) => Decoded::Malformed("TCP header truncated or invalid"),
        },
        IpNumber::UDP => match UdpSlice::from_slice_lax(payload) {
            Ok(udp) => Decoded::Udp {
                ip: meta,
                src_port: udp.source_port(),
                dst_port: udp.destination_port(),
                payload: udp.payload(),
            },
            Err(_) => Decoded::Malformed("UDP header truncated"),
        },
        IpNumber::ICMP => match icmp::parse_v4(payload) {
            Some(e) => Decoded::Icmp(meta, e),
            None => Decoded::OtherIp,
        },
        IpNumber::IPV6_ICMP => match icmp::parse_v6(payload) {
            Some(e) => Decoded::Icmp(meta, e),
            None => Decoded::OtherIp,
        },
        _ => Decoded::OtherIp,
    }
}

/// Parse TCP options (RFC 9293 §3.2 MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK)
/// with etherparse's option iterator; malformed options end the walk.
pub fn tcp_options(raw: &[u8]) -> TcpOptions {
    let mut o = TcpOptions::default();
    for opt in TcpOptionsIterator::from_slice(raw) {
        let Ok(opt) = opt else { break };
        match opt {
            TcpOptionElement::MaximumSegmentSize(m) => o.mss = Some(m),
            TcpOptionElement::WindowScale(w) => o.wscale = Some(w),
            TcpOptionElement::SelectiveAcknowledgementPermitted => o.sack_permitted = true,
            TcpOptionElement::SelectiveAcknowledgement(first, rest) => {
                let blocks = std::iter::once(Some(first)).chain(rest);
                let mut n = 0usize;
                for (slot, b) in o.sack.iter_mut().zip(blocks.flatten()) {
                    *slot = b;
                    n += 1;
                }
                o.sack_count = n as u8;
            }
            TcpOptionElement::Timestamp(a, b) => o.timestamps = Some((a, b)),
            _ => {}
        }
    }
    o
}

fn tcp_flags(t: &TcpSlice<'_>) -> u8 {
    let mut f = 0u8;
    for (on, bit) in [
        (t.fin(), 0x01),
        (t.syn(), 0x02),
        (t.rst(), 0x04),
        (t.psh(), 0x08),
        (t.ack(), 0x10),
        (t.urg(), 0x20),
        (t.ece(), 0x40),
        (t.cwr(), 0x80),
    ] {
        if on {
            f |= bit;
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ethernet/IPv4 and IPv6 frames of every kind the fast paths meet, then each mutated: every
    /// header byte set to telling values, and every truncation. Both paths must decode alike.
    #[test]
    fn plain_ip_shortcuts_decode_exactly_like_etherparse() {
        let mut bases: Vec<Vec<u8>> = Vec::new();
        let b = || etherparse::PacketBuilder::ethernet2([1; 6], [2; 6]);
        let mut v = Vec::new();
        b().ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(50000, 3389, 7, 64000)
            .syn()
            .options(&[etherparse::TcpOptionElement::MaximumSegmentSize(1460)])
            .unwrap()
            .write(&mut v, b"hello")
            .unwrap();
        bases.push(v);
        let mut v = Vec::new();
        b().ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(3389, 50000)
            .write(&mut v, &[9; 40])
            .unwrap();
        bases.push(v);
        // Ethernet padding after a short packet, and IPv4 options (IHL 6).
        let mut v = bases[0].clone();
        v.extend_from_slice(&[0; 12]);
        bases.push(v);
        let mut v = bases[1].clone();
        v.splice(34..34, [1, 1, 1, 1]); // four NOP option bytes
        v[14] = 0x46;
        let total = u16::from_be_bytes([v[16], v[17]]) + 4;
        v[16..18].copy_from_slice(&total.to_be_bytes());
        bases.push(v);

        // IPv6: TCP and UDP, and TCP with Ethernet padding (all plain_ipv6 cases).
        let v6 = |src: u8| [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, src];
        let mut v = Vec::new();
        b().ipv6(v6(1), v6(2), 64)
            .tcp(50000, 3389, 7, 64000)
            .ack(9)
            .write(&mut v, b"hello six")
            .unwrap();
        bases.push(v);
        let mut v = Vec::new();
        b().ipv6(v6(1), v6(2), 64)
            .udp(3389, 50000)
            .write(&mut v, &[9; 40])
            .unwrap();
        bases.push(v);
        let mut v = bases[4].clone();
        v.extend_from_slice(&[0; 6]);
        bases.push(v);

        let values = [
            0x00, 0x01, 0x04, 0x06, 0x11, 0x20, 0x2c, 0x33, 0x40, 0x45, 0x4f, 0x60, 0x80, 0x86,
            0xdd, 0xff,
        ];
        let mut cases = 0;
        for base in &bases {
            let mut frames = vec![base.clone()];
            let header_end = if base[12] == 0x86 {
                14 + 40 + 4
            } else {
                14 + 24
            };
            for at in 12..header_end.min(base.len()) {
                for &x in &values {
                    let mut m = base.clone();
                    m[at] = x;
                    frames.push(m);
                }
            }
            for cut in 0..base.len() {
                frames.push(base[..cut].to_vec());
            }
            for f in &frames {
                let (mut fast, mut slow) = (Decoder::new(), Decoder::new());
                let a = fast.decode(link::ETHERNET, f, Timestamp(0));
                let b = slow.decode_sliced(link::ETHERNET, f, Timestamp(0));
                assert_eq!(a, b, "frame {f:02x?}");
                cases += 1;
            }
        }
        // The shortcuts really are taken for the clean frames.
        for base in &bases {
            assert!(plain_ipv4(base).or_else(|| plain_ipv6(base)).is_some());
        }
        assert!(cases > 1_000);
    }
}

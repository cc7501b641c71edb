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

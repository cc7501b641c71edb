//! The per-packet TCP input of the flow stage: what the decoder extracts from one TCP segment.
//!
//! Field meanings follow RFC 9293 §3.1 (header) and RFC 7323 (window scale, timestamps),
//! RFC 2018 (SACK). Everything is borrowed from the captured frame: no copies.

use crate::types::{Direction, FrameNo, Timestamp};
use std::fmt;

/// The eight TCP header flags (RFC 9293 §3.1, RFC 3168 §6.1 for ECE/CWR) as a small bit-set.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// FIN: no more data from the sender.
    pub const FIN: TcpFlags = TcpFlags(0x01);
    /// SYN: synchronise sequence numbers.
    pub const SYN: TcpFlags = TcpFlags(0x02);
    /// RST: reset the connection.
    pub const RST: TcpFlags = TcpFlags(0x04);
    /// PSH: push function.
    pub const PSH: TcpFlags = TcpFlags(0x08);
    /// ACK: the acknowledgment field is significant.
    pub const ACK: TcpFlags = TcpFlags(0x10);
    /// URG: the urgent pointer is significant.
    pub const URG: TcpFlags = TcpFlags(0x20);
    /// ECE: ECN echo.
    pub const ECE: TcpFlags = TcpFlags(0x40);
    /// CWR: congestion window reduced.
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// From the header's flags byte (the low 8 bits of the 12-bit flags field).
    pub fn from_bits(bits: u8) -> Self {
        TcpFlags(bits)
    }
    /// The flags byte.
    pub fn bits(self) -> u8 {
        self.0
    }
    /// True when every flag of `other` is set here.
    pub fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }
    /// True when any flag of `other` is set here.
    pub fn intersects(self, other: TcpFlags) -> bool {
        self.0 & other.0 != 0
    }
    /// SYN set.
    pub fn syn(self) -> bool {
        self.contains(Self::SYN)
    }
    /// ACK set.
    pub fn ack(self) -> bool {
        self.contains(Self::ACK)
    }
    /// FIN set.
    pub fn fin(self) -> bool {
        self.contains(Self::FIN)
    }
    /// RST set.
    pub fn rst(self) -> bool {
        self.contains(Self::RST)
    }
    /// PSH set.
    pub fn psh(self) -> bool {
        self.contains(Self::PSH)
    }
    /// URG set.
    pub fn urg(self) -> bool {
        self.contains(Self::URG)
    }
    /// ECE set.
    pub fn ece(self) -> bool {
        self.contains(Self::ECE)
    }
    /// CWR set.
    pub fn cwr(self) -> bool {
        self.contains(Self::CWR)
    }
}

impl std::ops::BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for TcpFlags {
    /// Wireshark's order and letters: `CEUAPRSF` with `·` for clear bits is noisy; we print the set
    /// flag names joined by `,` (e.g. `SYN,ACK`), or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(u8, &str); 8] = [
            (0x02, "SYN"),
            (0x01, "FIN"),
            (0x04, "RST"),
            (0x08, "PSH"),
            (0x10, "ACK"),
            (0x20, "URG"),
            (0x40, "ECE"),
            (0x80, "CWR"),
        ];
        let mut first = true;
        for (bit, name) in NAMES {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// The TCP options the analysis uses (RFC 9293 §3.2 MSS, RFC 7323 §2 window scale and §3
/// timestamps, RFC 2018 §2-3 SACK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpOptions {
    /// Maximum segment size (kind 2).
    pub mss: Option<u16>,
    /// Window scale shift count (kind 3), as sent (may exceed 14; the analysis caps it).
    pub wscale: Option<u8>,
    /// SACK permitted (kind 4).
    pub sack_permitted: bool,
    /// SACK blocks (kind 5): `(left edge, right edge)`; only the first `sack_count` are valid.
    pub sack: [(u32, u32); 4],
    /// Number of valid entries in `sack`.
    pub sack_count: u8,
    /// Timestamps (kind 8): `(TSval, TSecr)`.
    pub timestamps: Option<(u32, u32)>,
}

impl TcpOptions {
    /// The valid SACK blocks.
    pub fn sack_blocks(&self) -> &[(u32, u32)] {
        let n = usize::from(self.sack_count).min(self.sack.len());
        self.sack.get(..n).unwrap_or(&[])
    }
}

/// One TCP segment as the decoder saw it, borrowed from the frame.
#[derive(Debug, Clone, Copy)]
pub struct TcpSegment<'a> {
    /// Frame number (1-based, Wireshark's numbering).
    pub frame: FrameNo,
    /// Capture timestamp.
    pub ts: Timestamp,
    /// Direction within the connection (client = originator).
    pub dir: Direction,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgment number (meaningful only with ACK set).
    pub ack: u32,
    /// Header flags.
    pub flags: TcpFlags,
    /// Raw window field, not scaled.
    pub window: u16,
    /// Parsed options.
    pub options: TcpOptions,
    /// TCP payload as captured; shorter than `payload_len` when the capture was truncated
    /// (snap length).
    pub payload: &'a [u8],
    /// TCP payload length on the wire, from the IP header (Wireshark's `tcp.len`).
    pub payload_len: u32,
    /// Where `payload` starts in the capture file, when the file can be read again (a plain
    /// pcap or pcapng file): the reassembler then notes delivered bytes by position instead
    /// of copying them ([`StreamSink::reread`](crate::flow::reassembly::StreamSink::reread)).
    pub payload_at: Option<u64>,
    /// The TCP checksum field as sent (unverified): it sums the payload, so a capture
    /// duplicate has the same one.
    pub checksum: u16,
    /// IPv4 identification (None for IPv6 without a fragment header).
    pub ip_id: Option<u32>,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
}

impl TcpSegment<'_> {
    /// Payload length on the wire (Wireshark's `tcp.len`).
    pub fn len(&self) -> u32 {
        self.payload_len
    }

    /// True when the segment carries no payload on the wire.
    pub fn is_empty(&self) -> bool {
        self.payload_len == 0
    }

    /// True when the capture holds the whole payload.
    pub fn is_complete(&self) -> bool {
        u32::try_from(self.payload.len()).is_ok_and(|n| n >= self.payload_len)
    }

    /// Sequence space consumed: payload plus one for SYN and one for FIN (RFC 9293 §3.4).
    pub fn seq_space(&self) -> u32 {
        self.len()
            .wrapping_add(u32::from(self.flags.syn()))
            .wrapping_add(u32::from(self.flags.fin()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_bits_and_display() {
        let f = TcpFlags::from_bits(0x12);
        assert!(f.syn() && f.ack() && !f.fin() && !f.rst());
        assert_eq!(f.to_string(), "SYN,ACK");
        assert_eq!(TcpFlags::default().to_string(), "none");
        assert_eq!((TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK).bits(), 0x19);
    }

    #[test]
    fn sack_blocks_respect_count() {
        let o = TcpOptions {
            sack: [(1, 2), (3, 4), (5, 6), (7, 8)],
            sack_count: 2,
            ..TcpOptions::default()
        };
        assert_eq!(o.sack_blocks(), &[(1, 2), (3, 4)]);
        let bad = TcpOptions {
            sack_count: 9,
            ..TcpOptions::default()
        };
        assert_eq!(bad.sack_blocks().len(), 4);
    }
}

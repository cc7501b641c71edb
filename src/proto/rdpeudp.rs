//! MS-RDPEUDP (RDP over UDP, version 1/2 framing) and recognition of MS-RDPEUDP2 packets.
//!
//! Version 1 datagrams (MS-RDPEUDP 2.2.2) start with RDPUDP_FEC_HEADER and carry, depending on
//! uFlags, the SYN parameters, a correlation id, the SYNEX version negotiation, an ACK vector,
//! an ACK-of-ACKs, and a source or FEC payload header before the data. After a handshake in which
//! both sides announced RDPUDP_PROTOCOL_VERSION_3, datagrams are MS-RDPEUDP2 packets
//! (MS-RDPEUDP2 2.2.1.1), of which only the fixed header is decoded here.

use super::wire::{self, Cursor, flag_names};
use super::{Layer, PResult, ProtoError};

/// Most ACK vector elements kept (uAckVectorSize is 16 bits; real vectors are short).
const MAX_ACK_ELEMENTS: usize = 512;

/// RDPUDP_FEC_HEADER.uFlags (MS-RDPEUDP 2.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UdpFlags(pub u16);

impl UdpFlags {
    /// RDPUDP_FLAG_SYN.
    pub const SYN: u16 = 0x0001;
    /// RDPUDP_FLAG_FIN.
    pub const FIN: u16 = 0x0002;
    /// RDPUDP_FLAG_ACK: an RDPUDP_ACK_VECTOR_HEADER follows (except in SYN datagrams).
    pub const ACK: u16 = 0x0004;
    /// RDPUDP_FLAG_DATA: a source or FEC payload header and data follow.
    pub const DATA: u16 = 0x0008;
    /// RDPUDP_FLAG_FEC: the data is an FEC payload.
    pub const FEC: u16 = 0x0010;
    /// RDPUDP_FLAG_ACK_OF_ACKS: an RDPUDP_ACK_OF_ACKVECTOR_HEADER follows.
    pub const ACK_OF_ACKS: u16 = 0x0100;
    /// RDPUDP_FLAG_CORRELATION_ID: an RDPUDP_CORRELATION_ID_PAYLOAD follows the SYN data.
    pub const CORRELATION_ID: u16 = 0x0800;
    /// RDPUDP_FLAG_SYNEX: an RDPUDP_SYNDATAEX_PAYLOAD follows.
    pub const SYNEX: u16 = 0x1000;

    /// True when the bit is set.
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    /// RDPUDP_FLAG_* names of the set bits, unknown bits as `unknown (0x..)`.
    pub fn names(self) -> Vec<String> {
        flag_names(
            self.0,
            &[
                (0x0001, "RDPUDP_FLAG_SYN"),
                (0x0002, "RDPUDP_FLAG_FIN"),
                (0x0004, "RDPUDP_FLAG_ACK"),
                (0x0008, "RDPUDP_FLAG_DATA"),
                (0x0010, "RDPUDP_FLAG_FEC"),
                (0x0020, "RDPUDP_FLAG_CN"),
                (0x0040, "RDPUDP_FLAG_CWR"),
                (0x0080, "RDPUDP_FLAG_SACK_OPTION"),
                (0x0100, "RDPUDP_FLAG_ACK_OF_ACKS"),
                (0x0200, "RDPUDP_FLAG_SYNLOSSY"),
                (0x0400, "RDPUDP_FLAG_ACKDELAYED"),
                (0x0800, "RDPUDP_FLAG_CORRELATION_ID"),
                (0x1000, "RDPUDP_FLAG_SYNEX"),
            ],
        )
    }
}

/// RDPUDP_FEC_HEADER (MS-RDPEUDP 2.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FecHeader {
    /// snSourceAck: highest source sequence number seen from the peer (0xFFFFFFFF in a SYN).
    pub sn_source_ack: u32,
    /// uReceiveWindowSize.
    pub receive_window: u16,
    /// uFlags.
    pub flags: UdpFlags,
}

/// RDPUDP_SYNDATA_PAYLOAD (MS-RDPEUDP 2.2.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynData {
    /// snInitialSequenceNumber.
    pub initial_sequence_number: u32,
    /// uUpStreamMtu (1132..=1232).
    pub upstream_mtu: u16,
    /// uDownStreamMtu (1132..=1232).
    pub downstream_mtu: u16,
}

/// RDPUDP_SYNDATAEX_PAYLOAD.uUdpVer (MS-RDPEUDP 2.2.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpVersion(pub u16);

impl UdpVersion {
    /// The spec name: RDPUDP_PROTOCOL_VERSION_1 (0x1), _2 (0x2), _3 (0x101, switches to MS-RDPEUDP2),
    /// or `unknown (0x..)`.
    pub fn name(self) -> String {
        match self.0 {
            0x0001 => "RDPUDP_PROTOCOL_VERSION_1".into(),
            0x0002 => "RDPUDP_PROTOCOL_VERSION_2".into(),
            0x0101 => "RDPUDP_PROTOCOL_VERSION_3".into(),
            v => format!("unknown ({v:#x})"),
        }
    }

    /// True for RDPUDP_PROTOCOL_VERSION_3: after the handshake, packets are MS-RDPEUDP2.
    pub fn is_rdpeudp2(self) -> bool {
        self.0 == 0x0101
    }
}

/// RDPUDP_SYNDATAEX_PAYLOAD (MS-RDPEUDP 2.2.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynEx {
    /// uSynExFlags (RDPUDP_VERSION_INFO_VALID = 0x1).
    pub flags: u16,
    /// uUdpVer, meaningful when RDPUDP_VERSION_INFO_VALID is set.
    pub version: UdpVersion,
    /// cookieHash: SHA-256 of the TCP connection's SecurityCookie, sent by the client with version 3.
    pub cookie_hash: Option<[u8; 32]>,
}

/// VECTOR_ELEMENT_STATE of an ACK vector element (MS-RDPEUDP 2.2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckState {
    /// DATAGRAM_RECEIVED (0).
    Received,
    /// DATAGRAM_RESERVED_1 / _2 (1, 2).
    Reserved(u8),
    /// DATAGRAM_NOT_YET_RECEIVED (3): lost or late.
    NotYetReceived,
}

/// One run of an ACK vector (MS-RDPEUDP 2.2.3.1): a state in the top two bits, a run length in the low six.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckElement {
    /// The state of the run.
    pub state: AckState,
    /// The 6-bit length field as sent.
    pub length: u8,
}

/// RDPUDP_ACK_VECTOR_HEADER (MS-RDPEUDP 2.2.2.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AckVector {
    /// uAckVectorSize as sent.
    pub size: u16,
    /// The elements read (at most 512), in wire order.
    pub elements: Vec<AckElement>,
}

impl AckVector {
    /// Sum of the length fields of the runs in `state` (received or not-yet-received datagrams).
    pub fn total(&self, state: AckState) -> u32 {
        self.elements
            .iter()
            .filter(|e| e.state == state)
            .map(|e| u32::from(e.length))
            .sum()
    }

    /// Number of runs reporting DATAGRAM_NOT_YET_RECEIVED (a sign of loss).
    pub fn lost_runs(&self) -> usize {
        self.elements
            .iter()
            .filter(|e| e.state == AckState::NotYetReceived)
            .count()
    }
}

/// The header in front of data (MS-RDPEUDP 2.2.2.4 source payload, 2.2.2.2 FEC payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataHeader {
    /// RDPUDP_SOURCE_PAYLOAD_HEADER.
    Source {
        /// snCoded.
        sn_coded: u32,
        /// snSourceStart.
        sn_source_start: u32,
    },
    /// RDPUDP_FEC_PAYLOAD_HEADER.
    Fec {
        /// snCoded.
        sn_coded: u32,
        /// snSourceStart.
        sn_source_start: u32,
        /// uRange.
        range: u8,
        /// uFecIndex.
        fec_index: u8,
    },
}

/// One MS-RDPEUDP version 1/2 datagram (MS-RDPEUDP 2.2.2, 3.1.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram<'a> {
    /// RDPUDP_FEC_HEADER.
    pub header: FecHeader,
    /// SYN parameters (SYN and SYN+ACK).
    pub syn: Option<SynData>,
    /// RDPUDP_CORRELATION_ID_PAYLOAD.uCorrelationId.
    pub correlation_id: Option<[u8; 16]>,
    /// RDPUDP_SYNDATAEX_PAYLOAD.
    pub synex: Option<SynEx>,
    /// RDPUDP_ACK_VECTOR_HEADER.
    pub ack_vector: Option<AckVector>,
    /// RDPUDP_ACK_OF_ACKVECTOR_HEADER.snAckOfAcksSeqNum.
    pub ack_of_acks: Option<u32>,
    /// Source or FEC payload header.
    pub data_header: Option<DataHeader>,
    /// The data after the headers (TLS/DTLS records); empty for SYN datagrams (whose rest is padding).
    pub payload: &'a [u8],
}

impl Datagram<'_> {
    /// A SYN from the client: SYN without ACK.
    pub fn is_syn(&self) -> bool {
        self.header.flags.has(UdpFlags::SYN) && !self.header.flags.has(UdpFlags::ACK)
    }

    /// A SYN+ACK from the server.
    pub fn is_syn_ack(&self) -> bool {
        self.header.flags.has(UdpFlags::SYN) && self.header.flags.has(UdpFlags::ACK)
    }
}

/// True when `input` looks like a client SYN (MS-RDPEUDP 3.1.5.1.1): snSourceAck 0xFFFFFFFF and
/// RDPUDP_FLAG_SYN without RDPUDP_FLAG_ACK.
pub fn is_syn(input: &[u8]) -> bool {
    let mut c = Cursor::new(input);
    matches!((c.be32(), c.be16(), c.be16()), (Some(0xffff_ffff), Some(_), Some(f)) if f & 0x0005 == 0x0001)
}

fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    a
}

/// Parses one MS-RDPEUDP datagram (version 1 or 2 framing, MS-RDPEUDP 2.2.2). All fields are
/// big-endian. `Incomplete` when a header announced by uFlags is cut (a truncated datagram is
/// damage for the caller, since UDP datagrams arrive whole).
pub fn parse_datagram(input: &[u8]) -> PResult<'_, Datagram<'_>> {
    let (i, sn_source_ack) = wire::be32(input)?;
    let (i, receive_window) = wire::be16(i)?;
    let (mut i, flags) = wire::be16(i)?;
    let flags = UdpFlags(flags);
    let mut d = Datagram {
        header: FecHeader {
            sn_source_ack,
            receive_window,
            flags,
        },
        syn: None,
        correlation_id: None,
        synex: None,
        ack_vector: None,
        ack_of_acks: None,
        data_header: None,
        payload: &[],
    };
    if flags.has(UdpFlags::SYN) {
        let (r, isn) = wire::be32(i)?;
        let (r, up) = wire::be16(r)?;
        let (r, down) = wire::be16(r)?;
        d.syn = Some(SynData {
            initial_sequence_number: isn,
            upstream_mtu: up,
            downstream_mtu: down,
        });
        i = r;
        if flags.has(UdpFlags::CORRELATION_ID) {
            let (r, id) = wire::take(i, 16)?;
            let (r, _reserved) = wire::take(r, 16)?;
            d.correlation_id = Some(array(id));
            i = r;
        }
        if flags.has(UdpFlags::SYNEX) {
            let (r, ex_flags) = wire::be16(i)?;
            let (r, version) = wire::be16(r)?;
            let version = UdpVersion(version);
            let mut cookie_hash = None;
            if version.is_rdpeudp2() && !flags.has(UdpFlags::ACK) && r.len() >= 32 {
                let (_, h) = wire::take(r, 32)?;
                cookie_hash = Some(array(h));
            }
            d.synex = Some(SynEx {
                flags: ex_flags,
                version,
                cookie_hash,
            });
        }
        // The rest of a SYN / SYN+ACK is zero padding up to 1232 bytes.
        return Ok((&[], d));
    }
    if flags.has(UdpFlags::ACK) {
        let (r, size) = wire::be16(i)?;
        let (r, elems) = wire::take(r, usize::from(size))?;
        let pad = (4 - (2 + usize::from(size)) % 4) % 4;
        let (r, _pad) = wire::take(r, pad)?;
        let elements = elems
            .iter()
            .take(MAX_ACK_ELEMENTS)
            .map(|&b| AckElement {
                state: match b >> 6 {
                    0 => AckState::Received,
                    3 => AckState::NotYetReceived,
                    s => AckState::Reserved(s),
                },
                length: b & 0x3f,
            })
            .collect();
        d.ack_vector = Some(AckVector { size, elements });
        i = r;
    }
    if flags.has(UdpFlags::ACK_OF_ACKS) {
        let (r, v) = wire::be32(i)?;
        d.ack_of_acks = Some(v);
        i = r;
    }
    if flags.has(UdpFlags::DATA) {
        let (r, sn_coded) = wire::be32(i)?;
        let (r, sn_source_start) = wire::be32(r)?;
        if flags.has(UdpFlags::FEC) {
            let (r, range) = wire::u8(r)?;
            let (r, fec_index) = wire::u8(r)?;
            let (r, _padding) = wire::be16(r)?;
            d.data_header = Some(DataHeader::Fec {
                sn_coded,
                sn_source_start,
                range,
                fec_index,
            });
            i = r;
        } else {
            d.data_header = Some(DataHeader::Source {
                sn_coded,
                sn_source_start,
            });
            i = r;
        }
        d.payload = i;
        i = &[];
    }
    Ok((i, d))
}

/// RDPUDP2_PACKET_HEADER flags (MS-RDPEUDP2 2.2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Udp2Flags(pub u16);

impl Udp2Flags {
    /// Names of the set bits (ACK, DATA, ACKVEC, AOA, OVERHEADSIZE, DELAYACKINFO), unknown as `unknown (0x..)`.
    pub fn names(self) -> Vec<String> {
        flag_names(
            self.0,
            &[
                (0x001, "ACK"),
                (0x004, "DATA"),
                (0x008, "ACKVEC"),
                (0x010, "AOA"),
                (0x040, "OVERHEADSIZE"),
                (0x100, "DELAYACKINFO"),
            ],
        )
    }
}

/// The fixed start of an MS-RDPEUDP2 packet (MS-RDPEUDP2 2.2.1.1, field layout as Zeek reads it):
/// a packet prefix byte, then 12 bits of flags and a 4-bit LogWindowSize (big-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rdpeudp2Packet<'a> {
    /// Packet_Type_Index of the prefix byte (0 data packet, 8 dummy packet).
    pub packet_type: u8,
    /// Short_Packet_Length of the prefix byte (low 3 bits).
    pub short_packet_length: u8,
    /// Flags (12 bits).
    pub flags: Udp2Flags,
    /// LogWindowSize (4 bits): the receive window is 2^LogWindowSize packets.
    pub log_window: u8,
    /// The payloads after the header (ACK, DATA, ACKVEC, ... per the flags), not decoded here.
    pub rest: &'a [u8],
}

/// Recognises an MS-RDPEUDP2 packet (MS-RDPEUDP2 2.2.1.1) after a version 3 handshake.
/// Never `Malformed`: any three bytes are a header; fewer are `Incomplete`.
pub fn parse_rdpeudp2(input: &[u8]) -> PResult<'_, Rdpeudp2Packet<'_>> {
    let (i, prefix) = wire::u8(input)?;
    let (i, hdr) = wire::be16(i)?;
    Ok((
        &[],
        Rdpeudp2Packet {
            packet_type: (prefix >> 3) & 0x0f,
            short_packet_length: prefix & 0x07,
            flags: Udp2Flags(hdr >> 4),
            log_window: (hdr & 0x0f) as u8,
            rest: i,
        },
    ))
}

/// Reports a datagram too short for its own declared headers as damage at the RDPEUDP layer
/// (a UDP datagram is never continued by a later one).
pub fn parse_datagram_whole(input: &[u8]) -> PResult<'_, Datagram<'_>> {
    parse_datagram(input).map_err(|e| match e {
        ProtoError::Incomplete(_) => ProtoError::malformed(
            Layer::RdpEudp,
            format!("datagram of {} bytes cut inside a header", input.len()),
        ),
        e => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::wire::hex;

    // rdpeudp-handshake-success.pcap frame 1 (client SYN, first 64 of 1232 bytes; the rest is zeros).
    const SYN_V1: &str = "ffffffff004018010b127f1504d004d07855d064fbaf43f0b6e8f8aadfad000000000000000000000000000000000000000100030000000000000000000000";
    // frame 2 (server SYN+ACK, first 32 bytes).
    const SYNACK_V1: &str = "0b127f15004010050f94ea0b04d004d000010002000000000000000000000000";
    // frame 3 (client ACK+DATA, first 40 bytes: headers and the start of a TLS ClientHello).
    const DATA_C: &str =
        "0f94ea0b0400000c000000000b127f160b127f1616030300b2010000ae03035d40b9502b7a9d7126";
    // frame 4 (server ACK+DATA).
    const DATA_S: &str = "0b127f1600c8000c0001001f0f94ea0c0f94ea0c160303047b020000510303";
    // rdp-rdpeudp-handshake-success.pcap frame 130 (client bare ACK).
    const ACK_C: &str = "0f94ea1103ff000400010500";
    // rdpeudp-handshake-fail.pcap frame 1 (unanswered SYN, first 56 bytes).
    const SYN_FAIL: &str = "ffffffff00401801ee4071dc04d004d0f8530360ca7f4241a67374e5201a0000000000000000000000000000000000000001000200000000";
    // rdpeudp2-handshake-success.pcap frames 1 (SYN, 96 bytes) and 2 (SYN+ACK, 24 bytes).
    const SYN_V3: &str = "ffffffff00401801a7eb5da404d004d0a2e2c8186de34f1e8d0f9175e4cd0000000000000000000000000000000000000001010100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
    const SYNACK_V3: &str = "a7eb5da4004010050547d72b04d004d000010101000000000000000000000000";
    // rdpeudp2-handshake-success.pcap frames 3 (client) and 5 (server): MS-RDPEUDP2 packets.
    const V2_C: &str = "0014c101f40164e064000100160303008e";
    const V2_S: &str = "0055c164000301e001000a01f401640064000100160301050b";

    fn dg(h: &str) -> Datagram<'static> {
        let b: &'static [u8] = Box::leak(hex(h).into_boxed_slice());
        parse_datagram(b).unwrap().1
    }

    #[test]
    fn syn_and_syn_ack_v1() {
        let s = dg(SYN_V1);
        assert!(s.is_syn() && is_syn(&hex(SYN_V1)));
        assert_eq!(s.header.sn_source_ack, 0xffff_ffff);
        assert_eq!(s.header.receive_window, 64);
        assert_eq!(
            s.header.flags.names(),
            vec![
                "RDPUDP_FLAG_SYN",
                "RDPUDP_FLAG_CORRELATION_ID",
                "RDPUDP_FLAG_SYNEX"
            ]
        );
        assert_eq!(
            s.syn,
            Some(SynData {
                initial_sequence_number: 0x0b12_7f15,
                upstream_mtu: 1232,
                downstream_mtu: 1232
            })
        );
        assert_eq!(s.correlation_id.unwrap()[..4], [0x78, 0x55, 0xd0, 0x64]);
        // Windows sent uUdpVer 0x0003, a value MS-RDPEUDP does not define; Zeek calls the
        // connection version 1 (it only knows 0x0101 as "version 2").
        let ex = s.synex.unwrap();
        assert_eq!(ex.flags, 1);
        assert_eq!(ex.version.name(), "unknown (0x3)");
        assert_eq!(ex.cookie_hash, None);
        let a = dg(SYNACK_V1);
        assert!(a.is_syn_ack() && !is_syn(&hex(SYNACK_V1)));
        assert_eq!(a.header.sn_source_ack, 0x0b12_7f15);
        assert_eq!(a.syn.unwrap().initial_sequence_number, 0x0f94_ea0b);
        assert_eq!(a.synex.unwrap().version.name(), "RDPUDP_PROTOCOL_VERSION_2");
        assert_eq!(a.ack_vector, None);
    }

    #[test]
    fn unanswered_syn_version_2() {
        let s = dg(SYN_FAIL);
        assert!(s.is_syn());
        assert_eq!(s.syn.unwrap().initial_sequence_number, 0xee40_71dc);
        assert_eq!(s.synex.unwrap().version, UdpVersion(2));
    }

    #[test]
    fn data_with_ack_vectors() {
        let c = dg(DATA_C);
        assert_eq!(
            c.header.flags.names(),
            vec!["RDPUDP_FLAG_ACK", "RDPUDP_FLAG_DATA"]
        );
        assert_eq!(
            c.ack_vector,
            Some(AckVector {
                size: 0,
                elements: vec![]
            })
        );
        assert_eq!(
            c.data_header,
            Some(DataHeader::Source {
                sn_coded: 0x0b12_7f16,
                sn_source_start: 0x0b12_7f16
            })
        );
        assert_eq!(&c.payload[..3], &[0x16, 0x03, 0x03]);
        // Zeek rdpeudp_data: the data begins \x16\x03\x03\x00\xb2 (a TLS 1.2 ClientHello record).
        assert_eq!(&c.payload[3..5], &[0x00, 0xb2]);
        let s = dg(DATA_S);
        let v = s.ack_vector.as_ref().unwrap();
        assert_eq!(v.size, 1);
        assert_eq!(
            v.elements,
            vec![AckElement {
                state: AckState::Received,
                length: 0
            }]
        );
        assert_eq!(&s.payload[..5], &[0x16, 0x03, 0x03, 0x04, 0x7b]);
        let a = dg(ACK_C);
        assert_eq!(a.header.receive_window, 0x3ff);
        assert_eq!(
            a.ack_vector.as_ref().unwrap().elements,
            vec![AckElement {
                state: AckState::Received,
                length: 5
            }]
        );
        assert_eq!(a.data_header, None);
        assert!(a.payload.is_empty());
    }

    #[test]
    fn lost_runs_and_fec_and_ack_of_acks() {
        // ACK|DATA|FEC|ACK_OF_ACKS: vector of 3 runs (received 10, lost 2, received 5), AoA 7,
        // FEC header (range 3, index 1), 2 data bytes.
        let b =
            hex("00000010 0040 011c 0003 0ac205 000000 00000007 00000020 00000011 03 01 0000 abcd");
        let (_, d) = parse_datagram(&b).unwrap();
        let v = d.ack_vector.unwrap();
        assert_eq!(v.total(AckState::Received), 15);
        assert_eq!(v.total(AckState::NotYetReceived), 2);
        assert_eq!(v.lost_runs(), 1);
        assert_eq!(d.ack_of_acks, Some(7));
        assert_eq!(
            d.data_header,
            Some(DataHeader::Fec {
                sn_coded: 0x20,
                sn_source_start: 0x11,
                range: 3,
                fec_index: 1
            })
        );
        assert_eq!(d.payload, &[0xab, 0xcd]);
    }

    #[test]
    fn version_3_handshake_then_rdpeudp2() {
        let s = dg(SYN_V3);
        let ex = s.synex.unwrap();
        assert_eq!(ex.version.name(), "RDPUDP_PROTOCOL_VERSION_3");
        assert!(ex.version.is_rdpeudp2());
        assert_eq!(ex.cookie_hash, Some([0u8; 32]));
        let a = dg(SYNACK_V3);
        assert!(a.synex.unwrap().version.is_rdpeudp2());
        assert_eq!(a.synex.unwrap().cookie_hash, None);
        let c = hex(V2_C);
        let (_, p) = parse_rdpeudp2(&c).unwrap();
        assert_eq!(p.packet_type, 0);
        assert_eq!(p.flags.0, 0x14c);
        assert_eq!(
            p.flags.names(),
            vec!["DATA", "ACKVEC", "OVERHEADSIZE", "DELAYACKINFO"]
        );
        assert_eq!(p.log_window, 1);
        let sv = hex(V2_S);
        let (_, p) = parse_rdpeudp2(&sv).unwrap();
        assert_eq!(
            p.flags.names(),
            vec![
                "DATA",
                "ACKVEC",
                "AOA",
                "OVERHEADSIZE",
                "DELAYACKINFO",
                "unknown (0x400)"
            ]
        );
        assert!(matches!(
            parse_rdpeudp2(&[0x00, 0x14]),
            Err(ProtoError::Incomplete(_))
        ));
    }

    #[test]
    fn every_prefix_is_incomplete_and_whole_datagrams_are_malformed() {
        for h in [SYN_V1, SYNACK_V1, DATA_C, DATA_S, ACK_C] {
            let b = hex(h);
            // Up to the end of the last header the datagram declares.
            let full = parse_datagram(&b).unwrap().1;
            let hdr_end = b.len() - full.payload.len();
            let hdr_end = if full.syn.is_some() {
                8 + 8 + if full.correlation_id.is_some() { 32 } else { 0 } + 4
            } else {
                hdr_end
            };
            for n in 0..hdr_end {
                assert!(
                    matches!(parse_datagram(&b[..n]), Err(ProtoError::Incomplete(_))),
                    "{h} {n}"
                );
                assert!(matches!(
                    parse_datagram_whole(&b[..n]),
                    Err(ProtoError::Malformed {
                        layer: Layer::RdpEudp,
                        ..
                    })
                ));
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        let g = hex("ffffffffffffffffffffffffffffffff0000ffff1f1f");
        for s in 0..g.len() {
            for e in s..=g.len() {
                let _ = parse_datagram(&g[s..e]);
                let _ = parse_rdpeudp2(&g[s..e]);
                let _ = is_syn(&g[s..e]);
            }
        }
        // uAckVectorSize larger than the datagram: incomplete, not a huge allocation.
        assert!(matches!(
            parse_datagram(&hex("00000000 0000 0004 ffff 00")),
            Err(ProtoError::Incomplete(_))
        ));
    }
}

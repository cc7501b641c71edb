//! RFC 1006 TPKT records and MS-RDPBCGR fast-path PDUs: how an RDP TCP stream is cut into PDUs.
//!
//! An RDP byte stream carries two kinds of PDUs side by side (MS-RDPBCGR 2.2.8.1.1.1 vs 2.2.9.1.2):
//! slow-path PDUs wrapped in a TPKT header (first byte 0x03) and fast-path PDUs whose first byte
//! has its two low "action" bits clear. [`parse_record`] recognises either, so the stream layer can
//! dissect the TPKT ones and skip the fast-path ones by their length.

use super::wire;
use super::{Layer, PResult, ProtoError};

/// TPKT version, RFC 1006 §6.
pub const TPKT_VERSION: u8 = 3;
/// Size of the TPKT header: version, reserved, 16-bit length (RFC 1006 §6).
pub const TPKT_HEADER_LEN: usize = 4;

/// One TPKT record (RFC 1006 §6): a 4-byte header and its payload, an X.224 TPDU (ISO 8073).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tpkt<'a> {
    /// The record length from the header, header included (7..=65535 for a valid record).
    pub length: u16,
    /// The reserved byte (0 on the wire; kept when it is not).
    pub reserved: u8,
    /// The bytes after the header: `length - 4` bytes.
    pub payload: &'a [u8],
}

/// True when `input` starts like a TPKT header (RFC 1006 §6): version 3, reserved 0.
/// With fewer than two bytes, true when what is there matches.
pub fn is_tpkt_start(input: &[u8]) -> bool {
    match input {
        [] => false,
        [v] => *v == TPKT_VERSION,
        [v, r, ..] => *v == TPKT_VERSION && *r == 0,
    }
}

/// Parses one TPKT record (RFC 1006 §6), returning the bytes after it.
///
/// `Incomplete(Some(n))` while the record is not all there (`n` = bytes missing);
/// `Malformed` when the version is not 3 or the length is below 7 (a header and the smallest TPDU
/// do not fit). A non-zero reserved byte is tolerated and kept.
pub fn parse_tpkt(input: &[u8]) -> PResult<'_, Tpkt<'_>> {
    let (i, version) = wire::u8(input)?;
    if version != TPKT_VERSION {
        return Err(ProtoError::malformed(
            Layer::Tpkt,
            format!("TPKT version {version} is not 3"),
        ));
    }
    let (i, reserved) = wire::u8(i)?;
    let (i, length) = wire::be16(i)?;
    if length < 7 {
        return Err(ProtoError::malformed(
            Layer::Tpkt,
            format!("TPKT length {length} is below 7"),
        ));
    }
    let body = usize::from(length) - TPKT_HEADER_LEN;
    let (rest, payload) = wire::take(i, body)?;
    Ok((
        rest,
        Tpkt {
            length,
            reserved,
            payload,
        },
    ))
}

/// The header of a fast-path PDU (MS-RDPBCGR 2.2.9.1.2 server output, 2.2.8.1.2 client input) and
/// its body, still encrypted or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastPath<'a> {
    /// The whole first byte (fpOutputHeader / fpInputHeader).
    pub header: u8,
    /// Bits 2..5 of the header: numEvents for client input (2.2.8.1.2), reserved for server output.
    pub num_events: u8,
    /// FASTPATH_OUTPUT_ENCRYPTED / FASTPATH_INPUT_ENCRYPTED (flag 0x2 of the top two bits).
    pub encrypted: bool,
    /// FASTPATH_OUTPUT_SECURE_CHECKSUM / FASTPATH_INPUT_SECURE_CHECKSUM (flag 0x1).
    pub secure_checksum: bool,
    /// The PDU length, header included (1- or 2-byte PER-like encoding, 2.2.9.1.2 length1/length2).
    pub length: u16,
    /// The bytes after the header (and length): fipsInformation, dataSignature, then the updates/events.
    pub body: &'a [u8],
}

/// Parses one fast-path PDU (MS-RDPBCGR 2.2.9.1.2 / 2.2.8.1.2): the action bits (0..1) must be 0
/// (FASTPATH_OUTPUT_ACTION_FASTPATH); the length is one byte, or two when its top bit is set.
/// `Incomplete` until the whole PDU is there; `Malformed` when the length is smaller than its header.
pub fn parse_fastpath_header(input: &[u8]) -> PResult<'_, FastPath<'_>> {
    let (i, header) = wire::u8(input)?;
    if header & 0x03 != 0 {
        return Err(ProtoError::malformed(
            Layer::Rdp,
            format!("fast-path action bits {} are not 0", header & 0x03),
        ));
    }
    let (i, l1) = wire::u8(i)?;
    let (i, length, hdr_len) = if l1 & 0x80 != 0 {
        let (i, l2) = wire::u8(i)?;
        (i, (u16::from(l1 & 0x7f) << 8) | u16::from(l2), 3usize)
    } else {
        (i, u16::from(l1), 2usize)
    };
    if usize::from(length) < hdr_len {
        return Err(ProtoError::malformed(
            Layer::Rdp,
            format!("fast-path length {length} is shorter than its {hdr_len}-byte header"),
        ));
    }
    let (rest, body) = wire::take(i, usize::from(length) - hdr_len)?;
    let flags = header >> 6;
    Ok((
        rest,
        FastPath {
            header,
            num_events: (header >> 2) & 0x0f,
            encrypted: flags & 0x2 != 0,
            secure_checksum: flags & 0x1 != 0,
            length,
            body,
        },
    ))
}

/// One PDU of an RDP TCP stream before TLS: a TPKT record or a fast-path PDU (MS-RDPBCGR 2.2.8.1.1.1, 2.2.9.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// A slow-path PDU in a TPKT record (RFC 1006).
    Tpkt(Tpkt<'a>),
    /// A fast-path PDU (MS-RDPBCGR 2.2.8.1.2 / 2.2.9.1.2).
    FastPath(FastPath<'a>),
}

/// Cuts the next PDU off an RDP stream: a TPKT record when the first byte is 3, a fast-path PDU
/// when its action bits are 0, otherwise `Malformed` (not RDP, e.g. a TLS record starting 0x16).
pub fn parse_record(input: &[u8]) -> PResult<'_, Record<'_>> {
    match input.first() {
        None => Err(ProtoError::Incomplete(None)),
        Some(&TPKT_VERSION) => parse_tpkt(input).map(|(r, t)| (r, Record::Tpkt(t))),
        Some(b) if b & 0x03 == 0 => {
            parse_fastpath_header(input).map(|(r, f)| (r, Record::FastPath(f)))
        }
        Some(b) => Err(ProtoError::malformed(
            Layer::Tpkt,
            format!("byte {b:#04x} starts neither a TPKT record nor a fast-path PDU"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::wire::hex;

    // RDP-003.pcap frame 6: X.224 Connection Confirm in a TPKT, no negotiation data.
    const CC_RDP003: &str = "0300000b06d00000123400";

    #[test]
    fn tpkt_connection_confirm() {
        let b = hex(CC_RDP003);
        let (rest, t) = parse_tpkt(&b).unwrap();
        assert!(rest.is_empty());
        assert_eq!(t.length, 11);
        assert_eq!(t.payload, &b[4..]);
        assert!(is_tpkt_start(&b));
        assert!(!is_tpkt_start(&[0x16, 0x03]));
    }

    #[test]
    fn tpkt_leaves_following_bytes() {
        let mut b = hex(CC_RDP003);
        b.extend_from_slice(&[0x03, 0x00]);
        let (rest, _) = parse_tpkt(&b).unwrap();
        assert_eq!(rest, &[0x03, 0x00]);
    }

    #[test]
    fn every_prefix_is_incomplete() {
        let b = hex(CC_RDP003);
        for n in 0..b.len() {
            match parse_tpkt(&b[..n]) {
                Err(ProtoError::Incomplete(Some(k))) => {
                    // header not all there: asks for header bytes; body: exactly the rest.
                    if n >= 4 {
                        assert_eq!(k, b.len() - n, "prefix {n}");
                    }
                }
                other => panic!("prefix {n}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_version_and_short_length_are_malformed() {
        assert!(matches!(
            parse_tpkt(&hex("0500 0013 0ed0")),
            Err(ProtoError::Malformed {
                layer: Layer::Tpkt,
                ..
            })
        ));
        assert!(matches!(
            parse_tpkt(&hex("0300 0006 0000")),
            Err(ProtoError::Malformed {
                layer: Layer::Tpkt,
                ..
            })
        ));
    }

    // RDP-003.pcap frame 416: client fast-path input, encrypted with secure checksum, 17 bytes.
    const FP_RDP003: &str = "c411ffe21e68ac98a62ca5b7f95825e75e";

    #[test]
    fn fastpath_one_byte_length() {
        let b = hex(FP_RDP003);
        let (rest, f) = parse_fastpath_header(&b).unwrap();
        assert!(rest.is_empty());
        assert_eq!(f.length, 17);
        assert_eq!(f.num_events, 1);
        assert!(f.encrypted);
        assert!(f.secure_checksum);
        assert_eq!(f.body.len(), 15);
        for n in 0..b.len() {
            assert!(matches!(
                parse_fastpath_header(&b[..n]),
                Err(ProtoError::Incomplete(_))
            ));
        }
    }

    #[test]
    fn fastpath_two_byte_length_and_dispatch() {
        // Server fast-path output with length 0x0103 (2-byte form), unencrypted.
        let mut b = vec![0x00, 0x81, 0x03];
        b.extend(std::iter::repeat_n(0xAA, 0x103 - 3));
        b.extend_from_slice(&hex(CC_RDP003));
        let (rest, r) = parse_record(&b).unwrap();
        match r {
            Record::FastPath(f) => {
                assert_eq!(f.length, 0x103);
                assert!(!f.encrypted);
                assert_eq!(f.body.len(), 0x100);
            }
            other => panic!("{other:?}"),
        }
        let (rest, r) = parse_record(rest).unwrap();
        assert!(matches!(r, Record::Tpkt(Tpkt { length: 11, .. })));
        assert!(rest.is_empty());
    }

    #[test]
    fn garbage_is_malformed_not_panic() {
        assert!(matches!(
            parse_record(&hex("16030100")),
            Err(ProtoError::Malformed { .. })
        ));
        assert!(matches!(
            parse_fastpath_header(&hex("0001")),
            Err(ProtoError::Malformed { .. })
        ));
        for seed in 0u32..2000 {
            let v: Vec<u8> = (0..(seed % 9))
                .map(|k| (seed.wrapping_mul(2654435761) >> (k * 3)) as u8)
                .collect();
            let _ = parse_record(&v);
        }
    }
}

//! The slow-path RDP layers inside MCS Send Data (MS-RDPBCGR 2.2.8.1.1): the security header
//! (2.2.8.1.1.2), and where readable (no SEC_ENCRYPT) the share control / share data headers
//! (2.2.8.1.1.1), the Set Error Info PDU (2.2.5.1.1) and the Client Info PDU (2.2.1.11).
//!
//! Under Standard RDP Security with encryption the PDUs are encrypted and only their security
//! flags are visible: [`SlowPath::Encrypted`]. Passwords of the Client Info PDU are never read.

use super::errinfo::ErrInfo;
use super::wire::{self, Cursor, flag_names};
use super::{PResult, ProtoError};

/// Longest domain / user name read from a Client Info PDU (MS-RDPBCGR 2.2.1.11.1.1: 512 bytes).
const MAX_NAME_BYTES: usize = 512;

/// How a slow-path PDU starts, given what the connection negotiated (MS-RDPBCGR 2.2.8.1.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityMode {
    /// Standard RDP Security with an encryption level above NONE: every PDU has a security header.
    Standard,
    /// Enhanced RDP Security (TLS, CredSSP) or Standard with ENCRYPTION_LEVEL_NONE: only the
    /// security exchange, Client Info and licensing PDUs have a (basic) security header.
    NoSecurityHeader,
}

/// TS_SECURITY_HEADER.flags (MS-RDPBCGR 2.2.8.1.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityFlags(pub u16);

impl SecurityFlags {
    /// SEC_EXCHANGE_PKT: Security Exchange PDU.
    pub const EXCHANGE_PKT: u16 = 0x0001;
    /// SEC_ENCRYPT: the data is encrypted.
    pub const ENCRYPT: u16 = 0x0008;
    /// SEC_INFO_PKT: Client Info PDU.
    pub const INFO_PKT: u16 = 0x0040;
    /// SEC_LICENSE_PKT: licensing PDU.
    pub const LICENSE_PKT: u16 = 0x0080;
    /// SEC_REDIRECTION_PKT: Standard Security Server Redirection PDU.
    pub const REDIRECTION_PKT: u16 = 0x0400;

    /// SEC_* names of the set bits, unknown bits as `unknown (0x..)`.
    pub fn names(self) -> Vec<String> {
        flag_names(
            self.0,
            &[
                (0x0001, "SEC_EXCHANGE_PKT"),
                (0x0002, "SEC_TRANSPORT_REQ"),
                (0x0004, "SEC_TRANSPORT_RSP"),
                (0x0008, "SEC_ENCRYPT"),
                (0x0010, "SEC_RESET_SEQNO"),
                (0x0020, "SEC_IGNORE_SEQNO"),
                (0x0040, "SEC_INFO_PKT"),
                (0x0080, "SEC_LICENSE_PKT"),
                (0x0200, "SEC_LICENSE_ENCRYPT"),
                (0x0400, "SEC_REDIRECTION_PKT"),
                (0x0800, "SEC_SECURE_CHECKSUM"),
                (0x1000, "SEC_AUTODETECT_REQ"),
                (0x2000, "SEC_AUTODETECT_RSP"),
                (0x4000, "SEC_HEARTBEAT"),
                (0x8000, "SEC_FLAGSHI_VALID"),
            ],
        )
    }

    fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
}

/// The user and domain of a Client Info PDU (TS_INFO_PACKET, MS-RDPBCGR 2.2.1.11.1.1).
/// The password, alternate shell and working directory are skipped, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientInfo {
    /// CodePage.
    pub code_page: u32,
    /// flags (INFO_MOUSE, INFO_UNICODE 0x10, INFO_AUTOLOGON 0x8, ...).
    pub flags: u32,
    /// Domain.
    pub domain: String,
    /// UserName.
    pub user_name: String,
}

/// A share control PDU type (TS_SHARECONTROLHEADER.pduType & 0xF, MS-RDPBCGR 2.2.8.1.1.1.1).
pub fn pdu_type_name(t: u16) -> String {
    match t & 0x0f {
        0x1 => "PDUTYPE_DEMANDACTIVEPDU".into(),
        0x3 => "PDUTYPE_CONFIRMACTIVEPDU".into(),
        0x6 => "PDUTYPE_DEACTIVATEALLPDU".into(),
        0x7 => "PDUTYPE_DATAPDU".into(),
        0xa => "PDUTYPE_SERVER_REDIR_PKT".into(),
        t => format!("unknown ({t:#x})"),
    }
}

/// A share data PDU type (TS_SHAREDATAHEADER.pduType2, MS-RDPBCGR 2.2.8.1.1.1.2).
pub fn pdu_type2_name(t: u8) -> String {
    let s = match t {
        0x02 => "PDUTYPE2_UPDATE",
        0x14 => "PDUTYPE2_CONTROL",
        0x1b => "PDUTYPE2_POINTER",
        0x1c => "PDUTYPE2_INPUT",
        0x1f => "PDUTYPE2_SYNCHRONIZE",
        0x21 => "PDUTYPE2_REFRESH_RECT",
        0x22 => "PDUTYPE2_PLAY_SOUND",
        0x23 => "PDUTYPE2_SUPPRESS_OUTPUT",
        0x24 => "PDUTYPE2_SHUTDOWN_REQUEST",
        0x25 => "PDUTYPE2_SHUTDOWN_DENIED",
        0x26 => "PDUTYPE2_SAVE_SESSION_INFO",
        0x27 => "PDUTYPE2_FONTLIST",
        0x28 => "PDUTYPE2_FONTMAP",
        0x29 => "PDUTYPE2_SET_KEYBOARD_INDICATORS",
        0x2b => "PDUTYPE2_BITMAPCACHE_PERSISTENT_LIST",
        0x2c => "PDUTYPE2_BITMAPCACHE_ERROR_PDU",
        0x2d => "PDUTYPE2_SET_KEYBOARD_IME_STATUS",
        0x2e => "PDUTYPE2_OFFSCRCACHE_ERROR_PDU",
        0x2f => "PDUTYPE2_SET_ERROR_INFO_PDU",
        0x30 => "PDUTYPE2_DRAWNINEGRID_ERROR_PDU",
        0x31 => "PDUTYPE2_DRAWGDIPLUS_ERROR_PDU",
        0x32 => "PDUTYPE2_ARC_STATUS_PDU",
        0x36 => "PDUTYPE2_STATUS_INFO_PDU",
        0x37 => "PDUTYPE2_MONITOR_LAYOUT_PDU",
        t => return format!("unknown ({t:#x})"),
    };
    s.into()
}

/// A slow-path PDU from an MCS Send Data payload (MS-RDPBCGR 2.2.8.1.1), as far as it is readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlowPath {
    /// SEC_ENCRYPT is set: the rest is encrypted (Standard RDP Security, 2.2.8.1.1.2.1).
    Encrypted {
        /// The security flags (which say e.g. SEC_INFO_PKT for an encrypted Client Info PDU).
        flags: SecurityFlags,
    },
    /// Security Exchange PDU (2.2.1.10): the client's encrypted random.
    SecurityExchange,
    /// Client Info PDU (2.2.1.11), unencrypted.
    ClientInfo(ClientInfo),
    /// A licensing PDU (2.2.1.12), with its bMsgType (0xFF ERROR_ALERT, 0x01 LICENSE_REQUEST, ...).
    Licensing {
        /// LICENSE_PREAMBLE.bMsgType.
        msg_type: Option<u8>,
    },
    /// Set Error Info PDU (2.2.5.1.1): why the server disconnects.
    SetErrorInfo(ErrInfo),
    /// Another share control PDU (Demand Active, Confirm Active, Deactivate All, a data PDU, ...).
    Share {
        /// pduType (type in the low 4 bits), see [`pdu_type_name`].
        pdu_type: u16,
        /// pduSource (the sender's MCS user channel), when present.
        source: Option<u16>,
        /// pduType2 of a data PDU, see [`pdu_type2_name`].
        pdu_type2: Option<u8>,
    },
    /// A flow control PDU (2.2.8.1.1.1.1 note: first field 0x8000).
    FlowControl,
    /// Any other security-header PDU, by its flags (redirection, auto-detect, heartbeat, ...).
    Other {
        /// The security flags.
        flags: SecurityFlags,
    },
}

fn client_info(b: &[u8]) -> Result<ClientInfo, ProtoError> {
    let (i, code_page) = wire::le32(b)?;
    let (i, flags) = wire::le32(i)?;
    let (i, cb_domain) = wire::le16(i)?;
    let (i, cb_user) = wire::le16(i)?;
    let (i, _cb_password) = wire::le16(i)?;
    let (i, _cb_shell) = wire::le16(i)?;
    let (i, _cb_dir) = wire::le16(i)?;
    let unicode = flags & 0x10 != 0;
    let term = if unicode { 2 } else { 1 };
    let read = |i, cb: u16| -> PResult<'_, String> {
        let cb = usize::from(cb).min(MAX_NAME_BYTES);
        let (i, s) = wire::take(i, cb + term)?;
        let s = s.get(..cb).unwrap_or_default();
        Ok((
            i,
            if unicode {
                wire::utf16z(s, 256)
            } else {
                wire::ansiz(s)
            },
        ))
    };
    let (i, domain) = read(i, cb_domain)?;
    let (_i, user_name) = read(i, cb_user)?;
    // Password and the rest are deliberately not read.
    Ok(ClientInfo {
        code_page,
        flags,
        domain,
        user_name,
    })
}

fn share_control(b: &[u8]) -> PResult<'_, SlowPath> {
    let (i, total) = wire::le16(b)?;
    if total == 0x8000 {
        return Ok((&[], SlowPath::FlowControl));
    }
    let (i, pdu_type) = wire::le16(i)?;
    // pduSource may be absent from a Deactivate All PDU (MS-RDPBCGR 2.2.3.1).
    let mut c = Cursor::new(i);
    let source = c.le16();
    if pdu_type & 0x0f != 0x7 {
        return Ok((
            &[],
            SlowPath::Share {
                pdu_type,
                source,
                pdu_type2: None,
            },
        ));
    }
    let (i, _share_id) = wire::le32(c.rest())?;
    let (i, _pad) = wire::u8(i)?;
    let (i, _stream) = wire::u8(i)?;
    let (i, _uncompressed) = wire::le16(i)?;
    let (i, pdu_type2) = wire::u8(i)?;
    let (i, compressed_type) = wire::u8(i)?;
    let (i, _compressed_len) = wire::le16(i)?;
    if pdu_type2 == 0x2f && compressed_type & 0x20 == 0 {
        let (i, code) = wire::le32(i)?;
        return Ok((i, SlowPath::SetErrorInfo(ErrInfo(code))));
    }
    Ok((
        &[],
        SlowPath::Share {
            pdu_type,
            source,
            pdu_type2: Some(pdu_type2),
        },
    ))
}

/// Parses the slow-path PDU in an MCS Send Data payload (MS-RDPBCGR 2.2.8.1.1): security header
/// per `mode`, then a Client Info, licensing, or share control PDU; [`SlowPath::Encrypted`]
/// when SEC_ENCRYPT hides the rest. `Incomplete` when a fixed header is cut.
pub fn parse_slow_path(input: &[u8], mode: SecurityMode) -> PResult<'_, SlowPath> {
    if mode == SecurityMode::NoSecurityHeader {
        // A share control header's totalLength equals the PDU length; a basic security header's
        // flags do not (they carry SEC_INFO_PKT / SEC_LICENSE_PKT / SEC_EXCHANGE_PKT bits).
        let (_, first) = wire::le16(input)?;
        if first == 0x8000 || usize::from(first) == input.len() {
            return share_control(input);
        }
    }
    let (i, flags) = wire::le16(input)?;
    let (i, _flags_hi) = wire::le16(i)?;
    let flags = SecurityFlags(flags);
    if flags.has(SecurityFlags::ENCRYPT) {
        return Ok((&[], SlowPath::Encrypted { flags }));
    }
    if flags.has(SecurityFlags::EXCHANGE_PKT) {
        return Ok((&[], SlowPath::SecurityExchange));
    }
    if flags.has(SecurityFlags::INFO_PKT) {
        return Ok((&[], SlowPath::ClientInfo(client_info(i)?)));
    }
    if flags.has(SecurityFlags::LICENSE_PKT) {
        return Ok((
            &[],
            SlowPath::Licensing {
                msg_type: i.first().copied(),
            },
        ));
    }
    if flags.0 & !0x8000 != 0 && mode == SecurityMode::NoSecurityHeader {
        return Ok((&[], SlowPath::Other { flags }));
    }
    share_control(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::mcs::{McsPdu, parse_mcs};
    use crate::proto::tpkt::parse_tpkt;
    use crate::proto::wire::hex;
    use crate::proto::x224::{Tpdu, parse_tpdu};

    fn send_data_payload(h: &str) -> Vec<u8> {
        let b = hex(h);
        let (_, t) = parse_tpkt(&b).unwrap();
        let (_, Tpdu::Data(d)) = parse_tpdu(t.payload).unwrap() else {
            panic!()
        };
        match parse_mcs(d.payload).unwrap().1 {
            McsPdu::SendDataRequest(s) | McsPdu::SendDataIndication(s) => s.payload.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn encrypted_client_info_shows_only_flags() {
        // rdp-proprietary-encryption.pcap frame 33 (first bytes up to the MCS length, then a prefix
        // of the encrypted data; the TPKT length is adjusted to the bytes kept here).
        let p = send_data_payload(
            "0300002302f08064000703eb701548000000791dc30c45ca9169edc0305a3501c453bf",
        );
        let (_, s) = parse_slow_path(&p, SecurityMode::Standard).unwrap();
        let SlowPath::Encrypted { flags } = s else {
            panic!("{s:?}")
        };
        assert_eq!(flags.names(), vec!["SEC_ENCRYPT", "SEC_INFO_PKT"]);
    }

    #[test]
    fn security_exchange() {
        // rdp-proprietary-encryption.pcap frame 32: SEC_EXCHANGE_PKT (0x0001) with the encrypted client random.
        let p = send_data_payload(
            "0300005e02f08064000703eb705001020000480000008b689c55b7c81a58755f6260006995ae78bab756234acd65b0ecb8dcbb9ea69b6520eaecea70ae4adc82423bee7e0718577ac4be710f16a2bd1d5464598177440000000000000000",
        );
        assert_eq!(
            parse_slow_path(&p, SecurityMode::Standard).unwrap().1,
            SlowPath::SecurityExchange
        );
        assert_eq!(
            SecurityFlags(0x0201).names(),
            vec!["SEC_EXCHANGE_PKT", "SEC_LICENSE_ENCRYPT"]
        );
    }

    // No capture in the corpus carries a plaintext Set Error Info PDU (every standard-security one is
    // encrypted); this one is built from MS-RDPBCGR 2.2.5.1.1 as a server sends it with
    // ENCRYPTION_LEVEL_NONE or inside TLS: share control (len 0x16, PDUTYPE_DATAPDU|0x10, source 1002),
    // share data (shareId 0x103ea, stream 1, pduType2 0x2f), errorInfo 12.
    const SET_ERROR_INFO: &str = "1600 1700 ea03 ea030100 00 01 0800 2f 00 0000 0c000000";

    #[test]
    fn set_error_info_without_security_header() {
        let b = hex(SET_ERROR_INFO);
        let (rest, s) = parse_slow_path(&b, SecurityMode::NoSecurityHeader).unwrap();
        assert!(rest.is_empty());
        let SlowPath::SetErrorInfo(e) = s else {
            panic!("{s:?}")
        };
        assert_eq!(e.0, 12);
        assert_eq!(e.name(), "ERRINFO_LOGOFF_BY_USER");
    }

    #[test]
    fn set_error_info_in_full_stack_with_basic_security_header() {
        // TPKT + X.224 DT + MCS Send Data Indication (initiator 1002, channel 1003) +
        // basic security header without SEC_ENCRYPT (flags 0) + the PDU above with errorInfo 7.
        let mut pdu = hex("0000 0000");
        let mut body = hex(SET_ERROR_INFO);
        body[18] = 7;
        pdu.extend_from_slice(&body);
        let mut mcs = hex("68 0001 03eb 70");
        mcs.push(pdu.len() as u8);
        mcs.extend_from_slice(&pdu);
        let mut rec = vec![
            0x03,
            0x00,
            0x00,
            (4 + 3 + mcs.len()) as u8,
            0x02,
            0xf0,
            0x80,
        ];
        rec.extend_from_slice(&mcs);
        let h: String = rec.iter().map(|b| format!("{b:02x}")).collect();
        let p = send_data_payload(&h);
        let (_, s) = parse_slow_path(&p, SecurityMode::Standard).unwrap();
        assert_eq!(s, SlowPath::SetErrorInfo(ErrInfo(7)));
        assert_eq!(ErrInfo(7).name(), "ERRINFO_SERVER_DENIED_CONNECTION");
        for n in 0..rec.len() {
            assert!(matches!(
                parse_tpkt(&rec[..n]),
                Err(ProtoError::Incomplete(_))
            ));
        }
        for n in 0..p.len() {
            assert!(
                matches!(
                    parse_slow_path(&p[..n], SecurityMode::Standard),
                    Err(ProtoError::Incomplete(_))
                ),
                "{n}"
            );
        }
    }

    #[test]
    fn client_info_user_and_domain_never_password() {
        // TS_INFO_PACKET built from MS-RDPBCGR 2.2.1.11.1.1: INFO_UNICODE|INFO_MOUSE (0x13),
        // domain "LAB", user "alice", password "hunter2".
        let mut v = hex("4000 0000"); // SEC_INFO_PKT
        v.extend_from_slice(&hex("00000000 13000000 0600 0a00 0e00 0000 0000"));
        for s in ["LAB", "alice", "hunter2", "", ""] {
            for u in s.encode_utf16().chain([0]) {
                v.extend_from_slice(&u.to_le_bytes());
            }
        }
        let (_, s) = parse_slow_path(&v, SecurityMode::NoSecurityHeader).unwrap();
        let SlowPath::ClientInfo(ci) = s else {
            panic!("{s:?}")
        };
        assert_eq!(ci.domain, "LAB");
        assert_eq!(ci.user_name, "alice");
        assert!(!format!("{ci:?}").contains("hunter2"));
        // Cut inside the user name: incomplete, not malformed.
        assert!(matches!(
            parse_slow_path(&v[..30], SecurityMode::Standard),
            Err(ProtoError::Incomplete(_))
        ));
    }

    #[test]
    fn share_pdus_and_flow_control() {
        // Demand Active header only (pduType 0x11), and a data PDU of type SHUTDOWN_DENIED.
        let b = hex("0a00 1100 ea03 0000 0000");
        assert_eq!(
            parse_slow_path(&b, SecurityMode::NoSecurityHeader)
                .unwrap()
                .1,
            SlowPath::Share {
                pdu_type: 0x11,
                source: Some(1002),
                pdu_type2: None
            }
        );
        assert_eq!(pdu_type_name(0x11), "PDUTYPE_DEMANDACTIVEPDU");
        let b = hex("1200 1700 ea03 ea030100 00 01 0400 25 00 0000");
        assert_eq!(
            parse_slow_path(&b, SecurityMode::NoSecurityHeader)
                .unwrap()
                .1,
            SlowPath::Share {
                pdu_type: 0x17,
                source: Some(1002),
                pdu_type2: Some(0x25)
            }
        );
        assert_eq!(pdu_type2_name(0x25), "PDUTYPE2_SHUTDOWN_DENIED");
        assert_eq!(pdu_type2_name(0x99), "unknown (0x99)");
        assert_eq!(
            parse_slow_path(&hex("0080 4100 0000"), SecurityMode::NoSecurityHeader)
                .unwrap()
                .1,
            SlowPath::FlowControl
        );
        assert_eq!(
            parse_slow_path(&hex("8000 0000 ff03"), SecurityMode::Standard)
                .unwrap()
                .1,
            SlowPath::Licensing {
                msg_type: Some(0xff)
            }
        );
    }

    #[test]
    fn garbage_never_panics() {
        let g = hex("ffffffffffffffff00000000400000000000000000ffffffff");
        for s in 0..g.len() {
            for e in s..=g.len() {
                let _ = parse_slow_path(&g[s..e], SecurityMode::Standard);
                let _ = parse_slow_path(&g[s..e], SecurityMode::NoSecurityHeader);
            }
        }
    }
}

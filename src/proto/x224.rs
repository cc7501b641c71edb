//! ISO 8073 (X.224) TPDUs inside TPKT records, and the RDP connection negotiation they carry
//! (MS-RDPBCGR 2.2.1.1 Client X.224 Connection Request, 2.2.1.2 Server X.224 Connection Confirm).
//!
//! Lenient by design: a wrong length field inside RDP_NEG_RSP, unknown flag bits, unknown
//! protocols or failure codes, bytes after the negotiation structure, all produce a value with a
//! note, never an error. Only a TPDU whose length indicator does not fit is malformed.

use super::wire::{self, flag_names};
use super::{Layer, PResult, ProtoError};
use std::fmt;

/// Longest cookie / routing token kept (MS-RDPBCGR 2.2.1.1: the cookie is a short user name; routing tokens are short).
const MAX_TOKEN: usize = 256;

/// The security protocols of RDP_NEG_REQ.requestedProtocols and RDP_NEG_RSP.selectedProtocol
/// (MS-RDPBCGR 2.2.1.1.1 / 2.2.1.2.1). The value 0 is PROTOCOL_RDP, Standard RDP Security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Protocols(pub u32);

impl Protocols {
    /// PROTOCOL_SSL: TLS 1.0, 1.1 or 1.2 (MS-RDPBCGR 5.4.5.1).
    pub const SSL: u32 = 0x01;
    /// PROTOCOL_HYBRID: CredSSP (NLA) over TLS (MS-RDPBCGR 5.4.5.2).
    pub const HYBRID: u32 = 0x02;
    /// PROTOCOL_RDSTLS (MS-RDPBCGR 5.4.5.3).
    pub const RDSTLS: u32 = 0x04;
    /// PROTOCOL_HYBRID_EX: CredSSP with the Early User Authorization Result PDU (MS-RDPBCGR 5.4.5.2).
    pub const HYBRID_EX: u32 = 0x08;
    /// PROTOCOL_RDSAAD: RDS AAD authentication (MS-RDPBCGR 5.4.5.4).
    pub const RDSAAD: u32 = 0x10;

    const TABLE: [(u32, &'static str); 5] = [
        (Self::SSL, "ssl"),
        (Self::HYBRID, "hybrid"),
        (Self::RDSTLS, "rdstls"),
        (Self::HYBRID_EX, "hybrid_ex"),
        (Self::RDSAAD, "rdsaad"),
    ];

    /// CONTRACT.md names of the set bits (`ssl`, `hybrid`, `rdstls`, `hybrid_ex`, `rdsaad`,
    /// unknown bits as `unknown (0x..)`); the value 0 is `["rdp"]` (Standard RDP Security).
    pub fn names(self) -> Vec<String> {
        if self.0 == 0 {
            return vec!["rdp".to_string()];
        }
        flag_names(self.0, &Self::TABLE)
    }

    /// One name for a selected protocol (RDP_NEG_RSP.selectedProtocol holds one bit): `rdp`,
    /// `hybrid`, ...; several bits are joined with `|`.
    pub fn selected_name(self) -> String {
        self.names().join("|")
    }

    /// True when the bit (one of the constants) is set.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }
}

impl fmt::Display for Protocols {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

/// RDP_NEG_REQ.flags (MS-RDPBCGR 2.2.1.1.1); unknown bits are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NegReqFlags(pub u8);

impl NegReqFlags {
    /// RESTRICTED_ADMIN_MODE_REQUIRED.
    pub const RESTRICTED_ADMIN_MODE_REQUIRED: u8 = 0x01;
    /// REDIRECTED_AUTHENTICATION_MODE_REQUIRED.
    pub const REDIRECTED_AUTHENTICATION_MODE_REQUIRED: u8 = 0x02;
    /// CORRELATION_INFO_PRESENT: an RDP_NEG_CORRELATION_INFO follows (2.2.1.1.2).
    pub const CORRELATION_INFO_PRESENT: u8 = 0x08;

    /// Spec names of the set bits, unknown bits as `unknown (0x..)`.
    pub fn names(self) -> Vec<String> {
        flag_names(
            self.0,
            &[
                (
                    Self::RESTRICTED_ADMIN_MODE_REQUIRED,
                    "RESTRICTED_ADMIN_MODE_REQUIRED",
                ),
                (
                    Self::REDIRECTED_AUTHENTICATION_MODE_REQUIRED,
                    "REDIRECTED_AUTHENTICATION_MODE_REQUIRED",
                ),
                (Self::CORRELATION_INFO_PRESENT, "CORRELATION_INFO_PRESENT"),
            ],
        )
    }
}

/// RDP_NEG_RSP.flags (MS-RDPBCGR 2.2.1.2.1); unknown bits are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NegRspFlags(pub u8);

impl NegRspFlags {
    /// EXTENDED_CLIENT_DATA_SUPPORTED.
    pub const EXTENDED_CLIENT_DATA_SUPPORTED: u8 = 0x01;
    /// DYNVC_GFX_PROTOCOL_SUPPORTED.
    pub const DYNVC_GFX_PROTOCOL_SUPPORTED: u8 = 0x02;
    /// NEGRSP_FLAG_RESERVED.
    pub const NEGRSP_FLAG_RESERVED: u8 = 0x04;
    /// RESTRICTED_ADMIN_MODE_SUPPORTED.
    pub const RESTRICTED_ADMIN_MODE_SUPPORTED: u8 = 0x08;
    /// REDIRECTED_AUTHENTICATION_MODE_SUPPORTED.
    pub const REDIRECTED_AUTHENTICATION_MODE_SUPPORTED: u8 = 0x10;

    /// Spec names of the set bits, unknown bits as `unknown (0x..)`.
    pub fn names(self) -> Vec<String> {
        flag_names(
            self.0,
            &[
                (
                    Self::EXTENDED_CLIENT_DATA_SUPPORTED,
                    "EXTENDED_CLIENT_DATA_SUPPORTED",
                ),
                (
                    Self::DYNVC_GFX_PROTOCOL_SUPPORTED,
                    "DYNVC_GFX_PROTOCOL_SUPPORTED",
                ),
                (Self::NEGRSP_FLAG_RESERVED, "NEGRSP_FLAG_RESERVED"),
                (
                    Self::RESTRICTED_ADMIN_MODE_SUPPORTED,
                    "RESTRICTED_ADMIN_MODE_SUPPORTED",
                ),
                (
                    Self::REDIRECTED_AUTHENTICATION_MODE_SUPPORTED,
                    "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED",
                ),
            ],
        )
    }
}

/// RDP_NEG_REQ (MS-RDPBCGR 2.2.1.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiationRequest {
    /// flags.
    pub flags: NegReqFlags,
    /// The length field as sent (8 when correct).
    pub length: u16,
    /// requestedProtocols.
    pub requested: Protocols,
}

/// RDP_NEG_CORRELATION_INFO (MS-RDPBCGR 2.2.1.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationInfo {
    /// correlationId: 16 bytes, shown in the server's event logs.
    pub correlation_id: [u8; 16],
}

impl CorrelationInfo {
    /// The correlation id as a GUID string (MS-DTYP 2.3.4.3 byte order), as Windows logs it.
    pub fn guid(&self) -> String {
        let b = &self.correlation_id;
        let g = |k: usize| b.get(k).copied().unwrap_or(0);
        format!(
            "{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            g(3),
            g(2),
            g(1),
            g(0),
            g(5),
            g(4),
            g(7),
            g(6),
            g(8),
            g(9),
            g(10),
            g(11),
            g(12),
            g(13),
            g(14),
            g(15)
        )
    }
}

/// RDP_NEG_FAILURE.failureCode (MS-RDPBCGR 2.2.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureCode {
    /// 1: the server requires TLS.
    SslRequiredByServer,
    /// 2: the server only allows Standard RDP Security.
    SslNotAllowedByServer,
    /// 3: the server has no certificate for TLS.
    SslCertNotOnServer,
    /// 4: the requestedProtocols flags are inconsistent.
    InconsistentFlags,
    /// 5: the server requires CredSSP (NLA).
    HybridRequiredByServer,
    /// 6: the server requires TLS with user authentication.
    SslWithUserAuthRequiredByServer,
    /// Any other code, kept.
    Unknown(u32),
}

impl FailureCode {
    /// From the wire value.
    pub fn from_u32(v: u32) -> Self {
        match v {
            1 => Self::SslRequiredByServer,
            2 => Self::SslNotAllowedByServer,
            3 => Self::SslCertNotOnServer,
            4 => Self::InconsistentFlags,
            5 => Self::HybridRequiredByServer,
            6 => Self::SslWithUserAuthRequiredByServer,
            v => Self::Unknown(v),
        }
    }

    /// The wire value.
    pub fn code(self) -> u32 {
        match self {
            Self::SslRequiredByServer => 1,
            Self::SslNotAllowedByServer => 2,
            Self::SslCertNotOnServer => 3,
            Self::InconsistentFlags => 4,
            Self::HybridRequiredByServer => 5,
            Self::SslWithUserAuthRequiredByServer => 6,
            Self::Unknown(v) => v,
        }
    }

    /// The MS-RDPBCGR 2.2.1.2.2 name (CONTRACT.md `failure_code`), or `unknown (0x..)`.
    pub fn name(self) -> String {
        match self {
            Self::SslRequiredByServer => "SSL_REQUIRED_BY_SERVER".into(),
            Self::SslNotAllowedByServer => "SSL_NOT_ALLOWED_BY_SERVER".into(),
            Self::SslCertNotOnServer => "SSL_CERT_NOT_ON_SERVER".into(),
            Self::InconsistentFlags => "INCONSISTENT_FLAGS".into(),
            Self::HybridRequiredByServer => "HYBRID_REQUIRED_BY_SERVER".into(),
            Self::SslWithUserAuthRequiredByServer => "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER".into(),
            Self::Unknown(v) => format!("unknown ({v:#x})"),
        }
    }
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// What a Connection Confirm says about the negotiation (MS-RDPBCGR 2.2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Negotiation {
    /// No rdpNegData at all: a legacy server (Standard RDP Security), or a reply to a request
    /// without RDP_NEG_REQ.
    Legacy,
    /// RDP_NEG_RSP (2.2.1.2.1).
    Response {
        /// flags.
        flags: NegRspFlags,
        /// The length field as sent (8 when correct).
        length: u16,
        /// selectedProtocol.
        selected: Protocols,
    },
    /// RDP_NEG_FAILURE (2.2.1.2.2).
    Failure {
        /// flags (0 on the wire).
        flags: u8,
        /// The length field as sent (8 when correct).
        length: u16,
        /// failureCode.
        code: FailureCode,
    },
    /// Negotiation data of an unknown type (neither 0x02 nor 0x03), kept (at most 64 bytes).
    Unknown {
        /// The type byte.
        kind: u8,
        /// The bytes, type byte included.
        bytes: Vec<u8>,
    },
}

/// The RDP contents of an X.224 Connection Request (MS-RDPBCGR 2.2.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionRequest {
    /// DST-REF (0 from RDP clients).
    pub dst_ref: u16,
    /// SRC-REF.
    pub src_ref: u16,
    /// Class and option byte (0 for class 0).
    pub class_option: u8,
    /// The user name of `Cookie: mstshash=NAME\r\n` (client-truncated, usually to 9 characters),
    /// exactly as sent (trailing spaces kept), lossily decoded.
    pub cookie: Option<String>,
    /// A routing token: the value of `Cookie: msts=VALUE\r\n`, or any other CR LF terminated
    /// token line kept whole (MS-RDPBCGR 2.2.1.1 routingToken).
    pub routing_token: Option<String>,
    /// RDP_NEG_REQ, absent from legacy clients.
    pub negotiation: Option<NegotiationRequest>,
    /// RDP_NEG_CORRELATION_INFO, present when flagged.
    pub correlation: Option<CorrelationInfo>,
    /// Departures from the specification that did not stop the parse (e.g. `"malformed: ..."`).
    pub notes: Vec<String>,
}

impl ConnectionRequest {
    /// The requested protocols: RDP_NEG_REQ.requestedProtocols, or PROTOCOL_RDP (0) when there is no RDP_NEG_REQ.
    pub fn requested(&self) -> Protocols {
        self.negotiation
            .as_ref()
            .map(|n| n.requested)
            .unwrap_or_default()
    }
}

/// The RDP contents of an X.224 Connection Confirm (MS-RDPBCGR 2.2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfirm {
    /// DST-REF.
    pub dst_ref: u16,
    /// SRC-REF (0x1234 from Windows servers).
    pub src_ref: u16,
    /// Class and option byte.
    pub class_option: u8,
    /// RDP_NEG_RSP, RDP_NEG_FAILURE, or nothing.
    pub negotiation: Negotiation,
    /// Departures from the specification that did not stop the parse (e.g. `"malformed: ..."`).
    pub notes: Vec<String>,
}

impl ConnectionConfirm {
    /// The selected protocol: from RDP_NEG_RSP, or PROTOCOL_RDP for a legacy confirm; `None` on failure.
    pub fn selected(&self) -> Option<Protocols> {
        match self.negotiation {
            Negotiation::Response { selected, .. } => Some(selected),
            Negotiation::Legacy => Some(Protocols(0)),
            _ => None,
        }
    }

    /// The failure code of an RDP_NEG_FAILURE.
    pub fn failure(&self) -> Option<FailureCode> {
        match self.negotiation {
            Negotiation::Failure { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A Disconnect Request TPDU (ISO 8073 13.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisconnectRequest {
    /// DST-REF.
    pub dst_ref: u16,
    /// SRC-REF.
    pub src_ref: u16,
    /// Reason (ISO 8073 13.5.3 e: 0 not specified, 1 congestion, 2 session not attached, 3 address unknown, ...).
    pub reason: u8,
}

/// A Data TPDU (ISO 8073 13.7) in class 0: the MCS PDU it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataTpdu<'a> {
    /// EOT: last TPDU of the TSDU (always set by RDP).
    pub eot: bool,
    /// TPDU-NR (0 in class 0).
    pub nr: u8,
    /// The user data: an MCS PDU (T.125).
    pub payload: &'a [u8],
}

/// An X.224 TPDU (ISO 8073 13), with the RDP structures of MS-RDPBCGR 2.2.1.1 / 2.2.1.2 decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tpdu<'a> {
    /// CR, code 0xE0 (MS-RDPBCGR 2.2.1.1).
    ConnectionRequest(ConnectionRequest),
    /// CC, code 0xD0 (MS-RDPBCGR 2.2.1.2).
    ConnectionConfirm(ConnectionConfirm),
    /// DR, code 0x80.
    DisconnectRequest(DisconnectRequest),
    /// DT, code 0xF0 (MS-RDPBCGR 2.2.1.3 onwards: MCS PDUs).
    Data(DataTpdu<'a>),
    /// ER, code 0x70 (ISO 8073 13.12): the peer rejected a TPDU.
    Error {
        /// DST-REF.
        dst_ref: u16,
        /// Reject cause (0 unspecified, 1 invalid parameter code, 2 invalid TPDU type, 3 invalid parameter value).
        cause: u8,
    },
    /// Any other TPDU type (DC, ED, AK, EA, RJ, ...), kept by its code byte.
    Other {
        /// The code byte.
        code: u8,
        /// The header bytes after the code.
        header: &'a [u8],
    },
}

/// Parses one X.224 TPDU: the payload of one TPKT record (ISO 8073 13, MS-RDPBCGR 2.2.1.1-2.2.1.2).
///
/// `Incomplete` when the length indicator points past the bytes given (a cut TPKT payload);
/// `Malformed` for the reserved length indicator 255 or one too small for the TPDU type.
/// For DT the rest is the MCS payload (inside the value) and the returned rest is empty.
pub fn parse_tpdu(input: &[u8]) -> PResult<'_, Tpdu<'_>> {
    let (i, li) = wire::u8(input)?;
    if li == 0xff {
        return Err(ProtoError::malformed(
            Layer::X224,
            "length indicator 255 is reserved",
        ));
    }
    let (after, header) = wire::take(i, usize::from(li))?;
    let Some((&code, fixed)) = header.split_first() else {
        return Err(ProtoError::malformed(Layer::X224, "length indicator 0"));
    };
    let need = |min: u8, what: &str| -> Result<(), ProtoError> {
        if li < min {
            Err(ProtoError::malformed(
                Layer::X224,
                format!("{what} length indicator {li} is below {min}"),
            ))
        } else {
            Ok(())
        }
    };
    match code & 0xf0 {
        0xe0 => {
            need(6, "CR")?;
            Ok((after, Tpdu::ConnectionRequest(connection_request(fixed))))
        }
        0xd0 => {
            need(6, "CC")?;
            Ok((after, Tpdu::ConnectionConfirm(connection_confirm(fixed))))
        }
        0x80 => {
            need(6, "DR")?;
            let mut c = wire::Cursor::new(fixed);
            Ok((
                after,
                Tpdu::DisconnectRequest(DisconnectRequest {
                    dst_ref: c.be16().unwrap_or(0),
                    src_ref: c.be16().unwrap_or(0),
                    reason: c.u8().unwrap_or(0),
                }),
            ))
        }
        0xf0 => {
            need(2, "DT")?;
            let nr = fixed.first().copied().unwrap_or(0);
            Ok((
                &[],
                Tpdu::Data(DataTpdu {
                    eot: nr & 0x80 != 0,
                    nr: nr & 0x7f,
                    payload: after,
                }),
            ))
        }
        0x70 => {
            need(4, "ER")?;
            let mut c = wire::Cursor::new(fixed);
            Ok((
                after,
                Tpdu::Error {
                    dst_ref: c.be16().unwrap_or(0),
                    cause: c.u8().unwrap_or(0),
                },
            ))
        }
        _ => Ok((
            after,
            Tpdu::Other {
                code,
                header: fixed,
            },
        )),
    }
}

/// Splits a CR LF terminated line off `b` (at most [`MAX_TOKEN`] bytes searched): (line, rest).
fn crlf_line(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let window = b.get(..b.len().min(MAX_TOKEN + 2)).unwrap_or_default();
    let pos = window.windows(2).position(|w| w == b"\r\n")?;
    let line = b.get(..pos)?;
    let rest = b.get(pos + 2..)?;
    Some((line, rest))
}

fn lossy(b: &[u8]) -> String {
    let b = b.get(..b.len().min(MAX_TOKEN)).unwrap_or_default();
    String::from_utf8_lossy(b).into_owned()
}

/// The fixed part (DST-REF, SRC-REF, class) and variable part of a CR (MS-RDPBCGR 2.2.1.1).
fn connection_request(fixed: &[u8]) -> ConnectionRequest {
    let mut c = wire::Cursor::new(fixed);
    let mut cr = ConnectionRequest {
        dst_ref: c.be16().unwrap_or(0),
        src_ref: c.be16().unwrap_or(0),
        class_option: c.u8().unwrap_or(0),
        ..Default::default()
    };
    let mut rest = c.rest();
    // routingToken or cookie: any CR LF terminated line that does not start with a negotiation type byte.
    if rest.first().is_some_and(|&b| b != 0x01) {
        const MSTSHASH: &[u8] = b"Cookie: mstshash=";
        const MSTS: &[u8] = b"Cookie: msts=";
        match crlf_line(rest) {
            Some((line, r)) => {
                if let Some(v) = line.strip_prefix(MSTSHASH) {
                    cr.cookie = Some(lossy(v));
                } else if let Some(v) = line.strip_prefix(MSTS) {
                    cr.routing_token = Some(lossy(v));
                } else {
                    cr.routing_token = Some(lossy(line));
                }
                rest = r;
            }
            None => {
                if let Some(v) = rest.strip_prefix(MSTSHASH) {
                    cr.cookie = Some(lossy(v));
                    cr.notes
                        .push("malformed: cookie not terminated by CR LF".into());
                } else {
                    cr.notes.push(format!(
                        "malformed: {} bytes that are neither a CR LF terminated token nor RDP_NEG_REQ",
                        rest.len()
                    ));
                }
                rest = &[];
            }
        }
    }
    if rest.is_empty() {
        return cr;
    }
    let mut c = wire::Cursor::new(rest);
    let kind = c.u8();
    if kind != Some(0x01) {
        cr.notes.push(format!(
            "malformed: {} unknown bytes (type {:#04x}) where RDP_NEG_REQ was expected",
            rest.len(),
            kind.unwrap_or(0)
        ));
        return cr;
    }
    let (Some(flags), Some(length), Some(requested)) = (c.u8(), c.le16(), c.le32()) else {
        cr.notes.push(format!(
            "malformed: RDP_NEG_REQ truncated to {} bytes",
            rest.len()
        ));
        return cr;
    };
    if length != 8 {
        cr.notes.push(format!(
            "malformed: RDP_NEG_REQ length {length}, expected 8"
        ));
    }
    let flags = NegReqFlags(flags);
    cr.negotiation = Some(NegotiationRequest {
        flags,
        length,
        requested: Protocols(requested),
    });
    if flags.0 & NegReqFlags::CORRELATION_INFO_PRESENT != 0 {
        let (Some(kind), Some(_flags), Some(len), Some(id)) =
            (c.u8(), c.u8(), c.le16(), c.bytes(16))
        else {
            cr.notes
                .push("malformed: RDP_NEG_CORRELATION_INFO flagged but truncated".into());
            return cr;
        };
        if kind != 0x06 || len != 36 {
            cr.notes.push(format!(
                "malformed: RDP_NEG_CORRELATION_INFO type {kind:#04x} length {len}, expected 0x06 and 36"
            ));
        }
        let mut correlation_id = [0u8; 16];
        correlation_id.copy_from_slice(id);
        cr.correlation = Some(CorrelationInfo { correlation_id });
        let _reserved = c.bytes(16);
    }
    if !c.rest().is_empty() {
        cr.notes.push(format!(
            "{} extra bytes after the negotiation request",
            c.rest().len()
        ));
    }
    cr
}

/// The fixed part and rdpNegData of a CC (MS-RDPBCGR 2.2.1.2).
fn connection_confirm(fixed: &[u8]) -> ConnectionConfirm {
    let mut c = wire::Cursor::new(fixed);
    let dst_ref = c.be16().unwrap_or(0);
    let src_ref = c.be16().unwrap_or(0);
    let class_option = c.u8().unwrap_or(0);
    let mut notes = Vec::new();
    let rest = c.rest();
    let negotiation = if rest.is_empty() {
        Negotiation::Legacy
    } else {
        let mut c = wire::Cursor::new(rest);
        match (c.u8(), c.u8(), c.le16(), c.le32()) {
            (Some(kind @ (0x02 | 0x03)), Some(flags), Some(length), Some(value)) => {
                let what = if kind == 0x02 {
                    "RDP_NEG_RSP"
                } else {
                    "RDP_NEG_FAILURE"
                };
                if length != 8 {
                    notes.push(format!("malformed: {what} length {length}, expected 8"));
                }
                if !c.rest().is_empty() {
                    notes.push(format!(
                        "malformed: {} extra bytes after {what}",
                        c.rest().len()
                    ));
                }
                if kind == 0x02 {
                    Negotiation::Response {
                        flags: NegRspFlags(flags),
                        length,
                        selected: Protocols(value),
                    }
                } else {
                    Negotiation::Failure {
                        flags,
                        length,
                        code: FailureCode::from_u32(value),
                    }
                }
            }
            (kind, ..) => {
                let kind = kind.unwrap_or(0);
                notes.push(format!(
                    "malformed: {} bytes of negotiation data of type {kind:#04x}",
                    rest.len()
                ));
                Negotiation::Unknown {
                    kind,
                    bytes: rest.get(..rest.len().min(64)).unwrap_or_default().to_vec(),
                }
            }
        }
    };
    ConnectionConfirm {
        dst_ref,
        src_ref,
        class_option,
        negotiation,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tpkt::parse_tpkt;
    use crate::proto::wire::hex;

    fn tpdu(h: &str) -> Tpdu<'static> {
        let b: &'static [u8] = Box::leak(hex(h).into_boxed_slice());
        let (rest, t) = parse_tpkt(b).unwrap();
        assert!(rest.is_empty());
        let (_, p) = parse_tpdu(t.payload).unwrap();
        p
    }

    fn cr(h: &str) -> ConnectionRequest {
        match tpdu(h) {
            Tpdu::ConnectionRequest(c) => c,
            other => panic!("{other:?}"),
        }
    }

    fn cc(h: &str) -> ConnectionConfirm {
        match tpdu(h) {
            Tpdu::ConnectionConfirm(c) => c,
            other => panic!("{other:?}"),
        }
    }

    // rdp-proprietary-encryption.pcap frames 4 and 5 (conn 1, port 1311).
    const CR_PROP1: &str = "0300002f2ae00000000000436f6f6b69653a206d737473686173683d465442434f5c4137300d0a0100080001000000";
    const CC_PROP1: &str = "030000130ed000001234000300080002000000";
    // Same capture frames 12 and 13 (conn 2, port 1312).
    const CR_PROP2: &str = "0300002f2ae00000000000436f6f6b69653a206d737473686173683d465442434f5c4137300d0a0100080000000000";
    const CC_PROP2: &str = "030000130ed000001234000200080000000000";
    // RDP-003.pcap frames 4 and 6: legacy client (no RDP_NEG_REQ) and legacy server.
    const CR_RDP003: &str =
        "030000241fe00000000000436f6f6b69653a206d737473686173683d4137303036370d0a";
    const CC_RDP003: &str = "0300000b06d00000123400";
    // rdp-to-ssl.pcap frames 4 and 6.
    const CR_TOSSL: &str = "0300002f2ae00000000000436f6f6b69653a206d737473686173683d4157414b45434f44490d0a0100080003000000";
    const CC_TOSSL: &str = "030000130ed000001234000201080002000000";
    // rdp-no-cookie-mstshash.pcap frames 7 and 9: no cookie at all.
    const CR_NOCOOKIE: &str = "030000130ee00000000000010008000b000000";
    const CC_NOCOOKIE: &str = "030000130ed00000123400021f080008000000";
    // rdp-invalid-length.pcap frame 5 (first TPKT only): RDP_NEG_RSP with length 0x0100.
    const CC_INVALID: &str = "030000130ed000001234000203000100000200";

    #[test]
    fn failure_ssl_not_allowed() {
        // Zeek rdp.log row 1: cookie FTBCO\\A70 (Zeek escapes the backslash), result SSL_NOT_ALLOWED_BY_SERVER.
        let r = cr(CR_PROP1);
        assert_eq!(r.cookie.as_deref(), Some("FTBCO\\A70"));
        assert_eq!(r.requested().names(), vec!["ssl"]);
        assert_eq!(r.negotiation.as_ref().unwrap().length, 8);
        assert!(r.notes.is_empty());
        let c = cc(CC_PROP1);
        assert_eq!(c.src_ref, 0x1234);
        assert_eq!(c.failure(), Some(FailureCode::SslNotAllowedByServer));
        assert_eq!(c.failure().unwrap().name(), "SSL_NOT_ALLOWED_BY_SERVER");
        assert_eq!(c.selected(), None);
        assert!(c.notes.is_empty());
    }

    #[test]
    fn standard_security_retry() {
        let r = cr(CR_PROP2);
        assert_eq!(r.requested(), Protocols(0));
        assert_eq!(r.requested().names(), vec!["rdp"]);
        let c = cc(CC_PROP2);
        assert_eq!(c.selected().unwrap().selected_name(), "rdp");
        assert!(matches!(
            c.negotiation,
            Negotiation::Response {
                flags: NegRspFlags(0),
                ..
            }
        ));
    }

    #[test]
    fn legacy_client_and_server() {
        // Suricata: initial_request cookie A70067; no RDP_NEG_REQ, legacy confirm.
        let r = cr(CR_RDP003);
        assert_eq!(r.cookie.as_deref(), Some("A70067"));
        assert_eq!(r.negotiation, None);
        assert_eq!(r.requested().names(), vec!["rdp"]);
        let c = cc(CC_RDP003);
        assert_eq!(c.negotiation, Negotiation::Legacy);
        assert_eq!(c.selected(), Some(Protocols(0)));
    }

    #[test]
    fn hybrid_selected() {
        // Zeek rdp-to-ssl rdp.log: cookie AWAKECODI, security_protocol HYBRID.
        let r = cr(CR_TOSSL);
        assert_eq!(r.cookie.as_deref(), Some("AWAKECODI"));
        assert_eq!(r.requested().names(), vec!["ssl", "hybrid"]);
        let c = cc(CC_TOSSL);
        match c.negotiation {
            Negotiation::Response {
                flags, selected, ..
            } => {
                assert_eq!(selected.selected_name(), "hybrid");
                assert_eq!(flags.names(), vec!["EXTENDED_CLIENT_DATA_SUPPORTED"]);
            }
            ref other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_cookie_hybrid_ex() {
        // Zeek: cookie (empty) -> we say None; requested SSL|HYBRID|HYBRID_EX, selected HYBRID_EX.
        let r = cr(CR_NOCOOKIE);
        assert_eq!(r.cookie, None);
        assert_eq!(r.routing_token, None);
        assert_eq!(r.requested().names(), vec!["ssl", "hybrid", "hybrid_ex"]);
        let c = cc(CC_NOCOOKIE);
        match c.negotiation {
            Negotiation::Response {
                flags, selected, ..
            } => {
                assert_eq!(selected.selected_name(), "hybrid_ex");
                assert_eq!(
                    flags.names(),
                    vec![
                        "EXTENDED_CLIENT_DATA_SUPPORTED",
                        "DYNVC_GFX_PROTOCOL_SUPPORTED",
                        "NEGRSP_FLAG_RESERVED",
                        "RESTRICTED_ADMIN_MODE_SUPPORTED",
                        "REDIRECTED_AUTHENTICATION_MODE_SUPPORTED"
                    ]
                );
            }
            ref other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_length_is_a_typed_result_with_a_note() {
        // Zeek gives up here ("&enforce violation : RDP_Negotiation_Response:length") and disables
        // the analyzer; we keep the response and say what is wrong.
        let c = cc(CC_INVALID);
        match c.negotiation {
            Negotiation::Response {
                flags,
                length,
                selected,
            } => {
                assert_eq!(length, 256);
                assert_eq!(flags.0, 0x03);
                assert_eq!(selected.selected_name(), "unknown (0x20000)");
            }
            ref other => panic!("{other:?}"),
        }
        assert_eq!(
            c.notes,
            vec!["malformed: RDP_NEG_RSP length 256, expected 8"]
        );
    }

    #[test]
    fn routing_token_correlation_and_flags() {
        // Hand-built CR: routing token, RDP_NEG_REQ with RESTRICTED_ADMIN + CORRELATION_INFO + bit 0x40,
        // requesting all protocols plus unknown bit 0x100, then RDP_NEG_CORRELATION_INFO.
        let mut v = Vec::new();
        v.extend_from_slice(b"Cookie: msts=3640205228.15629.0000\r\n");
        v.extend_from_slice(&hex("01 49 0800 1f010000"));
        v.extend_from_slice(&hex("06 00 2400 00112233445566778899aabbccddeeff"));
        v.extend_from_slice(&[0u8; 16]);
        let mut x = vec![(6 + v.len()) as u8, 0xe0, 0, 0, 0, 0, 0];
        x.extend_from_slice(&v);
        let (_, t) = parse_tpdu(&x).unwrap();
        let Tpdu::ConnectionRequest(r) = t else {
            panic!()
        };
        assert_eq!(r.cookie, None);
        assert_eq!(r.routing_token.as_deref(), Some("3640205228.15629.0000"));
        let n = r.negotiation.as_ref().unwrap();
        assert_eq!(
            n.flags.names(),
            vec![
                "RESTRICTED_ADMIN_MODE_REQUIRED",
                "CORRELATION_INFO_PRESENT",
                "unknown (0x40)"
            ]
        );
        assert_eq!(
            n.requested.names(),
            vec![
                "ssl",
                "hybrid",
                "rdstls",
                "hybrid_ex",
                "rdsaad",
                "unknown (0x100)"
            ]
        );
        assert_eq!(
            r.correlation.as_ref().unwrap().guid(),
            "33221100-5544-7766-8899-AABBCCDDEEFF"
        );
        assert!(r.notes.is_empty(), "{:?}", r.notes);
    }

    #[test]
    fn all_failure_codes_named() {
        let names: Vec<String> = (1..=7).map(|c| FailureCode::from_u32(c).name()).collect();
        assert_eq!(
            names,
            vec![
                "SSL_REQUIRED_BY_SERVER",
                "SSL_NOT_ALLOWED_BY_SERVER",
                "SSL_CERT_NOT_ON_SERVER",
                "INCONSISTENT_FLAGS",
                "HYBRID_REQUIRED_BY_SERVER",
                "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
                "unknown (0x7)"
            ]
        );
        for c in 1..=7 {
            assert_eq!(FailureCode::from_u32(c).code(), c);
        }
        // A confirm carrying HYBRID_REQUIRED_BY_SERVER (code 5), as Windows sends when NLA is required.
        let c = cc("030000130ed000001234000300080005000000");
        assert_eq!(c.failure().unwrap().name(), "HYBRID_REQUIRED_BY_SERVER");
    }

    #[test]
    fn data_disconnect_error_tpdus() {
        // rdp-proprietary-encryption.pcap frame 538: DT carrying MCS Disconnect Provider Ultimatum.
        match tpdu("0300000902f0802180") {
            Tpdu::Data(d) => {
                assert!(d.eot);
                assert_eq!(d.nr, 0);
                assert_eq!(d.payload, &[0x21, 0x80]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_tpdu(&hex("06 80 0000 1234 01")).unwrap().1,
            Tpdu::DisconnectRequest(DisconnectRequest {
                dst_ref: 0,
                src_ref: 0x1234,
                reason: 1
            })
        );
        assert_eq!(
            parse_tpdu(&hex("04 70 0000 02")).unwrap().1,
            Tpdu::Error {
                dst_ref: 0,
                cause: 2
            }
        );
        assert!(matches!(
            parse_tpdu(&hex("01 c0")).unwrap().1,
            Tpdu::Other { code: 0xc0, .. }
        ));
    }

    #[test]
    fn length_indicator_checks() {
        assert!(matches!(
            parse_tpdu(&hex("ff e0")),
            Err(ProtoError::Malformed {
                layer: Layer::X224,
                ..
            })
        ));
        assert!(matches!(
            parse_tpdu(&hex("02 e0 00")),
            Err(ProtoError::Malformed {
                layer: Layer::X224,
                ..
            })
        ));
        assert!(matches!(
            parse_tpdu(&hex("01 f0")),
            Err(ProtoError::Malformed {
                layer: Layer::X224,
                ..
            })
        ));
        assert!(matches!(
            parse_tpdu(&hex("00")),
            Err(ProtoError::Malformed { .. })
        ));
    }

    #[test]
    fn every_prefix_is_incomplete_at_both_layers() {
        for h in [
            CR_PROP1,
            CC_PROP1,
            CR_RDP003,
            CC_RDP003,
            CR_NOCOOKIE,
            CC_INVALID,
        ] {
            let b = hex(h);
            for n in 0..b.len() {
                assert!(
                    matches!(parse_tpkt(&b[..n]), Err(ProtoError::Incomplete(_))),
                    "{h} {n}"
                );
            }
            let p = &b[4..];
            for n in 0..p.len() {
                assert!(
                    matches!(parse_tpdu(&p[..n]), Err(ProtoError::Incomplete(_))),
                    "{h} {n}"
                );
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        // rdp-invalid-length.pcap frame 4: not a TPKT at all ("ECODH\r\n..." + fuzz).
        let g = hex("45434f44480d0a01000800030301e46603004d570eb0b0b0f7bf0100b0b0b0b0");
        assert!(parse_tpkt(&g).is_err());
        for start in 0..g.len() {
            let _ = parse_tpdu(&g[start..]);
        }
        // Every CR with a truncated variable part still gives a value.
        let b = hex(CR_PROP1);
        for cut in 7..b.len() - 4 {
            let mut p = b[4..4 + cut].to_vec();
            p[0] = (cut - 1) as u8;
            let (_, t) = parse_tpdu(&p).unwrap();
            assert!(matches!(t, Tpdu::ConnectionRequest(_)));
        }
    }
}

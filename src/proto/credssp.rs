//! CredSSP (NLA) messages inside TLS: the TSRequest (MS-CSSP 2.2.1), its NTLM tokens
//! (MS-NLMP 2.2.1) and the NTSTATUS `errorCode` a server returns when authentication fails
//! (MS-CSSP 2.2.1, version 3 and later; MS-ERREF 2.3).
//!
//! ```text
//! TSRequest ::= SEQUENCE {
//!     version     [0] INTEGER,
//!     negoTokens  [1] NegoData OPTIONAL,     -- SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
//!     authInfo    [2] OCTET STRING OPTIONAL,
//!     pubKeyAuth  [3] OCTET STRING OPTIONAL,
//!     errorCode   [4] INTEGER OPTIONAL,
//!     clientNonce [5] OCTET STRING OPTIONAL }
//! ```
//!
//! Only DER is accepted (definite lengths). The password never leaves an NTLM AUTHENTICATE
//! message in the clear (it is a hash response), and the encrypted `authInfo` is not opened.

use super::{Layer, PResult, ProtoError};
use std::fmt;

/// Largest TSRequest accepted (they are a few kilobytes; Kerberos tickets the largest).
pub const MAX_TS_REQUEST: usize = 64 * 1024;

/// An NTSTATUS or SSPI status code as carried in `errorCode` (MS-ERREF 2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NtStatus(pub u32);

impl NtStatus {
    /// The symbolic name, e.g. `STATUS_LOGON_FAILURE`; `None` when unknown.
    pub fn known_name(self) -> Option<&'static str> {
        self.info().map(|(n, _)| n)
    }

    /// The symbolic name, or `unknown (0x........)`.
    pub fn name(self) -> String {
        match self.known_name() {
            Some(n) => n.to_string(),
            None => format!("unknown (0x{:08x})", self.0),
        }
    }

    /// What it means for the user, e.g. `wrong user name or password`.
    pub fn meaning(self) -> Option<&'static str> {
        self.info().map(|(_, m)| m)
    }

    fn info(self) -> Option<(&'static str, &'static str)> {
        Some(match self.0 {
            0x0000_0000 => ("STATUS_SUCCESS", "success"),
            0xC000_0022 => ("STATUS_ACCESS_DENIED", "access denied"),
            0xC000_005E => ("STATUS_NO_LOGON_SERVERS", "no domain controller reachable"),
            0xC000_0064 => ("STATUS_NO_SUCH_USER", "no such user"),
            0xC000_006A => ("STATUS_WRONG_PASSWORD", "wrong password"),
            0xC000_006C => (
                "STATUS_PASSWORD_RESTRICTION",
                "password does not meet the policy",
            ),
            0xC000_006D => ("STATUS_LOGON_FAILURE", "wrong user name or password"),
            0xC000_006E => (
                "STATUS_ACCOUNT_RESTRICTION",
                "account restriction (e.g. blank password not allowed)",
            ),
            0xC000_006F => (
                "STATUS_INVALID_LOGON_HOURS",
                "logon outside the allowed hours",
            ),
            0xC000_0070 => (
                "STATUS_INVALID_WORKSTATION",
                "logon not allowed from this workstation",
            ),
            0xC000_0071 => ("STATUS_PASSWORD_EXPIRED", "the password has expired"),
            0xC000_0072 => ("STATUS_ACCOUNT_DISABLED", "the account is disabled"),
            0xC000_00BB => ("STATUS_NOT_SUPPORTED", "not supported"),
            0xC000_0133 => (
                "STATUS_TIME_DIFFERENCE_AT_DC",
                "clock skew between client, server and domain controller",
            ),
            0xC000_015B => (
                "STATUS_LOGON_TYPE_NOT_GRANTED",
                "the user lacks the right to log on through Remote Desktop",
            ),
            0xC000_018D => (
                "STATUS_TRUSTED_RELATIONSHIP_FAILURE",
                "the server's domain trust is broken",
            ),
            0xC000_0192 => (
                "STATUS_NETLOGON_NOT_STARTED",
                "the Netlogon service is not running",
            ),
            0xC000_0193 => ("STATUS_ACCOUNT_EXPIRED", "the account has expired"),
            0xC000_0224 => (
                "STATUS_PASSWORD_MUST_CHANGE",
                "the password must be changed before the first logon",
            ),
            0xC000_0234 => ("STATUS_ACCOUNT_LOCKED_OUT", "the account is locked out"),
            0xC000_0388 => (
                "STATUS_DOWNGRADE_DETECTED",
                "authentication downgrade detected",
            ),
            0x8009_0302 => (
                "SEC_E_UNSUPPORTED_FUNCTION",
                "unsupported security function",
            ),
            0x8009_0303 => ("SEC_E_TARGET_UNKNOWN", "unknown target (SPN)"),
            0x8009_0308 => ("SEC_E_INVALID_TOKEN", "invalid authentication token"),
            0x8009_030C => ("SEC_E_LOGON_DENIED", "logon denied"),
            0x8009_030E => ("SEC_E_NO_CREDENTIALS", "no credentials available"),
            0x8009_030F => ("SEC_E_MESSAGE_ALTERED", "authentication message altered"),
            0x8009_0317 => ("SEC_E_CONTEXT_EXPIRED", "security context expired"),
            0x8009_0322 => ("SEC_E_WRONG_PRINCIPAL", "wrong principal (SPN mismatch)"),
            0x8009_0331 => (
                "SEC_E_ALGORITHM_MISMATCH",
                "no common authentication algorithm",
            ),
            _ => return None,
        })
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known_name() {
            Some(n) => write!(f, "{n} (0x{:08X})", self.0),
            None => write!(f, "unknown (0x{:08X})", self.0),
        }
    }
}

/// An NTLM message (MS-NLMP 2.2.1) found in a negoToken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ntlm {
    /// NEGOTIATE_MESSAGE (type 1).
    Negotiate,
    /// CHALLENGE_MESSAGE (type 2), with the server's target (domain or host) name.
    Challenge {
        /// TargetName.
        target: Option<String>,
    },
    /// AUTHENTICATE_MESSAGE (type 3): who logs on (the responses are not kept).
    Authenticate {
        /// DomainName.
        domain: String,
        /// UserName.
        user: String,
        /// Workstation.
        workstation: String,
    },
    /// Another message type.
    Other(u32),
}

impl Ntlm {
    /// `NEGOTIATE`, `CHALLENGE`, `AUTHENTICATE` or `type N`.
    pub fn name(&self) -> String {
        match self {
            Ntlm::Negotiate => "NEGOTIATE".into(),
            Ntlm::Challenge { .. } => "CHALLENGE".into(),
            Ntlm::Authenticate { .. } => "AUTHENTICATE".into(),
            Ntlm::Other(t) => format!("type {t}"),
        }
    }
}

/// What a TSRequest says (MS-CSSP 2.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TsRequest {
    /// CredSSP protocol version.
    pub version: u32,
    /// NTLM messages in negoTokens (other tokens, e.g. Kerberos or SPNEGO, are counted only).
    pub ntlm: Vec<Ntlm>,
    /// negoTokens present.
    pub nego_tokens: usize,
    /// authInfo present (the encrypted credentials: the client's last message).
    pub auth_info: bool,
    /// pubKeyAuth present.
    pub pub_key_auth: bool,
    /// errorCode (version ≥ 3): the server's reason for failing authentication.
    pub error_code: Option<NtStatus>,
    /// clientNonce present (version ≥ 5).
    pub client_nonce: bool,
}

fn malformed<T>(what: &str) -> Result<T, ProtoError> {
    Err(ProtoError::malformed(Layer::Rdp, format!("CredSSP {what}")))
}

/// One DER TLV: (rest, (tag, value)). `Incomplete` when cut.
fn tlv(input: &[u8]) -> PResult<'_, (u8, &[u8])> {
    let tag = *input.first().ok_or(ProtoError::Incomplete(Some(2)))?;
    let first = *input.get(1).ok_or(ProtoError::Incomplete(Some(1)))?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 {
            return malformed("DER length form");
        }
        let bytes = input
            .get(2..2 + n)
            .ok_or_else(|| ProtoError::Incomplete(Some((2 + n).saturating_sub(input.len()))))?;
        (
            bytes.iter().fold(0usize, |a, b| a << 8 | usize::from(*b)),
            2 + n,
        )
    };
    if len > MAX_TS_REQUEST {
        return malformed("DER length too large");
    }
    let value = input
        .get(hdr..hdr + len)
        .ok_or_else(|| ProtoError::Incomplete(Some((hdr + len).saturating_sub(input.len()))))?;
    let rest = input.get(hdr + len..).unwrap_or_default();
    Ok((rest, (tag, value)))
}

/// The full length of the TSRequest at the start of `input`: `Ok(Some(n))` when its header is
/// complete, `Ok(None)` when more bytes are needed to tell, `Err` when it is not a SEQUENCE.
pub fn ts_request_len(input: &[u8]) -> Result<Option<usize>, ProtoError> {
    match input.first() {
        None => return Ok(None),
        Some(0x30) => {}
        Some(_) => return malformed("TSRequest does not start with a SEQUENCE"),
    }
    let Some(&first) = input.get(1) else {
        return Ok(None);
    };
    if first < 0x80 {
        return Ok(Some(2 + usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 3 {
        return malformed("DER length form");
    }
    let Some(bytes) = input.get(2..2 + n) else {
        return Ok(None);
    };
    let len = bytes.iter().fold(0usize, |a, b| a << 8 | usize::from(*b));
    if len > MAX_TS_REQUEST {
        return malformed("TSRequest too large");
    }
    Ok(Some(2 + n + len))
}

/// A DER INTEGER as u32 (two's complement, so a negative NTSTATUS such as 0xC000006D, encoded
/// `02 04 C0 00 00 6D`, comes back as 0xC000006D; `02 05 00 C0 00 00 6D` too).
fn integer(v: &[u8]) -> Result<u32, ProtoError> {
    let (_, (tag, bytes)) = tlv(v)?;
    if tag != 0x02 || bytes.is_empty() || bytes.len() > 5 {
        return malformed("INTEGER");
    }
    let neg = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let init = if neg { u32::MAX } else { 0 };
    Ok(bytes.iter().fold(init, |a, b| a << 8 | u32::from(*b)))
}

/// Parses a complete TSRequest (MS-CSSP 2.2.1).
pub fn parse_ts_request(input: &[u8]) -> PResult<'_, TsRequest> {
    let (rest, (tag, body)) = tlv(input)?;
    if tag != 0x30 {
        return malformed("TSRequest does not start with a SEQUENCE");
    }
    let mut req = TsRequest::default();
    let mut saw_version = false;
    let mut cur = body;
    while !cur.is_empty() {
        let (next, (tag, v)) = tlv(cur).map_err(|e| match e {
            // The outer length said the field is there: a cut field is malformed.
            ProtoError::Incomplete(_) => {
                ProtoError::malformed(Layer::Rdp, "CredSSP field overruns the TSRequest")
            }
            e => e,
        })?;
        match tag {
            0xa0 => {
                req.version = integer(v)?;
                saw_version = true;
            }
            0xa1 => nego_data(v, &mut req)?,
            0xa2 => req.auth_info = true,
            0xa3 => req.pub_key_auth = true,
            0xa4 => req.error_code = Some(NtStatus(integer(v)?)),
            0xa5 => req.client_nonce = true,
            _ => {}
        }
        cur = next;
    }
    if !saw_version {
        return malformed("TSRequest without version");
    }
    Ok((rest, req))
}

/// NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
fn nego_data(v: &[u8], req: &mut TsRequest) -> Result<(), ProtoError> {
    let (_, (tag, mut items)) = tlv(v)?;
    if tag != 0x30 {
        return malformed("NegoData is not a SEQUENCE OF");
    }
    while !items.is_empty() {
        let (next, (_, item)) = tlv(items)?;
        let (_, (t0, wrapped)) = tlv(item)?;
        if t0 == 0xa0 {
            let (_, (t1, token)) = tlv(wrapped)?;
            if t1 == 0x04 {
                req.nego_tokens += 1;
                if let Some(m) = ntlm(token) {
                    req.ntlm.push(m);
                }
            }
        }
        items = next;
    }
    Ok(())
}

const NTLMSSP: &[u8; 8] = b"NTLMSSP\0";

fn le16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2)
        .map(|x| x.iter().rev().fold(0u16, |a, b| a << 8 | u16::from(*b)))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|x| x.iter().rev().fold(0u32, |a, b| a << 8 | u32::from(*b)))
}

/// A string from an NTLM field descriptor (Len u16, MaxLen u16, BufferOffset u32) at `at`.
fn ntlm_field(msg: &[u8], at: usize, unicode: bool) -> Option<String> {
    let len = usize::from(le16(msg, at)?);
    let off = usize::try_from(le32(msg, at + 4)?).ok()?;
    let bytes = msg.get(off..off.checked_add(len)?)?;
    Some(if unicode {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| c.iter().rev().fold(0u16, |a, b| a << 8 | u16::from(*b)))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    })
}

/// An NTLM message anywhere in a token (raw, or wrapped in SPNEGO).
pub fn ntlm(token: &[u8]) -> Option<Ntlm> {
    let start = token.windows(8).position(|w| w == NTLMSSP)?;
    let msg = token.get(start..)?;
    Some(match le32(msg, 8)? {
        1 => Ntlm::Negotiate,
        2 => {
            let flags = le32(msg, 20).unwrap_or(0);
            Ntlm::Challenge {
                target: ntlm_field(msg, 12, flags & 1 != 0).filter(|s| !s.is_empty()),
            }
        }
        3 => {
            let flags = le32(msg, 60).unwrap_or(1);
            let unicode = flags & 1 != 0;
            Ntlm::Authenticate {
                domain: ntlm_field(msg, 28, unicode).unwrap_or_default(),
                user: ntlm_field(msg, 36, unicode).unwrap_or_default(),
                workstation: ntlm_field(msg, 44, unicode).unwrap_or_default(),
            }
        }
        t => Ntlm::Other(t),
    })
}

#[cfg(test)]
#[path = "credssp_tests.rs"]
mod tests;

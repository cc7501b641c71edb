//! Names for TLS registry values: protocol versions, cipher suites, alerts, handshake types.
//!
//! IANA "Transport Layer Security (TLS) Parameters" registry; cipher suite names come from
//! tls-parser's copy of the IANA cipher suite table. Unknown values are kept and shown as
//! `unknown (0x..)`, never an error.

use serde::{Serialize, Serializer};
use std::fmt;

/// True for the RFC 8701 GREASE values (`0x0a0a`, `0x1a1a`, ... `0xfafa`) that clients put in
/// version, cipher suite, group and signature algorithm lists to keep servers tolerant.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// A protocol version as users know it: `SSLv3`, `TLSv1.0` ... `TLSv1.3`, `TLSv1.3-draft16`,
/// `DTLSv1.2`; GREASE values as `GREASE (0x0a0a)`; anything else as `0x....`.
pub fn version_name(v: u16) -> String {
    let known = match v {
        0x0002 => "SSLv2",
        0x0300 => "SSLv3",
        0x0301 => "TLSv1.0",
        0x0302 => "TLSv1.1",
        0x0303 => "TLSv1.2",
        0x0304 => "TLSv1.3",
        0xfeff => "DTLSv1.0",
        0xfefd => "DTLSv1.2",
        0xfefc => "DTLSv1.3",
        _ => "",
    };
    if !known.is_empty() {
        known.to_string()
    } else if v & 0xff00 == 0x7f00 {
        format!("TLSv1.3-draft{}", v & 0xff)
    } else if is_grease(v) {
        format!("GREASE (0x{v:04x})")
    } else {
        format!("0x{v:04x}")
    }
}

/// True when `v` is TLS 1.3 or one of its drafts (`0x7fxx`), i.e. RFC 8446 record protection
/// starts right after the ServerHello.
pub fn is_tls13(v: u16) -> bool {
    v == 0x0304 || v & 0xff00 == 0x7f00
}

/// The IANA name of a cipher suite (`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`), from tls-parser's
/// table; GREASE as `GREASE (0x0a0a)`; otherwise `unknown (0x....)`.
pub fn cipher_name(id: u16) -> String {
    match tls_parser::TlsCipherSuite::from_id(id) {
        Some(cs) => cs.name.to_string(),
        None if is_grease(id) => format!("GREASE (0x{id:04x})"),
        None => format!("unknown (0x{id:04x})"),
    }
}

/// The name of a handshake message type (RFC 8446 §4, RFC 5246 §7.4), `unknown (0x..)` otherwise.
pub fn handshake_type_name(t: u8) -> String {
    let n = match t {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        3 => "hello_verify_request",
        4 => "new_session_ticket",
        5 => "end_of_early_data",
        6 => "hello_retry_request",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        21 => "certificate_url",
        22 => "certificate_status",
        24 => "key_update",
        67 => "next_protocol",
        254 => "message_hash",
        _ => return format!("unknown (0x{t:02x})"),
    };
    n.to_string()
}

/// Alert level (RFC 5246 §7.2). TLS 1.3 ignores it, but senders still fill it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertLevel {
    /// 1
    Warning,
    /// 2
    Fatal,
    /// Any other value, kept.
    Unknown(u8),
}

impl AlertLevel {
    /// From the wire byte.
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => AlertLevel::Warning,
            2 => AlertLevel::Fatal,
            x => AlertLevel::Unknown(x),
        }
    }
    /// The wire byte.
    pub fn code(self) -> u8 {
        match self {
            AlertLevel::Warning => 1,
            AlertLevel::Fatal => 2,
            AlertLevel::Unknown(x) => x,
        }
    }
}

impl fmt::Display for AlertLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertLevel::Warning => f.write_str("warning"),
            AlertLevel::Fatal => f.write_str("fatal"),
            AlertLevel::Unknown(x) => write!(f, "unknown (0x{x:02x})"),
        }
    }
}

impl Serialize for AlertLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

macro_rules! alert_descriptions {
    ($($code:literal => $variant:ident, $name:literal;)*) => {
        /// Alert description (IANA TLS Alert Registry; RFC 8446 §6, RFC 5246 §7.2).
        /// Displayed with the registry's snake_case names (`handshake_failure`), as Zeek does.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AlertDescription {
            $(
                #[doc = concat!("`", $name, "` (", stringify!($code), ")")]
                $variant,
            )*
            /// A value not in the registry, kept.
            Unknown(u8),
        }

        impl AlertDescription {
            /// From the wire byte.
            pub fn from_u8(v: u8) -> Self {
                match v {
                    $($code => AlertDescription::$variant,)*
                    x => AlertDescription::Unknown(x),
                }
            }
            /// The wire byte.
            pub fn code(self) -> u8 {
                match self {
                    $(AlertDescription::$variant => $code,)*
                    AlertDescription::Unknown(x) => x,
                }
            }
            /// The registry name, `None` for unknown values.
            pub fn iana_name(self) -> Option<&'static str> {
                match self {
                    $(AlertDescription::$variant => Some($name),)*
                    AlertDescription::Unknown(_) => None,
                }
            }
        }
    };
}

alert_descriptions! {
    0 => CloseNotify, "close_notify";
    10 => UnexpectedMessage, "unexpected_message";
    20 => BadRecordMac, "bad_record_mac";
    21 => DecryptionFailed, "decryption_failed";
    22 => RecordOverflow, "record_overflow";
    30 => DecompressionFailure, "decompression_failure";
    40 => HandshakeFailure, "handshake_failure";
    41 => NoCertificate, "no_certificate";
    42 => BadCertificate, "bad_certificate";
    43 => UnsupportedCertificate, "unsupported_certificate";
    44 => CertificateRevoked, "certificate_revoked";
    45 => CertificateExpired, "certificate_expired";
    46 => CertificateUnknown, "certificate_unknown";
    47 => IllegalParameter, "illegal_parameter";
    48 => UnknownCa, "unknown_ca";
    49 => AccessDenied, "access_denied";
    50 => DecodeError, "decode_error";
    51 => DecryptError, "decrypt_error";
    52 => TooManyCidsRequested, "too_many_cids_requested";
    60 => ExportRestriction, "export_restriction";
    70 => ProtocolVersion, "protocol_version";
    71 => InsufficientSecurity, "insufficient_security";
    80 => InternalError, "internal_error";
    86 => InappropriateFallback, "inappropriate_fallback";
    90 => UserCanceled, "user_canceled";
    100 => NoRenegotiation, "no_renegotiation";
    109 => MissingExtension, "missing_extension";
    110 => UnsupportedExtension, "unsupported_extension";
    111 => CertificateUnobtainable, "certificate_unobtainable";
    112 => UnrecognizedName, "unrecognized_name";
    113 => BadCertificateStatusResponse, "bad_certificate_status_response";
    114 => BadCertificateHashValue, "bad_certificate_hash_value";
    115 => UnknownPskIdentity, "unknown_psk_identity";
    116 => CertificateRequired, "certificate_required";
    117 => GeneralError, "general_error";
    120 => NoApplicationProtocol, "no_application_protocol";
    121 => EchRequired, "ech_required";
}

impl fmt::Display for AlertDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.iana_name() {
            Some(n) => f.write_str(n),
            None => write!(f, "unknown (0x{:02x})", self.code()),
        }
    }
}

impl Serialize for AlertDescription {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version_name(0x0300), "SSLv3");
        assert_eq!(version_name(0x0301), "TLSv1.0");
        assert_eq!(version_name(0x0303), "TLSv1.2");
        assert_eq!(version_name(0x0304), "TLSv1.3");
        assert_eq!(version_name(0x7f10), "TLSv1.3-draft16");
        assert_eq!(version_name(0x3a3a), "GREASE (0x3a3a)");
        assert_eq!(version_name(0x1234), "0x1234");
        assert!(is_tls13(0x7f12) && is_tls13(0x0304) && !is_tls13(0x0303));
    }

    #[test]
    fn ciphers() {
        assert_eq!(cipher_name(0x002f), "TLS_RSA_WITH_AES_128_CBC_SHA");
        assert_eq!(cipher_name(0x009d), "TLS_RSA_WITH_AES_256_GCM_SHA384");
        assert_eq!(cipher_name(0x1302), "TLS_AES_256_GCM_SHA384");
        assert_eq!(cipher_name(0x00ff), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
        assert_eq!(cipher_name(0xfafa), "GREASE (0xfafa)");
        assert_eq!(cipher_name(0xfeed), "unknown (0xfeed)");
    }

    #[test]
    fn alerts_round_trip_and_names() {
        for v in 0..=255u8 {
            assert_eq!(AlertDescription::from_u8(v).code(), v);
            assert_eq!(AlertLevel::from_u8(v).code(), v);
        }
        assert_eq!(
            AlertDescription::from_u8(40).to_string(),
            "handshake_failure"
        );
        assert_eq!(
            AlertDescription::from_u8(70).to_string(),
            "protocol_version"
        );
        assert_eq!(AlertDescription::from_u8(42).to_string(), "bad_certificate");
        assert_eq!(
            AlertDescription::from_u8(45).to_string(),
            "certificate_expired"
        );
        assert_eq!(AlertDescription::from_u8(48).to_string(), "unknown_ca");
        assert_eq!(
            AlertDescription::from_u8(46).to_string(),
            "certificate_unknown"
        );
        assert_eq!(AlertDescription::from_u8(0).to_string(), "close_notify");
        assert_eq!(AlertDescription::from_u8(80).to_string(), "internal_error");
        assert_eq!(
            AlertDescription::from_u8(71).to_string(),
            "insufficient_security"
        );
        assert_eq!(AlertDescription::from_u8(200).to_string(), "unknown (0xc8)");
        assert_eq!(AlertLevel::from_u8(2).to_string(), "fatal");
        assert_eq!(AlertLevel::from_u8(1).to_string(), "warning");
        assert_eq!(AlertLevel::from_u8(9).to_string(), "unknown (0x09)");
    }

    #[test]
    fn handshake_types() {
        assert_eq!(handshake_type_name(14), "server_hello_done");
        assert_eq!(handshake_type_name(99), "unknown (0x63)");
    }
}

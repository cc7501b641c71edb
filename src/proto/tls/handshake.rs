//! Complete handshake messages (RFC 8446 §4, RFC 5246 §7.4) → [`TlsEvent`]s, via tls-parser.
//! The nom 7 types of tls-parser stay inside this file.

use super::{ClientHello, TlsEvent};
use crate::proto::x509::CertInfo;
use tls_parser::{TlsExtension, TlsMessage, TlsMessageHandshake};

/// `random` of a ServerHello that is really a HelloRetryRequest: SHA-256("HelloRetryRequest")
/// (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What one handshake message turned into.
pub(super) struct Decoded {
    /// The event for the message.
    pub event: TlsEvent,
    /// A problem inside an otherwise usable message (a certificate that does not parse).
    pub problem: Option<String>,
}

/// Decodes one complete handshake message, header included (`msg_type`, 24-bit length, body).
pub(super) fn decode(msg: &[u8]) -> Result<Decoded, String> {
    let msg_type = msg.first().copied().unwrap_or(0);
    let body_len = msg.len().saturating_sub(4);
    let plain = |event| {
        Ok(Decoded {
            event,
            problem: None,
        })
    };
    match msg_type {
        1 => client_hello(msg).map(|ch| Decoded {
            event: TlsEvent::ClientHello(Box::new(ch)),
            problem: None,
        }),
        2 | 6 => server_hello(msg),
        11 => certificate(msg),
        12 => plain(TlsEvent::ServerKeyExchange),
        13 => plain(TlsEvent::CertificateRequest),
        14 => plain(TlsEvent::ServerHelloDone),
        16 => plain(TlsEvent::ClientKeyExchange),
        t => plain(TlsEvent::OtherHandshake {
            msg_type: t,
            len: u32::try_from(body_len).unwrap_or(u32::MAX),
        }),
    }
}

fn handshake(msg: &[u8]) -> Option<TlsMessageHandshake<'_>> {
    match tls_parser::parse_tls_message_handshake(msg) {
        Ok((_, TlsMessage::Handshake(h))) => Some(h),
        _ => None,
    }
}

/// Splits an extensions block into single extensions (type, length, data) without interpreting
/// them, so that one bad extension does not hide the others.
fn split_extensions(mut i: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    while let (Some(hi), Some(lo)) = (i.get(2), i.get(3)) {
        let end = 4 + usize::from(u16::from_be_bytes([*hi, *lo]));
        let (Some(ext), Some(rest)) = (i.get(..end), i.get(end..)) else {
            break;
        };
        v.push(ext);
        i = rest;
    }
    v
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn client_hello(msg: &[u8]) -> Result<ClientHello, String> {
    let Some(TlsMessageHandshake::ClientHello(ch)) = handshake(msg) else {
        return Err(format!(
            "ClientHello of {} bytes does not parse",
            msg.len().saturating_sub(4)
        ));
    };
    let mut out = ClientHello {
        legacy_version: ch.version.0,
        supported_versions: Vec::new(),
        cipher_suites: ch.ciphers.iter().map(|c| c.0).collect(),
        sni: None,
        groups: Vec::new(),
        signature_algorithms: Vec::new(),
        alpn: Vec::new(),
    };
    for raw in split_extensions(ch.ext.unwrap_or_default()) {
        let Ok((_, ext)) = tls_parser::parse_tls_client_hello_extension(raw) else {
            continue;
        };
        match ext {
            TlsExtension::SNI(names) => {
                out.sni = names
                    .iter()
                    .find(|(t, _)| t.0 == 0)
                    .map(|(_, name)| lossy(name));
            }
            TlsExtension::EllipticCurves(g) => out.groups = g.iter().map(|g| g.0).collect(),
            TlsExtension::SignatureAlgorithms(s) => out.signature_algorithms = s,
            TlsExtension::SupportedVersions(v) => {
                out.supported_versions = v.iter().map(|v| v.0).collect();
            }
            TlsExtension::ALPN(p) => out.alpn = p.iter().map(|p| lossy(p)).collect(),
            _ => {}
        }
    }
    Ok(out)
}

fn server_hello(msg: &[u8]) -> Result<Decoded, String> {
    let event = match handshake(msg) {
        Some(TlsMessageHandshake::ServerHello(sh)) => {
            let mut version = sh.version.0;
            for raw in split_extensions(sh.ext.unwrap_or_default()) {
                if let Ok((_, TlsExtension::SupportedVersions(v))) =
                    tls_parser::parse_tls_server_hello_extension(raw)
                {
                    if let Some(v) = v.first() {
                        version = v.0;
                    }
                }
            }
            TlsEvent::ServerHello {
                version,
                cipher_suite: sh.cipher.0,
                is_hello_retry_request: sh.random == HRR_RANDOM,
            }
        }
        Some(TlsMessageHandshake::ServerHelloV13Draft18(sh)) => TlsEvent::ServerHello {
            version: sh.version.0,
            cipher_suite: sh.cipher.0,
            is_hello_retry_request: false,
        },
        Some(TlsMessageHandshake::HelloRetryRequest(hrr)) => TlsEvent::ServerHello {
            version: hrr.version.0,
            cipher_suite: hrr.cipher.0,
            is_hello_retry_request: true,
        },
        _ => draft_server_hello(msg).ok_or_else(|| {
            format!(
                "ServerHello of {} bytes does not parse",
                msg.len().saturating_sub(4)
            )
        })?,
    };
    Ok(Decoded {
        event,
        problem: None,
    })
}

/// TLS 1.3 drafts before 22 (`0x7fxx` in the ServerHello itself) other than draft 18, which
/// tls-parser does not read: version, random, cipher suite (draft-ietf-tls-tls13-16 §4.1.3).
fn draft_server_hello(msg: &[u8]) -> Option<TlsEvent> {
    let body = msg.get(4..)?;
    let version = u16::from_be_bytes([*body.first()?, *body.get(1)?]);
    if version & 0xff00 != 0x7f00 || msg.first() != Some(&2) {
        return None;
    }
    let cipher_suite = u16::from_be_bytes([*body.get(34)?, *body.get(35)?]);
    Some(TlsEvent::ServerHello {
        version,
        cipher_suite,
        is_hello_retry_request: false,
    })
}

fn certificate(msg: &[u8]) -> Result<Decoded, String> {
    let Some(TlsMessageHandshake::Certificate(c)) = handshake(msg) else {
        return Err(format!(
            "Certificate message of {} bytes does not parse",
            msg.len().saturating_sub(4)
        ));
    };
    let total = c.cert_chain.len();
    let mut certs = Vec::with_capacity(total);
    let mut problem = None;
    for (i, raw) in c.cert_chain.iter().enumerate() {
        match CertInfo::from_der_cached(raw.data) {
            Ok(ci) => certs.push(ci),
            Err(e) => {
                if problem.is_none() {
                    problem = Some(format!("certificate {} of {total}: {e}", i + 1));
                }
            }
        }
    }
    Ok(Decoded {
        event: TlsEvent::Certificate(certs),
        problem,
    })
}

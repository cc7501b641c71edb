//! Protocol dissectors over reassembled TCP bytes and UDP datagrams.
//!
//! Each layer lives in its own file and exposes pure parsers of the form
//! `fn parse_x(input: &[u8]) -> PResult<'_, X>`, returning the unconsumed rest and a typed value.
//! Parsers never print and never panic; they distinguish *incomplete* input (wait for more bytes)
//! from *malformed* input (report it at the frame that completed it and skip).

use std::fmt;

pub mod credssp;
pub mod dissector;
pub mod errinfo;
pub mod gcc;
pub mod keyboard;
pub mod keylog;
pub mod mcs;
pub mod rdpeudp;
pub mod share;
pub mod tpkt;
mod wire;
pub mod x224;

/// The protocol layer a parse error belongs to, named in user-facing warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// RFC 1006 TPKT header.
    Tpkt,
    /// ISO 8073 X.224 TPDU and the RDP negotiation structures it carries.
    X224,
    /// T.125 MCS (BER / PER encoded domain PDUs).
    Mcs,
    /// T.124 GCC conference create request/response and RDP user data blocks.
    Gcc,
    /// RDP share/security layer PDUs (MS-RDPBCGR 2.2.8, 2.2.9).
    Rdp,
    /// TLS records and handshake messages.
    Tls,
    /// X.509 certificates.
    X509,
    /// MS-RDPEUDP datagrams.
    RdpEudp,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Tpkt => "TPKT",
            Layer::X224 => "X.224",
            Layer::Mcs => "MCS",
            Layer::Gcc => "GCC",
            Layer::Rdp => "RDP",
            Layer::Tls => "TLS",
            Layer::X509 => "X.509",
            Layer::RdpEudp => "RDPEUDP",
        })
    }
}

/// Why a parser did not produce a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoError {
    /// More bytes are needed (at least this many more, when known). Not an error on a stream:
    /// keep the bytes and retry when the next segment arrives.
    Incomplete(Option<usize>),
    /// The bytes cannot be this PDU. `what` is a short, specific reason for the user
    /// (e.g. `"TLS record length 70000 exceeds 16640"`).
    Malformed {
        /// The layer that rejected the bytes.
        layer: Layer,
        /// What was wrong.
        what: String,
    },
}

impl ProtoError {
    /// Shorthand for a malformed-input error.
    pub fn malformed(layer: Layer, what: impl Into<String>) -> Self {
        ProtoError::Malformed {
            layer,
            what: what.into(),
        }
    }
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoError::Incomplete(Some(n)) => write!(f, "incomplete: {n} more bytes needed"),
            ProtoError::Incomplete(None) => write!(f, "incomplete"),
            ProtoError::Malformed { layer, what } => write!(f, "{layer}: {what}"),
        }
    }
}

impl std::error::Error for ProtoError {}

/// The result of a parser: the rest of the input and the value, or why there is no value.
pub type PResult<'a, T> = Result<(&'a [u8], T), ProtoError>;

pub mod tls;
pub mod x509;

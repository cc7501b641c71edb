//! The verdict types. Cause and phase names are CONTRACT.md's and never change.

use crate::types::FrameNo;
use serde::Serialize;
use std::fmt;

/// The step of the RDP connection sequence (MS-RDPBCGR 1.3.1.1) in which a session ended or is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The TCP three-way handshake.
    TcpConnect,
    /// X.224 Connection Request/Confirm with the RDP negotiation (MS-RDPBCGR 1.3.1.1 step 1).
    X224Negotiation,
    /// The TLS handshake of enhanced RDP security (MS-RDPBCGR 5.4.5.1).
    TlsHandshake,
    /// CredSSP / Network Level Authentication (MS-CSSP).
    Nla,
    /// MCS Connect Initial/Response with the GCC blocks, erect domain, attach user, channel joins.
    McsConnect,
    /// The session is up: capabilities exchanged, screen updates flowing.
    Active,
    /// The session is being closed.
    Teardown,
}

impl Phase {
    /// CONTRACT.md's name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::TcpConnect => "tcp_connect",
            Phase::X224Negotiation => "x224_negotiation",
            Phase::TlsHandshake => "tls_handshake",
            Phase::Nla => "nla",
            Phase::McsConnect => "mcs_connect",
            Phase::Active => "active",
            Phase::Teardown => "teardown",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a session ended (CONTRACT.md's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Connected and ended normally, or still running at the end of the capture.
    Healthy,
    /// The capture starts or stops too early, or missed packets, to tell.
    IncompleteCapture,
    /// SYNs were never answered.
    NoAnswer,
    /// The SYN was answered with RST.
    PortClosed,
    /// An ICMP error came back for the connection.
    IcmpUnreachable,
    /// RDP negotiation failed.
    NegotiationFailure,
    /// No TLS version acceptable to both sides.
    TlsVersionMismatch,
    /// No cipher suite acceptable to both sides.
    TlsCipherMismatch,
    /// Another fatal TLS alert ended the handshake.
    TlsAlert,
    /// The client refused the server certificate.
    CertificateRejected,
    /// CredSSP/NLA ended the connection after TLS came up.
    NlaFailed,
    /// The server ended an established RDP connection.
    ServerDisconnected,
    /// The server's TCP stack answers but the RDP server sends nothing.
    ServerUnresponsive,
    /// An RST killed an established session.
    ResetMidSession,
    /// The path went silent until one side gave up.
    LinkTimeout,
    /// A burst of packet loss broke or stalled the session.
    LossBurst,
    /// Full-size segments never arrive while small ones do.
    MtuBlackhole,
    /// A receiver's zero window stalled the session.
    ZeroWindowStall,
}

impl Cause {
    /// CONTRACT.md's name.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Healthy => "healthy",
            Cause::IncompleteCapture => "incomplete_capture",
            Cause::NoAnswer => "no_answer",
            Cause::PortClosed => "port_closed",
            Cause::IcmpUnreachable => "icmp_unreachable",
            Cause::NegotiationFailure => "negotiation_failure",
            Cause::TlsVersionMismatch => "tls_version_mismatch",
            Cause::TlsCipherMismatch => "tls_cipher_mismatch",
            Cause::TlsAlert => "tls_alert",
            Cause::CertificateRejected => "certificate_rejected",
            Cause::NlaFailed => "nla_failed",
            Cause::ServerDisconnected => "server_disconnected",
            Cause::ServerUnresponsive => "server_unresponsive",
            Cause::ResetMidSession => "reset_mid_session",
            Cause::LinkTimeout => "link_timeout",
            Cause::LossBurst => "loss_burst",
            Cause::MtuBlackhole => "mtu_blackhole",
            Cause::ZeroWindowStall => "zero_window_stall",
        }
    }

    /// Every cause, in CONTRACT.md's order.
    pub const ALL: [Cause; 18] = [
        Cause::Healthy,
        Cause::IncompleteCapture,
        Cause::NoAnswer,
        Cause::PortClosed,
        Cause::IcmpUnreachable,
        Cause::NegotiationFailure,
        Cause::TlsVersionMismatch,
        Cause::TlsCipherMismatch,
        Cause::TlsAlert,
        Cause::CertificateRejected,
        Cause::NlaFailed,
        Cause::ServerDisconnected,
        Cause::ServerUnresponsive,
        Cause::ResetMidSession,
        Cause::LinkTimeout,
        Cause::LossBurst,
        Cause::MtuBlackhole,
        Cause::ZeroWindowStall,
    ];

    /// Parse CONTRACT.md's name.
    pub fn from_name(s: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Whether this is a failure (for colours, sorting and summaries).
    pub fn is_failure(self) -> bool {
        !matches!(self, Cause::Healthy | Cause::IncompleteCapture)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One session's diagnosis (CONTRACT.md `verdict`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Why it ended.
    pub cause: Cause,
    /// Where in the connection sequence.
    pub phase: Phase,
    /// The packet where it went wrong.
    pub drop_frame: Option<FrameNo>,
    /// The frames that prove it.
    pub evidence_frames: Vec<FrameNo>,
    /// One sentence a network engineer can act on.
    pub summary: String,
    /// Steps to fix it (fixed text per rule: shared, not copied into each verdict).
    pub remediation: super::remedy::Steps,
    /// How sure the rule is, 0.0–1.0.
    pub confidence: f32,
    /// The session was still open at the end of the capture (live: "in progress").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub in_progress: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for c in Cause::ALL {
            assert_eq!(Cause::from_name(c.name()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.name());
        }
        assert_eq!(
            serde_json::to_value(Phase::X224Negotiation).unwrap(),
            "x224_negotiation"
        );
        assert_eq!(
            serde_json::to_value(Phase::TcpConnect).unwrap(),
            "tcp_connect"
        );
    }
}

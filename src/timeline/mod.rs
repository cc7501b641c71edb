//! Sessions and their timelines: the typed, ordered events of one connection, which the diagnosis
//! and the frontends read. Nothing here parses bytes.

mod stats;
pub mod store;
mod summary;

pub use stats::Throughput;
pub use summary::{AlertJson, CertJson, RdpSummary, TlsSummary};

use crate::decode::{IcmpKind, Transport};
use crate::flow::tcp::TcpSummary;
use crate::proto::gcc::{ClientData, ServerData};
use crate::proto::tls::{self, TlsEvent};
use crate::proto::x224::{ConnectionConfirm, ConnectionRequest, Negotiation};
use crate::types::{Direction, FrameNo, PerDir, Timestamp};
use std::net::{IpAddr, SocketAddr};

/// Most events kept per session; later ones are counted, not stored (bounded memory).
pub const MAX_EVENTS: usize = 8_192;
/// Server payload after which a session counts as up and running: a first screen update is far
/// larger than any handshake, CredSSP or MCS connect message.
pub const ACTIVE_BYTES: u64 = 16 * 1024;

/// Most *bulk* events (data summaries, TCP analysis notes) kept per session, so that a long
/// session's bulk never crowds out the handshake and the close.
pub const MAX_BULK_EVENTS: usize = 1_024;

/// One thing that happened in a session, at a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The frame that showed it (for a PDU spanning segments: the frame that completed it).
    pub frame: FrameNo,
    /// When.
    pub ts: Timestamp,
    /// Who sent it; `None` for a third party (an ICMP error from a router).
    pub dir: Option<Direction>,
    /// What it was.
    pub kind: EventKind,
    /// Read from TLS-protected bytes decrypted with a key log.
    pub decrypted: bool,
}

// Sessions still open keep their events (up to [`MAX_EVENTS`]): keep an event at one cache line;
// larger payloads are boxed inside their variants.
const _: () = assert!(std::mem::size_of::<Event>() <= 64);

/// Who logs on, from a Client Info PDU (MS-RDPBCGR 2.2.1.11.1.1); boxed in [`EventKind`] to
/// keep every event small.
#[derive(Debug, Clone, PartialEq)]
pub struct Logon {
    /// User name.
    pub user: String,
    /// Domain.
    pub domain: String,
}

/// What an event is.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A TCP segment with SYN and no ACK (connection attempt); `retry` for a repeated SYN.
    Syn {
        /// A retransmitted SYN.
        retry: bool,
    },
    /// SYN+ACK from the responder.
    SynAck {
        /// A retransmitted SYN+ACK.
        retry: bool,
    },
    /// The three-way handshake completed (the originator's ACK of the SYN+ACK).
    Established,
    /// A FIN.
    Fin,
    /// A RST, with the IP facts that tell a forged one from the peer's own.
    Rst {
        /// IP TTL / hop limit of the RST.
        ttl: u8,
        /// IPv4 identification of the RST.
        ip_id: Option<u32>,
        /// The sender's usual TTL (from its earlier packets), if it sent any.
        usual_ttl: Option<u8>,
        /// The RST carried data (some stacks put a reason there).
        with_data: bool,
    },
    /// A TCP analysis finding on this frame (Wireshark's `tcp.analysis.*`).
    Tcp(TcpNote),
    /// Missing bytes in one direction that reassembly gave up on.
    Gap {
        /// How many bytes.
        len: u64,
    },
    /// An ICMP error about this connection.
    Icmp {
        /// What kind.
        kind: IcmpKind,
        /// Who sent it (a router, a firewall, the server).
        from: IpAddr,
    },
    /// A summary of payload bytes sent in one direction over an interval (TUI ladder).
    Data {
        /// Bytes of payload.
        bytes: u64,
        /// Segments.
        segments: u32,
    },
    /// A TLS record or handshake message (RFC 5246, RFC 8446).
    Tls(TlsEvent),
    /// X.224 Connection Request with the RDP negotiation request (MS-RDPBCGR 2.2.1.1).
    X224Request(Box<ConnectionRequest>),
    /// X.224 Connection Confirm with the negotiation response or failure (MS-RDPBCGR 2.2.1.2).
    X224Confirm(Box<ConnectionConfirm>),
    /// X.224 Disconnect Request (ISO 8073 13.5).
    X224Disconnect {
        /// Reason code.
        reason: u8,
    },
    /// X.224 Error TPDU: the peer rejected a TPDU.
    X224Error {
        /// Reject cause.
        cause: u8,
    },
    /// MCS Connect Initial with the client's GCC data (MS-RDPBCGR 2.2.1.3).
    McsConnectInitial(Box<ClientData>),
    /// MCS Connect Response (MS-RDPBCGR 2.2.1.4).
    McsConnectResponse {
        /// T.125 result name.
        result: String,
        /// rt-successful.
        success: bool,
        /// What the server's GCC data says.
        server: Option<Box<ServerInfo>>,
    },
    /// Another MCS domain PDU of the connection sequence (erect domain, attach user).
    Mcs(&'static str),
    /// MCS Disconnect Provider Ultimatum (MS-RDPBCGR 2.2.2.3).
    McsDisconnect {
        /// Reason name (e.g. `rn-user-requested`).
        reason: String,
    },
    /// Set Error Info PDU (MS-RDPBCGR 2.2.5.1.1): why the server disconnects.
    ErrorInfo {
        /// ERRINFO code.
        code: u32,
        /// Its MS-RDPBCGR name.
        name: String,
    },
    /// MS-RDPEUDP SYN from the client (2.2.2.1, 3.1.5.1.1).
    UdpSyn {
        /// A repeated SYN.
        retry: bool,
        /// Upstream and downstream MTU offered.
        mtu: Option<(u16, u16)>,
        /// SYNEX protocol version, when announced.
        version: Option<String>,
    },
    /// MS-RDPEUDP SYN+ACK from the server.
    UdpSynAck {
        /// MTUs.
        mtu: Option<(u16, u16)>,
        /// SYNEX protocol version.
        version: Option<String>,
    },
    /// The client acknowledged the SYN+ACK: the UDP transport is up.
    UdpEstablished,
    /// An unencrypted Client Info PDU (MS-RDPBCGR 2.2.1.11): who logs on (never the password).
    ClientInfo(Box<Logon>),
    /// A CredSSP TSRequest (MS-CSSP 2.2.1), decrypted: NTLM messages, errorCode.
    CredSsp(Box<crate::proto::credssp::TsRequest>),
    /// A licensing PDU (MS-RDPBCGR 2.2.1.12) by bMsgType (0xFF ERROR_ALERT ...).
    Licensing {
        /// bMsgType.
        msg_type: Option<u8>,
    },
    /// Deactivate All PDU (MS-RDPBCGR 2.2.3.1): the server ends the active session.
    DeactivateAll,
    /// A PDU that could not be parsed; the rest of that direction's stream may be skipped.
    Malformed {
        /// The layer, e.g. `TLS`.
        layer: crate::proto::Layer,
        /// What was wrong.
        what: String,
    },
}

impl EventKind {
    /// A one-line label for ladders and lists, e.g. `SYN`, `RST (TTL 61, usual 64)`.
    pub fn label(&self) -> String {
        match self {
            EventKind::Syn { retry: false } => "SYN".into(),
            EventKind::Syn { retry: true } => "SYN (retry)".into(),
            EventKind::SynAck { retry: false } => "SYN, ACK".into(),
            EventKind::SynAck { retry: true } => "SYN, ACK (retry)".into(),
            EventKind::Established => "ACK (connected)".into(),
            EventKind::Fin => "FIN".into(),
            EventKind::Rst {
                ttl,
                usual_ttl,
                with_data,
                ..
            } => {
                let mut s = "RST".to_string();
                if let Some(u) = usual_ttl {
                    if u != ttl {
                        s.push_str(&format!(" (TTL {ttl}, usual {u})"));
                    }
                }
                if *with_data {
                    s.push_str(" with data");
                }
                s
            }
            EventKind::Tcp(n) => format!("[{}]", n.name()),
            EventKind::Gap { len } => format!("[{len} bytes missing]"),
            EventKind::Icmp { kind, from } => format!("ICMP {} from {from}", kind.describe()),
            EventKind::Data { bytes, segments } => {
                format!("application data: {bytes} B in {segments} records")
            }
            EventKind::Malformed { layer, what } => format!("malformed {layer}: {what}"),
            EventKind::Tls(t) => tls_label(t),
            EventKind::X224Request(cr) => {
                let mut s = format!(
                    "X.224 Connection Request (asks {})",
                    cr.requested().names().join("+")
                );
                if let Some(c) = &cr.cookie {
                    s.push_str(&format!(", cookie {c}"));
                }
                s
            }
            EventKind::X224Confirm(cc) => match &cc.negotiation {
                Negotiation::Response { selected, .. } => {
                    format!(
                        "X.224 Connection Confirm (selects {})",
                        selected.selected_name()
                    )
                }
                Negotiation::Failure { code, .. } => {
                    format!("X.224 Connection Confirm: RDP_NEG_FAILURE {}", code.name())
                }
                Negotiation::Legacy => {
                    "X.224 Connection Confirm (no negotiation: standard RDP security)".into()
                }
                Negotiation::Unknown { kind, .. } => {
                    format!("X.224 Connection Confirm (unknown negotiation type {kind})")
                }
            },
            EventKind::X224Disconnect { reason } => {
                format!("X.224 Disconnect Request (reason {reason})")
            }
            EventKind::X224Error { cause } => format!("X.224 Error TPDU (cause {cause})"),
            EventKind::McsConnectInitial(cd) => {
                let mut s = "MCS Connect Initial".to_string();
                if let Some(name) = cd.core.as_ref().and_then(|c| c.client_name.as_ref()) {
                    s.push_str(&format!(" (client {name})"));
                }
                s
            }
            EventKind::McsConnectResponse { result, server, .. } => {
                let mut s = format!("MCS Connect Response ({result}");
                if let Some(sv) = server {
                    if let Some(level) = &sv.encryption_level {
                        s.push_str(&format!(", encryption {level}"));
                    }
                }
                s.push(')');
                s
            }
            EventKind::Mcs(name) => format!("MCS {name}"),
            EventKind::McsDisconnect { reason } => {
                format!("MCS Disconnect Provider Ultimatum ({reason})")
            }
            EventKind::UdpSyn {
                retry,
                mtu,
                version,
            } => format!(
                "RDP-UDP SYN{}{}{}",
                if *retry { " (retry)" } else { "" },
                mtu.map(|(u, d)| format!(", MTU {u}/{d}"))
                    .unwrap_or_default(),
                version
                    .as_deref()
                    .map(|v| format!(", {v}"))
                    .unwrap_or_default()
            ),
            EventKind::UdpSynAck { mtu, version } => format!(
                "RDP-UDP SYN+ACK{}{}",
                mtu.map(|(u, d)| format!(", MTU {u}/{d}"))
                    .unwrap_or_default(),
                version
                    .as_deref()
                    .map(|v| format!(", {v}"))
                    .unwrap_or_default()
            ),
            EventKind::UdpEstablished => "RDP-UDP ACK (UDP transport up)".into(),
            EventKind::ErrorInfo { code, name } => format!("Set Error Info {name} (0x{code:08x})"),
            EventKind::CredSsp(r) => credssp_label(r),
            EventKind::Licensing { msg_type } => match msg_type {
                Some(0xff) => "RDP licensing: ERROR_ALERT (licensing done or refused)".into(),
                Some(t) => format!("RDP licensing PDU (type 0x{t:02x})"),
                None => "RDP licensing PDU".into(),
            },
            EventKind::DeactivateAll => "RDP Deactivate All".into(),
            EventKind::ClientInfo(logon) => {
                let Logon { user, domain } = &**logon;
                if domain.is_empty() {
                    format!("Client Info (user {user})")
                } else {
                    format!("Client Info (user {domain}\\{user})")
                }
            }
        }
    }

    /// Bulk events (data summaries, TCP analysis notes) are capped separately.
    pub fn is_bulk(&self) -> bool {
        matches!(self, EventKind::Data { .. } | EventKind::Tcp(_))
            || matches!(self, EventKind::Tls(TlsEvent::ApplicationData { .. }))
    }

    /// Whether this event is a problem worth jumping to (`n`/`N` in the TUI).
    pub fn is_problem(&self) -> bool {
        match self {
            EventKind::Rst { .. }
            | EventKind::Icmp { .. }
            | EventKind::Gap { .. }
            | EventKind::Malformed { .. } => true,
            EventKind::Syn { retry } | EventKind::SynAck { retry } => *retry,
            EventKind::Tcp(n) => !matches!(
                n,
                TcpNote::CaptureDuplicate | TcpNote::SpuriousRetransmission | TcpNote::KeepAlive
            ),
            _ => false,
        }
    }
}

/// What the server's GCC Conference Create Response says (MS-RDPBCGR 2.2.1.4), owned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerInfo {
    /// Server RDP version name.
    pub version: Option<String>,
    /// Encryption method names (e.g. `128bit`).
    pub encryption_method: Option<String>,
    /// Encryption level name (e.g. `High`).
    pub encryption_level: Option<String>,
    /// Server certificate type (`RSA` proprietary, `X.509`).
    pub cert_type: Option<String>,
    /// Certificates in it.
    pub cert_count: u32,
    /// Permanent (not temporary) certificate, when stated.
    pub cert_permanent: Option<bool>,
}

impl ServerInfo {
    /// Summarise the parsed GCC response.
    pub fn from_gcc(d: &ServerData<'_>) -> Self {
        let sec = d.security.as_ref();
        ServerInfo {
            version: d
                .core
                .map(|c| crate::proto::gcc::rdp_version_name(c.version)),
            encryption_method: sec.map(|s| s.encryption_method.names().join(", ")),
            encryption_level: sec.map(|s| s.encryption_level.name()),
            cert_type: sec
                .and_then(|s| s.certificate.as_ref())
                .map(|c| c.type_name()),
            cert_count: sec
                .and_then(|s| s.certificate.as_ref())
                .map(|c| c.count())
                .unwrap_or(0),
            cert_permanent: sec
                .and_then(|s| s.certificate.as_ref())
                .and_then(|c| c.permanent()),
        }
    }
}

/// The ladder label of a CredSSP TSRequest.
fn credssp_label(r: &crate::proto::credssp::TsRequest) -> String {
    use crate::proto::credssp::Ntlm;
    let mut s = format!("CredSSP TSRequest v{}", r.version);
    for m in &r.ntlm {
        s.push_str(&format!(", NTLM {}", m.name()));
        match m {
            Ntlm::Authenticate { domain, user, .. } if domain.is_empty() => {
                s.push_str(&format!(" ({user})"))
            }
            Ntlm::Authenticate { domain, user, .. } => s.push_str(&format!(" ({domain}\\{user})")),
            Ntlm::Challenge { target: Some(t) } => s.push_str(&format!(" (target {t})")),
            _ => {}
        }
    }
    if r.nego_tokens > r.ntlm.len() {
        s.push_str(", negoToken");
    }
    if r.auth_info {
        s.push_str(", authInfo");
    }
    if r.pub_key_auth {
        s.push_str(", pubKeyAuth");
    }
    if let Some(e) = r.error_code {
        s.push_str(&format!(", errorCode {e}"));
    }
    s
}

/// The ladder label of a TLS event.
fn tls_label(t: &TlsEvent) -> String {
    match t {
        TlsEvent::ClientHello(ch) => format!(
            "TLS ClientHello (up to {}, {} ciphers{})",
            tls::version_name(ch.max_version()),
            ch.ciphers().count(),
            ch.sni
                .as_deref()
                .map(|s| format!(", SNI {s}"))
                .unwrap_or_default()
        ),
        TlsEvent::ServerHello {
            version,
            cipher_suite,
            is_hello_retry_request,
        } => format!(
            "TLS {} ({}, {})",
            if *is_hello_retry_request {
                "HelloRetryRequest"
            } else {
                "ServerHello"
            },
            tls::version_name(*version),
            tls::cipher_name(*cipher_suite)
        ),
        TlsEvent::Certificate(chain) => match chain.first() {
            Some(c) => format!("TLS Certificate ({}, {} in chain)", c.subject, chain.len()),
            None => "TLS Certificate (empty)".into(),
        },
        TlsEvent::ServerKeyExchange => "TLS ServerKeyExchange".into(),
        TlsEvent::CertificateRequest => "TLS CertificateRequest".into(),
        TlsEvent::ServerHelloDone => "TLS ServerHelloDone".into(),
        TlsEvent::ClientKeyExchange => "TLS ClientKeyExchange".into(),
        TlsEvent::OtherHandshake { msg_type, .. } => {
            format!("TLS {}", tls::handshake_type_name(*msg_type))
        }
        TlsEvent::ChangeCipherSpec => "TLS ChangeCipherSpec".into(),
        TlsEvent::EncryptedHandshake { len } => {
            format!("TLS encrypted handshake (Finished, {len} B)")
        }
        TlsEvent::Alert {
            level,
            description,
            decrypted: false,
        } => format!("TLS alert: {level} {description}"),
        TlsEvent::Alert {
            level,
            description,
            decrypted: true,
        } => format!("TLS alert (decrypted): {level} {description}"),
        TlsEvent::Undecryptable { len, why } => {
            format!("TLS record of {len} B not decrypted: {why}")
        }
        TlsEvent::NoSecrets { why } => format!("TLS not decrypted: {why}"),
        TlsEvent::RsaKeyMismatch => {
            "TLS not decrypted: the RSA key does not match the server certificate".into()
        }
        TlsEvent::EncryptedAlert { len } => format!("TLS encrypted alert ({len} B)"),
        TlsEvent::ApplicationData { len } => format!("TLS application data ({len} B)"),
        TlsEvent::Heartbeat { len } => format!("TLS heartbeat ({len} B)"),
        TlsEvent::Malformed { what } => format!("malformed TLS: {what}"),
    }
}

/// TCP analysis findings worth a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpNote {
    /// A retransmission of data already seen.
    Retransmission,
    /// A retransmission after duplicate ACKs.
    FastRetransmission,
    /// A retransmission of data already acknowledged (a tail-loss probe, D-SACKed).
    SpuriousRetransmission,
    /// Data after a hole (previous segment not captured).
    LostSegment,
    /// An ACK for data never seen (the capture missed it).
    AckedUnseen,
    /// A duplicate ACK.
    DupAck,
    /// Out of order.
    OutOfOrder,
    /// The receiver advertised a zero window.
    ZeroWindow,
    /// A zero-window probe.
    ZeroWindowProbe,
    /// The sender filled the receiver's window.
    WindowFull,
    /// A TCP keep-alive.
    KeepAlive,
    /// The same packet captured again (not a retransmission).
    CaptureDuplicate,
}

impl TcpNote {
    /// Wireshark's name for it.
    pub fn name(self) -> &'static str {
        match self {
            TcpNote::Retransmission => "retransmission",
            TcpNote::FastRetransmission => "fast retransmission",
            TcpNote::SpuriousRetransmission => "spurious retransmission",
            TcpNote::LostSegment => "previous segment not captured",
            TcpNote::AckedUnseen => "ACKed unseen segment",
            TcpNote::DupAck => "duplicate ACK",
            TcpNote::OutOfOrder => "out-of-order",
            TcpNote::ZeroWindow => "zero window",
            TcpNote::ZeroWindowProbe => "zero-window probe",
            TcpNote::WindowFull => "window full",
            TcpNote::KeepAlive => "keep-alive",
            TcpNote::CaptureDuplicate => "capture duplicate",
        }
    }
}

/// A connection (TCP) or flow (UDP) and everything learned about it.
#[derive(Debug, Clone)]
pub struct Session {
    /// 1-based, in order of first frame.
    pub id: u64,
    /// TCP or UDP.
    pub transport: Transport,
    /// The client (SYN sender, or the non-3389 side).
    pub client: SocketAddr,
    /// The server.
    pub server: SocketAddr,
    /// First frame.
    pub first_frame: FrameNo,
    /// Last frame.
    pub last_frame: FrameNo,
    /// First timestamp.
    pub start: Timestamp,
    /// Last timestamp.
    pub end: Timestamp,
    /// Packets per direction (client, server).
    pub packets: [u64; 2],
    /// Payload bytes per direction (client, server), as Zeek's orig_bytes/resp_bytes.
    pub bytes: [u64; 2],
    /// The events, in frame order.
    pub events: Vec<Event>,
    /// Events not stored because of [`MAX_EVENTS`] / [`MAX_BULK_EVENTS`].
    pub events_dropped: u64,
    /// Bulk events stored.
    pub bulk_events: usize,
    /// First and last frame carrying payload, per side.
    pub first_payload: PerDir<Option<(FrameNo, Timestamp)>>,
    /// Last frame carrying payload, per side.
    pub last_payload: PerDir<Option<(FrameNo, Timestamp)>>,
    /// Last frame sent by each side, of any kind.
    pub last_packet: PerDir<Option<(FrameNo, Timestamp)>>,
    /// Per side: its first payload frame since the other side's last packet (the start of a run
    /// of data that got no answer at all).
    pub unanswered_from: PerDir<Option<(FrameNo, Timestamp)>>,
    /// Bytes and retransmissions over time, for charts.
    pub throughput: Throughput,
    /// The capture ended while the connection was still open.
    pub open_at_end: bool,
    /// The frame at which the server's payload passed [`ACTIVE_BYTES`]: the session is up.
    pub server_active_at: Option<FrameNo>,
    /// TCP analysis counts (CONTRACT.md `tcp`), set when the session is finished.
    pub tcp: Option<TcpSummary>,
    /// Zeek's conn_state.
    pub conn_state: String,
    /// Zeek's history.
    pub history: String,
    /// For an RDP-UDP flow: the TCP session (same client and server) it belongs to.
    pub tcp_session: Option<u64>,
    /// Largest TCP payloads per sender before and after its first lost segment.
    pub segment_sizes: PerDir<SegmentSizes>,
    /// Set when the pipeline compacted the finished session: `events` and `throughput` were
    /// dropped and the fields below hold what the report needs.
    pub compacted: bool,
    /// The RSA key given (`--rsa-key`) is not the server certificate's key (a TLS_RSA_*
    /// session left encrypted); kept through compaction, reported once per session.
    pub rsa_key_mismatch: bool,
    /// Protocol damage seen (first per layer, with counts), kept through compaction.
    pub damage: Vec<Damage>,
    /// The `rdp` summary, computed before the events were dropped.
    pub rdp_summary: Option<Box<RdpSummary>>,
    /// The `tls` summary, computed before the events were dropped.
    pub tls_summary: Option<Box<TlsSummary>>,
    /// The verdict, computed before the events were dropped.
    pub verdict: Option<Box<crate::diagnose::Verdict>>,
}

/// The largest TCP payload a sender got through before its first hole, and after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmentSizes {
    /// Largest payload before the first previous-segment-not-captured.
    pub before_loss: u32,
    /// Largest payload after it (None while no hole was seen).
    pub after_loss: Option<u32>,
}

/// A protocol layer's damage in one session: the first malformed PDU and how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The layer.
    pub layer: crate::proto::Layer,
    /// First frame.
    pub frame: FrameNo,
    /// What was wrong there.
    pub what: String,
    /// How many malformed events of this layer.
    pub count: usize,
}

impl Damage {
    /// Collect a session's damage from its events.
    pub fn of(s: &Session) -> Vec<Damage> {
        if s.compacted {
            return s.damage.clone();
        }
        let mut out: Vec<Damage> = Vec::new();
        for e in &s.events {
            if let EventKind::Malformed { layer, what } = &e.kind {
                match out.iter_mut().find(|d| d.layer == *layer) {
                    Some(d) => d.count += 1,
                    None => out.push(Damage {
                        layer: *layer,
                        frame: e.frame,
                        what: what.clone(),
                        count: 1,
                    }),
                }
            }
        }
        out
    }
}

impl Session {
    /// A new session starting at a frame.
    pub fn new(
        id: u64,
        transport: Transport,
        client: SocketAddr,
        server: SocketAddr,
        frame: FrameNo,
        ts: Timestamp,
    ) -> Self {
        Session {
            id,
            transport,
            client,
            server,
            first_frame: frame,
            last_frame: frame,
            start: ts,
            end: ts,
            packets: [0; 2],
            bytes: [0; 2],
            events: Vec::new(),
            events_dropped: 0,
            bulk_events: 0,
            first_payload: PerDir::default(),
            last_payload: PerDir::default(),
            last_packet: PerDir::default(),
            unanswered_from: PerDir::default(),
            throughput: Throughput::default(),
            open_at_end: false,
            server_active_at: None,
            tcp: None,
            conn_state: String::new(),
            history: String::new(),
            tcp_session: None,
            segment_sizes: PerDir::default(),
            compacted: false,
            rsa_key_mismatch: false,
            damage: Vec::new(),
            rdp_summary: None,
            tls_summary: None,
            verdict: None,
        }
    }

    /// Append an event (bounded).
    pub fn push(&mut self, frame: FrameNo, ts: Timestamp, dir: Option<Direction>, kind: EventKind) {
        let bulk = kind.is_bulk();
        if bulk {
            if self.bulk_events >= MAX_BULK_EVENTS {
                self.events_dropped += 1;
                return;
            }
            self.bulk_events += 1;
        }
        if self.events.len() < MAX_EVENTS {
            if self.events.capacity() == 0 {
                // Most connections of a flood or scan never get past one or two events.
                self.events.reserve_exact(2);
            }
            self.events.push(Event {
                frame,
                ts,
                dir,
                kind,
                decrypted: false,
            });
        } else {
            self.events_dropped += 1;
        }
    }

    /// Either side sent payload (a connection attempt did not).
    pub fn has_payload(&self) -> bool {
        self.bytes.iter().any(|b| *b > 0)
    }

    /// Marks the events from index `from` on as read from decrypted bytes.
    pub fn mark_decrypted_from(&mut self, from: usize) {
        for e in self.events.iter_mut().skip(from) {
            e.decrypted = true;
        }
    }

    /// Account one packet.
    pub fn count(&mut self, frame: FrameNo, ts: Timestamp, dir: Direction, payload: u64) {
        self.last_frame = frame;
        if ts > self.end {
            self.end = ts;
        }
        if let Some(p) = self.packets.get_mut(dir.idx()) {
            *p += 1;
        }
        if let Some(b) = self.bytes.get_mut(dir.idx()) {
            *b += payload;
        }
        *self.last_packet.get_mut(dir) = Some((frame, ts));
        if payload > 0 {
            self.unanswered_from.get_mut(dir).get_or_insert((frame, ts));
        }
        *self.unanswered_from.get_mut(dir.reverse()) = None;
        if dir == Direction::ServerToClient
            && self.server_active_at.is_none()
            && self.bytes[1] >= ACTIVE_BYTES
        {
            self.server_active_at = Some(frame);
        }
        if payload > 0 {
            self.first_payload.get_mut(dir).get_or_insert((frame, ts));
            *self.last_payload.get_mut(dir) = Some((frame, ts));
        }
        self.throughput
            .add(ts.nanos_since(self.start), dir, payload);
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.end.since(self.start).max(0.0)
    }

    /// Either end uses port 3389 (RDP's TCP and UDP port).
    pub fn on_rdp_port(&self) -> bool {
        self.server.port() == 3389 || self.client.port() == 3389
    }
}

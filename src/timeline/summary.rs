//! What a session's events add up to, in CONTRACT.md's `rdp` and `tls` objects.

use super::{EventKind, Session};
use crate::proto::gcc;
use crate::proto::tls::{self, AlertLevel, TlsEvent};
use crate::proto::x224::Negotiation;
use crate::types::{Direction, FrameNo, PerDir, Timestamp};
use serde::Serialize;

/// CONTRACT.md `rdp`: the RDP negotiation and what the GCC client data said.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RdpSummary {
    /// `Cookie: mstshash=` user name.
    pub cookie: Option<String>,
    /// `Cookie: msts=` routing token (load balancers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_token: Option<String>,
    /// requestedProtocols names (`rdp` for none).
    pub requested_protocols: Vec<String>,
    /// selectedProtocol name.
    pub selected_protocol: Option<String>,
    /// RDP_NEG_FAILURE code name (MS-RDPBCGR 2.2.1.2.2).
    pub failure_code: Option<String>,
    /// Client name from the GCC client core data.
    pub client_name: Option<String>,
    /// Client build, named like Zeek (`RDP 6.0`, or the number).
    pub client_build: Option<String>,
    /// Keyboard layout name.
    pub keyboard_layout: Option<String>,
    /// Static virtual channels requested.
    pub channels: Vec<String>,
    /// Desktop size `WxH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop: Option<String>,
    /// Standard RDP Security encryption level and method chosen by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<String>,
    /// The server's Set Error Info reason (MS-RDPBCGR 2.2.5.1.1), when readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_info: Option<String>,
    /// The MCS Disconnect Provider Ultimatum reason, when seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnect_reason: Option<String>,
}

/// One TLS alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertJson {
    /// Frame.
    pub frame: FrameNo,
    /// `client` or `server`.
    pub from: Direction,
    /// `fatal`, `warning` or `encrypted`.
    pub level: String,
    /// The description's IANA name, null when encrypted.
    pub description: Option<String>,
}

/// One certificate of the server's chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertJson {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Validity start.
    pub not_before: Timestamp,
    /// Validity end.
    pub not_after: Timestamp,
    /// Issuer equals subject.
    pub self_signed: bool,
    /// Expired (or not yet valid) when the session started.
    pub expired_at_capture: bool,
    /// DNS names and addresses it is valid for (CN and SANs).
    pub names: Vec<String>,
}

/// CONTRACT.md `tls`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TlsSummary {
    /// Negotiated version (IANA name).
    pub version: Option<String>,
    /// Negotiated cipher suite (IANA name).
    pub cipher: Option<String>,
    /// SNI.
    pub server_name: Option<String>,
    /// Versions the client offered.
    pub offered_versions: Vec<String>,
    /// Number of cipher suites the client offered (GREASE excluded).
    pub offered_ciphers: usize,
    /// Both Finished messages were exchanged.
    pub established: bool,
    /// Alerts in order.
    pub alerts: Vec<AlertJson>,
    /// The server's certificate chain.
    pub certificates: Vec<CertJson>,
}

impl RdpSummary {
    /// The session's RDP facts, or None when it never spoke RDP.
    pub fn of(s: &Session) -> Option<RdpSummary> {
        if s.compacted {
            return s.rdp_summary.as_deref().cloned();
        }
        let mut r = RdpSummary::default();
        let mut any = false;
        for e in &s.events {
            match &e.kind {
                EventKind::X224Request(cr) => {
                    any = true;
                    r.cookie = cr.cookie.clone();
                    r.routing_token = cr.routing_token.clone();
                    r.requested_protocols = cr.requested().names();
                }
                EventKind::X224Confirm(cc) => {
                    any = true;
                    match &cc.negotiation {
                        Negotiation::Response { selected, .. } => {
                            r.selected_protocol = Some(selected.selected_name())
                        }
                        Negotiation::Legacy => r.selected_protocol = Some("rdp".into()),
                        Negotiation::Failure { code, .. } => r.failure_code = Some(code.name()),
                        Negotiation::Unknown { .. } => {}
                    }
                }
                EventKind::McsConnectInitial(cd) => {
                    any = true;
                    if let Some(core) = &cd.core {
                        r.client_name = core.client_name.clone();
                        r.client_build = core.client_build.map(gcc::client_build_name);
                        r.keyboard_layout = core.keyboard_layout_name();
                        if let (Some(w), Some(h)) = (core.desktop_width, core.desktop_height) {
                            r.desktop = Some(format!("{w}x{h}"));
                        }
                    }
                    if let Some(net) = &cd.network {
                        r.channels = net.names();
                    }
                }
                EventKind::McsConnectResponse {
                    server: Some(sv), ..
                } => {
                    if let (Some(level), Some(method)) =
                        (&sv.encryption_level, &sv.encryption_method)
                    {
                        r.encryption = Some(format!("{level} ({method})"));
                    }
                }
                EventKind::McsDisconnect { reason } => r.disconnect_reason = Some(reason.clone()),
                EventKind::ErrorInfo { name, .. } => r.error_info = Some(name.clone()),
                _ => {}
            }
        }
        any.then_some(r)
    }
}

impl TlsSummary {
    /// The session's TLS facts, or None when it never spoke TLS.
    pub fn of(s: &Session) -> Option<TlsSummary> {
        if s.compacted {
            return s.tls_summary.as_deref().cloned();
        }
        let mut t = TlsSummary::default();
        let mut any = false;
        let mut finished = PerDir::<bool>::default();
        let mut tls13 = false;
        for e in &s.events {
            let EventKind::Tls(ev) = &e.kind else {
                continue;
            };
            any = true;
            let dir = e.dir.unwrap_or(Direction::ClientToServer);
            match ev {
                TlsEvent::ClientHello(ch) => {
                    t.server_name = ch.sni.clone();
                    t.offered_versions = ch
                        .offered_versions()
                        .into_iter()
                        .map(tls::version_name)
                        .collect();
                    t.offered_ciphers = ch.ciphers().count();
                }
                TlsEvent::ServerHello {
                    version,
                    cipher_suite,
                    is_hello_retry_request: false,
                } => {
                    t.version = Some(tls::version_name(*version));
                    t.cipher = Some(tls::cipher_name(*cipher_suite));
                    tls13 = tls::is_tls13(*version);
                }
                TlsEvent::Certificate(chain) if dir == Direction::ServerToClient => {
                    let now = s.start.secs();
                    t.certificates = chain
                        .iter()
                        .map(|c| CertJson {
                            subject: c.subject.clone(),
                            issuer: c.issuer.clone(),
                            not_before: Timestamp::from_parts(c.not_before, 0),
                            not_after: Timestamp::from_parts(c.not_after, 0),
                            self_signed: c.self_signed,
                            expired_at_capture: c.validity_at(now) != tls::Validity::Valid,
                            names: c.names(),
                        })
                        .collect();
                }
                TlsEvent::EncryptedHandshake { .. } => *finished.get_mut(dir) = true,
                TlsEvent::ApplicationData { .. } if tls13 => *finished.get_mut(dir) = true,
                TlsEvent::Alert {
                    level, description, ..
                } => t.alerts.push(AlertJson {
                    frame: e.frame,
                    from: dir,
                    level: match level {
                        AlertLevel::Fatal => "fatal".into(),
                        AlertLevel::Warning => "warning".into(),
                        other => other.to_string(),
                    },
                    description: Some(description.to_string()),
                }),
                TlsEvent::EncryptedAlert { .. } => t.alerts.push(AlertJson {
                    frame: e.frame,
                    from: dir,
                    level: "encrypted".into(),
                    description: None,
                }),
                _ => {}
            }
        }
        t.established = finished.client && finished.server;
        any.then_some(t)
    }
}

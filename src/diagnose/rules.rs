//! The rules, most specific first. Each is a pure function of the session and its facts that
//! returns a verdict with the frames it used, or nothing.

use super::remedy;
use super::{Cause, Facts, Phase, Verdict};
use crate::proto::tls::{self, AlertDescription, AlertLevel};
use crate::timeline::{EventKind, Session};
use crate::types::{Direction, FrameNo};

type Rule = fn(&Session, &Facts<'_>) -> Option<Verdict>;

/// Silence from the server after which it counts as unresponsive (seconds).
const UNRESPONSIVE_S: f64 = 5.0;
/// Silence from a peer after which the path counts as dead (seconds).
const SILENT_S: f64 = 3.0;

/// Run the rules in order; the first that fires gives the verdict.
pub fn run(s: &Session, f: &Facts<'_>) -> Verdict {
    if s.transport == crate::decode::Transport::Udp {
        return udp_transport(s);
    }
    let rules: [Rule; 15] = [
        icmp_unreachable,
        port_closed,
        no_answer,
        negotiation_failure,
        tls_alert,
        certificate_rejected,
        nla_failed,
        mtu_blackhole,
        link_timeout,
        zero_window_stall,
        server_disconnected,
        reset_mid_session,
        capture_loss,
        server_unresponsive,
        loss_burst,
    ];
    for rule in rules {
        if let Some(mut v) = rule(s, f) {
            v.in_progress = s.open_at_end && !v.cause.is_failure();
            v.evidence_frames.sort_unstable();
            v.evidence_frames.dedup();
            return v;
        }
    }
    fallback(s, f)
}

fn verdict(
    cause: Cause,
    phase: Phase,
    drop: Option<FrameNo>,
    evidence: Vec<FrameNo>,
    summary: String,
    confidence: f32,
) -> Verdict {
    Verdict {
        cause,
        phase,
        drop_frame: drop,
        evidence_frames: evidence,
        summary,
        remediation: remedy::steps(cause),
        confidence,
        in_progress: false,
    }
}

/// How far the connection sequence got by frame `at` (inclusive).
pub fn phase_at(s: &Session, f: &Facts<'_>, at: FrameNo) -> Phase {
    let before = |x: Option<FrameNo>| x.is_some_and(|x| x <= at);
    if !before(f.established) && !f.any_data_before(s, at) {
        return Phase::TcpConnect;
    }
    let Some((cc, confirm)) = f.x224_confirm.filter(|(fr, _)| *fr <= at) else {
        // No confirm yet: negotiating, unless the capture started after it (mid-stream TLS).
        if f.client_hello.is_some_and(|(fr, _)| fr <= at) && f.x224_request.is_none() {
            return tls_phase(s, f, at);
        }
        return Phase::X224Negotiation;
    };
    if confirm.failure().is_some() {
        return Phase::X224Negotiation;
    }
    let uses_tls = confirm.selected().is_some_and(|p| p.0 != 0);
    if uses_tls {
        if f.client_hello.is_none_or(|(fr, _)| fr > at) && cc <= at {
            return Phase::X224Negotiation;
        }
        return tls_phase(s, f, at);
    }
    // Standard RDP security: MCS connect, then the session.
    match f.mcs_response {
        Some((fr, true)) if fr <= at => {
            if active_by(s, at) {
                Phase::Active
            } else {
                Phase::McsConnect
            }
        }
        _ => {
            if before(f.mcs_initial) {
                Phase::McsConnect
            } else {
                Phase::X224Negotiation
            }
        }
    }
}

fn tls_phase(s: &Session, f: &Facts<'_>, at: FrameNo) -> Phase {
    match f.tls_done() {
        Some(done) if done <= at => {
            let client_records = f.app_data.client.iter().filter(|(fr, _)| *fr <= at).count();
            if active_by(s, at) {
                Phase::Active
            } else if f.nla_selected() && client_records <= 3 {
                Phase::Nla
            } else {
                Phase::McsConnect
            }
        }
        _ => Phase::TlsHandshake,
    }
}

/// Whether the server had sent a session's worth of data by frame `at`.
fn active_by(s: &Session, at: FrameNo) -> bool {
    s.server_active_at.is_some_and(|f| f <= at)
}

impl Facts<'_> {
    fn any_data_before(&self, s: &Session, at: FrameNo) -> bool {
        s.first_payload.client.is_some_and(|(f, _)| f <= at)
            || s.first_payload.server.is_some_and(|(f, _)| f <= at)
    }
}

fn icmp_unreachable(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    if f.established.is_some() {
        return None;
    }
    let (frame, idx) = *f.icmp.first()?;
    let EventKind::Icmp { kind, from } = &s.events.get(idx)?.kind else {
        return None;
    };
    let who = if *from == s.server.ip() {
        "the server itself".to_string()
    } else {
        format!("{from} (a router or firewall on the path)")
    };
    let mut evidence: Vec<u64> = f.syns.clone();
    evidence.extend(f.icmp.iter().map(|(fr, _)| *fr));
    Some(verdict(
        Cause::IcmpUnreachable,
        Phase::TcpConnect,
        Some(frame),
        evidence,
        format!(
            "The connection to {} was refused with ICMP \"{}\" from {} at frame {}.",
            s.server,
            kind.describe(),
            who,
            frame
        ),
        0.95,
    ))
}

fn port_closed(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    if f.established.is_some() || !f.synacks.is_empty() || f.syns.is_empty() {
        return None;
    }
    let (rst, _) = f.rst.server?;
    let mut evidence = f.syns.clone();
    evidence.push(rst);
    Some(verdict(
        Cause::PortClosed,
        Phase::TcpConnect,
        Some(rst),
        evidence,
        format!(
            "{} answered the SYN with a TCP reset at frame {}: nothing accepts connections on port {} there (service stopped, or a firewall rejecting with RST).",
            s.server.ip(),
            rst,
            s.server.port()
        ),
        0.95,
    ))
}

fn no_answer(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    if f.syns.is_empty() || !f.synacks.is_empty() || s.packets[1] > 0 || !f.icmp.is_empty() {
        return None;
    }
    let first = *f.syns.first()?;
    Some(verdict(
        Cause::NoAnswer,
        Phase::TcpConnect,
        Some(first),
        f.syns.clone(),
        format!(
            "{} SYN(s) to {} over {:.1} s were never answered: a firewall drops them, the host is down, or the address is wrong.",
            f.syns.len(),
            s.server,
            s.duration_s()
        ),
        0.9,
    ))
}

fn negotiation_failure(_s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    let (cc, confirm) = f.x224_confirm?;
    let mut evidence = vec![cc];
    if let Some((cr, _)) = f.x224_request {
        evidence.push(cr);
    }
    let (requested, selected) = f.protocols();
    if let Some(code) = confirm.failure() {
        return Some(verdict(
            Cause::NegotiationFailure,
            Phase::X224Negotiation,
            Some(cc),
            evidence,
            format!(
                "The server refused the RDP negotiation with RDP_NEG_FAILURE {} at frame {cc}; the client asked for {}.",
                code.name(),
                requested
                    .map(|p| p.names().join("+"))
                    .unwrap_or_else(|| "standard RDP security".into())
            ),
            0.95,
        ));
    }
    let selected = selected?;
    // Standard RDP security selected by a server that then refuses the MCS connection (it
    // requires TLS/NLA but the client offered no negotiation it could refuse explicitly).
    if selected.0 == 0 && f.mcs_response.is_none() {
        if let Some((dpu, _, reason)) = f
            .mcs_disconnect
            .filter(|(_, d, _)| *d == Direction::ServerToClient)
        {
            evidence.push(dpu);
            if let Some(ci) = f.mcs_initial {
                evidence.push(ci);
            }
            return Some(verdict(
                Cause::NegotiationFailure,
                Phase::X224Negotiation,
                Some(cc),
                evidence,
                format!(
                    "The client offered only standard RDP security; the server confirmed without negotiation (frame {cc}) and then refused the connection with an MCS Disconnect Provider Ultimatum ({reason}) at frame {dpu}: it requires TLS or NLA."
                ),
                0.85,
            ));
        }
    }
    // Nothing came after the confirm: no TLS, no MCS; someone closed.
    let next_step = f.client_hello.map(|(fr, _)| fr).or(f.mcs_initial);
    if next_step.is_some() {
        return None;
    }
    let close_c = f.first_close(Direction::ClientToServer, cc);
    let close_s = f.first_close(Direction::ServerToClient, cc);
    let mcs_dpu = f.mcs_disconnect.map(|(fr, _, _)| fr);
    let closer = [close_c, close_s, mcs_dpu].into_iter().flatten().min()?;
    evidence.push(closer);
    let requested_p = requested.unwrap_or_default();
    let summary = if requested_p.0 != 0 && selected.0 == 0 {
        format!(
            "The client asked for {} but the server selected standard RDP security at frame {cc}; the connection was closed at frame {closer} without going further.",
            requested_p.names().join("+")
        )
    } else if requested.is_none() || requested_p.0 == 0 {
        format!(
            "The client offered only standard RDP security and the server ended the connection at frame {closer} right after its confirm (frame {cc}): the server requires TLS or NLA."
        )
    } else {
        format!(
            "The negotiation ended at frame {closer} right after the server's confirm (frame {cc}, selected {})",
            selected.names().join("+")
        )
    };
    Some(verdict(
        Cause::NegotiationFailure,
        Phase::X224Negotiation,
        Some(cc),
        evidence,
        summary,
        0.8,
    ))
}

fn is_cert_alert(d: AlertDescription) -> bool {
    matches!(
        d,
        AlertDescription::BadCertificate
            | AlertDescription::CertificateExpired
            | AlertDescription::UnknownCa
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
    )
}

fn tls_alert(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    let done = f.tls_done();
    // A plaintext alert during the handshake (a fatal one may share the frame that completes it),
    // other than the polite closes.
    let alert = f.alerts.iter().find(|a| match a.plain {
        Some((level, d)) => {
            let in_handshake =
                done.is_none_or(|x| a.frame < x || (a.frame == x && level == AlertLevel::Fatal));
            in_handshake
                && !matches!(
                    d,
                    AlertDescription::CloseNotify | AlertDescription::UserCanceled
                )
        }
        None => false,
    })?;
    let (_, desc) = alert.plain?;
    let mut evidence = vec![alert.frame];
    if let Some((ch, _)) = f.client_hello {
        evidence.push(ch);
    }
    if let Some((sh, _, _)) = f.server_hello {
        evidence.push(sh);
    }
    let who = alert.dir.sender();
    let hello_ver = f.client_hello.map(|(_, ch)| ch);
    let server_ver = f.server_hello.map(|(_, v, _)| v);
    let offered_versions = hello_ver.map(offered_versions).unwrap_or_default();
    let version_rejected =
        server_ver.is_some_and(|v| !offered_versions.is_empty() && !offered_versions.contains(&v));
    let (cause, summary) = if desc == AlertDescription::ProtocolVersion || version_rejected {
        let offered: Vec<String> = offered_versions
            .iter()
            .map(|v| tls::version_name(*v))
            .collect();
        let summary = match server_ver {
            Some(v) => format!(
                "The server chose {} (frame {}) which the client does not accept (it offered {}); the {who} ended the handshake with alert {desc} at frame {}.",
                tls::version_name(v),
                f.server_hello.map(|x| x.0).unwrap_or_default(),
                offered.join(", "),
                alert.frame
            ),
            None => format!(
                "No TLS version acceptable to both sides: the client offered {}; the {who} answered with alert {desc} at frame {}.",
                offered.join(", "),
                alert.frame
            ),
        };
        (Cause::TlsVersionMismatch, summary)
    } else if matches!(
        desc,
        AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity
    ) && f.server_hello.is_none()
    {
        let n = f
            .client_hello
            .map(|(_, ch)| ch.ciphers().count())
            .unwrap_or(0);
        (
            Cause::TlsCipherMismatch,
            format!(
                "No cipher suite acceptable to both sides: the client offered {n} suites and the {who} refused them all with alert {desc} at frame {}.",
                alert.frame
            ),
        )
    } else if is_cert_alert(desc) && alert.dir == Direction::ClientToServer {
        if let Some((cf, _)) = f.certificate {
            evidence.push(cf);
        }
        (
            Cause::CertificateRejected,
            format!(
                "The client refused the server's certificate with alert {desc} at frame {}{}.",
                alert.frame,
                cert_reasons(s, f)
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
        )
    } else {
        (
            Cause::TlsAlert,
            format!(
                "The {who} ended the TLS handshake with fatal alert {desc} at frame {}.",
                alert.frame
            ),
        )
    };
    Some(verdict(
        cause,
        Phase::TlsHandshake,
        Some(alert.frame),
        evidence,
        summary,
        0.9,
    ))
}

/// The TLS versions a ClientHello accepts: supported_versions, or legacy_version and below.
fn offered_versions(ch: &tls::ClientHello) -> Vec<u16> {
    if ch.supported_versions.iter().any(|v| !tls::is_grease(*v)) {
        return ch.offered_versions();
    }
    (0x0300..=ch.legacy_version.min(0x0303)).collect()
}

/// What is wrong with the server certificate at capture time, as seen on the wire.
fn cert_reasons(s: &Session, f: &Facts<'_>) -> Option<String> {
    let (_, chain) = f.certificate?;
    let leaf = chain.first()?;
    let now = s.start.secs();
    let mut reasons = Vec::new();
    match leaf.validity_at(now) {
        crate::proto::tls::Validity::Expired => reasons.push(format!(
            "it expired on {}, before the capture",
            crate::types::Timestamp::from_parts(leaf.not_after, 0)
                .rfc3339()
                .get(..10)
                .unwrap_or("?")
        )),
        crate::proto::tls::Validity::NotYetValid => reasons.push("it is not valid yet".to_string()),
        crate::proto::tls::Validity::Valid => {}
    }
    if leaf.self_signed {
        reasons.push(format!("it is self-signed ({})", leaf.subject));
    }
    let sni = f.client_hello.and_then(|(_, ch)| ch.sni.clone());
    let target = sni.clone().unwrap_or_else(|| s.server.ip().to_string());
    if !leaf.matches_name(&target) {
        reasons.push(format!(
            "its names ({}) do not match {}",
            leaf.names().join(", "),
            target
        ));
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "issued by {} which the client does not trust, or rejected by policy",
            leaf.issuer
        ));
    }
    Some(reasons.join("; "))
}

fn certificate_rejected(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    let done = f.tls_done()?;
    // The client's first act after the handshake is to close it (alert, FIN or RST) without
    // ever sending data: it refused the server (clients such as FreeRDP and mstsc check the
    // certificate after the handshake).
    let close = f.first_close(Direction::ClientToServer, done.saturating_sub(1))?;
    if close < done {
        return None;
    }
    if f.app_data
        .client
        .iter()
        .any(|(fr, _)| *fr < close && !f.is_tls13_finished(*fr))
    {
        return None;
    }
    // Only if the server had not closed first.
    if f.first_close(Direction::ServerToClient, 0)
        .is_some_and(|x| x < close)
    {
        return None;
    }
    let mut evidence = vec![close, done];
    if let Some((cf, _)) = f.certificate {
        evidence.push(cf);
    }
    if let Some(fin) = f.fin.client.map(|(fr, _)| fr) {
        evidence.push(fin);
    }
    let how = if f.alerts.iter().any(|a| a.frame == close) {
        "an alert"
    } else if f.rst.client.is_some_and(|(fr, _)| fr == close) {
        "a TCP reset"
    } else {
        "a FIN"
    };
    let reason = cert_reasons(s, f);
    let with_alert = how == "an alert";
    Some(verdict(
        Cause::CertificateRejected,
        Phase::TlsHandshake,
        Some(close),
        evidence,
        format!(
            "The client closed the connection with {how} at frame {close} right after the TLS handshake, before sending any data: it refused the server certificate{}.",
            reason.map(|r| format!(" ({r})")).unwrap_or_default()
        ),
        if with_alert && f.certificate.is_some() {
            0.85
        } else {
            0.6
        },
    ))
}

impl Facts<'_> {
    /// In TLS 1.3 the client's first application-data record is its Finished.
    fn is_tls13_finished(&self, frame: FrameNo) -> bool {
        self.is_tls13() && self.tls_done() == Some(frame)
    }
}

fn nla_failed(_s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    if !f.nla_selected() {
        return None;
    }
    let done = f.tls_done()?;
    // Decrypted (issue 9): the server's TSRequest says why (MS-CSSP 2.2.1 errorCode).
    if let Some((fr, code)) = f.credssp_error.filter(|(_, c)| c.0 != 0) {
        let close = f.first_close(Direction::ServerToClient, fr);
        let mut evidence = vec![fr];
        evidence.extend(f.ntlm_auth.map(|(a, ..)| a));
        evidence.extend(close);
        evidence.sort_unstable();
        let why = code.meaning().unwrap_or("authentication refused");
        return Some(verdict(
            Cause::NlaFailed,
            Phase::Nla,
            Some(fr),
            evidence,
            format!(
                "Network Level Authentication failed{}: the server's CredSSP answer at frame {fr} carries {code}, {why}.",
                user_phrase(f)
            ),
            0.95,
        ));
    }
    // CredSSP records: the client's after the handshake (TLS 1.3: after its Finished), the
    // server's after the client's first one (TLS 1.3 session tickets come before).
    let client: Vec<(FrameNo, u16)> = f
        .app_data
        .client
        .iter()
        .copied()
        .filter(|(fr, _)| *fr > done)
        .collect();
    let first_client = client.first()?.0;
    let server: Vec<(FrameNo, u16)> = f
        .app_data
        .server
        .iter()
        .copied()
        .filter(|(fr, _)| *fr > first_client)
        .collect();
    let server_close = f.first_close(Direction::ServerToClient, done)?;
    let client_close = f.first_close(Direction::ClientToServer, done);
    if client_close.is_some_and(|c| c < server_close) {
        return None;
    }
    let client: Vec<_> = client
        .into_iter()
        .filter(|(fr, _)| *fr < server_close)
        .collect();
    let server: Vec<_> = server
        .into_iter()
        .filter(|(fr, _)| *fr < server_close)
        .collect();
    // CredSSP is a handful of small records; an MCS-sized exchange means NLA succeeded.
    let server_bytes: u64 = server.iter().map(|(_, l)| u64::from(*l)).sum();
    if client.len() > 6 || server.len() > 5 || server_bytes > 8_000 {
        return None;
    }
    let mut evidence: Vec<FrameNo> = client.iter().map(|(fr, _)| *fr).collect();
    evidence.extend(server.iter().map(|(fr, _)| *fr));
    evidence.push(server_close);
    // Decrypted: the server closed right after the client's NTLM AUTHENTICATE, without an
    // errorCode (FreeRDP's server does this for a wrong password).
    if let Some((auth, ..)) = f.ntlm_auth.filter(|(a, ..)| *a < server_close) {
        return Some(verdict(
            Cause::NlaFailed,
            Phase::Nla,
            Some(server_close),
            evidence,
            format!(
                "Network Level Authentication failed{}: the server closed the connection at frame {server_close} right after the client's NTLM AUTHENTICATE (frame {auth}) without a CredSSP errorCode; the credentials were refused (wrong user name or password, or a locked, disabled or expired account).",
                user_phrase(f)
            ),
            0.9,
        ));
    }
    Some(verdict(
        Cause::NlaFailed,
        Phase::Nla,
        Some(server_close),
        evidence,
        format!(
            "TLS came up, then after {} CredSSP message(s) from the client the server closed the connection at frame {server_close}: Network Level Authentication failed (wrong user name or password, locked or expired account, or a CredSSP policy mismatch).",
            client.len()
        ),
        0.8,
    ))
}

/// ` for user DOMAIN\user` from a decrypted NTLM AUTHENTICATE, or nothing.
fn user_phrase(f: &Facts<'_>) -> String {
    match f.ntlm_auth {
        Some((_, "", user)) => format!(" for user {user}"),
        Some((_, domain, user)) => format!(" for user {domain}\\{user}"),
        None => String::new(),
    }
}

fn server_disconnected(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    let start = f.tls_done().or(f.mcs_response.map(|(fr, _)| fr))?;
    let server_close = f
        .mcs_disconnect
        .filter(|(_, d, _)| *d == Direction::ServerToClient)
        .map(|(fr, _, _)| fr)
        .into_iter()
        .chain(f.first_close(Direction::ServerToClient, start))
        .min()?;
    if f.first_close(Direction::ClientToServer, start)
        .is_some_and(|c| c < server_close)
    {
        return None;
    }
    // A bare RST is the reset rule's business.
    let rst_only = f.rst.server.map(|(fr, _)| fr) == Some(server_close)
        && f.mcs_disconnect.is_none()
        && f.fin.server.map(|(fr, _)| fr) != Some(server_close);
    if rst_only {
        return None;
    }
    // A Disconnect Provider Ultimatum "user requested" with no error info is the end of a
    // user's logoff or disconnect, not a server decision.
    let user_requested = f
        .mcs_disconnect
        .is_some_and(|(fr, _, reason)| fr == server_close && reason == "rn-user-requested");
    // ... unless the server then closed TLS/TCP itself before the client did (the server
    // stopping: xrdp's shutdown sends the ultimatum, close_notify and FIN).
    let server_closed_first = f
        .first_close(Direction::ServerToClient, server_close)
        .is_some_and(|sc| {
            f.first_close(Direction::ClientToServer, server_close)
                .is_none_or(|cc| sc < cc)
        });
    if user_requested && f.error_info.is_none() && !server_closed_first {
        return None;
    }
    let phase = phase_at(s, f, server_close);
    let mut evidence = vec![server_close];
    let how =
        if let Some((fr, _, reason)) = f.mcs_disconnect.filter(|(fr, _, _)| *fr == server_close) {
            evidence.push(fr);
            format!("an MCS Disconnect Provider Ultimatum ({reason})")
        } else if f.alerts.iter().any(|a| a.frame == server_close) {
            "a TLS alert (close_notify) and FIN".to_string()
        } else {
            "a FIN".to_string()
        };
    let info = f
        .error_info
        .map(|(fr, code, name)| {
            evidence.push(fr);
            format!(" after Set Error Info {name} (0x{code:x}, frame {fr})")
        })
        .unwrap_or_default();
    Some(verdict(
        Cause::ServerDisconnected,
        phase,
        Some(server_close),
        evidence,
        format!(
            "The server ended the established session with {how} at frame {server_close}{info}, {:.1} s into it.",
            s.events
                .iter()
                .find(|e| e.frame == server_close)
                .map(|e| e.ts.since(s.start))
                .unwrap_or(0.0)
        ),
        0.8,
    ))
}

fn reset_mid_session(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    f.established.or(f.x224_request.map(|(fr, _)| fr))?;
    // The first RST, from either side.
    let (frame, idx, dir) = [
        f.rst
            .client
            .map(|(fr, i)| (fr, i, Direction::ClientToServer)),
        f.rst
            .server
            .map(|(fr, i)| (fr, i, Direction::ServerToClient)),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|x| x.0)?;
    // An orderly close started before the RST: the Windows FIN→RST pattern, or a user
    // disconnect (client close_notify + FIN, then the client's RST) — not a failure.
    let closing_before = [Direction::ClientToServer, Direction::ServerToClient]
        .into_iter()
        .filter_map(|d| {
            let alert = f
                .alerts
                .iter()
                .find(|a| a.dir == d && a.plain.is_none())
                .map(|a| a.frame);
            let fin = f.fin.get(d).map(|(fr, _)| fr);
            [alert, fin].into_iter().flatten().min()
        })
        .any(|c| c < frame);
    if closing_before {
        return None;
    }
    let EventKind::Rst {
        ttl,
        usual_ttl,
        ip_id,
        ..
    } = &s.events.get(idx)?.kind
    else {
        return None;
    };
    let forged = usual_ttl.is_some_and(|u| u != *ttl);
    // The client's own reset (its usual TTL) is the client giving up or the user closing the
    // window (mstsc often closes with RST): not something that killed the session.
    if dir == Direction::ClientToServer && !forged {
        return None;
    }
    let phase = phase_at(s, f, frame);
    let from = if dir == Direction::ServerToClient {
        format!("from the server's address {}", s.server.ip())
    } else {
        format!("from the client's address {}", s.client.ip())
    };
    let forged_note = match (forged, usual_ttl) {
        (true, Some(u)) => format!(
            "; its TTL {ttl} differs from the {} usual {u}, so a middlebox likely forged it",
            dir.sender()
        ),
        _ => String::new(),
    };
    let _ = ip_id;
    Some(verdict(
        Cause::ResetMidSession,
        phase,
        Some(frame),
        vec![frame],
        format!(
            "A TCP reset {from} at frame {frame} killed the session ({} phase){forged_note}.",
            phase.name()
        ),
        if forged { 0.9 } else { 0.8 },
    ))
}

fn server_unresponsive(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    f.established?;
    let (last_srv, last_srv_ts) = s.last_payload.server?;
    // The end of the conversation: the client's first close signal after the server went
    // quiet, or the end of the capture.
    let client_close = f.first_close(Direction::ClientToServer, last_srv);
    let end_ts = client_close
        .and_then(|c| s.events.iter().find(|e| e.frame == c).map(|e| e.ts))
        .unwrap_or(s.end);
    let silence = end_ts.since(last_srv_ts);
    if silence < UNRESPONSIVE_S {
        return None;
    }
    // Retransmissions during the silence mean packets were lost, not that the server hung.
    if f.retransmissions
        .iter()
        .any(|r| *r > last_srv && client_close.is_none_or(|c| *r < c))
    {
        return None;
    }
    // The server did not close, and its TCP stack still answered during the silence.
    if f.first_close(Direction::ServerToClient, last_srv).is_some() {
        return None;
    }
    let (last_srv_pkt, _) = s.last_packet.server?;
    if last_srv_pkt <= last_srv {
        return None;
    }
    // Evidence that an answer was due: the client sent data the server never answered, or the
    // server had been streaming (screen updates) and stopped dead.
    let asked = s
        .events
        .iter()
        .filter(|e| e.dir == Some(Direction::ClientToServer) && e.frame > last_srv)
        .find(|e| {
            matches!(
                &e.kind,
                EventKind::Tls(crate::proto::tls::TlsEvent::ApplicationData { .. })
            ) && client_close.is_none_or(|c| e.frame < c)
        })
        .map(|e| e.frame);
    let streaming = streaming_before(s, last_srv_ts);
    if asked.is_none() && !streaming {
        return None;
    }
    let phase = phase_at(s, f, last_srv);
    let mut evidence = vec![last_srv, last_srv_pkt];
    evidence.extend(f.keep_alives.client.iter().filter(|k| **k > last_srv));
    evidence.extend(asked);
    evidence.extend(client_close);
    let why = match asked {
        Some(a) => format!("the client's data at frame {a} got no answer"),
        None => "the screen updates it had been streaming stopped".to_string(),
    };
    Some(verdict(
        Cause::ServerUnresponsive,
        phase,
        Some(last_srv),
        evidence,
        format!(
            "The server's last RDP data was frame {last_srv}; for {silence:.1} s after it {why}, while the server's TCP stack kept acknowledging (frame {last_srv_pkt}): the RDP service is hung or overloaded."
        ),
        if asked.is_some() { 0.75 } else { 0.6 },
    ))
}

/// Whether the server was sending steadily (at least 2 KB/s) in the two seconds before `t`.
fn streaming_before(s: &Session, t: crate::types::Timestamp) -> bool {
    let tp = &s.throughput;
    let at = t.since(s.start);
    let bin_s = tp.bin_s();
    let first = ((at - 2.0).max(0.0) / bin_s) as usize;
    let last = (at / bin_s) as usize;
    let window = (at - first as f64 * bin_s).max(bin_s);
    let bytes: u64 = tp
        .bins
        .iter()
        .skip(first)
        .take(last.saturating_sub(first) + 1)
        .map(|b| b[1])
        .sum();
    bytes as f64 / window >= 2048.0
}

fn link_timeout(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    f.established?;
    // One side kept sending (retransmissions, keep-alives) after the other went silent.
    let (s_last, s_ts) = s.last_packet.server?;
    let (c_last, c_ts) = s.last_packet.client?;
    let (talker, last_silent_ts) = if c_last > s_last {
        (Direction::ClientToServer, s_ts)
    } else {
        (Direction::ServerToClient, c_ts)
    };
    let talker_end = if talker == Direction::ClientToServer {
        c_ts
    } else {
        s_ts
    };
    if talker_end.since(last_silent_ts) < SILENT_S {
        return None;
    }
    // Evidence of trying: retransmissions or keep-alives after the silence began.
    let tries: Vec<FrameNo> = f
        .retransmissions
        .iter()
        .chain(f.keep_alives.get(talker).iter())
        .copied()
        .filter(|fr| *fr > s_last.min(c_last))
        .collect();
    if tries.len() < 2 {
        return None;
    }
    // The talker's first frame after the peer's last one: the start of the silence.
    let drop = s
        .unanswered_from
        .get(talker)
        .map(|(fr, _)| fr)
        .into_iter()
        .chain(tries.iter().copied())
        .min()?;
    let mut evidence = tries.clone();
    evidence.push(drop);
    if let Some((r, _)) = f.rst.get(talker) {
        evidence.push(*r);
    }
    let phase = phase_at(s, f, drop);
    Some(verdict(
        Cause::LinkTimeout,
        phase,
        Some(drop),
        evidence,
        format!(
            "The path went silent: from frame {drop} the {} sent {} retransmissions/keep-alives over {:.1} s and nothing came back until it gave up.",
            talker.sender(),
            tries.len(),
            talker_end.since(last_silent_ts)
        ),
        0.75,
    ))
}

fn mtu_blackhole(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    f.established?;
    // A hole in one direction that never fills, while the receiver keeps asking for it
    // (duplicate ACKs / SACKs) or waits (keep-alives), and nothing the size of the hole gets
    // through: the missing segments are full-size, smaller packets pass.
    for sender in [Direction::ServerToClient, Direction::ClientToServer] {
        let receiver = sender.reverse();
        let Some(first_lost) = f.lost_segments.get(sender).first().copied() else {
            continue;
        };
        let gap = s.events.iter().find(|e| {
            e.dir == Some(sender)
                && e.frame >= first_lost
                && matches!(e.kind, EventKind::Gap { len } if len >= 1000)
        });
        let Some(gap) = gap else { continue };
        let asks: Vec<FrameNo> = f
            .dup_acks
            .get(receiver)
            .iter()
            .chain(f.keep_alives.get(receiver).iter())
            .copied()
            .filter(|d| *d >= first_lost)
            .collect();
        let stalled = gap.ts.since(
            s.events
                .iter()
                .find(|e| e.frame == first_lost)
                .map(|e| e.ts)
                .unwrap_or(gap.ts),
        );
        let orderly = f.fin.client.is_some() && f.fin.server.is_some();
        // Full-size segments still arrive after the hole: random loss, not a black hole.
        let sizes = s.segment_sizes.get(sender);
        let full_size_passes = sizes
            .after_loss
            .is_some_and(|a| u64::from(a) * 5 >= u64::from(sizes.before_loss) * 4);
        if full_size_passes {
            continue;
        }
        if asks.len() < 2 || stalled < 1.0 || orderly || !f.acked_unseen.is_empty() {
            continue;
        }
        let drop = first_lost.min(asks.iter().copied().min().unwrap_or(first_lost));
        let mut evidence = vec![first_lost, gap.frame];
        evidence.extend(f.lost_segments.get(sender).iter().take(4));
        evidence.extend(asks.iter().take(8));
        let phase = phase_at(s, f, drop);
        let EventKind::Gap { len } = gap.kind else {
            continue;
        };
        return Some(verdict(
            Cause::MtuBlackhole,
            phase,
            Some(drop),
            evidence,
            format!(
                "{len} bytes of {}-to-{} data went missing from frame {first_lost} and never arrived in {stalled:.1} s while the {} kept the connection alive with small packets: full-size packets are being dropped (path MTU black hole, typically a VPN tunnel without MSS clamping or with ICMP blocked).",
                sender.sender(),
                receiver.sender(),
                receiver.sender(),
            ),
            0.7,
        ));
    }
    None
}

fn zero_window_stall(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    for d in [Direction::ServerToClient, Direction::ClientToServer] {
        let zw = f.zero_windows.get(d);
        let Some(first) = zw.first().copied() else {
            continue;
        };
        // Stalled: no payload from the other side after the zero window for a while.
        let other = d.reverse();
        let resumed = s
            .last_payload
            .get(other)
            .is_some_and(|(fr, _)| fr > *zw.last().unwrap_or(&first));
        if resumed || s.end.since(s.start) < 1.0 {
            continue;
        }
        let phase = phase_at(s, f, first);
        return Some(verdict(
            Cause::ZeroWindowStall,
            phase,
            Some(first),
            zw.iter().take(8).copied().collect(),
            format!(
                "The {} advertised a zero receive window at frame {first} and never reopened it: the {} application stopped reading.",
                d.sender(),
                d.sender()
            ),
            0.75,
        ));
    }
    None
}

fn loss_burst(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    f.established?;
    // Handshake retries are not a burst of data loss.
    let handshake: Vec<FrameNo> = f.syns.iter().chain(f.synacks.iter()).copied().collect();
    let retx: Vec<FrameNo> = f
        .retransmissions
        .iter()
        .copied()
        .filter(|r| !handshake.contains(r))
        .collect();
    let f = &Facts {
        retransmissions: retx,
        ..f.clone()
    };
    if f.retransmissions.len() < 3 {
        return None;
    }
    // A burst at the end: the last retransmissions come after the last payload exchange of
    // the peer, i.e. the session broke on them.
    let last_retx = *f.retransmissions.last()?;
    let first_in_burst = f
        .retransmissions
        .iter()
        .rev()
        .take_while(|r| **r + 200 > last_retx)
        .last()
        .copied()?;
    let burst: Vec<FrameNo> = f
        .retransmissions
        .iter()
        .copied()
        .filter(|r| *r >= first_in_burst)
        .collect();
    let ended_badly = s.open_at_end || f.rst.client.is_some() || f.rst.server.is_some();
    let recovered = s
        .last_payload
        .server
        .is_some_and(|(fr, _)| fr > last_retx + 20);
    if burst.len() < 3 || !ended_badly || recovered {
        return None;
    }
    let phase = phase_at(s, f, first_in_burst);
    Some(verdict(
        Cause::LossBurst,
        phase,
        Some(first_in_burst),
        burst.iter().take(12).copied().collect(),
        format!(
            "A burst of {} retransmissions from frame {first_in_burst} broke the session: packets were lost on the path.",
            burst.len()
        ),
        0.6,
    ))
}

/// The capture itself missed packets (the receiver acknowledged data the capture never saw):
/// what happened in the missing part cannot be told.
fn capture_loss(s: &Session, f: &Facts<'_>) -> Option<Verdict> {
    let first = *f.acked_unseen.first()?;
    let mut evidence = f.acked_unseen.clone();
    evidence.truncate(8);
    Some(verdict(
        Cause::IncompleteCapture,
        phase_at(s, f, first),
        None,
        evidence,
        format!(
            "The capture missed packets: frame {first} acknowledges data the capture never saw ({} such frames). Capture again closer to the client, with a full snap length and without drops.",
            f.acked_unseen.len()
        ),
        0.6,
    ))
}

/// The step for RDP-UDP SYNs without an answer.
const UDP_BLOCKED: remedy::Steps = &[
    "Allow UDP 3389 from the client's network to the server for better performance over lossy or high-latency links (optional: RDP falls back to TCP).",
];

/// An RDP-UDP flow is a side channel of a TCP session (MS-RDPEUDP): its failure degrades the
/// session (TCP carries everything) but never ends it, so it is never a failure cause.
fn udp_transport(s: &Session) -> Verdict {
    let syns: Vec<FrameNo> = s
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::UdpSyn { .. }))
        .map(|e| e.frame)
        .collect();
    let synack = s
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::UdpSynAck { .. }))
        .map(|e| e.frame);
    let tcp = s
        .tcp_session
        .map(|id| format!(" TCP session #{id} carries the session."))
        .unwrap_or_default();
    let (summary, remediation, evidence) = match (syns.first(), synack) {
        (Some(first), None) => (
            format!(
                "The RDP-UDP transport was not set up: {} SYN(s) from frame {first} got no answer (UDP 3389 blocked or disabled on the server).{tcp}",
                syns.len()
            ),
            UDP_BLOCKED,
            syns.clone(),
        ),
        (_, Some(sa)) => (
            format!("RDP-UDP transport set up at frame {sa}.{tcp}"),
            &[][..],
            Vec::new(),
        ),
        (None, None) => (
            format!("RDP-UDP traffic without its handshake in the capture.{tcp}"),
            &[][..],
            Vec::new(),
        ),
    };
    let rdp_udp = s.on_rdp_port() || !syns.is_empty() || synack.is_some();
    let summary = if rdp_udp {
        summary
    } else {
        format!(
            "A UDP flow that is not RDP ({} datagrams).",
            s.packets[0] + s.packets[1]
        )
    };
    Verdict {
        cause: if rdp_udp && syns.is_empty() && synack.is_none() {
            Cause::IncompleteCapture
        } else {
            Cause::Healthy
        },
        phase: Phase::Active,
        drop_frame: None,
        evidence_frames: evidence,
        summary,
        remediation,
        confidence: 0.8,
        in_progress: s.open_at_end,
    }
}

fn fallback(s: &Session, f: &Facts<'_>) -> Verdict {
    let last = s.last_frame;
    let started = !f.syns.is_empty() || f.x224_request.is_some();
    let phase = if s.open_at_end {
        phase_at(s, f, last)
    } else if f.established.is_some() || f.x224_request.is_some() {
        Phase::Teardown
    } else {
        phase_at(s, f, last)
    };
    let (cause, summary) = if !started {
        (
            Cause::IncompleteCapture,
            "The capture starts after this connection was set up and shows no failure; not enough to tell how it began.".to_string(),
        )
    } else if s.open_at_end {
        (
            Cause::Healthy,
            format!(
                "The session to {} was still running when the capture ended ({} phase).",
                s.server,
                phase.name()
            ),
        )
    } else {
        (
            Cause::Healthy,
            format!(
                "The session to {} ended normally after {:.1} s.",
                s.server,
                s.duration_s()
            ),
        )
    };
    let mut v = verdict(cause, phase, None, Vec::new(), summary, 0.7);
    v.in_progress = s.open_at_end;
    v
}

//! Detail views of the protocol events: hellos with their offers, certificates with validity
//! against the capture time, negotiation flags, alerts.

use crate::proto::tls::{self, CertInfo, TlsEvent};
use crate::proto::x224::Negotiation;
use crate::timeline::{EventKind, Session};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

fn kv(k: &str, v: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:>12}: "), Style::new().fg(Color::Cyan)),
        Span::raw(v.into()),
    ])
}

fn warn(s: impl Into<String>) -> Line<'static> {
    Line::from(Span::styled(s.into(), Style::new().fg(Color::Yellow)))
}

/// Lines for protocol events; `None` for kinds this module does not handle.
pub fn lines(kind: &EventKind, s: &Session) -> Option<Vec<Line<'static>>> {
    let mut out = Vec::new();
    match kind {
        EventKind::X224Request(cr) => {
            out.push(kv(
                "cookie",
                cr.cookie.clone().unwrap_or_else(|| "-".into()),
            ));
            if let Some(t) = &cr.routing_token {
                out.push(kv("routing token", t.clone()));
            }
            out.push(kv("requested", cr.requested().names().join(", ")));
            if let Some(n) = &cr.negotiation {
                out.push(kv("flags", format!("{:?}", n.flags.names())));
            } else {
                out.push(kv(
                    "negotiation",
                    "none (legacy client: standard RDP security only)",
                ));
            }
            if let Some(c) = &cr.correlation {
                out.push(kv("correlation", c.guid()));
            }
            out.extend(cr.notes.iter().map(|n| warn(n.clone())));
        }
        EventKind::X224Confirm(cc) => {
            match &cc.negotiation {
                Negotiation::Response {
                    flags, selected, ..
                } => {
                    out.push(kv("selected", selected.selected_name()));
                    out.push(kv("flags", format!("{:?}", flags.names())));
                }
                Negotiation::Failure { code, .. } => {
                    out.push(kv("failure", format!("{} ({})", code.name(), code.code())));
                }
                Negotiation::Legacy => {
                    out.push(kv("negotiation", "none: standard RDP security"));
                }
                Negotiation::Unknown { kind, .. } => {
                    out.push(kv("type", format!("unknown {kind}")))
                }
            }
            out.extend(cc.notes.iter().map(|n| warn(n.clone())));
        }
        EventKind::McsConnectInitial(cd) => {
            if let Some(c) = &cd.core {
                out.push(kv("client", c.client_name.clone().unwrap_or_default()));
                if let Some(b) = c.client_build {
                    out.push(kv(
                        "build",
                        format!("{} ({b})", crate::proto::gcc::client_build_name(b)),
                    ));
                }
                if let (Some(w), Some(h)) = (c.desktop_width, c.desktop_height) {
                    out.push(kv("desktop", format!("{w}x{h}")));
                }
                if let Some(k) = c.keyboard_layout_name() {
                    out.push(kv("keyboard", k));
                }
            }
            if let Some(n) = &cd.network {
                out.push(kv("channels", n.names().join(", ")));
            }
        }
        EventKind::McsConnectResponse { result, server, .. } => {
            out.push(kv("result", result.clone()));
            if let Some(sv) = server {
                if let Some(l) = &sv.encryption_level {
                    out.push(kv(
                        "encryption",
                        format!("{l} {}", sv.encryption_method.clone().unwrap_or_default()),
                    ));
                }
                if let Some(t) = &sv.cert_type {
                    out.push(kv("certificate", format!("{t} ×{}", sv.cert_count)));
                }
            }
        }
        EventKind::McsDisconnect { reason } => out.push(kv("reason", reason.clone())),
        EventKind::ErrorInfo { code, name } => {
            out.push(kv("ERRINFO", format!("{name} (0x{code:08x})")))
        }
        EventKind::Tls(t) => tls_lines(t, s, &mut out),
        _ => return None,
    }
    Some(out)
}

fn tls_lines(t: &TlsEvent, s: &Session, out: &mut Vec<Line<'static>>) {
    match t {
        TlsEvent::ClientHello(ch) => {
            let versions: Vec<String> = ch
                .offered_versions()
                .into_iter()
                .map(tls::version_name)
                .collect();
            out.push(kv("versions", versions.join(", ")));
            if let Some(sni) = &ch.sni {
                out.push(kv("SNI", sni.clone()));
            }
            if !ch.alpn.is_empty() {
                out.push(kv("ALPN", ch.alpn.join(", ")));
            }
            // Side by side with the server's choice, when there is one.
            let chosen = s.events.iter().find_map(|e| match e.kind {
                EventKind::Tls(TlsEvent::ServerHello { cipher_suite, .. }) => Some(cipher_suite),
                _ => None,
            });
            out.push(kv(
                "ciphers",
                format!(
                    "{} offered{}",
                    ch.ciphers().count(),
                    chosen
                        .map(|c| format!("; server chose {}", tls::cipher_name(c)))
                        .unwrap_or_else(|| "; the server chose none".into())
                ),
            ));
            for c in ch.ciphers() {
                let mark = if Some(c) == chosen { "▶ " } else { "  " };
                out.push(Line::from(format!(
                    "              {mark}{}",
                    tls::cipher_name(c)
                )));
            }
        }
        TlsEvent::ServerHello {
            version,
            cipher_suite,
            ..
        } => {
            out.push(kv("version", tls::version_name(*version)));
            out.push(kv("cipher", tls::cipher_name(*cipher_suite)));
        }
        TlsEvent::Certificate(chain) => {
            for (i, c) in chain.iter().enumerate() {
                cert_lines(i, c, s, out);
            }
        }
        TlsEvent::Alert {
            level, description, ..
        } => {
            out.push(kv("level", level.to_string()));
            out.push(kv("description", description.to_string()));
        }
        TlsEvent::EncryptedAlert { len } => {
            out.push(kv(
                "alert",
                format!("encrypted ({len} bytes): level and description hidden"),
            ));
            out.push(Line::from(
                "              usually close_notify; right after the handshake: a refused certificate",
            ));
        }
        _ => {}
    }
}

fn cert_lines(i: usize, c: &CertInfo, s: &Session, out: &mut Vec<Line<'static>>) {
    out.push(kv(&format!("cert #{i}"), c.subject.clone()));
    out.push(kv("issuer", c.issuer.clone()));
    let nb = crate::types::Timestamp::from_parts(c.not_before, 0).rfc3339();
    let na = crate::types::Timestamp::from_parts(c.not_after, 0).rfc3339();
    out.push(kv(
        "valid",
        format!(
            "{} … {}",
            nb.get(..10).unwrap_or(&nb),
            na.get(..10).unwrap_or(&na)
        ),
    ));
    match c.validity_at(s.start.secs()) {
        tls::Validity::Valid => out.push(kv("at capture", "valid")),
        tls::Validity::Expired => out.push(warn("   at capture: EXPIRED")),
        tls::Validity::NotYetValid => out.push(warn("   at capture: NOT YET VALID")),
    }
    out.push(kv("names", c.names().join(", ")));
    out.push(kv(
        "key",
        format!(
            "{:?} {} bits, {}",
            c.key_type, c.key_bits, c.signature_algorithm
        ),
    ));
    if c.self_signed {
        out.push(warn("              self-signed"));
    }
}

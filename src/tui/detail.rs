//! The detail pane: the selected event decoded, then the session's verdict with its evidence
//! frames and remediation.
//!
//! [`event_detail`] is the one place that knows how to show an event. Kinds without a dedicated
//! renderer fall back to a pretty-printed `Debug`, so new event kinds show up automatically.

use super::app::{App, Row};
use super::theme;
use crate::timeline::{Event, EventKind, Session};
use crate::types::Direction;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

fn key(k: &str) -> Span<'static> {
    Span::styled(format!("{k:<12}"), Style::new().fg(Color::DarkGray))
}

fn kv(k: &str, v: impl Into<String>) -> Line<'static> {
    Line::from(vec![key(k), Span::raw(v.into())])
}

fn heading(t: &str) -> Line<'static> {
    Line::from(Span::styled(
        t.to_string(),
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
    ))
}

/// The selected event, decoded: who sent it, when, and its fields.
pub fn event_detail(e: &Event, s: &Session) -> Vec<Line<'static>> {
    let from = match e.dir {
        Some(Direction::ClientToServer) => "client → server".to_string(),
        Some(Direction::ServerToClient) => "server → client".to_string(),
        None => "a third party (not an endpoint)".into(),
    };
    let mut out = vec![
        Line::from(Span::styled(
            e.kind.label(),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        kv("frame", e.frame.to_string()),
        kv("time", format!("{} (+{:.6} s)", e.ts, e.ts.since(s.start))),
        kv("from", from),
    ];
    match &e.kind {
        EventKind::Rst {
            ttl,
            ip_id,
            usual_ttl,
            with_data,
        } => {
            let usual = usual_ttl.map_or("not seen".to_string(), |u| u.to_string());
            out.push(kv("TTL", format!("{ttl} (sender's usual: {usual})")));
            if let Some(id) = ip_id {
                out.push(kv("IP ID", format!("{id:#06x}")));
            }
            if usual_ttl.is_some_and(|u| u != *ttl) {
                out.push(Line::from(Span::styled(
                    "TTL differs from the sender's other packets: the RST may come from a middlebox",
                    Style::new().fg(Color::Yellow),
                )));
            }
            if *with_data {
                out.push(kv(
                    "payload",
                    "the RST carries data (some stacks put a reason there)",
                ));
            }
        }
        EventKind::Icmp { kind, from } => {
            out.push(kv("ICMP", kind.describe()));
            let who = if *from == s.server.ip() {
                "the server itself".to_string()
            } else if *from == s.client.ip() {
                "the client itself".to_string()
            } else {
                format!("{from} (a router or firewall on the path)")
            };
            out.push(kv("sent by", who));
        }
        EventKind::Tcp(note) => out.push(kv(
            "TCP",
            format!("Wireshark: tcp.analysis ({})", note.name()),
        )),
        EventKind::Gap { len } => out.push(kv("missing", format!("{len} bytes never captured"))),
        EventKind::Data { bytes, segments } => {
            out.push(kv(
                "payload",
                format!("{} in {segments} segments", theme::human_bytes(*bytes)),
            ));
        }
        EventKind::Malformed { layer, what } => {
            out.push(kv("layer", layer.to_string()));
            out.push(kv("problem", what.clone()));
        }
        EventKind::Syn { .. }
        | EventKind::SynAck { .. }
        | EventKind::Established
        | EventKind::Fin => {}
        #[allow(unreachable_patterns)]
        other => match super::detail_proto::lines(other, s) {
            Some(lines) => out.extend(lines),
            None => {
                // Generic fallback: every field of kinds without a dedicated view.
                for l in format!("{other:#?}").lines().take(200) {
                    out.push(Line::from(l.to_string()));
                }
            }
        },
    }
    out
}

/// The verdict in brief: `cause · phase · drop point frame N`, then the summary.
pub fn verdict_headline(r: &Row) -> Vec<Line<'static>> {
    let v = &r.verdict;
    let cause = if v.in_progress {
        format!("in progress (so far: {})", v.cause.name())
    } else {
        v.cause.name().to_string()
    };
    let mut head = vec![
        Span::styled("Verdict ", Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(cause, theme::verdict_style(r)),
        Span::raw(format!(" · {}", v.phase.name())),
    ];
    if let Some(f) = v.drop_frame {
        head.push(Span::styled(
            format!(" · ✖ drop point frame {f}"),
            Style::new().fg(Color::Red),
        ));
    }
    vec![Line::from(head), Line::from(v.summary.clone())]
}

/// The rest of the verdict: evidence frames and remediation.
pub fn verdict_lines(r: &Row) -> Vec<Line<'static>> {
    let v = &r.verdict;
    let mut out = Vec::new();
    if !v.evidence_frames.is_empty() {
        let frames: Vec<String> = v
            .evidence_frames
            .iter()
            .take(40)
            .map(|f| f.to_string())
            .collect();
        let more = v.evidence_frames.len().saturating_sub(40);
        let mut t = frames.join(", ");
        if more > 0 {
            t.push_str(&format!(" (+{more})"));
        }
        out.push(kv("evidence", t));
    }
    if !v.remediation.is_empty() {
        out.push(heading("Remediation"));
        for step in v.remediation {
            out.push(Line::from(format!("• {step}")));
        }
    }
    out
}

/// Draw the detail pane.
pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme::pane_border(false))
        .title(Span::styled(" Detail ", theme::pane_title(false)));
    let mut lines = Vec::new();
    if let Some(row) = app.selected() {
        lines.extend(verdict_headline(row));
    }
    if let Some((e, row)) = app.selected_event() {
        lines.push(Line::from(""));
        lines.extend(event_detail(e, &row.session));
    }
    if let Some(row) = app.selected() {
        lines.push(Line::from(""));
        lines.extend(verdict_lines(row));
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll, 0)),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Transport;
    use crate::types::Timestamp;

    fn text(lines: &[Line<'_>]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn rst_with_a_foreign_ttl_is_called_out() {
        let s = Session::new(
            1,
            Transport::Tcp,
            "10.0.0.1:50000".parse().unwrap(),
            "10.0.0.2:3389".parse().unwrap(),
            1,
            Timestamp::from_parts(1_700_000_000, 0),
        );
        let e = Event {
            frame: 9,
            ts: Timestamp::from_parts(1_700_000_002, 500_000_000),
            dir: Some(Direction::ServerToClient),
            kind: EventKind::Rst {
                ttl: 61,
                ip_id: Some(0x1234),
                usual_ttl: Some(128),
                with_data: false,
            },
            decrypted: false,
        };
        let t = text(&event_detail(&e, &s));
        assert_eq!(
            t,
            "RST (TTL 61, usual 128)\n\
             frame       9\n\
             time        2023-11-14T22:13:22.500000Z (+2.500000 s)\n\
             from        server → client\n\
             TTL         61 (sender's usual: 128)\n\
             IP ID       0x1234\n\
             TTL differs from the sender's other packets: the RST may come from a middlebox"
        );
    }
}

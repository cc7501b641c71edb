//! The rules, most specific first.

use super::{Cause, Facts, Phase, Verdict};
use crate::timeline::{EventKind, Session};

/// Run the rules in order; the first that fires gives the verdict.
pub fn run(s: &Session, f: &Facts) -> Verdict {
    let rules: [fn(&Session, &Facts) -> Option<Verdict>; 4] =
        [icmp_unreachable, port_closed, no_answer, reset_mid_session];
    for rule in rules {
        if let Some(v) = rule(s, f) {
            return v;
        }
    }
    fallback(s, f)
}

fn verdict(
    cause: Cause,
    phase: Phase,
    drop: Option<u64>,
    evidence: Vec<u64>,
    summary: String,
    fixes: &[&str],
) -> Verdict {
    Verdict {
        cause,
        phase,
        drop_frame: drop,
        evidence_frames: evidence,
        summary,
        remediation: fixes.iter().map(|s| s.to_string()).collect(),
        confidence: 0.9,
        in_progress: false,
    }
}

const FIREWALL_FIXES: &[&str] = &[
    "Allow TCP 3389 (and UDP 3389 for RDP-UDP) from the client's network to the server on every firewall and security group on the path, including the VPN's access policy.",
    "Check that the server's address is right and that the Remote Desktop service is running and listening (netstat -an | findstr 3389 on the server).",
];

fn icmp_unreachable(s: &Session, f: &Facts) -> Option<Verdict> {
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
        format!("{from}")
    };
    let mut evidence: Vec<u64> = f.syns.clone();
    evidence.extend(f.icmp.iter().map(|(fr, _)| *fr));
    evidence.sort_unstable();
    Some(verdict(
        Cause::IcmpUnreachable,
        Phase::TcpConnect,
        Some(frame),
        evidence,
        format!(
            "The connection to {} was refused by ICMP \"{}\" from {} at frame {}.",
            s.server,
            kind.describe(),
            who,
            frame
        ),
        FIREWALL_FIXES,
    ))
}

fn port_closed(s: &Session, f: &Facts) -> Option<Verdict> {
    if f.established.is_some() || !f.synacks.is_empty() {
        return None;
    }
    let rst = f.rst[1]?;
    let mut evidence = f.syns.clone();
    evidence.push(rst);
    Some(verdict(
        Cause::PortClosed,
        Phase::TcpConnect,
        Some(rst),
        evidence,
        format!(
            "{} answered the SYN with a TCP reset at frame {}: nothing accepts connections on port {} there (service stopped, or a firewall rejecting).",
            s.server.ip(),
            rst,
            s.server.port()
        ),
        &[
            "Start the Remote Desktop service on the server (services.msc: Remote Desktop Services) and check it listens on this port.",
            "If a firewall rejects with RST, allow TCP 3389 from the client's network.",
        ],
    ))
}

fn no_answer(s: &Session, f: &Facts) -> Option<Verdict> {
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
        FIREWALL_FIXES,
    ))
}

fn reset_mid_session(s: &Session, f: &Facts) -> Option<Verdict> {
    f.established?;
    let (frame, side) = match (f.rst[0], f.rst[1]) {
        (_, Some(r)) if f.fin[0].is_none() => (r, "server"),
        _ => return None,
    };
    Some(verdict(
        Cause::ResetMidSession,
        Phase::Active,
        Some(frame),
        vec![frame],
        format!(
            "A TCP reset sent as the {side} ({}) at frame {frame} killed the established session.",
            s.server
        ),
        &[
            "Look for a middlebox (firewall, IPS, load balancer) with a short idle timeout or a reset policy on the path; compare the RST's TTL with the server's packets.",
        ],
    ))
}

fn fallback(s: &Session, f: &Facts) -> Verdict {
    let phase = if f.established.is_some() {
        Phase::Active
    } else {
        Phase::TcpConnect
    };
    let (cause, summary) = if f.syns.is_empty() && f.established.is_none() {
        (
            Cause::IncompleteCapture,
            "The capture does not show the start of this connection; not enough to tell why it ended.".to_string(),
        )
    } else {
        (
            Cause::Healthy,
            format!("The connection to {} shows no failure.", s.server),
        )
    };
    let mut v = verdict(cause, phase, None, Vec::new(), summary, &[]);
    v.in_progress = s.open_at_end;
    v
}

//! The text report: a summary first, then each failed session with its verdict, drop point and
//! evidence, then the healthy ones in one line each. Colours only on a terminal.

use super::FileReport;
use crate::diagnose::{Cause, Verdict};
use crate::timeline::Session;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Terminal styling (ANSI), or none, and how much to show.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to emit ANSI colour codes.
    pub color: bool,
    /// Print each session's timeline.
    pub timeline: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn cause(&self, c: Cause) -> String {
        let code = match c {
            Cause::Healthy => "32",
            Cause::IncompleteCapture => "33",
            _ => "1;31",
        };
        self.paint(code, c.name())
    }
}

fn endpoints(s: &Session) -> String {
    format!("{} → {}", s.client, s.server)
}

/// Render the whole report for several files.
pub fn render(reports: &[FileReport], style: Style) -> String {
    let mut out = String::new();
    let sessions: usize = reports.iter().map(|r| r.sessions.len()).sum();
    let mut causes: BTreeMap<Cause, usize> = BTreeMap::new();
    for r in reports {
        for (_, v) in &r.sessions {
            *causes.entry(v.cause).or_default() += 1;
        }
    }
    let failed: usize = causes
        .iter()
        .filter(|(c, _)| c.is_failure())
        .map(|(_, n)| *n)
        .sum();
    let _ = writeln!(
        out,
        "{} {} file(s), {} session(s), {} failed",
        style.bold("rdpscope:"),
        reports.len(),
        sessions,
        failed
    );
    for (c, n) in &causes {
        let _ = writeln!(out, "  {:>5}  {}", n, style.cause(*c));
    }
    // Remediation is printed once per cause and file; later sessions refer to the first.
    for r in reports {
        let mut fixes_shown: Vec<(Cause, u64)> = Vec::new();
        let _ = writeln!(out);
        let fmt = r.read.format.map(|f| f.to_string()).unwrap_or_default();
        let _ = writeln!(
            out,
            "{} ({}{}, {} frames, {} sessions)",
            style.bold(&r.file),
            fmt,
            if r.read.gzip { ", gzip" } else { "" },
            r.read.frames,
            r.sessions.len()
        );
        for w in &r.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
        for (s, v) in r.sessions.iter().filter(|(_, v)| v.cause.is_failure()) {
            let first = fixes_shown
                .iter()
                .find(|(c, _)| *c == v.cause)
                .map(|(_, id)| *id);
            if first.is_none() {
                fixes_shown.push((v.cause, s.id));
            }
            failed_session(&mut out, s, v, style, first);
            if style.timeline {
                timeline(&mut out, s, v);
            }
        }
        let rest: Vec<_> = r
            .sessions
            .iter()
            .filter(|(_, v)| !v.cause.is_failure())
            .collect();
        if !rest.is_empty() {
            let _ = writeln!(out, "  other sessions:");
        }
        for (s, v) in rest {
            let _ = writeln!(
                out,
                "    #{:<4} {}  {}  {:.3}s  {}/{} pkts  {}/{} bytes  {}",
                s.id,
                s.start,
                endpoints(s),
                s.duration_s(),
                s.packets[0],
                s.packets[1],
                s.bytes[0],
                s.bytes[1],
                style.cause(v.cause)
            );
            if style.timeline {
                timeline(&mut out, s, v);
            }
        }
    }
    out
}

/// The session's events, one per line: frame, time since start, direction, label.
fn timeline(out: &mut String, s: &Session, v: &Verdict) {
    for e in &s.events {
        let arrow = match e.dir {
            Some(crate::types::Direction::ClientToServer) => "C→S",
            Some(crate::types::Direction::ServerToClient) => "C←S",
            None => " ⚡ ",
        };
        let mark = if Some(e.frame) == v.drop_frame {
            "▶"
        } else {
            " "
        };
        let _ = writeln!(
            out,
            "      {mark}{:>7} {:>10.6}s {arrow} {}{}",
            e.frame,
            e.ts.since(s.start),
            e.kind.label(),
            if e.decrypted { " [decrypted]" } else { "" }
        );
    }
    if s.events_dropped > 0 {
        let _ = writeln!(out, "       ({} more events not kept)", s.events_dropped);
    }
}

fn failed_session(out: &mut String, s: &Session, v: &Verdict, style: Style, fix_of: Option<u64>) {
    let _ = writeln!(
        out,
        "  #{} {}  {}  {:.3}s  {}",
        s.id,
        s.start,
        endpoints(s),
        s.duration_s(),
        style.cause(v.cause)
    );
    let _ = writeln!(out, "      phase:     {}", v.phase);
    if let Some(d) = v.drop_frame {
        let _ = writeln!(out, "      drop:      frame {d}");
    }
    if !v.evidence_frames.is_empty() {
        let ev: Vec<String> = v.evidence_frames.iter().map(|f| f.to_string()).collect();
        let _ = writeln!(out, "      evidence:  frames {}", ev.join(", "));
    }
    let _ = writeln!(out, "      why:       {}", v.summary);
    if let Some(id) = fix_of {
        let _ = writeln!(out, "      fix:       as for #{id} above");
        return;
    }
    for (i, r) in v.remediation.iter().enumerate() {
        let lead = if i == 0 {
            "      fix:       "
        } else {
            "                 "
        };
        let _ = writeln!(out, "{lead}- {r}");
    }
}

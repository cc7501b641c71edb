//! Reports: JSON (CONTRACT.md, one object per input file per line) and the text report.
//! Both only read sessions and verdicts.

pub mod json;
mod limits;
pub mod progress;
mod spool;
pub mod stream;
pub mod text;

use crate::capture::ReadSummary;
use crate::diagnose::{self, Verdict};
use crate::pipeline::Analysis;
use crate::timeline::Session;

/// One analysed input file, ready to report.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as given.
    pub file: String,
    /// Reader summary (format, frames, warnings).
    pub read: ReadSummary,
    /// Warnings from reading and analysis, one line each.
    pub warnings: Vec<String>,
    /// Sessions with their verdicts, in order of first frame.
    pub sessions: Vec<(Session, Verdict)>,
    /// How many damaged, skipped or capped items the warnings stand for in all (a warning is one
    /// line per kind: 500 undecodable frames are one line).
    pub problems: u64,
}

impl FileReport {
    /// Diagnose every session of an analysis and collect the warnings.
    pub fn new(file: String, read: ReadSummary, analysis: Analysis) -> Self {
        let mut notes = SessionNotes::default();
        for s in &analysis.sessions {
            notes.add(s);
        }
        let (warnings, problems) = file_warnings(&file, &read, &analysis.skipped, &notes);
        let sessions = analysis
            .sessions
            .into_iter()
            .map(|s| {
                let v = diagnose::diagnose(&s);
                (s, v)
            })
            .collect();
        FileReport {
            file,
            read,
            warnings,
            sessions,
            problems,
        }
    }
}

/// What the sessions of a file add to its warnings (protocol damage, an RSA key that does not
/// fit), gathered session by session in report order.
#[derive(Debug, Default, Clone)]
pub struct SessionNotes {
    /// Per layer: first frame, what was wrong there, malformed streams in all.
    malformed: Vec<(crate::proto::Layer, u64, String, usize)>,
    /// Sessions whose server certificate does not match the RSA key given.
    rsa_mismatch: Vec<u64>,
}

impl SessionNotes {
    /// Account one session (in report order).
    pub fn add(&mut self, s: &Session) {
        self.add_parts(s.id, &crate::timeline::Damage::of(s), s.rsa_key_mismatch);
    }

    /// Account a session by its parts: its id, its damage and whether the RSA key misfits.
    pub fn add_parts(&mut self, id: u64, damage: &[crate::timeline::Damage], rsa_mismatch: bool) {
        for d in damage {
            match self.malformed.iter_mut().find(|m| m.0 == d.layer) {
                Some(m) => m.3 += d.count,
                None => self
                    .malformed
                    .push((d.layer, d.frame, d.what.clone(), d.count)),
            }
        }
        if rsa_mismatch {
            self.rsa_mismatch.push(id);
        }
    }
}

/// The warning lines of one file (one per kind, never one per packet) and how many damaged,
/// skipped or capped items they stand for.
pub fn file_warnings(
    file: &str,
    read: &ReadSummary,
    skipped: &crate::pipeline::Skipped,
    notes: &SessionNotes,
) -> (Vec<String>, u64) {
    let mut problems = read.warnings.len() as u64;
    let mut warnings: Vec<String> = read
        .warnings
        .iter()
        .map(|w| format!("{file}: {w}"))
        .collect();
    for (link, n) in &skipped.unknown_links {
        problems += n;
        warnings.push(format!(
            "{file}: {n} frames of unsupported link type {link} skipped"
        ));
    }
    problems += skipped.malformed + skipped.evicted;
    if let Some((frame, why)) = skipped.first_malformed {
        warnings.push(format!(
            "{file}: frame {frame}: {why} ({} undecodable frames in all)",
            skipped.malformed
        ));
    }
    if skipped.evicted > 0 {
        let at = skipped
            .first_evicted
            .map(|n| format!("frame {n}: "))
            .unwrap_or_default();
        // (No number for the limit: with several analyzers each bounds its share of the flows.)
        warnings.push(format!(
            "{file}: {at}{} connections finished early because more than the connection-table limit were open at once",
            skipped.evicted
        ));
    }
    problems += limits::warnings(file, skipped, &mut warnings);
    for id in &notes.rsa_mismatch {
        problems += 1;
        warnings.push(format!(
            "{file}: the RSA key does not match the server certificate of session {id}"
        ));
    }
    for (layer, frame, what, n) in &notes.malformed {
        problems += *n as u64;
        let more = if *n > 1 {
            format!(" ({n} malformed {layer} streams in all)")
        } else {
            String::new()
        };
        warnings.push(format!(
            "{file}: frame {frame}: {layer}: {what}, rest of that stream skipped{more}"
        ));
    }
    (warnings, problems)
}

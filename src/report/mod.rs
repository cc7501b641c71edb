//! Reports: JSON (CONTRACT.md, one object per input file per line) and the text report.
//! Both only read sessions and verdicts.

pub mod json;
mod limits;
pub mod progress;
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
        let mut problems = read.warnings.len() as u64;
        let mut warnings: Vec<String> = read
            .warnings
            .iter()
            .map(|w| format!("{file}: {w}"))
            .collect();
        for (link, n) in &analysis.skipped.unknown_links {
            problems += n;
            warnings.push(format!(
                "{file}: {n} frames of unsupported link type {link} skipped"
            ));
        }
        problems += analysis.skipped.malformed + analysis.skipped.evicted;
        if let Some((frame, why)) = analysis.skipped.first_malformed {
            warnings.push(format!(
                "{file}: frame {frame}: {why} ({} undecodable frames in all)",
                analysis.skipped.malformed
            ));
        }
        if analysis.skipped.evicted > 0 {
            warnings.push(format!(
                "{file}: {} connections finished early because more than the connection-table limit were open at once",
                analysis.skipped.evicted
            ));
        }
        // Protocol damage: one line per layer, naming the first frame, with a count.
        let mut malformed: Vec<(crate::proto::Layer, u64, String, usize)> = Vec::new();
        for s in &analysis.sessions {
            for d in crate::timeline::Damage::of(s) {
                match malformed.iter_mut().find(|m| m.0 == d.layer) {
                    Some(m) => m.3 += d.count,
                    None => malformed.push((d.layer, d.frame, d.what, d.count)),
                }
            }
        }
        problems += limits::warnings(&file, &analysis.skipped, &mut warnings);
        for s in analysis.sessions.iter().filter(|s| s.rsa_key_mismatch) {
            problems += 1;
            warnings.push(format!(
                "{file}: the RSA key does not match the server certificate of session {}",
                s.id
            ));
        }
        for (layer, frame, what, n) in malformed {
            problems += n as u64;
            let more = if n > 1 {
                format!(" ({n} malformed {layer} streams in all)")
            } else {
                String::new()
            };
            warnings.push(format!(
                "{file}: frame {frame}: {layer}: {what}, rest of that stream skipped{more}"
            ));
        }
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

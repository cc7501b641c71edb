//! Diagnosis: rules over a session's timeline → one verdict (cause, phase, drop point, evidence,
//! remediation). Pure functions: no I/O, no printing.
//!
//! Each rule looks at the [`Facts`] distilled from a session's events and either returns a
//! [`Verdict`] with the frames it used, or nothing. Rules run from the most specific cause to
//! the least; the first that fires wins.

mod facts;
mod remedy;
mod rules;
mod verdict;

pub use facts::Facts;
pub use verdict::{Cause, Phase, Verdict};

use crate::timeline::Session;

/// Diagnose one session.
pub fn diagnose(session: &Session) -> Verdict {
    if let Some(v) = &session.verdict {
        return (**v).clone();
    }
    let facts = Facts::of(session);
    rules::run(session, &facts)
}

#[cfg(test)]
mod tests;

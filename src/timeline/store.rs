//! Finished sessions kept for the report, with a bound: a million-flow SYN flood must not keep a
//! million [`Session`]s in memory. Past [`MAX_SESSIONS`], sessions that never carried payload
//! (connection attempts: SYN floods, scans, refused connects) are summarised as a count; if the
//! store is still full of sessions with payload, later ones are dropped and counted. Both counts,
//! and every other cap hit while analysing (timeline events, reassembly buffers), are kept in
//! [`Limits`] and reported as warnings.

use super::Session;
use crate::flow::reassembly::ReassemblyStats;
use crate::types::FrameNo;
use std::sync::Arc;

/// Most finished sessions kept in full.
pub const MAX_SESSIONS: usize = 10_000;

/// What was summarised, dropped or capped while analysing one capture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Sessions without payload not kept individually because more than [`MAX_SESSIONS`] ended.
    pub attempts_summarised: u64,
    /// The first frame of the first such session.
    pub first_summarised: Option<FrameNo>,
    /// Sessions with payload dropped because the store was full of sessions with payload.
    pub sessions_dropped: u64,
    /// The first frame of the first such session.
    pub first_dropped: Option<FrameNo>,
    /// Timeline events not stored because of the per-session caps, in all.
    pub events_dropped: u64,
    /// Sessions that hit an event cap.
    pub sessions_capped: u64,
    /// TCP holes given up because a reassembly buffer was full.
    pub reassembly_overflows: u64,
    /// Segments not reassembled (implausibly far ahead, or after the stream ended).
    pub segments_dropped: u64,
    /// Sessions written before an earlier session that was still open, because more than
    /// `waiting_bound` were waiting for it ([`crate::pipeline::order::Emit::max_waiting`]).
    pub sessions_unordered: u64,
    /// The first frame of the first such session written.
    pub first_unordered: Option<FrameNo>,
    /// The bound on waiting sessions that was reached.
    pub waiting_bound: u64,
    /// The bound on waiting sessions kept whole (UDP flows) that was reached
    /// ([`crate::pipeline::order::MAX_WAITING_WHOLE`]).
    pub waiting_whole_bound: u64,
    /// Retransmitted bytes that differed from the first copy (first copy kept).
    pub inconsistent_bytes: u64,
    /// Sessions with such bytes.
    pub inconsistent_sessions: u64,
}

impl Limits {
    /// Add another worker's counts (sharded analysis): sums, and the earliest first frames.
    pub fn merge(&mut self, o: &Limits) {
        let first = |a: Option<FrameNo>, b: Option<FrameNo>| match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        self.attempts_summarised += o.attempts_summarised;
        self.first_summarised = first(self.first_summarised, o.first_summarised);
        self.sessions_dropped += o.sessions_dropped;
        self.first_dropped = first(self.first_dropped, o.first_dropped);
        self.sessions_unordered += o.sessions_unordered;
        self.first_unordered = first(self.first_unordered, o.first_unordered);
        self.waiting_bound = self.waiting_bound.max(o.waiting_bound);
        self.waiting_whole_bound = self.waiting_whole_bound.max(o.waiting_whole_bound);
        self.events_dropped += o.events_dropped;
        self.sessions_capped += o.sessions_capped;
        self.reassembly_overflows += o.reassembly_overflows;
        self.segments_dropped += o.segments_dropped;
        self.inconsistent_bytes += o.inconsistent_bytes;
        self.inconsistent_sessions += o.inconsistent_sessions;
    }

    /// Account the reassembly counters of one finished TCP direction.
    pub fn reassembly(&mut self, s: &ReassemblyStats) {
        self.reassembly_overflows += s.buffer_full_gaps;
        self.segments_dropped += s.dropped_segments;
        self.inconsistent_bytes += s.inconsistent_bytes;
    }
}

/// The finished sessions of one capture, bounded. Each is shared ([`Arc`]): a frontend showing
/// a capture while it is read takes copies of the handles, not of the sessions.
#[derive(Debug, Clone)]
pub struct SessionStore {
    sessions: Vec<Arc<Session>>,
    cap: usize,
    /// Compaction freed too little: payload-less sessions are summarised on arrival.
    saturated: bool,
    /// What was summarised, dropped or capped.
    pub limits: Limits,
}

impl Default for SessionStore {
    fn default() -> Self {
        Self::new(MAX_SESSIONS)
    }
}

impl SessionStore {
    /// A store keeping at most `cap` sessions.
    pub fn new(cap: usize) -> Self {
        SessionStore {
            sessions: Vec::new(),
            cap: cap.max(1),
            saturated: false,
            limits: Limits::default(),
        }
    }

    /// Keep a finished session (or count it, past the bound).
    pub fn push(&mut self, s: Session) {
        if self.admit(&s) {
            self.sessions.push(Arc::new(s));
        }
    }

    /// [`SessionStore::push`] for a session already shared.
    pub fn push_shared(&mut self, s: Arc<Session>) {
        if self.admit(&s) {
            self.sessions.push(s);
        }
    }

    /// Whether `s` is to be kept; if not, it is counted.
    fn admit(&mut self, s: &Session) -> bool {
        if self.sessions.len() >= self.cap && !self.saturated {
            self.compact();
        }
        if self.sessions.len() < self.cap && (!self.saturated || s.has_payload()) {
            return true;
        }
        if s.has_payload() {
            self.limits.sessions_dropped += 1;
            let f = self.limits.first_dropped.get_or_insert(s.first_frame);
            *f = (*f).min(s.first_frame);
        } else {
            self.summarise(s);
        }
        false
    }

    fn summarise(&mut self, s: &Session) {
        self.limits.attempts_summarised += 1;
        let f = self.limits.first_summarised.get_or_insert(s.first_frame);
        *f = (*f).min(s.first_frame);
    }

    /// Summarise every payload-less session; saturate when that freed less than an eighth.
    fn compact(&mut self) {
        let before = self.sessions.len();
        let mut kept = Vec::with_capacity(before);
        for s in std::mem::take(&mut self.sessions) {
            if s.has_payload() {
                kept.push(s);
            } else {
                self.summarise(&s);
            }
        }
        kept.shrink_to(self.cap);
        self.sessions = kept;
        if before - self.sessions.len() < self.cap / 8 {
            self.saturated = true;
        }
    }

    /// The sessions kept, in the order they finished.
    pub fn sessions(&self) -> &[Arc<Session>] {
        &self.sessions
    }

    /// Number of sessions kept.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The sessions kept, still shared, and the limits hit.
    pub fn into_shared(self) -> (Vec<Arc<Session>>, Limits) {
        (self.sessions, self.limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Transport;
    use crate::types::{Direction, Timestamp};

    fn session(frame: u64, payload: u64) -> Session {
        let mut s = Session::new(
            frame,
            Transport::Tcp,
            "192.0.2.1:50000".parse().unwrap(),
            "198.51.100.2:3389".parse().unwrap(),
            frame,
            Timestamp(0),
        );
        s.count(frame, Timestamp(0), Direction::ClientToServer, payload);
        s
    }

    #[test]
    fn under_the_bound_everything_is_kept() {
        let mut st = SessionStore::new(8);
        for i in 1..=8 {
            st.push(session(i, i % 2));
        }
        assert_eq!(st.len(), 8);
        assert_eq!(st.limits, Limits::default());
    }

    #[test]
    fn a_flood_of_attempts_is_summarised_and_sessions_with_payload_kept() {
        let mut st = SessionStore::new(100);
        st.push(session(1, 500));
        for i in 2..=10_000 {
            st.push(session(i, 0));
        }
        st.push(session(10_001, 700));
        let kept: Vec<u64> = st.sessions().iter().map(|s| s.first_frame).collect();
        assert!(kept.contains(&1) && kept.contains(&10_001), "{kept:?}");
        assert!(st.len() <= 100);
        // Every attempt is either kept or counted.
        let attempts_kept = st.sessions().iter().filter(|s| s.bytes == [0, 0]).count() as u64;
        assert_eq!(attempts_kept + st.limits.attempts_summarised, 9_999);
        assert_eq!(st.limits.first_summarised, Some(2));
        assert_eq!(st.limits.sessions_dropped, 0);
    }

    #[test]
    fn a_store_full_of_payload_sessions_drops_and_counts_later_ones() {
        let mut st = SessionStore::new(16);
        for i in 1..=40 {
            st.push(session(i, 10));
        }
        st.push(session(41, 0));
        assert_eq!(st.len(), 16);
        assert_eq!(st.limits.sessions_dropped, 24);
        assert_eq!(st.limits.first_dropped, Some(17));
        assert_eq!(st.limits.attempts_summarised, 1);
        assert_eq!(st.limits.first_summarised, Some(41));
    }
}

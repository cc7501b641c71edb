//! Watching a capture analysed on several threads while it is read: each analyzer publishes
//! copies of its connections still open now and then (at its periodic sweep, at most every
//! [`Watch::every`]), and a frontend's snapshot joins them to the finished sessions of the
//! shared output. One analyzer's [`super::Analyzer::snapshot`] does the same on one thread.

use crate::timeline::Session;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The shortest time between two publications of one analyzer.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(250);

/// How long to wait before copying sessions again, when copying them took `took`: at least
/// `min`, and nine times the copy, so that copying stays under a tenth of the time.
pub fn pace(min: Duration, took: Duration) -> Duration {
    min.max(took * 9)
}

/// What the analyzers last published (see the module documentation).
#[derive(Debug, Default)]
pub struct Watch {
    by_source: Mutex<Vec<Published>>,
}

#[derive(Debug, Default)]
struct Published {
    at: Option<Instant>,
    /// The next publication waits at least this long ([`pace`] from [`PUBLISH_EVERY`]).
    every: Duration,
    sessions: Vec<Arc<Session>>,
}

impl Watch {
    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<Published>> {
        self.by_source
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether analyzer `source` should publish now.
    pub(crate) fn due(&self, source: usize) -> bool {
        self.slots()
            .get(source)
            .is_none_or(|p| p.at.is_none_or(|t| t.elapsed() >= p.every))
    }

    /// Analyzer `source`'s open sessions now, copied in `took`.
    pub(crate) fn publish(&self, source: usize, sessions: Vec<Session>, took: Duration) {
        let mut slots = self.slots();
        if slots.len() <= source {
            slots.resize_with(source + 1, Published::default);
        }
        if let Some(p) = slots.get_mut(source) {
            *p = Published {
                at: Some(Instant::now()),
                every: pace(PUBLISH_EVERY, took),
                sessions: sessions.into_iter().map(Arc::new).collect(),
            };
        }
    }

    /// `finished` (the shared output's snapshot) with the open sessions last published, in
    /// order of first frame. An open session published before it finished is left out once
    /// it is among the finished ones.
    pub fn join(&self, mut finished: Vec<Arc<Session>>) -> Vec<Arc<Session>> {
        type Key = (u64, SocketAddr, SocketAddr);
        let key = |s: &Arc<Session>| -> Key { (s.first_frame, s.client, s.server) };
        let done: std::collections::HashSet<Key> = finished.iter().map(key).collect();
        for p in self.slots().iter() {
            finished.extend(
                p.sessions
                    .iter()
                    .filter(|s| !done.contains(&key(s)))
                    .cloned(),
            );
        }
        finished.sort_by_key(|s| (s.first_frame, s.id));
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Transport;
    use crate::types::Timestamp;

    fn s(first: u64, port: u16) -> Session {
        Session::new(
            0,
            Transport::Tcp,
            SocketAddr::from(([10, 0, 0, 1], port)),
            "10.0.0.2:3389".parse().unwrap(),
            first,
            Timestamp(0),
        )
    }

    #[test]
    fn published_open_sessions_join_the_finished_ones_in_order_without_doubles() {
        let w = Watch::default();
        assert!(w.due(1), "nothing published yet");
        w.publish(1, vec![s(9, 1009), s(3, 1003)], Duration::ZERO);
        assert!(!w.due(1), "published just now");
        assert!(w.due(0));
        w.publish(0, vec![s(5, 1005)], Duration::from_secs(1));
        // The session of frame 3 finished since it was published: it is not shown twice.
        let mut done = s(3, 1003);
        done.id = 1;
        let joined = w.join(vec![Arc::new(done), Arc::new(s(7, 1007))]);
        let firsts: Vec<(u64, u64)> = joined.iter().map(|s| (s.first_frame, s.id)).collect();
        assert_eq!(firsts, [(3, 1), (5, 0), (7, 0), (9, 0)]);
        // Copying took a second: the next publication waits nine.
        assert_eq!(w.slots()[0].every, Duration::from_secs(9));
    }
}

//! Finished sessions leave the analysis in order of their first frame, numbered from 1 and tied
//! to each other (an RDP-UDP flow to its TCP session), as soon as no earlier session can still
//! come: the report can then be written while the capture is read, in memory that does not grow
//! with the file.
//!
//! Every analyzer feeding the [`Ordered`] queue (one, or one per flow-sharded worker) reports a
//! *mark* from time to time: the smallest first frame among its connections still open, or the
//! next frame it will read when none is. A session whose first frame is below every analyzer's
//! mark can no longer be preceded by one still to come, so it is numbered and emitted. A
//! session that has to wait (an earlier one is still open) waits in the compact form its
//! [`Emit`] chose (the JSON report keeps its serialised object, spooled to disk past a budget).
//!
//! Marks are taken in *rounds*: the analyzers mark at the same frames (their sweeps), and the
//! queue acts only once every analyzer has given its mark of a round, on that round's marks and
//! on the sessions each analyzer finished before it. With several analyzers, which one gets how
//! far ahead of the others depends on the threads' timing; acting per round, what leaves when
//! (and, past the waiting bound, which sessions are written early) does not: the output is the
//! same from run to run.

use crate::decode::Transport;
use crate::timeline::Session;
use crate::timeline::store::Limits;
use crate::types::{FrameNo, Timestamp};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

/// Where ordered sessions go.
pub trait Emit: Send {
    /// What a TCP session waits as until its turn.
    type Held: Send;
    /// A finished TCP session that may have to wait for earlier ones. Its report must not depend
    /// on other sessions (it does not: only RDP-UDP flows name another session).
    fn hold(&mut self, s: Session) -> Self::Held;
    /// A held session's turn came: it is session `id`.
    fn emit_held(&mut self, id: u64, held: Self::Held);
    /// A finished TCP session whose turn came as it finished (nothing earlier can still come):
    /// it is session `id`. Holding it and emitting it held, unless the emitter can skip that.
    fn emit_now(&mut self, id: u64, s: Session) {
        let held = self.hold(s);
        self.emit_held(id, held);
    }
    /// A session kept whole until its turn (RDP-UDP flows), numbered and linked.
    fn emit(&mut self, s: Session);
    /// A waiting session (shared or copied), for frontends that show a capture while it is read.
    fn peek(&self, held: &Self::Held) -> Option<Arc<Session>>;
    /// The sessions emitted and kept so far (frontends; shared with any snapshot still holding
    /// them), and what was capped.
    fn take(&mut self) -> (Vec<Arc<Session>>, Limits);
    /// The sessions emitted and kept so far (shared, not copied).
    fn emitted(&self) -> Vec<Arc<Session>>;
    /// The emitter's counts of what was capped, to add the ordering's own.
    fn limits(&mut self) -> &mut Limits;
    /// How many sessions may wait for an earlier one still open before the earliest of them
    /// are written anyway, out of first-frame order (what one waiting session costs differs).
    fn max_waiting(&self) -> usize;
}

/// The analyzers' side of an ordered output: object safe, shared as
/// `Arc<Mutex<dyn Sessions>>` between flow-sharded workers.
pub trait Sessions: Send {
    /// `n` analyzers (sources `0..n`) will feed this output.
    fn sources(&mut self, n: usize);
    /// A finished session from analyzer `source`.
    fn finished(&mut self, source: usize, s: Session);
    /// Analyzer `source` will produce no session whose first frame is below `mark`
    /// ([`FrameNo::MAX`]: it is done).
    fn mark(&mut self, source: usize, mark: FrameNo);
    /// Every session finished so far, emitted or waiting, for live frontends (shared where the
    /// emitter holds them so, [`Emit::peek`]; flows kept whole are copied).
    fn snapshot(&self) -> Vec<Arc<Session>>;
    /// Once every source is done: the sessions kept (an [`Emit`] that keeps them; shared, see
    /// [`Emit::take`]) and the limits.
    fn take(&mut self) -> (Vec<Arc<Session>>, Limits);
}

/// Client/server address pairs whose TCP sessions are remembered for linking RDP-UDP flows;
/// past this, the least recently seen eighth is forgotten (a scan of a million hosts must not
/// grow memory: 2.5 MB full, measured with massif on the heldflood capture).
const MAX_LINK_PAIRS: usize = 8_192;
/// TCP sessions remembered per address pair (besides the first).
const LINK_RECENT: usize = 16;
/// Sessions kept whole ([`Collect`]: text report, TUI) that may wait for an earlier one still
/// open ([`Emit::max_waiting`]). Past the bound, at a round of marks that finds the earliest open
/// session still open through [`STUCK_ROUNDS`] rounds, the earliest of those that came before the
/// round are written anyway, down to three quarters of the bound, numbered in the order written
/// (counted in [`Limits::sessions_unordered`]): one connection open all capture long must not make
/// memory grow with every one after it. Between rounds (a sweep in every analyzer, every
/// [`super::SWEEP_EVERY`] frames) more may wait for a while: those finished since the round, and
/// by an analyzer ahead of the others, those finished in its next rounds.
pub const MAX_WAITING_KEPT: usize = 2_048;
/// Sessions kept whole until their turn (UDP flows, linked to their TCP session when numbered;
/// about 1 KB each) that may wait, whatever the emitter's own bound: past it the earliest are
/// written anyway in the same way (after [`STUCK_ROUNDS_WHOLE`] rounds). One TCP session open
/// all capture long and a million RDP-UDP SYNs from distinct sources peaked at 75 MB without it
/// (32,768 waiting, the JSON report's bound for its spooled sessions).
pub const MAX_WAITING_WHOLE: usize = 4_096;
/// Rounds of marks (a round every [`super::SWEEP_EVERY`] frames) through which the earliest open
/// session must stay open before sessions past the emitter's waiting bound are written early:
/// those of 32,768 frames.
const STUCK_ROUNDS: usize = (32_768 / super::SWEEP_EVERY) as usize;
/// The same for sessions kept whole past [`MAX_WAITING_WHOLE`]: 16,384 frames, since each costs
/// about a kilobyte of memory. (After 8,192 frames, a million RDP-UDP SYNs from distinct
/// sources were written partly out of order on two analyzers, the oldest flows of one analyzer
/// still in its table.)
const STUCK_ROUNDS_WHOLE: usize = (16_384 / super::SWEEP_EVERY) as usize;

/// A TCP session's span, for tying RDP-UDP flows to it.
#[derive(Debug, Clone, Copy)]
struct Span {
    id: u64,
    start: Timestamp,
    end: Timestamp,
}

/// The TCP sessions seen between one client and one server address.
#[derive(Debug, Default)]
struct PairSpans {
    first: Option<Span>,
    recent: VecDeque<Span>,
}

enum Pending<H> {
    /// A TCP session in its held form, with what linking needs.
    Tcp {
        /// Client and server address, if the session carried payload (an RDP-UDP flow is set
        /// up from a TCP connection that carried some; attempts are not remembered).
        pair: Option<(IpAddr, IpAddr)>,
        start: Timestamp,
        end: Timestamp,
        held: H,
    },
    /// A session kept as such (RDP-UDP: its verdict names its TCP session); when compacting,
    /// everything but that verdict is done on arrival ([`super::compact_unlinked`]).
    Whole(Box<Session>),
}

/// Where a waiting session sorts: (first frame, source, arrival from that source).
type Key = (FrameNo, u64, u64);

/// Sessions in first-frame order (see the module documentation).
pub struct Ordered<E: Emit> {
    emit: E,
    /// Compact sessions kept whole (diagnose, drop events) once they are linked.
    compact: bool,
    /// Waiting sessions by [`Key`], each with the number of marks its source had given when it
    /// came.
    pending: BTreeMap<Key, (u64, Pending<E::Held>)>,
    /// Per source: the marks given beyond the rounds completed (each at least the one before).
    ahead: Vec<VecDeque<FrameNo>>,
    /// Per source: its latest mark ([`FrameNo::MAX`]: the source is done).
    last: Vec<FrameNo>,
    /// Per source: sessions it finished.
    arrived: Vec<u64>,
    /// Rounds completed: every source has given this many marks (or is done).
    rounds: u64,
    /// The lowest mark of the last round completed: no session below it can still come.
    lowest: FrameNo,
    /// Rounds completed since the lowest mark last rose (a session open all along keeps it).
    stuck: usize,
    next_id: u64,
    pairs: HashMap<(IpAddr, IpAddr), PairSpans>,
}

impl<E: Emit> Ordered<E> {
    /// An ordered output into `emit`, fed by one source until [`Sessions::sources`] says more.
    pub fn new(emit: E, compact: bool) -> Self {
        Ordered {
            emit,
            compact,
            pending: BTreeMap::new(),
            ahead: vec![VecDeque::new()],
            last: vec![0],
            arrived: vec![0],
            rounds: 0,
            lowest: 0,
            stuck: 0,
            next_id: 1,
            pairs: HashMap::new(),
        }
    }

    /// The emitter.
    pub fn emitter(&self) -> &E {
        &self.emit
    }

    /// The emitter, to finish its output.
    pub fn emitter_mut(&mut self) -> &mut E {
        &mut self.emit
    }

    /// The emitter, once every session left.
    pub fn into_emitter(self) -> E {
        self.emit
    }

    /// Sessions waiting for an earlier one.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// Write every waiting session below the lowest mark, in order.
    fn release(&mut self) {
        let mark = self.lowest;
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 >= mark && mark != FrameNo::MAX {
                break;
            }
            let (_, pending) = entry.remove();
            self.write(pending);
        }
    }

    /// Complete every round all sources have marked: release what each round's lowest mark
    /// lets go, and past the waiting bound, write the earliest of the sessions that came before
    /// the round anyway.
    fn complete_rounds(&mut self) {
        loop {
            // A source that is done has marked every round (with MAX).
            let complete = self
                .ahead
                .iter()
                .zip(&self.last)
                .all(|(a, last)| !a.is_empty() || *last == FrameNo::MAX);
            if !complete || self.ahead.iter().all(VecDeque::is_empty) {
                return;
            }
            let round = self
                .ahead
                .iter_mut()
                .map(|a| a.pop_front().unwrap_or(FrameNo::MAX))
                .min()
                .unwrap_or(FrameNo::MAX);
            self.rounds += 1;
            self.stuck = if round > self.lowest {
                0
            } else {
                self.stuck.saturating_add(1)
            };
            self.lowest = self.lowest.max(round);
            self.release();
            // Only for a session that stays open through several rounds: a burst of sessions
            // finished at a sweep, or a source a little behind the others, leaves at the next
            // round anyway.
            if self.stuck >= STUCK_ROUNDS_WHOLE {
                self.overflow(self.stuck >= STUCK_ROUNDS);
            }
        }
    }

    /// Too many sessions wait: write the earliest of them now, out of first-frame order. Only
    /// sessions that came before the last round completed count and are written (which others
    /// have come yet depends on the threads' timing).
    fn overflow(&mut self, all_kinds: bool) {
        let bound = if all_kinds {
            self.emit.max_waiting()
        } else {
            usize::MAX
        };
        let rounds = self.rounds;
        let settled = |p: &(u64, Pending<E::Held>)| p.0 < rounds;
        let whole = |p: &(u64, Pending<E::Held>)| matches!(p.1, Pending::Whole(_));
        let (mut all, mut wholes) = (0, 0);
        for p in self.pending.values().filter(|p| settled(p)) {
            all += 1;
            wholes += usize::from(whole(p));
        }
        let (over_all, over_whole) = (all > bound, wholes > MAX_WAITING_WHOLE);
        if !over_all && !over_whole {
            return;
        }
        // The earliest, until each count that was over its bound is down to three quarters of it.
        let down_to = |over: bool, bound: usize| if over { bound - bound / 4 } else { usize::MAX };
        let (all_to, wholes_to) = (
            down_to(over_all, bound),
            down_to(over_whole, MAX_WAITING_WHOLE),
        );
        let mut early = Vec::new();
        for (key, p) in self.pending.iter().filter(|(_, p)| settled(p)) {
            if all <= all_to && wholes <= wholes_to {
                break;
            }
            early.push(*key);
            all -= 1;
            wholes -= usize::from(whole(p));
        }
        for key in early {
            let Some((_, pending)) = self.pending.remove(&key) else {
                continue;
            };
            let l = self.emit.limits();
            l.sessions_unordered += 1;
            l.first_unordered.get_or_insert(key.0);
            if over_all {
                l.waiting_bound = l.waiting_bound.max(bound as u64);
            }
            if over_whole {
                l.waiting_whole_bound = MAX_WAITING_WHOLE as u64;
            }
            self.write(pending);
        }
    }

    /// Number one session and hand it to the emitter.
    fn write(&mut self, pending: Pending<E::Held>) {
        let id = self.next_id;
        self.next_id += 1;
        match pending {
            Pending::Tcp {
                pair,
                start,
                end,
                held,
            } => {
                if let Some(pair) = pair {
                    self.remember(pair, Span { id, start, end });
                }
                self.emit.emit_held(id, held);
            }
            Pending::Whole(mut s) => {
                s.id = id;
                if s.transport == Transport::Udp {
                    s.tcp_session = self.link(&s);
                }
                if self.compact {
                    super::compact_summarised(&mut s);
                }
                self.emit.emit(*s);
            }
        }
    }

    fn remember(&mut self, pair: (IpAddr, IpAddr), span: Span) {
        if self.pairs.len() >= MAX_LINK_PAIRS && !self.pairs.contains_key(&pair) {
            self.forget_oldest_pairs();
        }
        let p = self.pairs.entry(pair).or_default();
        if p.first.is_none() {
            p.first = Some(span);
        }
        if p.recent.len() >= LINK_RECENT {
            p.recent.pop_front();
        }
        p.recent.push_back(span);
    }

    /// Make room among the remembered address pairs: forget the eighth whose latest TCP
    /// session is oldest (a flow between them is then no longer linked).
    fn forget_oldest_pairs(&mut self) {
        let latest = |p: &PairSpans| p.recent.back().or(p.first.as_ref()).map_or(0, |s| s.id);
        let mut ages: Vec<u64> = self.pairs.values().map(latest).collect();
        if ages.is_empty() {
            return;
        }
        let n = (MAX_LINK_PAIRS / 8).min(ages.len() - 1);
        let cut = *ages.select_nth_unstable(n).1;
        self.pairs.retain(|_, p| latest(p) > cut);
    }

    /// The TCP session an RDP-UDP flow belongs to (MS-RDPBCGR 1.3.1.1: the UDP transport is
    /// set up from an established TCP connection between the same client and server): the
    /// latest one that was open when the flow started, else the first one between the two.
    /// Candidates began before the flow (they are emitted already) and carried payload.
    fn link(&self, s: &Session) -> Option<u64> {
        let p = self.pairs.get(&(s.client.ip(), s.server.ip()))?;
        p.recent
            .iter()
            .rev()
            .find(|t| t.start <= s.start && s.start <= t.end)
            .or(p.first.as_ref())
            .map(|t| t.id)
    }
}

impl<E: Emit> Sessions for Ordered<E> {
    fn sources(&mut self, n: usize) {
        let n = n.max(1);
        self.ahead = vec![VecDeque::new(); n];
        self.last = vec![0; n];
        self.arrived = vec![0; n];
    }

    fn finished(&mut self, source: usize, s: Session) {
        // (A source not announced by `sources` gives no marks of its own.)
        let arrived = self.arrived.get_mut(source).map_or(0, |a| {
            *a += 1;
            *a
        });
        let key = (s.first_frame, source as u64, arrived);
        // The marks its source has given: it came before that source's next one.
        let round = self.rounds + self.ahead.get(source).map_or(0, VecDeque::len) as u64;
        let pair = s.has_payload().then(|| (s.client.ip(), s.server.ip()));
        let mark = self.lowest;
        if s.transport == Transport::Tcp && (s.first_frame < mark || mark == FrameNo::MAX) {
            // Its turn has come: every waiting session's first frame is at or past the mark
            // (each call releases what it can), so `release` would write it at once, alone.
            let id = self.next_id;
            self.next_id += 1;
            if let Some(pair) = pair {
                self.remember(
                    pair,
                    Span {
                        id,
                        start: s.start,
                        end: s.end,
                    },
                );
            }
            self.emit.emit_now(id, s);
            return;
        }
        let pending = match s.transport {
            Transport::Tcp => Pending::Tcp {
                pair,
                start: s.start,
                end: s.end,
                held: self.emit.hold(s),
            },
            Transport::Udp => {
                let mut s = Box::new(s);
                if self.compact {
                    super::compact_unlinked(&mut s);
                }
                Pending::Whole(s)
            }
        };
        self.pending.insert(key, (round, pending));
        self.release();
    }

    fn mark(&mut self, source: usize, mark: FrameNo) {
        let (Some(last), Some(ahead)) = (self.last.get_mut(source), self.ahead.get_mut(source))
        else {
            return;
        };
        if *last == FrameNo::MAX {
            return;
        }
        *last = (*last).max(mark);
        ahead.push_back(*last);
        self.complete_rounds();
    }

    fn snapshot(&self) -> Vec<Arc<Session>> {
        let mut out = self.emit.emitted();
        out.extend(self.pending.values().filter_map(|p| match p {
            (_, Pending::Tcp { held, .. }) => self.emit.peek(held),
            (_, Pending::Whole(s)) => Some(Arc::new((**s).clone())),
        }));
        out
    }

    fn take(&mut self) -> (Vec<Arc<Session>>, Limits) {
        self.lowest = FrameNo::MAX;
        self.release();
        self.emit.take()
    }
}

/// The in-memory [`Emit`]: sessions kept (bounded by a [`SessionStore`]) for the text report,
/// the TUI and tests.
///
/// [`SessionStore`]: crate::timeline::store::SessionStore
#[derive(Default)]
pub struct Collect {
    store: crate::timeline::store::SessionStore,
}

impl Emit for Collect {
    /// On the heap: waiting sessions sit in [`Ordered`]'s B-tree, whose nodes (eleven entries,
    /// about half full when keys come in order) would otherwise hold sessions inline. Shared:
    /// a frontend's snapshot takes the waiting sessions as they are, without copying them (most
    /// of a capture's sessions may wait behind one left open).
    type Held = Arc<Session>;

    fn hold(&mut self, s: Session) -> Arc<Session> {
        Arc::new(s)
    }

    fn emit_held(&mut self, id: u64, mut s: Arc<Session>) {
        // Copied only if a snapshot still holds it (whose copy keeps the waiting id).
        Arc::make_mut(&mut s).id = id;
        self.store.push_shared(s);
    }

    fn emit(&mut self, s: Session) {
        self.store.push(s);
    }

    fn peek(&self, held: &Arc<Session>) -> Option<Arc<Session>> {
        Some(Arc::clone(held))
    }

    fn take(&mut self) -> (Vec<Arc<Session>>, Limits) {
        std::mem::take(&mut self.store).into_shared()
    }

    fn emitted(&self) -> Vec<Arc<Session>> {
        self.store.sessions().to_vec()
    }

    fn limits(&mut self) -> &mut Limits {
        &mut self.store.limits
    }

    fn max_waiting(&self) -> usize {
        MAX_WAITING_KEPT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(first: u64, transport: Transport, client: &str, start: i64, end: i64) -> Session {
        let mut s = Session::new(
            0,
            transport,
            client.parse().unwrap(),
            "10.0.0.2:3389".parse().unwrap(),
            first,
            Timestamp(start),
        );
        s.end = Timestamp(end);
        s.bytes = [100, 2000];
        s
    }

    fn ids(o: &mut Ordered<Collect>) -> Vec<(u64, FrameNo, Option<u64>)> {
        o.take()
            .0
            .iter()
            .map(|s| (s.id, s.first_frame, s.tcp_session))
            .collect()
    }

    #[test]
    fn sessions_wait_for_an_earlier_open_one_and_are_numbered_in_first_frame_order() {
        let mut o = Ordered::new(Collect::default(), false);
        o.sources(2);
        o.finished(1, s(7, Transport::Tcp, "10.0.0.1:1000", 7, 9));
        o.finished(0, s(3, Transport::Tcp, "10.0.0.1:1001", 3, 20));
        // Source 1 may still finish a session that began at frame 5.
        o.mark(0, 100);
        o.mark(1, 5);
        assert_eq!(o.waiting(), 1, "frame 3 emitted, frame 7 waits");
        assert_eq!(o.emitter().store.len(), 1);
        o.finished(1, s(5, Transport::Tcp, "10.0.0.1:1002", 5, 6));
        o.mark(1, 50);
        assert_eq!(
            o.waiting(),
            2,
            "source 1 is a round ahead: nothing moves until source 0 marks"
        );
        o.mark(0, 200);
        assert_eq!(o.waiting(), 0);
        assert_eq!(ids(&mut o), vec![(1, 3, None), (2, 5, None), (3, 7, None)]);
    }

    /// A snapshot shares the sessions it shows with the output: an emitted session is the same
    /// allocation in every later snapshot and in what the output finally hands over; a waiting
    /// one is copied only when numbered while a snapshot still holds it, and that snapshot's
    /// copy keeps its waiting id.
    #[test]
    fn snapshots_share_sessions_with_the_output() {
        let mut o = Ordered::new(Collect::default(), false);
        o.sources(2);
        o.finished(0, s(3, Transport::Tcp, "10.0.0.1:1001", 3, 20));
        o.finished(1, s(7, Transport::Tcp, "10.0.0.1:1000", 7, 9));
        o.mark(0, 5);
        o.mark(1, 5);
        let first = Sessions::snapshot(&o);
        assert_eq!(first.len(), 2);
        assert_eq!((first[0].first_frame, first[0].id), (3, 1), "emitted");
        assert_eq!((first[1].first_frame, first[1].id), (7, 0), "waiting");
        let again = Sessions::snapshot(&o);
        assert!(Arc::ptr_eq(&first[0], &again[0]) && Arc::ptr_eq(&first[1], &again[1]));
        drop(again);
        o.mark(0, 100);
        o.mark(1, 100);
        let (taken, _) = Sessions::take(&mut o);
        assert!(
            Arc::ptr_eq(&first[0], &taken[0]),
            "emitted: shared to the end"
        );
        assert!(
            !Arc::ptr_eq(&first[1], &taken[1]),
            "numbered while shown: copied"
        );
        assert_eq!((first[1].id, taken[1].id), (0, 2));
    }

    #[test]
    fn a_udp_flow_links_to_the_tcp_session_open_when_it_started() {
        let mut o = Ordered::new(Collect::default(), false);
        // A connection attempt without payload is never a flow's TCP session.
        let mut attempt = s(1, Transport::Tcp, "10.0.0.1:999", 0, 100);
        attempt.bytes = [0, 0];
        o.finished(0, attempt);
        o.finished(0, s(2, Transport::Tcp, "10.0.0.1:1000", 0, 50));
        o.finished(0, s(3, Transport::Tcp, "10.0.0.1:1001", 10, 20));
        o.finished(0, s(4, Transport::Udp, "10.0.0.1:2000", 30, 40));
        // A different client: no TCP session of its own.
        o.finished(0, s(5, Transport::Udp, "10.0.0.9:2000", 30, 40));
        // Started after both TCP sessions ended: the first one between the pair.
        o.finished(0, s(6, Transport::Udp, "10.0.0.1:2001", 60, 70));
        assert_eq!(o.waiting(), 6, "nothing leaves before a mark");
        assert_eq!(
            ids(&mut o),
            vec![
                (1, 1, None),
                (2, 2, None),
                (3, 3, None),
                (4, 4, Some(2)),
                (5, 5, None),
                (6, 6, Some(2))
            ]
        );
    }

    #[test]
    fn a_held_udp_flow_keeps_only_what_its_verdict_needs_until_linked() {
        use crate::timeline::EventKind;
        use crate::types::Direction;
        let mut o = Ordered::new(Collect::default(), true);
        o.sources(1);
        let mut flow = s(4, Transport::Udp, "10.0.0.1:2000", 30, 40);
        flow.push(
            4,
            Timestamp(30),
            Some(Direction::ClientToServer),
            EventKind::UdpSyn {
                retry: false,
                mtu: None,
                version: None,
            },
        );
        for f in 5..200 {
            flow.push(
                f,
                Timestamp(31),
                Some(Direction::ServerToClient),
                EventKind::Data {
                    bytes: 1000,
                    segments: 1,
                },
            );
        }
        o.finished(0, flow);
        // The TCP session that carries it is still open: the flow waits, its data events gone.
        o.mark(0, 2);
        let held = match o.pending.values().next() {
            Some((_, Pending::Whole(s))) => s.events.len(),
            _ => usize::MAX,
        };
        assert_eq!(held, 1, "only the SYN is kept while waiting");
        o.finished(0, s(2, Transport::Tcp, "10.0.0.1:1000", 0, 50));
        let sessions = o.take().0;
        let udp = sessions.iter().find(|s| s.transport == Transport::Udp);
        let verdict = udp
            .and_then(|s| s.verdict.as_ref())
            .map(|v| v.summary.clone());
        assert_eq!(
            verdict.as_deref(),
            Some(
                "The RDP-UDP transport was not set up: 1 SYN(s) from frame 4 got no answer (UDP 3389 \
                 blocked or disabled on the server). TCP session #1 carries the session."
            )
        );
    }

    #[test]
    fn too_many_waiting_are_written_early_and_counted() {
        let mut o = Ordered::new(Collect::default(), false);
        o.sources(1);
        // A session that began at frame 2 is still open: nothing from frame 2 on may leave.
        o.mark(0, 2);
        let n = MAX_WAITING_KEPT as u64 + 1_000;
        let mut most = 0;
        for i in 0..n {
            o.finished(0, s(10 + i, Transport::Tcp, "10.0.0.1:1000", 0, 1));
            most = most.max(o.waiting());
            if i % 100 == 99 {
                // The analyzer's periodic sweep: the session from frame 2 is still open.
                o.mark(0, 2);
            }
        }
        assert!(most <= MAX_WAITING_KEPT + 100, "waiting grew to {most}");
        // The open session ends; everything leaves.
        o.finished(0, s(2, Transport::Tcp, "10.0.0.1:999", 0, 1));
        o.mark(0, FrameNo::MAX);
        let (sessions, limits) = o.take();
        let order: Vec<(u64, FrameNo)> = sessions.iter().map(|s| (s.id, s.first_frame)).collect();
        assert_eq!(order.len() as u64, n + 1, "every session written once");
        assert!(
            order
                .iter()
                .enumerate()
                .all(|(i, (id, _))| *id == i as u64 + 1)
        );
        // Those written early come first, in first-frame order; then the late one; then the rest.
        let early = limits.sessions_unordered as usize;
        assert!(early > 0 && early < order.len());
        assert_eq!(order[early].1, 2, "the session that held them back");
        assert!(
            order
                .windows(2)
                .take(early)
                .all(|w| w[0].1 < w[1].1 || w[1].1 == 2)
        );
        assert_eq!(limits.first_unordered, Some(10));
        assert_eq!(limits.waiting_bound, MAX_WAITING_KEPT as u64);
    }

    /// [`Collect`] with room for more waiting sessions (its own bound), as the JSON report has
    /// (it spools them).
    struct Roomy(Collect, usize);

    impl Default for Roomy {
        fn default() -> Self {
            Roomy(Collect::default(), 100_000)
        }
    }

    impl Emit for Roomy {
        type Held = Arc<Session>;
        fn hold(&mut self, s: Session) -> Arc<Session> {
            self.0.hold(s)
        }
        fn emit_held(&mut self, id: u64, s: Arc<Session>) {
            self.0.emit_held(id, s);
        }
        fn emit(&mut self, s: Session) {
            self.0.emit(s);
        }
        fn peek(&self, held: &Arc<Session>) -> Option<Arc<Session>> {
            self.0.peek(held)
        }
        fn take(&mut self) -> (Vec<Arc<Session>>, Limits) {
            self.0.take()
        }
        fn emitted(&self) -> Vec<Arc<Session>> {
            self.0.emitted()
        }
        fn limits(&mut self) -> &mut Limits {
            self.0.limits()
        }
        fn max_waiting(&self) -> usize {
            self.1
        }
    }

    #[test]
    fn sessions_kept_whole_have_their_own_waiting_bound() {
        // One session open from frame 2 all along; thousands finish behind it, marked every 100.
        // (Fewer than the 10,000 sessions `Collect` keeps.)
        let n = 2 * MAX_WAITING_WHOLE as u64 + 1_000;
        let run = |transport: Transport| {
            let mut o = Ordered::new(Roomy::default(), true);
            o.sources(1);
            o.mark(0, 2);
            let mut most = 0;
            for i in 0..n {
                o.finished(0, s(10 + i, transport, "10.0.0.1:1000", 0, 1));
                most = most.max(o.waiting());
                if i % 100 == 99 {
                    o.mark(0, 2);
                }
            }
            o.finished(0, s(2, Transport::Tcp, "10.0.0.1:999", 0, 1));
            o.mark(0, FrameNo::MAX);
            let (sessions, limits) = o.take();
            assert_eq!(sessions.len() as u64, n + 1, "every session written once");
            assert!(
                sessions
                    .iter()
                    .enumerate()
                    .all(|(i, s)| s.id == i as u64 + 1)
            );
            (most as u64, limits)
        };
        // Held TCP sessions wait up to the emitter's bound: none is written early.
        let (most, limits) = run(Transport::Tcp);
        assert_eq!((most, limits.sessions_unordered), (n, 0));
        // UDP flows, kept whole, up to theirs (plus what comes between two marks).
        let (most, limits) = run(Transport::Udp);
        let bound = MAX_WAITING_WHOLE as u64;
        assert!(most <= bound + 200, "waiting grew to {most}");
        assert!(limits.sessions_unordered >= n - bound - 200, "{limits:?}");
        assert_eq!(
            (limits.waiting_bound, limits.waiting_whole_bound),
            (0, bound),
            "the bound reached is the one for flows"
        );
    }

    #[test]
    fn past_the_flows_bound_only_enough_flows_are_written_early() {
        // 4,200 flows then 700 TCP sessions wait behind one open from frame 2: more flows than
        // their bound, fewer sessions in all than the emitter's (5,000) but more than three
        // quarters of it. Only the flows' count comes down to three quarters of its bound.
        let mut o = Ordered::new(Roomy(Collect::default(), 5_000), true);
        o.sources(1);
        for _ in 0..=STUCK_ROUNDS {
            o.mark(0, 2);
        }
        for i in 0..4_900 {
            let t = if i < 4_200 {
                Transport::Udp
            } else {
                Transport::Tcp
            };
            o.finished(0, s(10 + i, t, "10.0.0.1:1000", 0, 1));
        }
        o.mark(0, 2);
        let flows = 4_200 - (MAX_WAITING_WHOLE - MAX_WAITING_WHOLE / 4);
        assert_eq!(o.waiting(), 4_900 - flows);
        o.finished(0, s(2, Transport::Tcp, "10.0.0.1:999", 0, 1));
        o.mark(0, FrameNo::MAX);
        let (sessions, limits) = o.take();
        assert_eq!(sessions.len(), 4_901);
        assert_eq!(limits.sessions_unordered, flows as u64);
        assert_eq!(
            (limits.waiting_bound, limits.waiting_whole_bound),
            (0, 4_096)
        );
    }

    #[test]
    fn a_burst_of_finished_sessions_is_not_written_early() {
        // The end of a capture with many connections still open: they all finish at once, the
        // source's mark still below them, then the final mark releases them in order.
        let mut o = Ordered::new(Collect::default(), false);
        o.sources(2);
        o.mark(0, 1);
        o.mark(1, 1);
        let n = 3 * MAX_WAITING_KEPT as u64;
        for i in (0..n).rev() {
            o.finished(0, s(10 + i, Transport::Tcp, "10.0.0.1:1000", 0, 1));
        }
        // The other source is a little behind, then both are done.
        o.mark(0, FrameNo::MAX);
        o.mark(1, 5);
        o.mark(1, FrameNo::MAX);
        let (sessions, limits) = o.take();
        assert_eq!(limits.sessions_unordered, 0);
        assert!(
            sessions
                .windows(2)
                .all(|w| w[0].first_frame < w[1].first_frame)
        );
        assert_eq!(sessions.len() as u64, n);
    }

    /// Two sources, one holding a session open from frame 1 while the other finishes thousands:
    /// past the waiting bound some are written early. Whichever way the two sources' calls
    /// interleave (the threads' timing), the same sessions are written early, and every session
    /// gets the same number.
    #[test]
    fn sessions_written_early_do_not_depend_on_how_the_sources_interleave() {
        enum Ev {
            Finished(Box<Session>),
            Mark(FrameNo),
        }
        // Round k covers frames 100k..100k+100; each source finishes a round's sessions (its
        // frames: even ones for source 0, odd ones for source 1) in the next round, and marks
        // at the end of each round the first frame still open.
        let rounds = 80u64;
        let events = |source: u64| -> Vec<Ev> {
            let mut ev = Vec::new();
            for k in 1..=rounds {
                for f in (100 * (k - 1)..100 * k).filter(|f| f % 2 == source && *f > 1) {
                    let session = s(f, Transport::Tcp, "10.0.0.1:1000", 0, 1);
                    ev.push(Ev::Finished(Box::new(session)));
                }
                ev.push(Ev::Mark(if source == 0 { 1 } else { 100 * k }));
            }
            if source == 0 {
                let held = s(1, Transport::Tcp, "10.0.0.1:999", 0, 1);
                ev.push(Ev::Finished(Box::new(held)));
            }
            ev.push(Ev::Mark(FrameNo::MAX));
            ev
        };
        let run = |seed: u64| {
            let mut o = Ordered::new(Collect::default(), false);
            o.sources(2);
            let mut queues = [
                events(0).into_iter().peekable(),
                events(1).into_iter().peekable(),
            ];
            let mut x = seed;
            loop {
                // A source picked at random (an LCG), runs of several calls at a time.
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let pick = (x >> 33) as usize % 2;
                let source = if queues[pick].peek().is_some() {
                    pick
                } else {
                    1 - pick
                };
                for _ in 0..1 + (x >> 40) % 200 {
                    match queues[source].next() {
                        Some(Ev::Finished(s)) => o.finished(source, *s),
                        Some(Ev::Mark(m)) => o.mark(source, m),
                        None => break,
                    }
                }
                if queues.iter_mut().all(|q| q.peek().is_none()) {
                    break;
                }
            }
            let (sessions, limits) = o.take();
            let order: Vec<(u64, FrameNo)> =
                sessions.iter().map(|s| (s.id, s.first_frame)).collect();
            (order, limits.sessions_unordered, limits.first_unordered)
        };
        let first = run(1);
        assert_eq!(
            first.0.len() as u64,
            100 * rounds - 1,
            "every session written"
        );
        assert!(first.1 > 0, "some written early");
        for seed in 2..40 {
            let other = run(seed);
            assert!(
                other == first,
                "seed {seed}: {} vs {} written early",
                other.1,
                first.1
            );
        }
    }

    #[test]
    fn marks_never_go_back() {
        let mut o = Ordered::new(Collect::default(), false);
        o.mark(0, 10);
        o.mark(0, 4);
        o.finished(0, s(12, Transport::Tcp, "10.0.0.1:1000", 0, 1));
        o.finished(0, s(6, Transport::Tcp, "10.0.0.1:1001", 0, 1));
        assert_eq!(o.waiting(), 1, "6 < 10 leaves at once, 12 waits");
    }
}

//! The pipeline driver: frames in, finished sessions out. It wires the stages together
//! (decode → flow → proto → timeline); each stage's logic lives in its own module.
//! [`parallel`] runs the same analysis sharded over several cores.

pub mod order;
pub mod parallel;
pub mod shard;
pub mod trim;
pub mod watch;

pub use parallel::{analyze_file_into, analyze_file_parallel, threads_from_env};

use crate::capture::{self, Frame, OpenError, ReadSummary, Reread};
use crate::decode::{Decoded, Decoder, IpMeta, TcpView, Transport};
use crate::flow::reassembly::StreamSink;
use crate::flow::segment::{TcpFlags, TcpSegment};
use crate::flow::tcp::{AnalysisFlags, TcpConn};
use crate::flow::zeek::{self, ZeekOrientation, ZeekUdp};
use crate::flow::{self, FlowKey, Table};
use crate::proto::dissector::{At, Dissector};
use crate::timeline::store::Limits;
use crate::timeline::{EventKind, Session, TcpNote};
use crate::types::{Direction, FrameNo, PerDir, Timestamp};
use order::{Collect, Ordered, Sessions};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// What to analyse.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep every connection, not only those that touch RDP.
    pub all: bool,
    /// Diagnose each session as it finishes and keep only what a report prints (verdict, `rdp`
    /// and `tls` summaries, counters), dropping its events: memory then grows with the number
    /// of sessions, not with their traffic. Frontends that draw timelines leave this off.
    pub compact: bool,
    /// TLS secrets (a key log file and/or pcapng Decryption Secrets Blocks) to decrypt with.
    pub keys: Option<Arc<crate::proto::keylog::KeyLog>>,
    /// Publish copies of the open connections' sessions here now and then, for a frontend
    /// showing a capture analysed on several threads while it is read ([`watch`]).
    pub watch: Option<Arc<watch::Watch>>,
}

/// Bound on connections in the table at once (a SYN flood must not grow memory without limit):
/// at 2.5–4 KB a connection (half-open, or closed and lingering with its negotiation), a flood of
/// a million connections stays well under 64 MB in all. Past it the least recently seen are
/// finished early (counted and reported when they were still going on).
pub const MAX_CONNECTIONS: usize = 8_192;
/// UDP flows idle this long (capture time) are finished.
const UDP_IDLE_NS: i64 = 120_000_000_000;
/// Closed TCP connections idle this long are finished (late ACKs/RSTs still attach before).
const CLOSED_IDLE_NS: i64 = 10_000_000_000;
/// Connections idle this long give back their spare buffers ([`Conn::hibernate`]).
const HIBERNATE_NS: i64 = 10_000_000_000;
/// Any connection idle this long is finished.
const IDLE_NS: i64 = 3_600_000_000_000;
/// How often (in frames) the table is swept, and so how often each analyzer gives the ordered
/// output its mark ([`order`]): sessions finished between two marks wait for the next. Every
/// 16,384 frames, a million RDP-UDP SYNs from distinct sources peaked at 42.8 MB (one analyzer;
/// each flow waits whole, about 1 KB); every 4,096, 25.7 MB, for 0.15 % more instructions on the
/// bench file.
pub(crate) const SWEEP_EVERY: u64 = 1 << 12;

/// The transport-specific state of a connection.
enum TransportState {
    /// TCP analysis and reassembly.
    Tcp(Box<TcpConn>),
    /// Zeek's UDP history.
    Udp(ZeekUdp),
}

/// Per-connection state while the capture is read.
struct Conn {
    session: Session,
    transport: TransportState,
    dissector: Dissector,
    /// Saw a FIN from (client, server).
    fin: [bool; 2],
    /// An RST was seen, or FINs both ways.
    closed: bool,
    /// The first SYN's sequence number (a different one after close starts a new connection).
    syn_seq: Option<u32>,
    /// The TTL each side's packets usually carry (first seen), to spot forged RSTs.
    ttl: PerDir<Option<u8>>,
    established: bool,
    saw_synack: bool,
    /// Whether the connection looks like RDP (port 3389 or an X.224 connection request).
    rdp: bool,
    /// Idle: its spare buffers were given back (until its next packet).
    hibernated: bool,
}

impl Conn {
    /// Give back what an idle connection does not need to go on: spare buffer capacity,
    /// capture-duplicate history, the reassembly's recent bytes. Nothing it has seen is lost.
    fn hibernate(&mut self) {
        if let TransportState::Tcp(t) = &mut self.transport {
            t.hibernate();
        }
        self.dissector.hibernate();
        self.session.events.shrink_to_fit();
        self.hibernated = true;
    }
}

/// Counts of what could not be analysed, reported as warnings.
#[derive(Debug, Default, Clone)]
pub struct Skipped {
    /// Frames of link types we do not decode, per link type.
    pub unknown_links: Vec<(u32, u64)>,
    /// Frames too damaged to decode.
    pub malformed: u64,
    /// First malformed frame and why.
    pub first_malformed: Option<(u64, &'static str)>,
    /// Connections finished early because the table was full.
    pub evicted: u64,
    /// The first frame whose connection made room by finishing one still going on.
    pub first_evicted: Option<FrameNo>,
    /// IP fragment reassemblies dropped because of the fragment bounds.
    pub frags_evicted: u64,
    /// Sessions summarised or dropped, timeline events and reassembly buffers capped.
    pub limits: Limits,
}

/// Where an analyzer's finished sessions go: an ordered output ([`order`]), possibly shared
/// with other analyzers (flow-sharded workers), of which this analyzer is `source`.
pub type Output = Arc<Mutex<dyn Sessions>>;

/// The output's lock, whatever another thread did while holding it (a worker that panicked is
/// re-raised when it is joined).
fn lock(out: &Mutex<dyn Sessions>) -> std::sync::MutexGuard<'_, dyn Sessions + 'static> {
    out.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An output that keeps the sessions in memory ([`Collect`]), for [`Analysis::sessions`].
pub fn collecting(options: &Options) -> Output {
    Arc::new(Mutex::new(Ordered::new(
        Collect::default(),
        options.compact,
    )))
}

/// Streaming analysis of one capture.
pub struct Analyzer {
    options: Options,
    decoder: Decoder,
    /// Connections boxed: a table sized for thousands keeps only pointers in its empty slots.
    table: Table<Box<Conn>>,
    out: Output,
    /// This analyzer's number among those feeding `out`.
    source: usize,
    /// `out` is this analyzer's own: [`Analyzer::finish`] returns its sessions.
    owns_out: bool,
    limits: Limits,
    next_id: u64,
    frames: u64,
    /// The periodic sweeps come from [`Analyzer::sweep_at`] (sharded analysis), not from the
    /// frame count.
    sweeps_given: bool,
    skipped: Skipped,
    warned_links: HashSet<u32>,
}

/// The result of analysing a capture.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Sessions in order of their first frame.
    pub sessions: Vec<Session>,
    /// Frames seen.
    pub frames: u64,
    /// What was skipped.
    pub skipped: Skipped,
}

impl Analyzer {
    /// A fresh analyzer keeping its sessions in memory (returned by [`Analyzer::finish`]).
    pub fn new(options: Options) -> Self {
        let out = collecting(&options);
        let mut a = Self::with_output(options, out, 0);
        a.owns_out = true;
        a
    }

    /// A fresh analyzer sending its finished sessions to `out` as source number `source`
    /// (see [`order::Sessions::sources`]); [`Analyzer::finish`] then returns no sessions.
    pub fn with_output(options: Options, out: Output, source: usize) -> Self {
        Analyzer {
            options,
            decoder: Decoder::new(),
            table: Table::new(MAX_CONNECTIONS),
            out,
            source,
            owns_out: false,
            limits: Limits::default(),
            next_id: 1,
            frames: 0,
            sweeps_given: false,
            skipped: Skipped::default(),
            warned_links: HashSet::new(),
        }
    }

    /// Feed one frame.
    pub fn frame(&mut self, f: &Frame<'_>) {
        self.frames += 1;
        if self.frames % SWEEP_EVERY == 0 && !self.sweeps_given {
            self.sweep(f.ts, f.number);
        }
        // Split borrows: the decoder borrows itself mutably for the decoded view.
        let Analyzer {
            decoder,
            table,
            out,
            source,
            limits,
            next_id,
            skipped,
            warned_links,
            options,
            ..
        } = self;
        let decoded = decoder.decode(f.link, f.data, f.ts);
        let mut ctx = Ctx {
            table,
            done: Done {
                opts: options,
                limits,
                out,
                source: *source,
            },
            next_id,
            first_evicted: &mut skipped.first_evicted,
        };
        match decoded {
            Decoded::Tcp(ip, tcp) => ctx.tcp(f, ip, tcp),
            Decoded::Udp {
                ip,
                src_port,
                dst_port,
                payload,
            } => ctx.udp(f, ip, src_port, dst_port, payload),
            Decoded::Icmp(ip, err) => ctx.icmp(f, ip, err),
            Decoded::UnknownLink(l) => {
                if warned_links.insert(l) || skipped.unknown_links.len() < 32 {
                    match skipped.unknown_links.iter_mut().find(|(k, _)| *k == l) {
                        Some((_, n)) => *n += 1,
                        None => skipped.unknown_links.push((l, 1)),
                    }
                }
            }
            Decoded::Malformed(why) => {
                skipped.malformed += 1;
                // The earliest (frames may come out of file order: see `parallel`).
                if skipped.first_malformed.is_none_or(|(n, _)| f.number < n) {
                    skipped.first_malformed = Some((f.number, why));
                }
            }
            Decoded::Fragment | Decoded::OtherIp | Decoded::NotIp => {}
        }
    }

    /// Finish the connections idle too long, then tell the output which first frames can no
    /// longer come from this analyzer: none below its oldest open connection's, nor below
    /// `next`, the frame about to be read.
    fn sweep(&mut self, now: Timestamp, next: FrameNo) {
        let now = now.0;
        let (table, mut done) = self.table_and_done();
        table.sweep(
            |seen, c| {
                let idle = now.saturating_sub(seen);
                idle > IDLE_NS
                    || (c.closed && idle > CLOSED_IDLE_NS)
                    || (c.session.transport == Transport::Udp && idle > UDP_IDLE_NS)
            },
            &mut |c| done.finish(c, false),
        );
        let mut mark = next;
        self.table.for_each_mut(&mut |seen, c| {
            mark = mark.min(c.session.first_frame);
            if !c.hibernated && now.saturating_sub(seen) > HIBERNATE_NS {
                c.hibernate();
            }
        });
        lock(&self.out).mark(self.source, mark);
        if let Some(w) = &self.options.watch {
            if w.due(self.source) {
                let t = std::time::Instant::now();
                let open = self.open_sessions();
                w.publish(self.source, open, t.elapsed());
            }
        }
    }

    /// The connection table, and where its connections go when they end.
    fn table_and_done(&mut self) -> (&mut Table<Box<Conn>>, Done<'_>) {
        let Analyzer {
            table,
            options,
            limits,
            out,
            source,
            ..
        } = self;
        let done = Done {
            opts: options,
            limits,
            out,
            source: *source,
        };
        (table, done)
    }

    /// For sharded analysis over `n` workers: this one's share of the connection-table bound,
    /// so that all of them together hold no more than one analyzer.
    pub(crate) fn share_table(&mut self, n: usize) {
        self.table = Table::new((MAX_CONNECTIONS / n.max(1)).max(1024));
    }

    /// For sharded analysis: a sweep another worker's frame (`at`) triggered in the
    /// single-threaded run.
    pub(crate) fn sweep_at(&mut self, now: Timestamp, at: FrameNo) {
        self.sweep(now, at);
    }

    /// For sharded analysis: every periodic sweep will be given ([`Analyzer::sweep_at`]), at
    /// its place in the frames of all analyzers, however they are reordered between sweeps (this
    /// analyzer's own frame count no longer triggers any).
    pub(crate) fn sweeps_given(&mut self) {
        self.sweeps_given = true;
    }

    /// Whether `frames` more frames can go without the connection table having to push out a
    /// connection (which one depends on the order of frames).
    pub(crate) fn has_room_for(&self, frames: usize) -> bool {
        self.table.has_room_for(frames)
    }

    /// Frames fed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The sessions so far (finished and in progress), in order of first frame, for frontends
    /// that show a capture while it is being read. Open ones have `open_at_end` set.
    pub fn snapshot(&self) -> Vec<Arc<Session>> {
        let mut out = lock(&self.out).snapshot();
        out.extend(self.open_sessions().into_iter().map(Arc::new));
        out.sort_by_key(|s| (s.first_frame, s.id));
        out
    }

    /// Copies of the sessions of the connections in the table (those a report lists), with
    /// `open_at_end` set on those not closed.
    fn open_sessions(&self) -> Vec<Session> {
        let all = self.options.all;
        let mut out = Vec::new();
        self.table.for_each(&mut |c| {
            if all || c.rdp {
                let mut s = c.session.clone();
                s.open_at_end = !c.closed;
                out.push(s);
            }
        });
        out
    }

    /// Finish: every connection still open is closed as "open at end of capture".
    /// With an output of its own ([`Analyzer::new`]) the sessions are returned; with a shared
    /// one ([`Analyzer::with_output`]) they went there, and this analyzer is marked done.
    pub fn finish(mut self) -> Analysis {
        let (table, mut done) = self.table_and_done();
        table.drain(&mut |c| done.finish(c, true));
        self.skipped.evicted = self.table.evicted_full;
        self.skipped.frags_evicted = self.decoder.frags_evicted;
        let mut out = lock(&self.out);
        out.mark(self.source, FrameNo::MAX);
        let sessions = if self.owns_out {
            let (sessions, kept) = out.take();
            self.limits.merge(&kept);
            sessions.into_iter().map(Arc::unwrap_or_clone).collect()
        } else {
            Vec::new()
        };
        drop(out);
        self.skipped.limits = std::mem::take(&mut self.limits);
        Analysis {
            sessions,
            frames: self.frames,
            skipped: self.skipped,
        }
    }
}

/// Where an analyzer's connections go when they end.
struct Done<'a> {
    opts: &'a Options,
    limits: &'a mut Limits,
    out: &'a Mutex<dyn Sessions>,
    source: usize,
}

impl Done<'_> {
    fn finish(&mut self, c: Box<Conn>, at_end: bool) {
        if let Some(s) = finish(*c, self.opts, self.limits, at_end) {
            lock(self.out).finished(self.source, s);
        }
    }
}

/// A connection's session, finished (and compacted if asked), or `None` when it is not reported.
fn finish(mut c: Conn, opts: &Options, done: &mut Limits, at_end: bool) -> Option<Session> {
    if !(opts.all || c.rdp || c.dissector.saw_rdp) {
        return None;
    }
    match &mut c.transport {
        TransportState::Tcp(tcp) => {
            let mut sink = Sink {
                session: &mut c.session,
                dissector: &mut c.dissector,
                reread: None,
            };
            tcp.finish(&mut sink);
            let mut inconsistent = false;
            for dir in [Direction::ClientToServer, Direction::ServerToClient] {
                let stats = tcp.reassembly(dir);
                inconsistent |= stats.inconsistent_bytes > 0;
                done.reassembly(&stats);
            }
            done.inconsistent_sessions += u64::from(inconsistent);
            c.session.tcp = Some(tcp.summary());
            c.session.history = tcp.zeek().history().to_string();
            c.session.conn_state = tcp.zeek().conn_state().to_string();
        }
        TransportState::Udp(u) => {
            c.session.history = u.history().to_string();
            c.session.conn_state = u.conn_state().to_string();
        }
    }
    c.session.open_at_end = at_end && !c.closed;
    if opts.compact {
        if c.session.transport == Transport::Tcp {
            compact(&mut c.session);
        } else {
            // RDP-UDP flows keep their few handshake events until they are linked to their TCP
            // session ([`order`]), not their chart.
            c.session.throughput = crate::timeline::Throughput::default();
            c.session.events.shrink_to_fit();
        }
    }
    if c.session.events_dropped > 0 {
        done.events_dropped += c.session.events_dropped;
        done.sessions_capped += 1;
    }
    Some(c.session)
}

/// Diagnose a finished session now and keep only what a report needs (see
/// [`Options::compact`]). An RDP-UDP flow's verdict waits until it is linked ([`order`]): it
/// names the TCP session the flow belongs to ([`compact_unlinked`]).
pub(crate) fn compact(s: &mut Session) {
    summarise(s);
    compact_summarised(s);
}

/// An RDP-UDP flow waiting to be linked ([`order`]): everything of [`compact`] but the verdict,
/// keeping only the events that verdict reads (its SYN and SYN+ACK), so that a flow held
/// behind a long TCP session costs little. [`compact_summarised`] finishes it once linked.
pub(crate) fn compact_unlinked(s: &mut Session) {
    summarise(s);
    s.events.retain(|e| {
        matches!(
            e.kind,
            EventKind::UdpSyn { .. } | EventKind::UdpSynAck { .. }
        )
    });
    s.events.shrink_to_fit();
    s.throughput = crate::timeline::Throughput::default();
}

/// What a report reads of the events besides the verdict.
fn summarise(s: &mut Session) {
    s.damage = crate::timeline::Damage::of(s);
    s.rdp_summary = crate::timeline::RdpSummary::of(s).map(Box::new);
    s.tls_summary = crate::timeline::TlsSummary::of(s).map(Box::new);
}

/// Diagnose a summarised session and drop its events.
pub(crate) fn compact_summarised(s: &mut Session) {
    s.verdict = Some(Box::new(crate::diagnose::diagnose(s)));
    s.events = Vec::new();
    s.throughput = crate::timeline::Throughput::default();
    s.compacted = true;
}

/// Where reassembled TCP bytes go: the protocol dissector, which appends events to the session.
struct Sink<'c> {
    session: &'c mut Session,
    dissector: &'c mut Dissector,
    /// The capture file, when stream bytes can be read again from it.
    reread: Option<&'c Reread>,
}

impl StreamSink for Sink<'_> {
    fn reread(&mut self, at: u64, buf: &mut [u8]) -> bool {
        self.reread.is_some_and(|r| r.read_at(at, buf))
    }

    fn data(&mut self, dir: Direction, frame: u64, ts: Timestamp, bytes: &[u8]) {
        self.dissector
            .data(At { dir, frame, ts }, bytes, self.session);
    }

    fn gap(&mut self, dir: Direction, frame: u64, missing_len: u32) {
        let ts = self.session.end;
        self.session.push(
            frame,
            ts,
            Some(dir),
            EventKind::Gap {
                len: u64::from(missing_len),
            },
        );
        self.dissector.gap(dir);
    }

    fn end(&mut self, dir: Direction, _frame: u64) {
        self.dissector.end(dir, self.session);
    }
}

struct Ctx<'t> {
    table: &'t mut Table<Box<Conn>>,
    done: Done<'t>,
    next_id: &'t mut u64,
    /// [`Skipped::first_evicted`].
    first_evicted: &'t mut Option<FrameNo>,
}

impl Ctx<'_> {
    fn new_conn(
        &mut self,
        transport: TransportState,
        client: SocketAddr,
        server: SocketAddr,
        f: &Frame<'_>,
    ) -> Box<Conn> {
        let id = *self.next_id;
        *self.next_id += 1;
        let kind = match transport {
            TransportState::Tcp(_) => Transport::Tcp,
            TransportState::Udp(_) => Transport::Udp,
        };
        Box::new(Conn {
            session: Session::new(id, kind, client, server, f.number, f.ts),
            transport,
            dissector: {
                let mut d = Dissector::new();
                d.set_keys(self.done.opts.keys.clone());
                d
            },
            fin: [false; 2],
            closed: false,
            syn_seq: None,
            ttl: PerDir::default(),
            established: false,
            saw_synack: false,
            rdp: client.port() == flow::RDP_PORT || server.port() == flow::RDP_PORT,
            hibernated: false,
        })
    }

    fn insert(&mut self, key: FlowKey, f: &Frame<'_>, conn: Box<Conn>) {
        let done = &mut self.done;
        let before = self.table.evicted_full;
        self.table.insert(key, f.ts.0, conn, &mut |c| {
            // A closed connection only lingered for late packets: nothing is cut short.
            let open = !c.closed;
            done.finish(c, false);
            open
        });
        // The earliest (frames may come out of file order: see `parallel`).
        if self.table.evicted_full > before && self.first_evicted.is_none_or(|n| f.number < n) {
            *self.first_evicted = Some(f.number);
        }
    }

    fn tcp(&mut self, f: &Frame<'_>, ip: IpMeta, tcp: TcpView<'_>) {
        let src = SocketAddr::new(ip.src, tcp.src_port);
        let dst = SocketAddr::new(ip.dst, tcp.dst_port);
        let key = FlowKey::new(Transport::Tcp, src, dst);
        let syn = tcp.flags & 0x02 != 0;
        let ackf = tcp.flags & 0x10 != 0;
        let pure_syn = syn && !ackf;
        // The common case, a packet of a known connection: one table lookup.
        if let Some(c) = self.table.get_mut(&key, f.ts.0) {
            // A new SYN (different ISN) on a closed connection starts a new connection.
            if !(pure_syn && c.closed && c.syn_seq != Some(tcp.seq)) {
                c.hibernated = false;
                let dir = Direction::from_client(src == c.session.client);
                on_tcp(c, f, dir, ip, &tcp);
                return;
            }
            if let Some(old) = self.table.remove(&key) {
                self.done.finish(old, false);
            }
        }
        let (client, server) = flow::orient(Transport::Tcp, src, dst, pure_syn, syn && ackf);
        let dir = Direction::from_client(src == client);
        let orientation = ZeekOrientation::from_first_packet(
            dir,
            TcpFlags::from_bits(tcp.flags),
            tcp.src_port,
            tcp.dst_port,
            zeek::likely_server_port,
        );
        let state = TransportState::Tcp(Box::new(TcpConn::new(orientation)));
        let conn = self.new_conn(state, client, server, f);
        self.insert(key, f, conn);
        let Some(c) = self.table.get_mut(&key, f.ts.0) else {
            return;
        };
        c.hibernated = false;
        let dir = Direction::from_client(src == c.session.client);
        on_tcp(c, f, dir, ip, &tcp);
    }

    fn udp(&mut self, f: &Frame<'_>, ip: IpMeta, sp: u16, dp: u16, payload: &[u8]) {
        let src = SocketAddr::new(ip.src, sp);
        let dst = SocketAddr::new(ip.dst, dp);
        let key = FlowKey::new(Transport::Udp, src, dst);
        if let Some(c) = self.table.get_mut(&key, f.ts.0) {
            on_udp(c, f, src, payload);
            return;
        }
        let (client, server) = flow::orient(Transport::Udp, src, dst, false, false);
        let conn = self.new_conn(TransportState::Udp(ZeekUdp::default()), client, server, f);
        self.insert(key, f, conn);
        if let Some(c) = self.table.get_mut(&key, f.ts.0) {
            on_udp(c, f, src, payload);
        }
    }

    fn icmp(&mut self, f: &Frame<'_>, ip: IpMeta, err: crate::decode::IcmpError) {
        let q = err.quoted;
        let transport = match q.protocol {
            6 => Transport::Tcp,
            17 => Transport::Udp,
            _ => return,
        };
        let key = FlowKey::new(
            transport,
            SocketAddr::new(q.src, q.src_port),
            SocketAddr::new(q.dst, q.dst_port),
        );
        if let Some(c) = self.table.get_mut(&key, f.ts.0) {
            c.session.last_frame = f.number;
            c.session.end = c.session.end.max(f.ts);
            c.session.push(
                f.number,
                f.ts,
                None,
                EventKind::Icmp {
                    kind: err.kind,
                    from: ip.src,
                },
            );
        }
    }
}

/// One datagram of a known UDP flow.
fn on_udp(c: &mut Conn, f: &Frame<'_>, src: SocketAddr, payload: &[u8]) {
    c.hibernated = false;
    let dir = Direction::from_client(src == c.session.client);
    c.session.count(f.number, f.ts, dir, payload.len() as u64);
    if let TransportState::Udp(u) = &mut c.transport {
        u.on_datagram(src == c.session.client, payload.len());
    }
    if c.rdp && !payload.is_empty() {
        let at = At {
            dir,
            frame: f.number,
            ts: f.ts,
        };
        c.dissector.datagram(at, payload, &mut c.session);
    }
}

fn on_tcp(c: &mut Conn, f: &Frame<'_>, dir: Direction, ip: IpMeta, tcp: &TcpView<'_>) {
    let flags = tcp.flags;
    let (syn, ack, fin, rst) = (
        flags & 0x02 != 0,
        flags & 0x10 != 0,
        flags & 0x01 != 0,
        flags & 0x04 != 0,
    );
    let s = &mut c.session;
    s.count(f.number, f.ts, dir, u64::from(tcp.wire_len));
    let ttl_slot = c.ttl.get_mut(dir);
    let usual_ttl = *ttl_slot;
    if !rst && ttl_slot.is_none() {
        *ttl_slot = Some(ip.ttl);
    }
    if syn && !ack {
        let retry = c.syn_seq.is_some();
        c.syn_seq.get_or_insert(tcp.seq);
        s.push(f.number, f.ts, Some(dir), EventKind::Syn { retry });
    } else if syn && ack {
        let retry = c.saw_synack;
        c.saw_synack = true;
        s.push(f.number, f.ts, Some(dir), EventKind::SynAck { retry });
    } else if ack && c.saw_synack && !c.established && dir == Direction::ClientToServer {
        c.established = true;
        s.push(f.number, f.ts, Some(dir), EventKind::Established);
    }
    if fin {
        if let Some(x) = c.fin.get_mut(dir.idx()) {
            if !*x {
                *x = true;
                s.push(f.number, f.ts, Some(dir), EventKind::Fin);
            }
        }
        if c.fin == [true, true] {
            c.closed = true;
        }
    }
    if rst {
        c.closed = true;
        s.push(
            f.number,
            f.ts,
            Some(dir),
            EventKind::Rst {
                ttl: ip.ttl,
                ip_id: ip.ip_id,
                usual_ttl,
                with_data: !tcp.payload.is_empty(),
            },
        );
    }
    if !c.rdp && !tcp.payload.is_empty() && looks_like_x224_cr(tcp.payload) {
        c.rdp = true;
    }
    let TransportState::Tcp(conn) = &mut c.transport else {
        return;
    };
    let seg = TcpSegment {
        frame: f.number,
        ts: f.ts,
        dir,
        seq: tcp.seq,
        ack: tcp.ack,
        flags: TcpFlags::from_bits(flags),
        window: tcp.window,
        options: crate::decode::tcp_options(tcp.options),
        payload: tcp.payload,
        payload_len: tcp.wire_len,
        payload_at: f.offset_of(tcp.payload),
        checksum: tcp.checksum,
        ip_id: ip.ip_id,
        ttl: ip.ttl,
    };
    let mut sink = Sink {
        session: &mut c.session,
        dissector: &mut c.dissector,
        reread: f.in_file.map(|i| i.file),
    };
    let analysis = conn.on_segment(&seg, &mut sink);
    note_analysis(&mut c.session, f, dir, analysis.flags);
    // Segment sizes before and after a direction's first hole: a path MTU black hole lets no
    // full-size segment through once it starts.
    let sizes = c.session.segment_sizes.get_mut(dir);
    if analysis.flags.contains(AnalysisFlags::LOST_SEGMENT) && sizes.after_loss.is_none() {
        sizes.after_loss = Some(0);
    }
    match sizes.after_loss.as_mut() {
        Some(after) if !analysis.flags.contains(AnalysisFlags::LOST_SEGMENT) => {
            *after = (*after).max(tcp.wire_len)
        }
        Some(_) => {}
        None => sizes.before_loss = sizes.before_loss.max(tcp.wire_len),
    }
}

/// Timeline entries for Wireshark's analysis flags on a frame.
fn note_analysis(s: &mut Session, f: &Frame<'_>, dir: Direction, flags: AnalysisFlags) {
    if flags.is_empty() {
        return;
    }
    const MAP: [(AnalysisFlags, TcpNote); 11] = [
        (AnalysisFlags::CAPTURE_DUPLICATE, TcpNote::CaptureDuplicate),
        (
            AnalysisFlags::SPURIOUS_RETRANSMISSION,
            TcpNote::SpuriousRetransmission,
        ),
        (
            AnalysisFlags::FAST_RETRANSMISSION,
            TcpNote::FastRetransmission,
        ),
        (AnalysisFlags::RETRANSMISSION, TcpNote::Retransmission),
        (AnalysisFlags::LOST_SEGMENT, TcpNote::LostSegment),
        (AnalysisFlags::ACKED_UNSEEN, TcpNote::AckedUnseen),
        (AnalysisFlags::DUPLICATE_ACK, TcpNote::DupAck),
        (AnalysisFlags::OUT_OF_ORDER, TcpNote::OutOfOrder),
        (AnalysisFlags::ZERO_WINDOW, TcpNote::ZeroWindow),
        (AnalysisFlags::ZERO_WINDOW_PROBE, TcpNote::ZeroWindowProbe),
        (AnalysisFlags::KEEP_ALIVE, TcpNote::KeepAlive),
    ];
    // One note per frame: the most telling flag (Wireshark shows them in this order too).
    if let Some((_, note)) = MAP.iter().find(|(fl, _)| flags.contains(*fl)) {
        if matches!(note, TcpNote::Retransmission | TcpNote::FastRetransmission) {
            s.throughput.retransmission(f.ts.nanos_since(s.start));
        }
        s.push(f.number, f.ts, Some(dir), EventKind::Tcp(*note));
    }
    if flags.contains(AnalysisFlags::WINDOW_FULL) && !flags.contains(AnalysisFlags::RETRANSMISSION)
    {
        s.push(
            f.number,
            f.ts,
            Some(dir),
            EventKind::Tcp(TcpNote::WindowFull),
        );
    }
}

/// A TPKT carrying an X.224 Connection Request (RDP's first PDU on any port).
fn looks_like_x224_cr(p: &[u8]) -> bool {
    matches!(p, [3, 0, _, _, _, code, ..] if code & 0xf0 == 0xe0)
}

/// The TLS secrets to analyse `path` with: the key log given (`--keylog`) merged with the
/// capture's own leading Decryption Secrets Blocks; `None` when there are none.
pub fn keys_for(
    path: &Path,
    keylog: Option<&crate::proto::keylog::KeyLog>,
) -> Option<Arc<crate::proto::keylog::KeyLog>> {
    let mut keys = keylog.cloned().unwrap_or_default();
    for s in capture::secrets::leading_secrets(path) {
        keys.add_dsb(s.kind, &s.data);
    }
    keys.has_secrets().then(|| Arc::new(keys))
}

/// Analyse a whole file, keeping its sessions in memory.
pub fn analyze_file(
    path: &Path,
    options: Options,
    progress: Option<Arc<AtomicU64>>,
) -> Result<(ReadSummary, Analysis), OpenError> {
    let mut analyzer = Analyzer::new(options);
    let summary = capture::read_file(path, progress, &mut |f| analyzer.frame(f))?;
    Ok((summary, analyzer.finish()))
}

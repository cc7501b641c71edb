//! Per-connection TCP state and analysis with Wireshark's `tcp.analysis.*` definitions.
//!
//! The per-frame flags follow Wireshark's `tcp_analyze_sequence_number()` (packet-tcp.c) and the
//! "TCP Analysis" section of the Wireshark User's Guide, check for check, in the same order, on
//! raw 32-bit sequence numbers with wrapping comparisons (RFC 9293 §3.4), so that counts compare
//! with `tshark -Y tcp.analysis.…`. Two deliberate improvements:
//!
//! * **Capture duplicates**: the same packet captured again within [`DUP_WINDOW_NS`] (same
//!   direction, IP ID, seq, ack, length, flags, window, options, payload) is flagged
//!   [`AnalysisFlags::CAPTURE_DUPLICATE`] and otherwise ignored: it is not a retransmission or a
//!   duplicate ACK, and it does not touch the analysis state or the stream.
//! * **Capture loss vs network loss**: a hole the receiver ACKs without any retransmission ever
//!   filling it is capture loss (counted in `acked_unseen` and `capture_loss_bytes`).
//!
//! Like Wireshark, raw sequence numbers of value 0 mean "not seen yet" for `nextseq`,
//! `maxseqtobeacked` and `lastack` (this reproduces its flags on crafted captures that use
//! sequence number 0; a real stream lands exactly on 0 once in 2^32 bytes).

use crate::flow::reassembly::{Reassembler, ReassemblyStats, StreamSink, seq_gt, seq_lt};
use crate::flow::segment::{TcpFlags, TcpSegment};
use crate::flow::zeek::{ZeekOrientation, ZeekTcp};
use crate::types::{Direction, FrameNo, Timestamp};
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt;

/// A repeat of the same packet within this many nanoseconds is a capture duplicate. Genuine
/// retransmissions carry a new IP ID (every common stack), and the minimum RTO is 200 ms
/// (Linux) to 300 ms (Windows); multi-point captures repeat frames within about 50 ms
/// (`arkime/wireshark-retrans.pcap`).
pub const DUP_WINDOW_NS: i64 = 100_000_000;
/// Without a usable IP ID (IPv6, or ID 0 on DF packets), a repeat counts as a capture duplicate
/// only within this window and only with identical TCP timestamps.
pub const DUP_WINDOW_NO_ID_NS: i64 = 5_000_000;
/// Wireshark's `TCP_MAX_UNACKED_SEGMENTS`.
const MAX_UNACKED: usize = 1000;
/// Wireshark 4.0's `dupacknum = -1` after an ACKed-unseen segment, read back as unsigned.
const DUPACK_NEUTRALISED: u32 = u32::MAX;
/// Recent packets remembered per direction for capture-duplicate detection.
const DUP_RING: usize = 8;

/// The analysis flags of one frame, Wireshark's `TCP_A_*` plus our capture duplicate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AnalysisFlags(pub u32);

impl AnalysisFlags {
    /// `tcp.analysis.retransmission` (generic retransmission, RTO).
    pub const RETRANSMISSION: Self = Self(1 << 0);
    /// `tcp.analysis.lost_segment`: previous segment not captured.
    pub const LOST_SEGMENT: Self = Self(1 << 1);
    /// `tcp.analysis.ack_lost_segment`: ACKed segment that wasn't captured.
    pub const ACKED_UNSEEN: Self = Self(1 << 2);
    /// `tcp.analysis.keep_alive`.
    pub const KEEP_ALIVE: Self = Self(1 << 3);
    /// `tcp.analysis.duplicate_ack`.
    pub const DUPLICATE_ACK: Self = Self(1 << 4);
    /// `tcp.analysis.zero_window`.
    pub const ZERO_WINDOW: Self = Self(1 << 5);
    /// `tcp.analysis.zero_window_probe`.
    pub const ZERO_WINDOW_PROBE: Self = Self(1 << 6);
    /// `tcp.analysis.zero_window_probe_ack`.
    pub const ZERO_WINDOW_PROBE_ACK: Self = Self(1 << 7);
    /// `tcp.analysis.keep_alive_ack`.
    pub const KEEP_ALIVE_ACK: Self = Self(1 << 8);
    /// `tcp.analysis.out_of_order`.
    pub const OUT_OF_ORDER: Self = Self(1 << 9);
    /// `tcp.analysis.fast_retransmission`.
    pub const FAST_RETRANSMISSION: Self = Self(1 << 10);
    /// `tcp.analysis.window_update`.
    pub const WINDOW_UPDATE: Self = Self(1 << 11);
    /// `tcp.analysis.window_full`.
    pub const WINDOW_FULL: Self = Self(1 << 12);
    /// `tcp.analysis.spurious_retransmission`.
    pub const SPURIOUS_RETRANSMISSION: Self = Self(1 << 13);
    /// Not Wireshark: the same packet captured again (see module docs).
    pub const CAPTURE_DUPLICATE: Self = Self(1 << 16);

    const NAMES: [(Self, &'static str); 15] = [
        (Self::RETRANSMISSION, "retransmission"),
        (Self::FAST_RETRANSMISSION, "fast_retransmission"),
        (Self::SPURIOUS_RETRANSMISSION, "spurious_retransmission"),
        (Self::OUT_OF_ORDER, "out_of_order"),
        (Self::LOST_SEGMENT, "lost_segment"),
        (Self::ACKED_UNSEEN, "ack_lost_segment"),
        (Self::DUPLICATE_ACK, "duplicate_ack"),
        (Self::ZERO_WINDOW, "zero_window"),
        (Self::ZERO_WINDOW_PROBE, "zero_window_probe"),
        (Self::ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack"),
        (Self::WINDOW_FULL, "window_full"),
        (Self::WINDOW_UPDATE, "window_update"),
        (Self::KEEP_ALIVE, "keep_alive"),
        (Self::KEEP_ALIVE_ACK, "keep_alive_ack"),
        (Self::CAPTURE_DUPLICATE, "capture_duplicate"),
    ];

    /// No flag.
    pub fn empty() -> Self {
        Self(0)
    }
    /// True when no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// True when every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
    /// True when any flag of `other` is set.
    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
    /// Set the flags of `other`.
    pub fn insert(&mut self, other: Self) {
        self.0 |= other.0;
    }
    /// Wireshark's `tcp.analysis.retransmission` field, which it also sets on fast and spurious
    /// retransmissions.
    pub fn is_retransmission(self) -> bool {
        self.intersects(
            Self::RETRANSMISSION | Self::FAST_RETRANSMISSION | Self::SPURIOUS_RETRANSMISSION,
        )
    }
    /// The `tcp.analysis.*` field names of the set flags (our own: `capture_duplicate`).
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(f, _)| self.contains(*f))
            .map(|(_, n)| n)
    }
}

impl std::ops::BitOr for AnalysisFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl fmt::Debug for AnalysisFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.names().collect();
        write!(f, "[{}]", names.join(","))
    }
}

/// The analysis of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Analysis {
    /// The flags.
    pub flags: AnalysisFlags,
    /// For a duplicate ACK: the frame of the original ACK (`tcp.analysis.duplicate_ack_frame`).
    pub dup_ack_of: Option<FrameNo>,
    /// For a duplicate ACK: its number (`tcp.analysis.duplicate_ack_num`).
    pub dup_ack_num: u32,
    /// For a capture duplicate: the frame it repeats.
    pub duplicate_of: Option<FrameNo>,
    /// For a retransmission: the frame it presumably retransmits (`tcp.analysis.rto_frame`).
    pub rto_frame: Option<FrameNo>,
    /// The data frame this frame ACKs exactly (`tcp.analysis.acks_frame`).
    pub acks_frame: Option<FrameNo>,
    /// Seconds from that frame to this ACK (`tcp.analysis.ack_rtt`).
    pub ack_rtt: Option<f64>,
}

/// How the connection closed (first FIN or RST seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseKind {
    /// Orderly close.
    Fin,
    /// Abort.
    Rst,
}

/// Counters of one direction (each counted on the direction of the frame carrying the flag, as
/// Wireshark does: `acked_unseen` and `dup_acks` are counted on the ACK sender).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DirCounters {
    /// Frames (including capture duplicates).
    pub packets: u64,
    /// Payload bytes on the wire (including capture duplicates).
    pub payload_bytes: u64,
    /// Frames Wireshark marks `tcp.analysis.retransmission` (generic, fast and spurious).
    pub retransmissions: u64,
    /// Fast retransmissions.
    pub fast_retransmissions: u64,
    /// Spurious retransmissions.
    pub spurious_retransmissions: u64,
    /// Out-of-order segments.
    pub out_of_order: u64,
    /// Previous segment not captured.
    pub lost_segments: u64,
    /// ACKed segment that wasn't captured.
    pub acked_unseen: u64,
    /// Duplicate ACKs.
    pub dup_acks: u64,
    /// Zero-window advertisements.
    pub zero_windows: u64,
    /// Zero-window probes.
    pub zero_window_probes: u64,
    /// Zero-window probe ACKs.
    pub zero_window_probe_acks: u64,
    /// Window full.
    pub window_full: u64,
    /// Window updates.
    pub window_updates: u64,
    /// Keep-alives.
    pub keep_alives: u64,
    /// Keep-alive ACKs.
    pub keep_alive_acks: u64,
    /// Capture duplicates (not counted anywhere else but `packets`/`payload_bytes`).
    pub capture_duplicates: u64,
    /// SYN segments.
    pub syns: u64,
    /// FIN segments.
    pub fins: u64,
    /// RST segments.
    pub rsts: u64,
}

impl DirCounters {
    fn count(&mut self, f: AnalysisFlags) {
        // Most segments carry no flag: one test instead of sixteen.
        if f.is_empty() {
            return;
        }
        let add = |c: &mut u64, flag: AnalysisFlags| *c += u64::from(f.contains(flag));
        self.retransmissions += u64::from(f.is_retransmission());
        add(
            &mut self.fast_retransmissions,
            AnalysisFlags::FAST_RETRANSMISSION,
        );
        add(
            &mut self.spurious_retransmissions,
            AnalysisFlags::SPURIOUS_RETRANSMISSION,
        );
        add(&mut self.out_of_order, AnalysisFlags::OUT_OF_ORDER);
        add(&mut self.lost_segments, AnalysisFlags::LOST_SEGMENT);
        add(&mut self.acked_unseen, AnalysisFlags::ACKED_UNSEEN);
        add(&mut self.dup_acks, AnalysisFlags::DUPLICATE_ACK);
        add(&mut self.zero_windows, AnalysisFlags::ZERO_WINDOW);
        add(
            &mut self.zero_window_probes,
            AnalysisFlags::ZERO_WINDOW_PROBE,
        );
        add(
            &mut self.zero_window_probe_acks,
            AnalysisFlags::ZERO_WINDOW_PROBE_ACK,
        );
        add(&mut self.window_full, AnalysisFlags::WINDOW_FULL);
        add(&mut self.window_updates, AnalysisFlags::WINDOW_UPDATE);
        add(&mut self.keep_alives, AnalysisFlags::KEEP_ALIVE);
        add(&mut self.keep_alive_acks, AnalysisFlags::KEEP_ALIVE_ACK);
        add(
            &mut self.capture_duplicates,
            AnalysisFlags::CAPTURE_DUPLICATE,
        );
    }

    fn plus(&self, o: &DirCounters) -> DirCounters {
        DirCounters {
            packets: self.packets + o.packets,
            payload_bytes: self.payload_bytes + o.payload_bytes,
            retransmissions: self.retransmissions + o.retransmissions,
            fast_retransmissions: self.fast_retransmissions + o.fast_retransmissions,
            spurious_retransmissions: self.spurious_retransmissions + o.spurious_retransmissions,
            out_of_order: self.out_of_order + o.out_of_order,
            lost_segments: self.lost_segments + o.lost_segments,
            acked_unseen: self.acked_unseen + o.acked_unseen,
            dup_acks: self.dup_acks + o.dup_acks,
            zero_windows: self.zero_windows + o.zero_windows,
            zero_window_probes: self.zero_window_probes + o.zero_window_probes,
            zero_window_probe_acks: self.zero_window_probe_acks + o.zero_window_probe_acks,
            window_full: self.window_full + o.window_full,
            window_updates: self.window_updates + o.window_updates,
            keep_alives: self.keep_alives + o.keep_alives,
            keep_alive_acks: self.keep_alive_acks + o.keep_alive_acks,
            capture_duplicates: self.capture_duplicates + o.capture_duplicates,
            syns: self.syns + o.syns,
            fins: self.fins + o.fins,
            rsts: self.rsts + o.rsts,
        }
    }
}

/// RTT samples (ACK of a data segment, Wireshark's `tcp.analysis.ack_rtt`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RttStats {
    /// Number of samples.
    pub samples: u64,
    /// Smallest sample, seconds.
    pub min: Option<f64>,
    /// Largest sample, seconds.
    pub max: Option<f64>,
    /// Sum of samples, seconds.
    pub sum: f64,
}

impl RttStats {
    fn add(&mut self, s: f64) {
        self.samples += 1;
        self.sum += s;
        self.min = Some(self.min.map_or(s, |m| m.min(s)));
        self.max = Some(self.max.map_or(s, |m| m.max(s)));
    }
    /// Mean sample, seconds.
    pub fn mean(&self) -> Option<f64> {
        (self.samples > 0).then(|| self.sum / self.samples as f64)
    }
}

/// The compact `tcp` object of CONTRACT.md.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TcpSummary {
    /// Frames Wireshark marks `tcp.analysis.retransmission` (includes fast and spurious), both
    /// directions, capture duplicates excluded.
    pub retransmissions: u64,
    /// Fast retransmissions.
    pub fast_retransmissions: u64,
    /// Previous segment not captured.
    pub lost_segments: u64,
    /// ACKed segment that wasn't captured (capture loss).
    pub acked_unseen: u64,
    /// Duplicate ACKs.
    pub dup_acks: u64,
    /// Zero-window advertisements.
    pub zero_windows: u64,
    /// Frames that were capture duplicates.
    pub capture_duplicates: u64,
    /// Initial RTT (Wireshark's `tcp.analysis.initial_rtt`) in ms, else the smallest ACK RTT.
    pub rtt_ms: Option<f64>,
    /// First FIN or RST.
    pub close: Option<CloseKind>,
    /// Who sent it.
    pub closed_by: Option<Direction>,
}

#[derive(Debug, Clone, Copy)]
struct Unacked {
    frame: FrameNo,
    seq: u32,
    nextseq: u32,
    ts: Timestamp,
}

/// Wireshark's per-direction `tcp_flow_t` analysis state.
#[derive(Debug)]
struct WsFlow {
    base_seq: Option<u32>,
    nextseq: u32,
    nextseqframe: FrameNo,
    nextseqtime: Timestamp,
    maxseqtobeacked: u32,
    lastack: u32,
    lastacktime: Timestamp,
    lastnondupack: FrameNo,
    dupacknum: u32,
    /// Last window, scaled when the scale is known (Wireshark starts at `G_MAXUINT32`).
    window: u32,
    /// -1 unknown, -2 no scaling, else the shift count.
    win_scale: i8,
    lastsegmentflags: AnalysisFlags,
    segments: VecDeque<Unacked>,
}

impl Default for WsFlow {
    fn default() -> Self {
        WsFlow {
            base_seq: None,
            nextseq: 0,
            nextseqframe: 0,
            nextseqtime: Timestamp(0),
            maxseqtobeacked: 0,
            lastack: 0,
            lastacktime: Timestamp(0),
            lastnondupack: 0,
            dupacknum: 0,
            window: u32::MAX,
            win_scale: -1,
            lastsegmentflags: AnalysisFlags::empty(),
            segments: VecDeque::new(),
        }
    }
}

/// What identifies a packet for capture-duplicate detection, folded into 64 bits (what the
/// duplicate ring keeps): IP ID, sequence and acknowledgment numbers, flags, window, length,
/// SACK blocks, timestamps, the checksum field and the first 8 payload bytes. A few folded
/// multiplies (foldhash's mixing step) rather than a general hasher fed field by field. The
/// checksum stands for the rest of the payload (a copy has the same, and it sits in the header
/// already read; the payload's last bytes were the one cache line of a large segment nothing
/// else reads).
fn fingerprint(seg: &TcpSegment<'_>) -> u64 {
    const K: [u64; 4] = [
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    ];
    let fold = |a: u64, b: u64| {
        let p = u128::from(a) * u128::from(b);
        (p as u64) ^ ((p >> 64) as u64)
    };
    // Eight bytes as one load when there are eight (a byte loop here compiled to a memcpy call).
    let word = |b: &[u8]| match b.first_chunk::<8>() {
        Some(w) => u64::from_le_bytes(*w),
        None => {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(b) {
                *d = *s;
            }
            u64::from_le_bytes(w)
        }
    };
    let head = word(seg.payload);
    let tail = u64::from(seg.checksum);
    let id = seg.ip_id.map_or(0, |i| u64::from(i) | 1 << 32);
    let ts = seg
        .options
        .timestamps
        .map_or(0, |(a, b)| (u64::from(a) << 32 | u64::from(b)) ^ K[3]);
    let header = u64::from(seg.len())
        | u64::from(seg.window) << 32
        | u64::from(seg.flags.bits()) << 48
        | u64::from(seg.options.sack_count) << 60;
    let mut h = fold(
        (u64::from(seg.seq) << 32 | u64::from(seg.ack)) ^ K[0],
        header ^ K[1],
    );
    h = fold(h ^ id, ts ^ K[2]);
    for (l, r) in seg.options.sack_blocks() {
        h = fold(h ^ (u64::from(*l) << 32 | u64::from(*r)), K[3]);
    }
    fold(h ^ head, tail ^ K[0])
}

/// One TCP connection: Wireshark analysis, reassembly, Zeek history, counters.
#[derive(Debug)]
pub struct TcpConn {
    ws: [WsFlow; 2],
    ts_mru_syn: Option<Timestamp>,
    initial_rtt: Option<f64>,
    /// Per direction, the last packets' [`fingerprint`]s (64-bit: a collision
    /// within a few packets of one connection is not a practical concern).
    recent: [VecDeque<(u64, FrameNo, Timestamp)>; 2],
    reasm: [Reassembler; 2],
    zeek: ZeekTcp,
    counters: [DirCounters; 2],
    rtt: RttStats,
    close: Option<(CloseKind, Direction, FrameNo)>,
    first_fin: [Option<FrameNo>; 2],
    first_rst: [Option<FrameNo>; 2],
    last_frame: FrameNo,
}

impl Default for TcpConn {
    fn default() -> Self {
        Self::new(ZeekOrientation::default())
    }
}

impl TcpConn {
    /// The connection went idle (seconds, far beyond [`DUP_WINDOW_NS`]): drop the
    /// capture-duplicate history, which can no longer match, and the reassembly's spare memory.
    pub fn hibernate(&mut self) {
        self.recent = Default::default();
        for r in &mut self.reasm {
            r.hibernate();
        }
    }

    /// A new connection; `zeek` says which side Zeek would call the originator.
    pub fn new(zeek: ZeekOrientation) -> Self {
        TcpConn {
            ws: [WsFlow::default(), WsFlow::default()],
            ts_mru_syn: None,
            initial_rtt: None,
            recent: [VecDeque::new(), VecDeque::new()],
            reasm: [
                Reassembler::new(Direction::ClientToServer),
                Reassembler::new(Direction::ServerToClient),
            ],
            zeek: ZeekTcp::new(zeek),
            counters: [DirCounters::default(); 2],
            rtt: RttStats::default(),
            close: None,
            first_fin: [None; 2],
            first_rst: [None; 2],
            last_frame: 0,
        }
    }

    /// Analyse one segment, feed the stream to `sink`, and return the frame's analysis.
    pub fn on_segment(&mut self, seg: &TcpSegment<'_>, sink: &mut impl StreamSink) -> Analysis {
        let d = seg.dir.idx();
        self.last_frame = seg.frame;
        // Zeek sees every packet, duplicates included (its history counts them as 't').
        self.zeek.on_segment(seg);
        if let Some(c) = self.counters.get_mut(d) {
            c.packets += 1;
            c.payload_bytes += u64::from(seg.len());
        }

        if let Some(orig) = self.capture_duplicate(seg) {
            let a = Analysis {
                flags: AnalysisFlags::CAPTURE_DUPLICATE,
                duplicate_of: Some(orig),
                ..Analysis::default()
            };
            if let Some(c) = self.counters.get_mut(d) {
                c.count(a.flags);
            }
            return a;
        }

        if seg.flags.syn() {
            if let Some(c) = self.counters.get_mut(d) {
                c.syns += 1;
            }
        }
        if seg.flags.fin() {
            self.note_close(CloseKind::Fin, seg);
        }
        if seg.flags.rst() {
            self.note_close(CloseKind::Rst, seg);
        }

        // Wireshark's initial RTT: most recent SYN to the first ACK without SYN.
        let syn_ack = seg.flags.bits() & (TcpFlags::SYN.0 | TcpFlags::ACK.0);
        if syn_ack == TcpFlags::SYN.0 {
            self.ts_mru_syn = Some(seg.ts);
        } else if syn_ack == TcpFlags::ACK.0 && self.initial_rtt.is_none() {
            if let Some(s) = self.ts_mru_syn {
                self.initial_rtt = Some(seg.ts.since(s));
            }
        }

        let a = self.wireshark(seg);
        if let Some(c) = self.counters.get_mut(d) {
            c.count(a.flags);
        }
        if let Some(r) = a.ack_rtt {
            self.rtt.add(r);
        }

        // Stream: this direction's data, then the ACK of the other direction's data.
        if let Some(r) = self.reasm.get_mut(d) {
            r.segment(seg, sink);
        }
        if seg.flags.ack() && !seg.flags.rst() {
            if let Some(r) = self.reasm.get_mut(seg.dir.reverse().idx()) {
                r.ack(seg.ack, seg.frame, sink);
            }
        }
        a
    }

    /// End of capture or eviction: give up open holes and end both streams.
    pub fn finish(&mut self, sink: &mut impl StreamSink) {
        let f = self.last_frame;
        for r in &mut self.reasm {
            r.finish(f, sink);
        }
    }

    fn note_close(&mut self, kind: CloseKind, seg: &TcpSegment<'_>) {
        let d = seg.dir.idx();
        let slot = match kind {
            CloseKind::Fin => self.first_fin.get_mut(d),
            CloseKind::Rst => self.first_rst.get_mut(d),
        };
        if let Some(s) = slot {
            s.get_or_insert(seg.frame);
        }
        if let Some(c) = self.counters.get_mut(d) {
            match kind {
                CloseKind::Fin => c.fins += 1,
                CloseKind::Rst => c.rsts += 1,
            }
        }
        if self.close.is_none() {
            self.close = Some((kind, seg.dir, seg.frame));
        }
    }

    fn capture_duplicate(&mut self, seg: &TcpSegment<'_>) -> Option<FrameNo> {
        let ring = self.recent.get_mut(seg.dir.idx())?;
        let usable_id = matches!(seg.ip_id, Some(id) if id != 0);
        let print = fingerprint(seg);
        let found = ring.iter().find_map(|(s, frame, ts)| {
            let dt = seg.ts.0.saturating_sub(ts.0);
            let same = *s == print;
            let ok = if usable_id {
                dt <= DUP_WINDOW_NS
            } else {
                seg.options.timestamps.is_some() && dt <= DUP_WINDOW_NO_ID_NS
            };
            (same && ok && dt >= 0).then_some(*frame)
        });
        if found.is_none() {
            if ring.len() >= DUP_RING {
                ring.pop_front();
            }
            ring.push_back((print, seg.frame, seg.ts));
        }
        found
    }

    /// Wireshark's `tcp_analyze_sequence_number()`.
    fn wireshark(&mut self, seg: &TcpSegment<'_>) -> Analysis {
        let [c2s, s2c] = &mut self.ws;
        let (fwd, rev) = match seg.dir {
            Direction::ClientToServer => (c2s, s2c),
            Direction::ServerToClient => (s2c, c2s),
        };
        let (seq, ack, flags, frame, ts) = (seg.seq, seg.ack, seg.flags, seg.frame, seg.ts);
        let seglen = seg.len();
        let syn_fin_rst = flags.intersects(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST);

        // Window scaling (RFC 7323 §2.2; Wireshark's verify_tcp_window_scaling): the scale is
        // known once both SYNs are seen; SYN windows are never scaled.
        if flags.syn() {
            if let Some(ws) = seg.options.wscale {
                fwd.win_scale = i8::try_from(ws.min(14)).unwrap_or(14);
            }
            if fwd.win_scale == -1 {
                fwd.win_scale = -2;
                rev.win_scale = -2;
            } else if flags.ack() && rev.win_scale == -2 {
                fwd.win_scale = -2;
            }
        }
        let raw_win = u32::from(seg.window);
        let window = if !flags.syn() && fwd.win_scale >= 0 {
            raw_win << fwd.win_scale.clamp(0, 14)
        } else {
            raw_win
        };

        let mut a = Analysis::default();
        let mut fl = AnalysisFlags::empty();

        if fwd.base_seq.is_none() {
            fwd.base_seq = Some(if flags.syn() {
                seq
            } else {
                seq.wrapping_sub(1)
            });
        }
        if rev.base_seq.is_none() && flags.ack() {
            rev.base_seq = Some(ack.wrapping_sub(1));
        }

        let at_next = fwd.nextseq == seq;
        'fwd: {
            if seglen == 1 && at_next && rev.window == 0 {
                fl.insert(AnalysisFlags::ZERO_WINDOW_PROBE);
                break 'fwd;
            }
            if window == 0 && !syn_fin_rst {
                fl.insert(AnalysisFlags::ZERO_WINDOW);
            }
            if fwd.nextseq != 0 && seq_gt(seq, fwd.nextseq) && !flags.rst() {
                fl.insert(AnalysisFlags::LOST_SEGMENT);
            }
            if seglen <= 1 && fwd.nextseq.wrapping_sub(1) == seq && !syn_fin_rst {
                fl.insert(AnalysisFlags::KEEP_ALIVE);
            }
            if seglen == 0
                && window != 0
                && window != fwd.window
                && at_next
                && ack == fwd.lastack
                && !syn_fin_rst
            {
                fl.insert(AnalysisFlags::WINDOW_UPDATE);
            }
            if seglen > 0
                && rev.win_scale != -1
                && seq.wrapping_add(seglen) == rev.lastack.wrapping_add(rev.window)
                && !syn_fin_rst
            {
                fl.insert(AnalysisFlags::WINDOW_FULL);
            }
            let same_ack = seglen == 0
                && window == fwd.window
                && at_next
                && ack == fwd.lastack
                && !syn_fin_rst;
            if same_ack && window != 0 && rev.lastsegmentflags.contains(AnalysisFlags::KEEP_ALIVE) {
                fl.insert(AnalysisFlags::KEEP_ALIVE_ACK);
                break 'fwd;
            }
            if same_ack
                && window == 0
                && rev
                    .lastsegmentflags
                    .contains(AnalysisFlags::ZERO_WINDOW_PROBE)
            {
                fl.insert(AnalysisFlags::ZERO_WINDOW_PROBE_ACK);
                break 'fwd;
            }
            if same_ack && window != 0 {
                fwd.dupacknum = if fwd.dupacknum == DUPACK_NEUTRALISED {
                    1
                } else {
                    fwd.dupacknum.saturating_add(1)
                };
                fl.insert(AnalysisFlags::DUPLICATE_ACK);
                a.dup_ack_num = fwd.dupacknum;
                a.dup_ack_of = Some(fwd.lastnondupack);
            }
        }
        if ack != fwd.lastack {
            fwd.lastnondupack = frame;
            fwd.dupacknum = 0;
        }

        // ACKed segment that wasn't captured. Wireshark 4.0 then moves the other direction's
        // 'max seq to be acked' to its highest sequence number and sets its duplicate-ACK counter
        // to -1 (an unsigned "at least 2" for the fast-retransmission test below).
        if rev.maxseqtobeacked != 0 && seq_gt(ack, rev.maxseqtobeacked) && flags.ack() {
            fl.insert(AnalysisFlags::ACKED_UNSEEN);
            rev.maxseqtobeacked = rev.nextseq;
            rev.dupacknum = DUPACK_NEUTRALISED;
        }

        // Retransmission, fast retransmission, spurious retransmission, out-of-order.
        if (seglen > 0 || flags.intersects(TcpFlags::SYN | TcpFlags::FIN))
            && !fl.contains(AnalysisFlags::KEEP_ALIVE)
        {
            let mut seq_not_advanced = fwd.nextseq != 0 && seq_lt(seq, fwd.nextseq);
            // One byte before nextseq with more than one byte: new data after a probe.
            if seglen > 1 && fwd.nextseq.wrapping_sub(1) == seq {
                seq_not_advanced = false;
            }
            'rt: {
                let since_dupack = ts.0.saturating_sub(rev.lastacktime.0);
                if seq_not_advanced
                    && rev.dupacknum >= 2
                    && rev.lastack == seq
                    && since_dupack < 20_000_000
                {
                    fl.insert(AnalysisFlags::FAST_RETRANSMISSION);
                    break 'rt;
                }
                let since_next = ts.0.saturating_sub(fwd.nextseqtime.0);
                let ooo_thres = match self.initial_rtt {
                    Some(r) if r > 0.0 => (r * 1e9) as i64,
                    _ => 3_000_000,
                };
                if seq_not_advanced
                    && since_next < ooo_thres
                    && fwd.nextseq
                        != seq.wrapping_add(seglen).wrapping_add(u32::from(
                            flags.intersects(TcpFlags::SYN | TcpFlags::FIN),
                        ))
                {
                    fl.insert(AnalysisFlags::OUT_OF_ORDER);
                    break 'rt;
                }
                if seglen > 0 && rev.lastack != 0 && !seq_gt(seq.wrapping_add(seglen), rev.lastack)
                {
                    fl.insert(AnalysisFlags::SPURIOUS_RETRANSMISSION);
                    break 'rt;
                }
                if seq_not_advanced {
                    fl.insert(AnalysisFlags::RETRANSMISSION);
                    a.rto_frame = fwd
                        .segments
                        .front()
                        .map(|u| u.frame)
                        .or(Some(fwd.nextseqframe));
                }
            }
        }

        let mut nextseq = seq.wrapping_add(seglen);
        if (seglen > 0 || flags.intersects(TcpFlags::SYN | TcpFlags::FIN))
            && fwd.segments.len() < MAX_UNACKED
        {
            if flags.intersects(TcpFlags::SYN | TcpFlags::FIN) {
                nextseq = nextseq.wrapping_add(1);
            }
            fwd.segments.push_back(Unacked {
                frame,
                seq,
                nextseq,
                ts,
            });
        }
        let zwp = fl.contains(AnalysisFlags::ZERO_WINDOW_PROBE);
        if (fwd.nextseq == 0 || seq_gt(nextseq, fwd.nextseq)) && !zwp {
            fwd.nextseq = nextseq;
            fwd.nextseqframe = frame;
            fwd.nextseqtime = ts;
        }
        if (fwd.maxseqtobeacked == 0 || fwd.maxseqtobeacked == seq) && !zwp {
            fwd.maxseqtobeacked = fwd.nextseq;
        }
        fwd.window = window;
        fwd.lastack = ack;
        fwd.lastacktime = ts;
        fwd.lastsegmentflags = fl;

        // Segments of the other direction this ACKs.
        let mut acked: Option<Unacked> = None;
        rev.segments.retain_mut(|u| {
            if ack == u.nextseq {
                if acked.is_none_or(|prev| prev.frame > u.frame) {
                    acked = Some(*u);
                }
                false
            } else if seq_gt(ack, u.seq) && !seq_gt(ack, u.nextseq) {
                u.seq = ack;
                true
            } else {
                seq_gt(u.nextseq, ack)
            }
        });
        if let Some(u) = acked {
            a.acks_frame = Some(u.frame);
            a.ack_rtt = Some(ts.since(u.ts));
        }
        a.flags = fl;
        a
    }

    /// Counters of one direction.
    pub fn counters(&self, dir: Direction) -> DirCounters {
        self.counters.get(dir.idx()).copied().unwrap_or_default()
    }

    /// Counters of both directions added.
    pub fn total(&self) -> DirCounters {
        let [a, b] = &self.counters;
        a.plus(b)
    }

    /// Reassembly counters of one direction (gaps, capture loss bytes, overlaps, ...).
    pub fn reassembly(&self, dir: Direction) -> ReassemblyStats {
        self.reasm
            .get(dir.idx())
            .map(|r| *r.stats())
            .unwrap_or_default()
    }

    /// Wireshark's `tcp.analysis.initial_rtt`, seconds.
    pub fn initial_rtt(&self) -> Option<f64> {
        self.initial_rtt
    }

    /// ACK RTT samples.
    pub fn rtt(&self) -> &RttStats {
        &self.rtt
    }

    /// How and by whom the connection was first closed, and at which frame.
    pub fn close(&self) -> Option<(CloseKind, Direction, FrameNo)> {
        self.close
    }

    /// First FIN frame sent in `dir`.
    pub fn first_fin(&self, dir: Direction) -> Option<FrameNo> {
        self.first_fin.get(dir.idx()).copied().flatten()
    }

    /// First RST frame sent in `dir`.
    pub fn first_rst(&self, dir: Direction) -> Option<FrameNo> {
        self.first_rst.get(dir.idx()).copied().flatten()
    }

    /// Zeek's history and state for this connection.
    pub fn zeek(&self) -> &ZeekTcp {
        &self.zeek
    }

    /// The CONTRACT.md `tcp` object.
    pub fn summary(&self) -> TcpSummary {
        let t = self.total();
        let rtt = self.initial_rtt.or(self.rtt.min);
        TcpSummary {
            retransmissions: t.retransmissions,
            fast_retransmissions: t.fast_retransmissions,
            lost_segments: t.lost_segments,
            acked_unseen: t.acked_unseen,
            dup_acks: t.dup_acks,
            zero_windows: t.zero_windows,
            capture_duplicates: t.capture_duplicates,
            rtt_ms: rtt.map(|s| (s * 1e6).round() / 1e3),
            close: self.close.map(|c| c.0),
            closed_by: self.close.map(|c| c.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::reassembly::NullSink;
    use crate::flow::reassembly::tests::Collect;
    use crate::flow::segment::TcpOptions;

    const C: Direction = Direction::ClientToServer;
    const S: Direction = Direction::ServerToClient;
    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const FIN: u8 = 0x01;
    const RST: u8 = 0x04;
    const PA: u8 = 0x18;

    /// One literal segment; the IP ID is the frame number unless given (so no accidental
    /// capture duplicates).
    struct P {
        frame: u64,
        ms: f64,
        dir: Direction,
        seq: u32,
        ack: u32,
        flags: u8,
        win: u16,
        payload: Vec<u8>,
        ip_id: Option<u32>,
    }

    fn p(frame: u64, ms: f64, dir: Direction, seq: u32, ack: u32, flags: u8, len: usize) -> P {
        P {
            frame,
            ms,
            dir,
            seq,
            ack,
            flags,
            win: 8192,
            payload: vec![b'x'; len],
            ip_id: Some(frame as u32),
        }
    }

    impl P {
        fn win(mut self, w: u16) -> Self {
            self.win = w;
            self
        }
        fn id(mut self, id: u32) -> Self {
            self.ip_id = Some(id);
            self
        }
        fn bytes(mut self, b: &[u8]) -> Self {
            self.payload = b.to_vec();
            self
        }
    }

    /// Runs the packets through one connection; returns each frame's flags.
    fn run_with(
        conn: &mut TcpConn,
        pkts: &[P],
        sink: &mut impl StreamSink,
    ) -> Vec<(u64, AnalysisFlags)> {
        pkts.iter()
            .map(|x| {
                let seg = TcpSegment {
                    frame: x.frame,
                    ts: Timestamp((x.ms * 1e6) as i64),
                    dir: x.dir,
                    seq: x.seq,
                    ack: x.ack,
                    flags: TcpFlags(x.flags),
                    window: x.win,
                    options: TcpOptions::default(),
                    payload: &x.payload,
                    payload_len: x.payload.len() as u32,
                    payload_at: None,
                    checksum: 0,
                    ip_id: x.ip_id,
                    ttl: 64,
                };
                (x.frame, conn.on_segment(&seg, sink).flags)
            })
            .collect()
    }

    fn run(pkts: &[P]) -> (TcpConn, Vec<(u64, AnalysisFlags)>) {
        let mut c = TcpConn::default();
        let r = run_with(&mut c, pkts, &mut NullSink);
        (c, r)
    }

    /// The frames carrying `flag`.
    fn frames(r: &[(u64, AnalysisFlags)], flag: AnalysisFlags) -> Vec<u64> {
        r.iter()
            .filter(|(_, f)| f.contains(flag))
            .map(|(n, _)| *n)
            .collect()
    }

    /// The frames carrying any flag.
    fn flagged(r: &[(u64, AnalysisFlags)]) -> Vec<u64> {
        r.iter()
            .filter(|(_, f)| !f.is_empty())
            .map(|(n, _)| *n)
            .collect()
    }

    /// SYN at 0 ms, SYN/ACK at 5 ms, ACK at 10 ms: initial RTT 10 ms. Client ISN 1000, server 5000.
    fn handshake() -> Vec<P> {
        vec![
            p(1, 0.0, C, 1000, 0, SYN, 0),
            p(2, 5.0, S, 5000, 1001, SYN | ACK, 0),
            p(3, 10.0, C, 1001, 5001, ACK, 0),
        ]
    }

    #[test]
    fn rto_retransmission_flags_only_the_retransmission() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 100),
            p(5, 21.0, C, 1101, 5001, PA, 100),
            p(6, 30.0, S, 5001, 1101, ACK, 0),
            p(7, 321.0, C, 1101, 5001, PA, 100),
            p(8, 330.0, S, 5001, 1201, ACK, 0),
        ]);
        let (c, r) = run(&v);
        assert_eq!(flagged(&r), [7]);
        assert_eq!(frames(&r, AnalysisFlags::RETRANSMISSION), [7]);
        assert_eq!(c.counters(C).retransmissions, 1);
        assert_eq!(c.initial_rtt(), Some(0.01));
        // ACK RTT samples (Wireshark's ack_rtt): frames 2 and 3 ACK the SYN and the SYN/ACK,
        // frame 6 ACKs frame 4, frame 8 ACKs the oldest copy of 1101..1201 (frame 5).
        assert_eq!(c.rtt().samples, 4);
        assert_eq!(c.rtt().max, Some(0.309));
        assert_eq!(c.summary().rtt_ms, Some(10.0));
    }

    #[test]
    fn fast_retransmission_after_duplicate_acks() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 100),
            p(5, 30.0, S, 5001, 1101, ACK, 0),
            // 1101..1201 was lost on the network (not captured either).
            p(6, 31.0, C, 1201, 5001, PA, 100),
            p(7, 41.0, S, 5001, 1101, ACK, 0),
            p(8, 42.0, C, 1301, 5001, PA, 100),
            p(9, 52.0, S, 5001, 1101, ACK, 0),
            p(10, 53.0, S, 5001, 1101, ACK, 0),
            p(11, 60.0, C, 1101, 5001, PA, 100),
            p(12, 70.0, S, 5001, 1401, ACK, 0),
        ]);
        let (c, r) = run(&v);
        assert_eq!(frames(&r, AnalysisFlags::LOST_SEGMENT), [6]);
        assert_eq!(frames(&r, AnalysisFlags::DUPLICATE_ACK), [7, 9, 10]);
        assert_eq!(frames(&r, AnalysisFlags::FAST_RETRANSMISSION), [11]);
        assert_eq!(flagged(&r), [6, 7, 9, 10, 11]);
        let mut conn = TcpConn::default();
        let a: Vec<Analysis> = v
            .iter()
            .map(|x| {
                let seg = TcpSegment {
                    frame: x.frame,
                    ts: Timestamp((x.ms * 1e6) as i64),
                    dir: x.dir,
                    seq: x.seq,
                    ack: x.ack,
                    flags: TcpFlags(x.flags),
                    window: x.win,
                    options: TcpOptions::default(),
                    payload: &x.payload,
                    payload_len: x.payload.len() as u32,
                    payload_at: None,
                    checksum: 0,
                    ip_id: x.ip_id,
                    ttl: 64,
                };
                conn.on_segment(&seg, &mut NullSink)
            })
            .collect();
        let dups: Vec<(Option<FrameNo>, u32)> = a
            .iter()
            .filter(|x| x.flags.contains(AnalysisFlags::DUPLICATE_ACK))
            .map(|x| (x.dup_ack_of, x.dup_ack_num))
            .collect();
        assert_eq!(dups, [(Some(5), 1), (Some(5), 2), (Some(5), 3)]);
        let t = c.total();
        assert_eq!(
            (t.retransmissions, t.fast_retransmissions, t.dup_acks),
            (1, 1, 3)
        );
        // The hole was filled by the retransmission: no capture loss.
        assert_eq!(c.reassembly(C).capture_loss_bytes, 0);
        assert_eq!(c.summary().acked_unseen, 0);
    }

    #[test]
    fn out_of_order_within_initial_rtt() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 100),
            p(5, 21.0, C, 1201, 5001, PA, 100),
            p(6, 22.0, C, 1101, 5001, PA, 100),
            // The same late arrival 50 ms after the highest segment is a retransmission.
            p(7, 72.0, C, 1101, 5001, PA, 100),
        ]);
        let (_, r) = run(&v);
        assert_eq!(frames(&r, AnalysisFlags::LOST_SEGMENT), [5]);
        assert_eq!(frames(&r, AnalysisFlags::OUT_OF_ORDER), [6]);
        assert_eq!(frames(&r, AnalysisFlags::RETRANSMISSION), [7]);
        assert_eq!(flagged(&r), [5, 6, 7]);
    }

    #[test]
    fn zero_window_probe_probe_ack_and_update() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 100),
            p(5, 30.0, S, 5001, 1101, ACK, 0).win(0),
            p(6, 230.0, C, 1101, 5001, PA, 1),
            p(7, 240.0, S, 5001, 1101, ACK, 0).win(0),
            p(8, 500.0, S, 5001, 1101, ACK, 0).win(4096),
            p(9, 510.0, C, 1101, 5001, PA, 100),
        ]);
        let (c, r) = run(&v);
        assert_eq!(frames(&r, AnalysisFlags::ZERO_WINDOW), [5, 7]);
        assert_eq!(frames(&r, AnalysisFlags::ZERO_WINDOW_PROBE), [6]);
        assert_eq!(frames(&r, AnalysisFlags::ZERO_WINDOW_PROBE_ACK), [7]);
        assert_eq!(frames(&r, AnalysisFlags::WINDOW_UPDATE), [8]);
        // The probe does not advance nextseq: the real data at 1101 is not a retransmission.
        assert_eq!(flagged(&r), [5, 6, 7, 8]);
        assert_eq!(c.summary().zero_windows, 2);
        assert_eq!(c.zeek().history(), "ShADaw");
    }

    #[test]
    fn keep_alive_and_its_ack() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 100),
            p(5, 30.0, S, 5001, 1101, ACK, 0),
            p(6, 45_000.0, C, 1100, 5001, ACK, 0),
            p(7, 45_010.0, S, 5001, 1101, ACK, 0),
            p(8, 90_000.0, C, 1100, 5001, ACK, 1),
        ]);
        let (c, r) = run(&v);
        assert_eq!(frames(&r, AnalysisFlags::KEEP_ALIVE), [6, 8]);
        assert_eq!(frames(&r, AnalysisFlags::KEEP_ALIVE_ACK), [7]);
        assert_eq!(flagged(&r), [6, 7, 8]);
        assert_eq!(c.total().retransmissions, 0);
    }

    #[test]
    fn sequence_wrap_is_seamless() {
        let isn = 0xFFFF_FFF0u32;
        let v = vec![
            p(1, 0.0, C, isn, 0, SYN, 0),
            p(2, 5.0, S, 7, isn.wrapping_add(1), SYN | ACK, 0),
            p(3, 10.0, C, isn.wrapping_add(1), 8, ACK, 0),
            p(4, 20.0, C, isn.wrapping_add(1), 8, PA, 100), // crosses 0
            p(5, 21.0, C, isn.wrapping_add(101), 8, PA, 100),
            p(6, 30.0, S, 8, isn.wrapping_add(201), ACK, 0),
            p(7, 400.0, C, isn.wrapping_add(101), 8, PA, 100),
        ];
        let mut c = TcpConn::default();
        let mut sink = Collect::default();
        let r = run_with(&mut c, &v, &mut sink);
        // Frame 7 is old data already ACKed: a spurious retransmission (and a retransmission).
        assert_eq!(flagged(&r), [7]);
        assert!(r[6].1.contains(AnalysisFlags::SPURIOUS_RETRANSMISSION));
        assert_eq!(sink.bytes[0].len(), 200);
        assert_eq!(c.reassembly(C).overlap_bytes, 100);
        assert_eq!(c.reassembly(C).gaps, 0);
    }

    #[test]
    fn overlapping_retransmission_first_data_wins() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 0).bytes(b"hello "),
            p(5, 21.0, C, 1011, 5001, PA, 0).bytes(b"d!"),
            p(6, 400.0, C, 1004, 5001, PA, 0).bytes(b"LO WORL"),
        ]);
        let mut c = TcpConn::default();
        let mut sink = Collect::default();
        let r = run_with(&mut c, &v, &mut sink);
        assert_eq!(sink.bytes[0], b"hello WORLd!");
        assert_eq!(c.reassembly(C).inconsistent_bytes, 2); // "LO " vs "lo "
        assert_eq!(frames(&r, AnalysisFlags::LOST_SEGMENT), [5]);
    }

    #[test]
    fn capture_duplicates_within_2ms_are_not_retransmissions() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 100),
            p(5, 21.0, C, 1001, 5001, PA, 100).id(4),
            p(6, 30.0, S, 5001, 1101, ACK, 0),
            p(7, 31.5, S, 5001, 1101, ACK, 0).id(6),
            // A genuine retransmission has a new IP ID.
            p(8, 400.0, C, 1001, 5001, PA, 100),
        ]);
        let mut c = TcpConn::default();
        let mut sink = Collect::default();
        let r = run_with(&mut c, &v, &mut sink);
        assert_eq!(frames(&r, AnalysisFlags::CAPTURE_DUPLICATE), [5, 7]);
        assert_eq!(flagged(&r), [5, 7, 8]);
        assert!(r[7].1.is_retransmission());
        let s = c.summary();
        assert_eq!(
            (s.retransmissions, s.dup_acks, s.capture_duplicates),
            (1, 0, 2)
        );
        assert_eq!(sink.bytes[0].len(), 100);
        // Zeek itself counts the duplicate as a retransmission ('T'; the genuine one is its
        // 2nd, which the logarithmic rule does not print).
        assert_eq!(c.zeek().history(), "ShADTa");
    }

    #[test]
    fn acked_gap_is_capture_loss() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 100),
            // 1101..1201 crossed the network but was not captured.
            p(5, 22.0, C, 1201, 5001, PA, 100),
            p(6, 30.0, S, 5001, 1301, ACK, 0),
        ]);
        let mut c = TcpConn::default();
        let mut sink = Collect::default();
        let r = run_with(&mut c, &v, &mut sink);
        assert_eq!(frames(&r, AnalysisFlags::LOST_SEGMENT), [5]);
        assert_eq!(frames(&r, AnalysisFlags::ACKED_UNSEEN), [6]);
        assert_eq!(c.reassembly(C).capture_loss_bytes, 100);
        assert_eq!(
            sink.events,
            ["client:data@4:100", "client:gap@6:100", "client:data@5:100"]
        );
        assert_eq!(c.summary().acked_unseen, 1);
        assert_eq!(c.zeek().history(), "ShADaG");
    }

    #[test]
    fn close_fin_then_rst_and_zeek_state() {
        let mut v = handshake();
        v.extend([
            p(4, 20.0, C, 1001, 5001, PA, 10),
            p(5, 30.0, S, 5001, 1011, PA, 20),
            p(6, 40.0, C, 1011, 5021, FIN | ACK, 0),
            p(7, 40.5, S, 5021, 1012, RST | ACK, 0).win(0),
        ]);
        let mut c = TcpConn::default();
        let mut sink = Collect::default();
        run_with(&mut c, &v, &mut sink);
        let s = c.summary();
        assert_eq!((s.close, s.closed_by), (Some(CloseKind::Fin), Some(C)));
        assert_eq!(c.first_rst(S), Some(7));
        assert_eq!(c.zeek().history(), "ShADdFr");
        assert_eq!(c.zeek().conn_state(), "RSTR");
        assert_eq!(sink.events.last().map(String::as_str), Some("server:end@7"));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"retransmissions":0,"fast_retransmissions":0,"lost_segments":0,"acked_unseen":0,"dup_acks":0,"zero_windows":0,"capture_duplicates":0,"rtt_ms":10.0,"close":"fin","closed_by":"client"}"#
        );
    }
}

//! Per-direction, in-order TCP stream reassembly (RFC 9293 §3.10.7.4: segments are processed in
//! sequence order; out-of-order segments are held until the hole before them is filled).
//!
//! * In-order data is handed to the [`StreamSink`] straight from the packet (zero copy).
//! * Out-of-order data is copied into a bounded buffer ([`MAX_BUFFERED_BYTES`],
//!   [`MAX_BUFFERED_SEGMENTS`] per direction).
//! * Overlaps: the first data seen wins; differing retransmitted bytes are counted as
//!   inconsistent (Zeek's `rexmit_inconsistency`).
//! * Holes are never papered over: when a hole is given up (the receiver ACKed past it, the
//!   stream was reset, the buffer cap was hit, or the capture ended) the sink gets a `gap`.
//!   A hole the receiver ACKed is *capture loss*: the receiver had the bytes, the sniffer did not.

use crate::flow::segment::TcpSegment;
use crate::types::{Direction, FrameNo, Timestamp};

mod recent;
use recent::Recent;

/// Receives reassembled stream bytes, in order, per direction.
pub trait StreamSink {
    /// Next in-order bytes of `dir`'s stream; `frame` is the frame that completed them.
    fn data(&mut self, dir: Direction, frame: FrameNo, ts: Timestamp, bytes: &[u8]);
    /// `missing_len` bytes of `dir`'s stream will never be delivered (a hole given up at `frame`).
    fn gap(&mut self, dir: Direction, frame: FrameNo, missing_len: u32);
    /// `dir`'s stream ended (FIN reached in order, RST, or end of capture) at `frame`.
    fn end(&mut self, dir: Direction, frame: FrameNo);
    /// Fill `buf` with the capture file's bytes from offset `at` (stream bytes delivered
    /// earlier, which the reassembler noted by position instead of copying: see
    /// [`TcpSegment::payload_at`]); false when they cannot be read again.
    fn reread(&mut self, at: u64, buf: &mut [u8]) -> bool {
        let _ = (at, buf);
        false
    }
}

/// A sink that drops everything (for callers that only want the analysis).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl StreamSink for NullSink {
    fn data(&mut self, _: Direction, _: FrameNo, _: Timestamp, _: &[u8]) {}
    fn gap(&mut self, _: Direction, _: FrameNo, _: u32) {}
    fn end(&mut self, _: Direction, _: FrameNo) {}
}

/// Cap on out-of-order bytes buffered per direction.
pub const MAX_BUFFERED_BYTES: usize = 256 * 1024;
/// Cap on out-of-order segments buffered per direction.
pub const MAX_BUFFERED_SEGMENTS: usize = 512;
/// Delivered bytes remembered per direction to compare retransmissions with (first data wins).
pub const RECENT_BYTES: usize = 4096;
/// Segments further ahead than this (bytes past the next expected sequence number) are not
/// buffered: no real window is that large (RFC 7323 §2.3 caps it at 1 GiB).
const MAX_AHEAD: u32 = 1 << 30;

/// Why a hole was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapReason {
    /// The receiver acknowledged past it: the bytes crossed the network, the capture missed them.
    Acked,
    /// The stream was reset.
    Reset,
    /// The out-of-order buffer was full.
    BufferFull,
    /// The connection ended (capture end or eviction) with the hole still open.
    Finish,
}

/// Counters of one direction's reassembly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReassemblyStats {
    /// Bytes delivered in order.
    pub delivered_bytes: u64,
    /// Holes given up.
    pub gaps: u64,
    /// Bytes in holes given up.
    pub gap_bytes: u64,
    /// Bytes in holes the receiver acknowledged (capture loss, not network loss).
    pub capture_loss_bytes: u64,
    /// Retransmitted bytes that overlapped data already seen.
    pub overlap_bytes: u64,
    /// Overlapping bytes that differed from the first copy (first copy kept).
    pub inconsistent_bytes: u64,
    /// Segments not buffered (implausibly far ahead, or after the stream ended).
    pub dropped_segments: u64,
    /// Holes given up because the out-of-order buffer was full ([`MAX_BUFFERED_BYTES`],
    /// [`MAX_BUFFERED_SEGMENTS`]).
    pub buffer_full_gaps: u64,
    /// Largest number of bytes held out of order at once.
    pub peak_buffered_bytes: u64,
}

#[derive(Debug)]
struct Pending {
    seq: u32,
    frame: FrameNo,
    ts: Timestamp,
    data: Vec<u8>,
    /// Where `data` starts in the capture file, when it can be read again from it.
    at: Option<u64>,
}

impl Pending {
    fn end(&self) -> u32 {
        self.seq.wrapping_add(len32(&self.data))
    }
}

fn len32(b: &[u8]) -> u32 {
    u32::try_from(b.len()).unwrap_or(u32::MAX)
}

/// One direction's reassembly state.
#[derive(Debug)]
pub struct Reassembler {
    dir: Direction,
    /// Next in-order sequence number; `None` until this direction's first segment.
    next: Option<u32>,
    /// Out-of-order blocks, sorted, non-overlapping, all ahead of `next`.
    pending: Vec<Pending>,
    pending_bytes: usize,
    /// The last delivered bytes, ending at `next` (cleared at every gap).
    recent: Recent,
    /// Sequence number of the FIN octet, once a FIN was seen.
    fin: Option<u32>,
    ended: bool,
    stats: ReassemblyStats,
    /// Scratch space for splitting a segment around buffered blocks (kept to avoid allocating).
    scratch: Vec<(u32, u32)>,
}

impl Reassembler {
    /// The connection went idle: forget the last delivered bytes (as at a gap: a later
    /// retransmission of them is then not compared) and give back spare capacity. Buffered
    /// out-of-order blocks stay.
    pub fn hibernate(&mut self) {
        self.recent = Recent::default();
        self.pending.shrink_to_fit();
        self.scratch = Vec::new();
    }

    /// A fresh reassembler for `dir`.
    pub fn new(dir: Direction) -> Self {
        Reassembler {
            dir,
            next: None,
            pending: Vec::new(),
            pending_bytes: 0,
            recent: Recent::default(),
            fin: None,
            ended: false,
            stats: ReassemblyStats::default(),
            scratch: Vec::new(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> &ReassemblyStats {
        &self.stats
    }

    /// Next expected sequence number, if known.
    pub fn next_seq(&self) -> Option<u32> {
        self.next
    }

    /// True once the stream ended (FIN delivered, RST or finish).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Bytes currently buffered out of order.
    pub fn buffered_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// Feed one segment sent in this direction.
    pub fn segment(&mut self, seg: &TcpSegment<'_>, sink: &mut impl StreamSink) {
        if self.ended {
            if !seg.is_empty() {
                self.stats.dropped_segments += 1;
            }
            return;
        }
        let data_seq = seg.seq.wrapping_add(u32::from(seg.flags.syn()));
        if self.next.is_none() {
            // Start at the SYN, or mid-stream at the first sequence number seen.
            self.next = Some(data_seq);
        }
        if seg.flags.rst() {
            // RST payload is not stream data (RFC 9293 §3.5.3 diagnostic text).
            self.flush(GapReason::Reset, seg.frame, sink);
            self.finish_end(seg.frame, sink);
            return;
        }
        // Only captured bytes are inserted: a snap-length cut leaves a hole that is given up
        // (as capture loss) once the receiver ACKs past it.
        if !seg.payload.is_empty() {
            let n = seg.payload.len().min(seg.len() as usize);
            let bytes = seg.payload.get(..n).unwrap_or(&[]);
            self.insert(data_seq, (bytes, seg.payload_at), seg.frame, seg.ts, sink);
        }
        if seg.flags.fin() && self.fin.is_none() {
            self.fin = Some(data_seq.wrapping_add(seg.len()));
        }
        self.check_fin(seg.frame, sink);
    }

    /// The peer acknowledged up to `ack` (exclusive) at `frame`: holes below it are capture loss.
    pub fn ack(&mut self, ack: u32, frame: FrameNo, sink: &mut impl StreamSink) {
        let Some(next) = self.next else { return };
        if self.ended {
            return;
        }
        let mut ack = ack;
        if let Some(fin) = self.fin {
            // The FIN octet is not data.
            if seq_gt(ack, fin) {
                ack = fin;
            }
        }
        let ahead = ack.wrapping_sub(next);
        if ahead == 0 || ahead >= MAX_AHEAD {
            return;
        }
        self.skip_to(ack, GapReason::Acked, frame, sink);
        self.check_fin(frame, sink);
    }

    /// Give up every hole and end the stream (capture end, eviction).
    pub fn finish(&mut self, frame: FrameNo, sink: &mut impl StreamSink) {
        if self.ended || self.next.is_none() {
            return;
        }
        self.flush(GapReason::Finish, frame, sink);
        self.finish_end(frame, sink);
    }

    fn finish_end(&mut self, frame: FrameNo, sink: &mut impl StreamSink) {
        if !self.ended {
            self.ended = true;
            self.recent = Recent::default();
            sink.end(self.dir, frame);
        }
    }

    fn check_fin(&mut self, frame: FrameNo, sink: &mut impl StreamSink) {
        if let (Some(fin), Some(next)) = (self.fin, self.next) {
            if fin == next && self.pending.is_empty() {
                self.finish_end(frame, sink);
            }
        }
    }

    /// Deliver or give up everything below `target`.
    fn skip_to(
        &mut self,
        target: u32,
        reason: GapReason,
        frame: FrameNo,
        sink: &mut impl StreamSink,
    ) {
        while let Some(next) = self.next {
            let want = target.wrapping_sub(next);
            if want == 0 || want >= MAX_AHEAD {
                return;
            }
            let first_start = self.pending.first().map(|p| p.seq);
            let hole_end = match first_start {
                Some(s) if seq_lt(s, target) => s,
                _ => target,
            };
            let hole = hole_end.wrapping_sub(next);
            if hole > 0 {
                self.give_up(hole, reason, frame, sink);
            }
            self.drain(sink);
        }
    }

    /// Give up all holes up to the end of the buffered data.
    fn flush(&mut self, reason: GapReason, frame: FrameNo, sink: &mut impl StreamSink) {
        while let (Some(next), Some(first)) = (self.next, self.pending.first()) {
            let hole = first.seq.wrapping_sub(next);
            if hole > 0 && hole < MAX_AHEAD {
                self.give_up(hole, reason, frame, sink);
            }
            self.drain(sink);
            if self.next == Some(next) {
                // Defensive: nothing moved (cannot happen with sorted, ahead-of-next blocks).
                self.pending.clear();
                self.pending_bytes = 0;
            }
        }
    }

    fn give_up(
        &mut self,
        hole: u32,
        reason: GapReason,
        frame: FrameNo,
        sink: &mut impl StreamSink,
    ) {
        if let Some(next) = self.next {
            self.next = Some(next.wrapping_add(hole));
        }
        self.recent.clear();
        self.stats.gaps += 1;
        self.stats.gap_bytes += u64::from(hole);
        if reason == GapReason::Acked {
            self.stats.capture_loss_bytes += u64::from(hole);
        }
        if reason == GapReason::BufferFull {
            self.stats.buffer_full_gaps += 1;
        }
        sink.gap(self.dir, frame, hole);
    }

    /// Deliver buffered blocks that start at `next` (trimming any part already delivered).
    fn drain(&mut self, sink: &mut impl StreamSink) {
        while let (Some(next), Some(first)) = (self.next, self.pending.first()) {
            let off = next.wrapping_sub(first.seq);
            let behind = off < MAX_AHEAD; // block starts at or before next
            if !behind {
                return;
            }
            let block = self.pending.remove(0);
            self.pending_bytes = self.pending_bytes.saturating_sub(block.data.len());
            let skip = usize::try_from(off).unwrap_or(usize::MAX);
            if let Some(rest) = block.data.get(skip..) {
                if !rest.is_empty() {
                    let at = block.at.map(|a| a + skip as u64);
                    self.deliver(block.frame, block.ts, (rest, at), sink);
                }
            }
        }
    }

    fn deliver(
        &mut self,
        frame: FrameNo,
        ts: Timestamp,
        (bytes, at): (&[u8], Option<u64>),
        sink: &mut impl StreamSink,
    ) {
        if let Some(next) = self.next {
            self.next = Some(next.wrapping_add(len32(bytes)));
        }
        self.stats.delivered_bytes += bytes.len() as u64;
        self.recent.push(bytes, at);
        sink.data(self.dir, frame, ts, bytes);
    }

    /// Compare `new` (starting `back` bytes before `next`) with the remembered delivered bytes.
    fn compare_recent(&mut self, back: u32, new: &[u8], sink: &mut impl StreamSink) {
        let back = usize::try_from(back).unwrap_or(usize::MAX);
        let n = new.len().min(back);
        self.stats.overlap_bytes += n as u64;
        if back > self.recent.len || n < 2 {
            // Not remembered (or a 1-byte keep-alive probe, which is garbage by design).
            return;
        }
        let new = new.get(..n).unwrap_or_default();
        if let Some(differing) = self.recent.differing(back, new, sink) {
            self.stats.inconsistent_bytes += differing as u64;
        }
    }

    /// Insert `payload` (at file offset `at`, when known) starting at sequence number `seq`.
    fn insert(
        &mut self,
        seq: u32,
        (payload, at): (&[u8], Option<u64>),
        frame: FrameNo,
        ts: Timestamp,
        sink: &mut impl StreamSink,
    ) {
        let Some(next) = self.next else { return };
        let len = len32(payload);
        let end = seq.wrapping_add(len);
        let mut seq = seq;
        let mut payload = payload;
        let mut at = at;
        // Part (or all) before `next`: already delivered or given up.
        let before = next.wrapping_sub(seq);
        if before > 0 && before < MAX_AHEAD {
            if !seq_gt(end, next) {
                self.compare_recent(before, payload, sink);
                return;
            }
            let cut = usize::try_from(before).unwrap_or(usize::MAX);
            let (old, rest) = payload.split_at(cut.min(payload.len()));
            self.compare_recent(before, old, sink);
            at = at.map(|a| a + old.len() as u64);
            payload = rest;
            seq = next;
        }
        let ahead = seq.wrapping_sub(next);
        if ahead >= MAX_AHEAD {
            self.stats.dropped_segments += 1;
            return;
        }
        // The common case: nothing buffered, the whole segment is one piece (no allocation).
        if self.pending.is_empty() {
            self.place(seq, (payload, at), frame, ts, sink);
            return;
        }
        // Split the new data into pieces not covered by buffered blocks (first data wins).
        let mut pieces = std::mem::take(&mut self.scratch); // (seq, len), reused
        pieces.clear();
        let mut cur = seq;
        let end = seq.wrapping_add(len32(payload));
        let mut overlap = 0u64;
        let mut differing = 0u64;
        for p in &self.pending {
            let (ps, pe) = (p.seq, p.end());
            if !seq_gt(pe, cur) {
                continue;
            }
            if !seq_lt(ps, end) {
                break;
            }
            if seq_gt(ps, cur) {
                pieces.push((cur, ps.wrapping_sub(cur)));
            }
            let o_start = if seq_gt(ps, cur) { ps } else { cur };
            let o_end = if seq_lt(pe, end) { pe } else { end };
            let n = o_end.wrapping_sub(o_start) as usize;
            let new_off = o_start.wrapping_sub(seq) as usize;
            let old_off = o_start.wrapping_sub(ps) as usize;
            if let (Some(a), Some(b)) = (
                payload.get(new_off..new_off + n),
                p.data.get(old_off..old_off + n),
            ) {
                overlap += n as u64;
                differing += a.iter().zip(b).filter(|(x, y)| x != y).count() as u64;
            }
            cur = o_end;
        }
        if seq_lt(cur, end) {
            pieces.push((cur, end.wrapping_sub(cur)));
        }
        self.stats.overlap_bytes += overlap;
        self.stats.inconsistent_bytes += differing;
        for &(pseq, plen) in &pieces {
            let off = pseq.wrapping_sub(seq) as usize;
            let Some(bytes) = payload.get(off..off + plen as usize) else {
                continue;
            };
            let at = at.map(|a| a + off as u64);
            self.place(pseq, (bytes, at), frame, ts, sink);
        }
        self.scratch = pieces;
    }

    /// Deliver one uncovered piece, or buffer it (making room by giving up holes if needed).
    fn place(
        &mut self,
        seq: u32,
        (bytes, at): (&[u8], Option<u64>),
        frame: FrameNo,
        ts: Timestamp,
        sink: &mut impl StreamSink,
    ) {
        loop {
            let Some(next) = self.next else { return };
            let ahead = seq.wrapping_sub(next);
            if ahead >= MAX_AHEAD {
                // Became old while making room: the piece's range was given up.
                return;
            }
            if ahead == 0 {
                self.deliver(frame, ts, (bytes, at), sink);
                self.drain(sink);
                return;
            }
            let fits = self.pending_bytes + bytes.len() <= MAX_BUFFERED_BYTES
                && self.pending.len() < MAX_BUFFERED_SEGMENTS;
            if fits {
                let idx = self
                    .pending
                    .iter()
                    .position(|p| seq_gt(p.seq, seq))
                    .unwrap_or(self.pending.len());
                self.pending.insert(
                    idx,
                    Pending {
                        seq,
                        frame,
                        ts,
                        data: bytes.to_vec(),
                        at,
                    },
                );
                self.pending_bytes += bytes.len();
                self.stats.peak_buffered_bytes = self
                    .stats
                    .peak_buffered_bytes
                    .max(self.pending_bytes as u64);
                return;
            }
            // Full: give up the first hole (before this piece or before the first block).
            let target = match self.pending.first() {
                Some(p) if seq_lt(p.seq, seq) => p.seq,
                _ => seq,
            };
            let hole = target.wrapping_sub(next);
            self.give_up(hole, GapReason::BufferFull, frame, sink);
            self.drain(sink);
        }
    }
}

/// `a > b` in sequence space (RFC 9293 §3.4, modulo 2^32).
pub fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// `a < b` in sequence space.
pub fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::flow::segment::{TcpFlags, TcpOptions};

    /// Records everything the reassembler hands out.
    #[derive(Debug, Default)]
    pub struct Collect {
        pub bytes: [Vec<u8>; 2],
        pub events: Vec<String>,
    }

    impl StreamSink for Collect {
        fn data(&mut self, dir: Direction, frame: FrameNo, _ts: Timestamp, bytes: &[u8]) {
            self.bytes[dir.idx()].extend_from_slice(bytes);
            self.events
                .push(format!("{}:data@{frame}:{}", dir.sender(), bytes.len()));
        }
        fn gap(&mut self, dir: Direction, frame: FrameNo, missing_len: u32) {
            self.bytes[dir.idx()].extend(std::iter::repeat_n(b'?', missing_len as usize));
            self.events
                .push(format!("{}:gap@{frame}:{missing_len}", dir.sender()));
        }
        fn end(&mut self, dir: Direction, frame: FrameNo) {
            self.events.push(format!("{}:end@{frame}", dir.sender()));
        }
    }

    fn seg(frame: FrameNo, seq: u32, flags: u8, payload: &[u8]) -> TcpSegment<'_> {
        TcpSegment {
            frame,
            ts: Timestamp(frame as i64 * 1_000_000),
            dir: Direction::ClientToServer,
            seq,
            ack: 0,
            flags: TcpFlags(flags),
            window: 1000,
            options: TcpOptions::default(),
            payload,
            payload_len: payload.len() as u32,
            payload_at: None,
            checksum: 0,
            ip_id: None,
            ttl: 64,
        }
    }

    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const FIN: u8 = 0x01;
    const RST: u8 = 0x04;

    #[test]
    fn in_order_out_of_order_and_fin() {
        let mut r = Reassembler::new(Direction::ClientToServer);
        let mut s = Collect::default();
        r.segment(&seg(1, 100, SYN, b""), &mut s);
        r.segment(&seg(2, 101, ACK, b"abc"), &mut s);
        r.segment(&seg(3, 107, ACK | FIN, b"ghi"), &mut s); // ahead: buffered
        assert_eq!(r.buffered_bytes(), 3);
        r.segment(&seg(4, 104, ACK, b"def"), &mut s); // fills the hole
        assert_eq!(s.bytes[0], b"abcdefghi");
        assert_eq!(
            s.events,
            [
                "client:data@2:3",
                "client:data@4:3",
                "client:data@3:3",
                "client:end@4"
            ]
        );
        assert!(r.is_ended());
        assert_eq!(r.stats().gaps, 0);
    }

    #[test]
    fn overlap_first_data_wins_and_counts_inconsistency() {
        let mut r = Reassembler::new(Direction::ClientToServer);
        let mut s = Collect::default();
        r.segment(&seg(1, 1000, ACK, b"AAAA"), &mut s);
        r.segment(&seg(2, 1008, ACK, b"CCCC"), &mut s); // buffered
        // Overlaps delivered "AA" (differs at 2 bytes) , fills 1004..1008, overlaps buffered "CC".
        r.segment(&seg(3, 1002, ACK, b"xxBBBBCz"), &mut s);
        assert_eq!(s.bytes[0], b"AAAABBBBCCCC");
        assert_eq!(r.stats().overlap_bytes, 4);
        assert_eq!(r.stats().inconsistent_bytes, 3); // "xx" vs "AA", "z" vs "C"
        // A pure retransmission of old identical data is overlap only.
        r.segment(&seg(4, 1000, ACK, b"AAAA"), &mut s);
        assert_eq!(r.stats().overlap_bytes, 8);
        assert_eq!(r.stats().inconsistent_bytes, 3);
    }

    #[test]
    fn ack_past_hole_is_capture_loss_gap() {
        let mut r = Reassembler::new(Direction::ClientToServer);
        let mut s = Collect::default();
        r.segment(&seg(1, 0, ACK, b"ab"), &mut s);
        r.segment(&seg(2, 5, ACK, b"fg"), &mut s); // hole 2..5
        r.ack(7, 3, &mut s);
        assert_eq!(s.bytes[0], b"ab???fg");
        assert_eq!(s.events[1], "client:gap@3:3");
        assert_eq!(r.stats().capture_loss_bytes, 3);
        // ACK further than anything seen: a trailing gap.
        r.ack(10, 4, &mut s);
        assert_eq!(r.stats().capture_loss_bytes, 6);
        assert_eq!(r.next_seq(), Some(10));
    }

    #[test]
    fn sequence_wrap() {
        let mut r = Reassembler::new(Direction::ClientToServer);
        let mut s = Collect::default();
        r.segment(&seg(1, 0xFFFF_FFF0, SYN, b""), &mut s);
        r.segment(&seg(2, 0xFFFF_FFF1, ACK, &[1u8; 15]), &mut s); // ends exactly at 0
        r.segment(&seg(3, 4, ACK, b"late"), &mut s); // ahead across the wrap
        r.segment(&seg(4, 0, ACK, b"wrap"), &mut s);
        assert_eq!(s.bytes[0].len(), 23);
        assert_eq!(s.bytes[0].get(15..).unwrap(), b"wraplate");
        assert_eq!(r.next_seq(), Some(8));
    }

    #[test]
    fn rst_gives_up_holes_and_ends() {
        let mut r = Reassembler::new(Direction::ClientToServer);
        let mut s = Collect::default();
        r.segment(&seg(1, 10, ACK, b"a"), &mut s);
        r.segment(&seg(2, 13, ACK, b"d"), &mut s);
        r.segment(&seg(3, 14, RST | ACK, b"diag"), &mut s);
        assert_eq!(s.bytes[0], b"a??d");
        assert_eq!(s.events.last().unwrap(), "client:end@3");
        assert_eq!(r.stats().capture_loss_bytes, 0);
        assert_eq!(r.stats().gap_bytes, 2);
    }

    #[test]
    fn buffer_cap_gives_up_first_hole() {
        let mut r = Reassembler::new(Direction::ClientToServer);
        let mut s = Collect::default();
        r.segment(&seg(1, 0, ACK, b"x"), &mut s);
        let block = [7u8; 1];
        // Every other byte: 512 one-byte blocks fill the segment cap.
        for i in 0..MAX_BUFFERED_SEGMENTS as u32 {
            r.segment(&seg(2, 2 + 2 * i, ACK, &block), &mut s);
        }
        assert_eq!(r.buffered_bytes(), MAX_BUFFERED_SEGMENTS);
        assert_eq!(r.stats().gaps, 0);
        r.segment(&seg(3, 5000, ACK, &block), &mut s);
        assert_eq!(r.stats().gaps, 1);
        assert_eq!(r.stats().buffer_full_gaps, 1);
        assert_eq!(s.events.get(1).unwrap(), "client:gap@3:1");
        assert!(r.buffered_bytes() <= MAX_BUFFERED_SEGMENTS);
    }

    #[test]
    fn midstream_start_and_finish() {
        let mut r = Reassembler::new(Direction::ServerToClient);
        let mut s = Collect::default();
        r.segment(&seg(1, 777, ACK, b"hi"), &mut s);
        r.segment(&seg(2, 790, ACK, b"zz"), &mut s);
        r.finish(3, &mut s);
        assert_eq!(
            s.events,
            [
                "server:data@1:2",
                "server:gap@3:11",
                "server:data@2:2",
                "server:end@3"
            ]
        );
    }
}

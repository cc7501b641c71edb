//! Zeek's conn.log `history` and `conn_state`, letter for letter.
//!
//! Follows Zeek's TCP session adapter (endpoint state machine, `update_history`,
//! `update_last_seq`, `update_window`), its TCP reassembler's content-gap rule and
//! `Connection::ScaledHistoryEntry`, and `conn_state()` in `base/protocols/conn/main.zeek`:
//!
//! * letters `s h a d f r c g t w i q ^` (upper case from the originator);
//! * `a d i q` once per direction; `s h f r` again when their sequence number changes;
//! * `c g t w` logarithmically: at the 1st, 10th, 100th, 1000th, ... occurrence;
//! * `^` when Zeek flipped originator and responder.
//!
//! Zeek's originator is the sender of the first packet unless its port heuristic flips the
//! roles ([`ZeekOrientation::from_first_packet`]); it need not be our client. Bad checksums
//! (`c`) and analysis limits (`x`) are not modelled: the decoder keeps bad-checksum packets.
//! Sequence numbers are tracked within one 2^32 wrap (connections under 4 GiB per direction).

use crate::flow::segment::{TcpFlags, TcpSegment};
use crate::types::Direction;

/// Ports Zeek's default scripts register as likely server ports (a subset: the ones whose
/// analyzers ship with Zeek and are common; 3389 for RDP).
pub const LIKELY_SERVER_PORTS: &[u16] = &[
    21, 22, 23, 25, 53, 80, 81, 88, 110, 111, 135, 137, 138, 139, 143, 389, 443, 445, 502, 513,
    514, 563, 585, 587, 614, 636, 989, 990, 992, 993, 995, 1080, 1812, 1813, 2811, 3128, 3306,
    3389, 5060, 5061, 5072, 5223, 5353, 5355, 5432, 5672, 6379, 6666, 6667, 6668, 6669, 8000, 8080,
    8888, 9200, 11211,
];

/// Whether `port` is in [`LIKELY_SERVER_PORTS`].
pub fn likely_server_port(port: u16) -> bool {
    LIKELY_SERVER_PORTS.contains(&port)
}

/// Which side Zeek calls the originator, relative to our directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeekOrientation {
    /// Our direction whose sender is Zeek's originator.
    pub orig: Direction,
    /// Zeek flipped the roles when creating the connection (history starts with `^`).
    pub flipped: bool,
}

impl Default for ZeekOrientation {
    fn default() -> Self {
        ZeekOrientation {
            orig: Direction::ClientToServer,
            flipped: false,
        }
    }
}

impl ZeekOrientation {
    /// Zeek's `TCPAnalyzer::WantConnection` heuristic for the first packet of a connection sent
    /// in direction `dir` from `src_port` to `dst_port`: a connection starting without a SYN, or
    /// with a SYN/ACK, is flipped when the source port is a likely server port (if both are, only
    /// for a non-SYN packet whose source port is the lower one).
    pub fn from_first_packet(
        dir: Direction,
        flags: TcpFlags,
        src_port: u16,
        dst_port: u16,
        likely_server: impl Fn(u16) -> bool,
    ) -> Self {
        let mut flip = false;
        if (!flags.syn() || flags.ack()) && likely_server(src_port) {
            flip = if likely_server(dst_port) {
                !flags.syn() && src_port < dst_port
            } else {
                true
            };
        }
        ZeekOrientation {
            orig: if flip { dir.reverse() } else { dir },
            flipped: flip,
        }
    }
}

/// Zeek's TCP endpoint states (`TCP_ENDPOINT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointState {
    /// Nothing seen.
    Inactive,
    /// SYN sent.
    SynSent,
    /// SYN/ACK sent first.
    SynAckSent,
    /// Mid-stream traffic without a handshake.
    Partial,
    /// Handshake done.
    Established,
    /// FIN sent.
    Closed,
    /// RST sent.
    Reset,
}

const HIST_SYN: u32 = 0x1;
const HIST_FIN: u32 = 0x2;
const HIST_RST: u32 = 0x4;
const HIST_FIN_RST: u32 = 0x8;
const HIST_DATA: u32 = 0x10;
const HIST_ACK: u32 = 0x20;
const HIST_MULTI_FLAG: u32 = 0x80;
const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;
/// Cap on the out-of-order blocks remembered per endpoint for gap detection.
const MAX_BLOCKS: usize = 256;

fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// A logarithmic history counter (`Connection::ScaledHistoryEntry`, base 10).
#[derive(Debug, Clone, Copy)]
struct Scaled {
    count: u32,
    threshold: u32,
}

impl Default for Scaled {
    fn default() -> Self {
        Scaled {
            count: 0,
            threshold: 1,
        }
    }
}

impl Scaled {
    /// Count one occurrence; true when a letter is due.
    fn hit(&mut self) -> bool {
        self.count = self.count.wrapping_add(1);
        if self.count == self.threshold {
            match self.threshold.checked_mul(10) {
                Some(t) => self.threshold = t,
                None => self.count = 0,
            }
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Clone)]
struct Endpoint {
    state: EndpointState,
    prev_state: EndpointState,
    start_seq: u32,
    last_seq: u32,
    ack_seq: u32,
    hist_last_syn: i64,
    hist_last_fin: i64,
    hist_last_rst: i64,
    fin_cnt: u32,
    fin_seq: i64,
    rxmt: Scaled,
    win0: Scaled,
    gap: Scaled,
    /// Reassembler: next undelivered relative sequence number.
    last_reassem: u64,
    trim_seq: u64,
    /// Out-of-order blocks above `last_reassem`: sorted, merged `[seq, upper)`.
    blocks: Vec<(u64, u64)>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            state: EndpointState::Inactive,
            prev_state: EndpointState::Inactive,
            start_seq: 0,
            last_seq: 0,
            ack_seq: 0,
            hist_last_syn: 0,
            hist_last_fin: 0,
            hist_last_rst: 0,
            fin_cnt: 0,
            fin_seq: 0,
            rxmt: Scaled::default(),
            win0: Scaled::default(),
            gap: Scaled::default(),
            last_reassem: 1,
            trim_seq: 1,
            blocks: Vec::new(),
        }
    }
}

impl Endpoint {
    fn set_state(&mut self, s: EndpointState) {
        if s != self.state {
            self.prev_state = self.state;
            self.state = s;
        }
    }
    fn init_seqs(&mut self, start: u32, last: u32) {
        self.start_seq = start;
        self.ack_seq = start;
        self.last_seq = last;
    }
    /// Zeek's `is_clean`: established, or closed after being established.
    fn is_clean(&self) -> bool {
        self.state == EndpointState::Established
            || (self.state == EndpointState::Closed
                && self.prev_state == EndpointState::Established)
    }
    fn rel(&self, x: u32) -> i32 {
        seq_delta(x, self.start_seq)
    }
}

/// The two endpoints by Zeek role: 0 originator, anything else responder.
#[derive(Debug, Clone, Default)]
struct Eps([Endpoint; 2]);

impl std::ops::Index<usize> for Eps {
    type Output = Endpoint;
    fn index(&self, i: usize) -> &Endpoint {
        let [o, r] = &self.0;
        if i == 0 { o } else { r }
    }
}

impl std::ops::IndexMut<usize> for Eps {
    fn index_mut(&mut self, i: usize) -> &mut Endpoint {
        let [o, r] = &mut self.0;
        if i == 0 { o } else { r }
    }
}

/// Zeek's view of one TCP connection: endpoint states and the history string.
#[derive(Debug, Clone)]
pub struct ZeekTcp {
    /// Endpoints by Zeek role: 0 originator, 1 responder.
    ep: Eps,
    orig_dir: Direction,
    history: String,
    hist_seen: u32,
    is_partial: bool,
    first_seen: (bool, bool),
}

impl ZeekTcp {
    /// A new connection with the given orientation.
    pub fn new(o: ZeekOrientation) -> Self {
        ZeekTcp {
            ep: Eps::default(),
            orig_dir: o.orig,
            history: if o.flipped {
                "^".to_string()
            } else {
                String::new()
            },
            hist_seen: 0,
            is_partial: false,
            first_seen: (false, false),
        }
    }

    /// The `history` field.
    pub fn history(&self) -> &str {
        &self.history
    }

    /// Our direction whose sender Zeek calls the originator (after any flip).
    pub fn orig_dir(&self) -> Direction {
        self.orig_dir
    }

    /// Endpoint states `(originator, responder)`.
    pub fn states(&self) -> (EndpointState, EndpointState) {
        (self.ep[0].state, self.ep[1].state)
    }

    fn add(&mut self, is_orig: bool, code: char) {
        self.history.push(if is_orig {
            code
        } else {
            code.to_ascii_lowercase()
        });
    }

    /// Zeek's `CheckHistory`: add the letter the first time; true when it was already seen.
    fn check(&mut self, is_orig: bool, mask: u32, code: char) -> bool {
        let mask = if is_orig { mask } else { mask << 16 };
        if self.hist_seen & mask == 0 {
            self.hist_seen |= mask;
            self.add(is_orig, code);
            false
        } else {
            true
        }
    }

    fn scaled(&mut self, role: usize, code: char, which: fn(&mut Endpoint) -> &mut Scaled) {
        let due = which(&mut self.ep[role]).hit();
        if due {
            self.add(role == 0, code);
        }
    }

    fn mark_seen(&mut self, role: usize) {
        if role == 0 {
            self.first_seen.0 = true;
        } else {
            self.first_seen.1 = true;
        }
    }

    fn flip_roles(&mut self) {
        self.ep.0.swap(0, 1);
        self.orig_dir = self.orig_dir.reverse();
        self.first_seen = (self.first_seen.1, self.first_seen.0);
        self.is_partial = false;
        self.history.push('^');
    }

    /// Process one packet (Zeek's `TCPSessionAdapter::Process`).
    pub fn on_segment(&mut self, seg: &TcpSegment<'_>) {
        let is_orig = seg.dir == self.orig_dir;
        let (e, p) = if is_orig { (0usize, 1usize) } else { (1, 0) };
        let flags = seg.flags;
        let len = i64::from(seg.len());
        let base_seq = seg.seq;
        let ack_seq = seg.ack;

        // SetPartialStatus
        if is_orig {
            if !self.first_seen.0 {
                self.is_partial = !flags.syn() || flags.ack();
            }
        } else if !self.first_seen.1 && !self.is_partial {
            self.is_partial = !flags.syn();
        }

        let mut seg_len = seg.len();
        if flags.syn() {
            seg_len = seg_len.wrapping_add(1);
        }
        if flags.fin() {
            seg_len = seg_len.wrapping_add(1);
        }
        if flags.rst() {
            seg_len = seg_len.wrapping_sub(seg.len());
        }
        let seq_one_past = base_seq.wrapping_add(seg_len);

        // init_endpoint
        {
            let ep = &mut self.ep[e];
            match ep.state {
                EndpointState::Inactive => {
                    if flags.syn() {
                        ep.init_seqs(base_seq, seq_one_past);
                    } else {
                        ep.init_seqs(base_seq.wrapping_sub(1), base_seq);
                    }
                }
                EndpointState::SynSent | EndpointState::SynAckSent => {
                    if flags.syn() && base_seq != ep.start_seq {
                        ep.init_seqs(base_seq, seq_one_past);
                    }
                }
                EndpointState::Established | EndpointState::Partial => {
                    if flags.syn() {
                        ep.init_seqs(base_seq, seq_one_past);
                    }
                }
                EndpointState::Reset => {
                    if flags.syn() && ep.prev_state == EndpointState::Inactive {
                        ep.init_seqs(base_seq, seq_one_past);
                    }
                }
                EndpointState::Closed => {}
            }
        }

        let delta = self.ep[e].rel(base_seq);
        let seq_underflow = delta < 0;
        let rel_seq = i64::from(delta);

        // update_history
        let bits = u8::from(flags.syn()) + u8::from(flags.fin()) + u8::from(flags.rst());
        if bits > 1 {
            if flags.fin() && flags.rst() {
                self.check(is_orig, HIST_FIN_RST, 'I');
            } else {
                self.check(is_orig, HIST_MULTI_FLAG, 'Q');
            }
        } else if bits == 1 {
            if flags.syn() {
                let code = if flags.ack() { 'H' } else { 'S' };
                if self.check(is_orig, HIST_SYN, code) && rel_seq != self.ep[e].hist_last_syn {
                    self.add(is_orig, code);
                }
                self.ep[e].hist_last_syn = rel_seq;
            }
            if flags.fin() {
                if self.check(is_orig, HIST_FIN, 'F') && rel_seq + len != self.ep[e].hist_last_fin {
                    self.add(is_orig, 'F');
                }
                self.ep[e].hist_last_fin = rel_seq + len;
            }
            if flags.rst() {
                if self.check(is_orig, HIST_RST, 'R') && rel_seq != self.ep[e].hist_last_rst {
                    self.add(is_orig, 'R');
                }
                self.ep[e].hist_last_rst = rel_seq;
            }
        } else if len > 0 {
            self.check(is_orig, HIST_DATA, 'D');
        } else if flags.ack() {
            self.check(is_orig, HIST_ACK, 'A');
        }

        // update_window: zero windows.
        if seg.window == 0
            && !flags.rst()
            && self.ep[p].state != EndpointState::Closed
            && self.ep[e].state != EndpointState::Reset
        {
            self.scaled(e, 'W', |x| &mut x.win0);
        }

        if flags.fin() {
            let ep = &mut self.ep[e];
            ep.fin_cnt += 1;
            ep.fin_seq = rel_seq + i64::from(seg_len);
        }

        let mut rel_ack: i64 = 0;
        if flags.ack() {
            if self.ep[p].state == EndpointState::Inactive {
                rel_ack = 1;
                let s = ack_seq.wrapping_sub(1);
                self.ep[p].init_seqs(s, s);
            } else {
                let d = self.ep[p].rel(ack_seq);
                if d < 0 {
                    rel_ack = 0;
                } else {
                    rel_ack = i64::from(d);
                    if !flags.rst() {
                        let peer = &mut self.ep[p];
                        let delta_ack = seq_delta(ack_seq, peer.ack_seq);
                        if !(ack_seq == 0 && delta_ack > TOO_LARGE_SEQ_DELTA) && delta_ack > 0 {
                            peer.ack_seq = ack_seq;
                        }
                    }
                }
            }
        }

        // update_last_seq
        let delta_last = seq_delta(seq_one_past, self.ep[e].last_seq);
        {
            let ep = &self.ep[e];
            let big = !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta_last);
            if (flags.syn() || flags.rst()) && big {
            } else if flags.fin() && ep.last_seq == ep.start_seq.wrapping_add(1) {
                self.ep[e].last_seq = seq_one_past;
            } else if ep.state == EndpointState::Reset {
            } else if delta_last > 0 {
                self.ep[e].last_seq = seq_one_past;
            } else if len > 0 {
                self.scaled(e, 'T', |x| &mut x.rxmt);
            }
        }

        self.state_machine(is_orig, e, p, base_seq, len, flags);
        // The state machine may have flipped the roles.
        let is_orig = seg.dir == self.orig_dir;
        let (e, p) = if is_orig { (0usize, 1usize) } else { (1, 0) };

        if flags.ack() {
            self.ack_received(p, rel_ack);
        }
        // Zeek reassembles only fully captured payloads (`truncated_tcp_payload` otherwise).
        if len > 0 && !flags.rst() && !seq_underflow && seg.is_complete() {
            let rel_data = if flags.syn() { rel_seq + 1 } else { rel_seq };
            self.data_sent(e, rel_data.max(0) as u64, len as u64);
        }
        self.mark_seen(e);
    }

    fn state_machine(
        &mut self,
        is_orig: bool,
        e: usize,
        p: usize,
        base_seq: u32,
        len: i64,
        flags: TcpFlags,
    ) {
        use EndpointState::*;
        match self.ep[e].state {
            Inactive => {
                if flags.syn() {
                    if is_orig {
                        self.ep[e].set_state(if flags.ack() { SynAckSent } else { SynSent });
                    } else {
                        if !flags.ack()
                            && self.ep[p].state == SynAckSent
                            && base_seq == self.ep[e].start_seq
                        {
                            // SYN/SYN-ACK reversal: flip the endpoints and establish.
                            self.ep[p].set_state(Established);
                            self.flip_roles();
                            // After the flip, this endpoint is the originator at index 0.
                            self.ep[0].set_state(Established);
                            self.first_seen.0 = true;
                            return;
                        }
                        if self.ep[p].state == SynSent {
                            self.ep[p].set_state(Established);
                        }
                        self.ep[e].set_state(Established);
                    }
                }
                if flags.fin() {
                    self.ep[e].set_state(Closed);
                }
                if flags.rst() {
                    self.ep[e].set_state(Reset);
                }
                if self.ep[e].state == Inactive {
                    if !is_orig && len == 0 && self.ep[0].state == SynSent {
                        // An ACK of the SYN before the SYN/ACK: not a partial connection.
                    } else if flags.ack() && self.ep[p].state == Established {
                        self.ep[e].set_state(Established);
                        self.is_partial = false;
                        self.mark_seen(e);
                    } else {
                        self.ep[e].set_state(Partial);
                    }
                }
            }
            SynSent | SynAckSent => {
                if flags.fin() {
                    self.ep[e].set_state(Closed);
                }
                if flags.rst() {
                    self.ep[e].set_state(Reset);
                }
            }
            Established | Partial => {
                if flags.syn()
                    && self.ep[e].state == Partial
                    && self.ep[p].state == Inactive
                    && !flags.ack()
                {
                    self.ep[e].set_state(SynSent);
                }
                if flags.fin() && !flags.rst() {
                    self.ep[e].set_state(Closed);
                    if self.ep[p].state == Reset && self.ep[p].prev_state == Closed {
                        self.ep[p].set_state(Closed);
                    }
                }
                if flags.rst() {
                    self.ep[e].set_state(Reset);
                }
            }
            Closed => {
                if flags.rst() && self.ep[p].state != Closed {
                    self.ep[e].set_state(Reset);
                }
            }
            Reset => {}
        }
    }

    /// The peer acknowledged endpoint `role`'s data up to relative `seq`
    /// (`TCP_Reassembler::AckReceived` → `TrimToSeq` → `Undelivered`).
    fn ack_received(&mut self, role: usize, seq: i64) {
        let mut seq = seq.max(0) as u64;
        {
            let ep = &self.ep[role];
            if ep.fin_cnt > 0 && (seq as i64) >= ep.fin_seq {
                seq = (ep.fin_seq - 1).max(0) as u64;
            }
            if seq <= ep.trim_seq {
                return;
            }
        }
        if seq > self.ep[role].last_reassem {
            self.undelivered(role, seq);
        }
        self.ep[role].trim_seq = seq;
    }

    fn undelivered(&mut self, role: usize, up_to: u64) {
        if up_to <= 2 && self.is_partial {
            return;
        }
        let other = 1 - role;
        loop {
            let ep = &self.ep[role];
            let next_block = ep
                .blocks
                .first()
                .copied()
                .filter(|(s, _)| *s < up_to && *s >= ep.last_reassem);
            let Some((bseq, bupper)) = next_block else {
                break;
            };
            if bseq > ep.last_reassem {
                self.gap(role, other);
            }
            let ep = &mut self.ep[role];
            ep.last_reassem = bupper;
            ep.blocks.remove(0);
        }
        if up_to > self.ep[role].last_reassem {
            self.gap(role, other);
        }
        let ep = &mut self.ep[role];
        ep.last_reassem = ep.last_reassem.max(up_to);
        let lr = ep.last_reassem;
        ep.blocks.retain(|(_, u)| *u > lr);
    }

    fn gap(&mut self, role: usize, other: usize) {
        if self.ep[role].is_clean() && self.ep[other].is_clean() {
            self.scaled(role, 'G', |x| &mut x.gap);
        }
    }

    /// Endpoint `role` sent `len` bytes at relative `seq` (`TCP_Reassembler::DataSent`).
    fn data_sent(&mut self, role: usize, seq: u64, len: u64) {
        let ep = &mut self.ep[role];
        let ack = ep.rel(ep.ack_seq).max(0) as u64;
        let mut seq = seq;
        let upper = seq + len;
        if seq < ack {
            if upper <= ack {
                return;
            }
            seq = ack;
        }
        if upper <= ep.trim_seq {
            return;
        }
        seq = seq.max(ep.trim_seq);
        if seq <= ep.last_reassem {
            // Delivers, along with any block now contiguous.
            ep.last_reassem = ep.last_reassem.max(upper);
            while let Some((s, u)) = ep.blocks.first().copied() {
                if s > ep.last_reassem {
                    break;
                }
                ep.last_reassem = ep.last_reassem.max(u);
                ep.blocks.remove(0);
            }
            return;
        }
        // Out of order: merge into the block list.
        let (mut s, mut u) = (seq, upper);
        ep.blocks.retain(|(bs, bu)| {
            if *bu < s || *bs > u {
                true
            } else {
                s = s.min(*bs);
                u = u.max(*bu);
                false
            }
        });
        if ep.blocks.len() < MAX_BLOCKS {
            let idx = ep.blocks.partition_point(|(bs, _)| *bs < s);
            ep.blocks.insert(idx, (s, u));
        }
    }

    /// Zeek's `conn_state` for this connection now.
    pub fn conn_state(&self) -> &'static str {
        use EndpointState::*;
        let (os, rs) = (self.ep[0].state, self.ep[1].state);
        let o_inactive = matches!(os, Inactive | Partial);
        let r_inactive = matches!(rs, Inactive | Partial);
        if rs == Reset {
            if matches!(os, SynSent | SynAckSent)
                || (os == Reset && self.size(0) == 0 && self.size(1) == 0)
            {
                "REJ"
            } else if o_inactive {
                "RSTRH"
            } else {
                "RSTR"
            }
        } else if os == Reset {
            if r_inactive {
                if rstos0_history(&self.history) {
                    "RSTOS0"
                } else {
                    "OTH"
                }
            } else {
                "RSTO"
            }
        } else if rs == Closed && os == Closed {
            "SF"
        } else if os == Closed {
            if r_inactive { "SH" } else { "S2" }
        } else if rs == Closed {
            if o_inactive { "SHR" } else { "S3" }
        } else if os == SynSent && rs == Inactive {
            "S0"
        } else if os == Established && rs == Established {
            "S1"
        } else {
            "OTH"
        }
    }

    /// Zeek's endpoint `size` (payload bytes from sequence numbers, `TCP_Endpoint::Size`).
    pub fn size(&self, role: usize) -> u64 {
        let ep = &self.ep[role];
        let peer_inactive = self.ep[usize::from(role == 0)].state == EndpointState::Inactive;
        if ep.prev_state == EndpointState::SynSent
            && ep.state == EndpointState::Reset
            && peer_inactive
            && ep.ack_seq != ep.start_seq
        {
            return 0;
        }
        let last = i64::from(ep.rel(ep.last_seq));
        let ack = i64::from(ep.rel(ep.ack_seq));
        let mut size = last.max(ack).max(0) as u64;
        size = size.saturating_sub(1);
        if ep.fin_cnt > 0 && size != 0 {
            size -= 1;
        }
        size
    }
}

/// `/\^?S[^HAFGIQ]*R.*/ == history` (an anchored Zeek pattern match).
fn rstos0_history(h: &str) -> bool {
    let h = h.strip_prefix('^').unwrap_or(h);
    let Some(rest) = h.strip_prefix('S') else {
        return false;
    };
    rest.chars().find(|c| "HAFGIQR".contains(*c)) == Some('R')
}

/// Zeek's view of a UDP flow: history `D`/`d` and `conn_state`.
#[derive(Debug, Clone, Default)]
pub struct ZeekUdp {
    active: [bool; 2],
    history: String,
}

impl ZeekUdp {
    /// One datagram; `from_orig` when sent by Zeek's originator (the first sender).
    pub fn on_datagram(&mut self, from_orig: bool, payload_len: usize) {
        let i = usize::from(!from_orig);
        if payload_len > 0 && !self.history.contains(if from_orig { 'D' } else { 'd' }) {
            self.history.push(if from_orig { 'D' } else { 'd' });
        }
        if let Some(a) = self.active.get_mut(i) {
            *a = true;
        }
    }
    /// The `history` field.
    pub fn history(&self) -> &str {
        &self.history
    }
    /// Zeek's UDP `conn_state`.
    pub fn conn_state(&self) -> &'static str {
        match self.active {
            [true, true] => "SF",
            [true, false] => "S0",
            [false, true] => "SHR",
            [false, false] => "OTH",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::segment::TcpOptions;
    use crate::types::Timestamp;

    const C: Direction = Direction::ClientToServer;
    const S: Direction = Direction::ServerToClient;

    fn feed(z: &mut ZeekTcp, pkts: &[(Direction, u32, u32, u8, usize)]) {
        let buf = [0u8; 64];
        for (i, (dir, seq, ack, flags, len)) in pkts.iter().enumerate() {
            z.on_segment(&TcpSegment {
                frame: i as u64 + 1,
                ts: Timestamp(i as i64),
                dir: *dir,
                seq: *seq,
                ack: *ack,
                flags: TcpFlags(*flags),
                window: 100,
                options: TcpOptions::default(),
                payload: &buf[..*len],
                payload_len: *len as u32,
                payload_at: None,
                checksum: 0,
                ip_id: None,
                ttl: 64,
            });
        }
    }

    fn zeek(pkts: &[(Direction, u32, u32, u8, usize)]) -> (String, &'static str) {
        let mut z = ZeekTcp::new(ZeekOrientation::default());
        feed(&mut z, pkts);
        (z.history().to_string(), z.conn_state())
    }

    #[test]
    fn conn_states() {
        assert_eq!(zeek(&[(C, 10, 0, 0x02, 0)]), ("S".into(), "S0"));
        assert_eq!(
            zeek(&[(C, 10, 0, 0x02, 0), (C, 10, 0, 0x02, 0)]),
            ("S".into(), "S0")
        );
        // Refused: SYN answered by RST/ACK.
        assert_eq!(
            zeek(&[(C, 10, 0, 0x02, 0), (S, 0, 11, 0x14, 0)]),
            ("Sr".into(), "REJ")
        );
        // SYN then FIN, never answered.
        assert_eq!(
            zeek(&[(C, 10, 0, 0x02, 0), (C, 11, 0, 0x01, 0)]),
            ("SF".into(), "SH")
        );
        // Established, not closed.
        let hs = [
            (C, 10, 0, 0x02, 0),
            (S, 50, 11, 0x12, 0),
            (C, 11, 51, 0x10, 0),
        ];
        assert_eq!(zeek(&hs), ("ShA".into(), "S1"));
        let mut full = hs.to_vec();
        full.extend([
            (C, 11, 51, 0x18, 5),
            (S, 51, 16, 0x18, 7),
            (C, 16, 58, 0x11, 0),
            (S, 58, 17, 0x11, 0),
            (C, 17, 59, 0x10, 0),
        ]);
        assert_eq!(zeek(&full), ("ShADdFf".into(), "SF"));
        // Originator closes, responder never answers the FIN.
        assert_eq!(zeek(&full[..6]), ("ShADdF".into(), "S2"));
        // Originator aborts an established connection.
        let mut rsto = hs.to_vec();
        rsto.push((C, 11, 51, 0x14, 0));
        assert_eq!(zeek(&rsto), ("ShAR".into(), "RSTO"));
    }

    #[test]
    fn syn_ack_first_is_flipped_on_server_port() {
        let o =
            ZeekOrientation::from_first_packet(S, TcpFlags(0x12), 3389, 50000, likely_server_port);
        assert_eq!(
            o,
            ZeekOrientation {
                orig: C,
                flipped: true
            }
        );
        let mut z = ZeekTcp::new(o);
        feed(&mut z, &[(S, 50, 11, 0x12, 0), (C, 11, 51, 0x10, 0)]);
        assert_eq!((z.history(), z.conn_state()), ("^hA", "S1"));
        // A SYN is never flipped; neither is traffic from a non-server port.
        let o =
            ZeekOrientation::from_first_packet(C, TcpFlags(0x02), 3389, 3389, likely_server_port);
        assert!(!o.flipped);
        let o =
            ZeekOrientation::from_first_packet(C, TcpFlags(0x10), 50000, 3389, likely_server_port);
        assert_eq!(
            o,
            ZeekOrientation {
                orig: C,
                flipped: false
            }
        );
    }

    #[test]
    fn logarithmic_letters() {
        let mut s = Scaled::default();
        let due: Vec<u32> = (1..=1000).filter(|_| s.hit()).collect();
        assert_eq!(due, [1, 10, 100, 1000]);
    }

    #[test]
    fn rstos0_pattern() {
        assert!(rstos0_history("SR"));
        assert!(rstos0_history("^SaR"));
        assert!(rstos0_history("SsrR"));
        assert!(!rstos0_history("SaFR"));
        assert!(!rstos0_history("R"));
        assert!(rstos0_history("ShR")); // the pattern is case-sensitive
        assert!(!rstos0_history("SHR"));
    }

    #[test]
    fn udp_history_and_state() {
        let mut u = ZeekUdp::default();
        u.on_datagram(true, 1232);
        u.on_datagram(true, 1232);
        assert_eq!((u.history(), u.conn_state()), ("D", "S0"));
        u.on_datagram(false, 100);
        assert_eq!((u.history(), u.conn_state()), ("Dd", "SF"));
    }
}

//! Sessions and their timelines: the typed, ordered events of one connection, which the diagnosis
//! and the frontends read. Nothing here parses bytes.

mod stats;

pub use stats::Throughput;

use crate::decode::{IcmpKind, Transport};
use crate::types::{Direction, FrameNo, Timestamp};
use std::net::{IpAddr, SocketAddr};

/// Most events kept per session; later ones are counted, not stored (bounded memory).
pub const MAX_EVENTS: usize = 4_096;

/// One thing that happened in a session, at a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The frame that showed it (for a PDU spanning segments: the frame that completed it).
    pub frame: FrameNo,
    /// When.
    pub ts: Timestamp,
    /// Who sent it; `None` for a third party (an ICMP error from a router).
    pub dir: Option<Direction>,
    /// What it was.
    pub kind: EventKind,
}

/// What an event is.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A TCP segment with SYN and no ACK (connection attempt); `retry` for a repeated SYN.
    Syn {
        /// A retransmitted SYN.
        retry: bool,
    },
    /// SYN+ACK from the responder.
    SynAck {
        /// A retransmitted SYN+ACK.
        retry: bool,
    },
    /// The three-way handshake completed (the originator's ACK of the SYN+ACK).
    Established,
    /// A FIN.
    Fin,
    /// A RST, with the IP facts that tell a forged one from the peer's own.
    Rst {
        /// IP TTL / hop limit of the RST.
        ttl: u8,
        /// IPv4 identification of the RST.
        ip_id: Option<u32>,
        /// The sender's usual TTL (from its earlier packets), if it sent any.
        usual_ttl: Option<u8>,
        /// The RST carried data (some stacks put a reason there).
        with_data: bool,
    },
    /// A TCP analysis finding on this frame (Wireshark's `tcp.analysis.*`).
    Tcp(TcpNote),
    /// Missing bytes in one direction that reassembly gave up on.
    Gap {
        /// How many bytes.
        len: u64,
    },
    /// An ICMP error about this connection.
    Icmp {
        /// What kind.
        kind: IcmpKind,
        /// Who sent it (a router, a firewall, the server).
        from: IpAddr,
    },
    /// A summary of payload bytes sent in one direction over an interval (TUI ladder).
    Data {
        /// Bytes of payload.
        bytes: u64,
        /// Segments.
        segments: u32,
    },
    /// A PDU that could not be parsed; the rest of that direction's stream may be skipped.
    Malformed {
        /// The layer, e.g. `TLS`.
        layer: crate::proto::Layer,
        /// What was wrong.
        what: String,
    },
}

impl EventKind {
    /// A one-line label for ladders and lists, e.g. `SYN`, `RST (TTL 61, usual 64)`.
    pub fn label(&self) -> String {
        match self {
            EventKind::Syn { retry: false } => "SYN".into(),
            EventKind::Syn { retry: true } => "SYN (retry)".into(),
            EventKind::SynAck { retry: false } => "SYN, ACK".into(),
            EventKind::SynAck { retry: true } => "SYN, ACK (retry)".into(),
            EventKind::Established => "ACK (connected)".into(),
            EventKind::Fin => "FIN".into(),
            EventKind::Rst {
                ttl,
                usual_ttl,
                with_data,
                ..
            } => {
                let mut s = "RST".to_string();
                if let Some(u) = usual_ttl {
                    if u != ttl {
                        s.push_str(&format!(" (TTL {ttl}, usual {u})"));
                    }
                }
                if *with_data {
                    s.push_str(" with data");
                }
                s
            }
            EventKind::Tcp(n) => format!("[{}]", n.name()),
            EventKind::Gap { len } => format!("[{len} bytes missing]"),
            EventKind::Icmp { kind, from } => format!("ICMP {} from {from}", kind.describe()),
            EventKind::Data { bytes, segments } => {
                format!("data: {bytes} bytes in {segments} segments")
            }
            EventKind::Malformed { layer, what } => format!("malformed {layer}: {what}"),
        }
    }

    /// Whether this event is a problem worth jumping to (`n`/`N` in the TUI).
    pub fn is_problem(&self) -> bool {
        match self {
            EventKind::Rst { .. }
            | EventKind::Icmp { .. }
            | EventKind::Gap { .. }
            | EventKind::Malformed { .. } => true,
            EventKind::Syn { retry } | EventKind::SynAck { retry } => *retry,
            EventKind::Tcp(n) => !matches!(
                n,
                TcpNote::CaptureDuplicate | TcpNote::SpuriousRetransmission | TcpNote::KeepAlive
            ),
            _ => false,
        }
    }
}

/// TCP analysis findings worth a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpNote {
    /// A retransmission of data already seen.
    Retransmission,
    /// A retransmission after duplicate ACKs.
    FastRetransmission,
    /// A retransmission of data already acknowledged (a tail-loss probe, D-SACKed).
    SpuriousRetransmission,
    /// Data after a hole (previous segment not captured).
    LostSegment,
    /// An ACK for data never seen (the capture missed it).
    AckedUnseen,
    /// A duplicate ACK.
    DupAck,
    /// Out of order.
    OutOfOrder,
    /// The receiver advertised a zero window.
    ZeroWindow,
    /// A zero-window probe.
    ZeroWindowProbe,
    /// The sender filled the receiver's window.
    WindowFull,
    /// A TCP keep-alive.
    KeepAlive,
    /// The same packet captured again (not a retransmission).
    CaptureDuplicate,
}

impl TcpNote {
    /// Wireshark's name for it.
    pub fn name(self) -> &'static str {
        match self {
            TcpNote::Retransmission => "retransmission",
            TcpNote::FastRetransmission => "fast retransmission",
            TcpNote::SpuriousRetransmission => "spurious retransmission",
            TcpNote::LostSegment => "previous segment not captured",
            TcpNote::AckedUnseen => "ACKed unseen segment",
            TcpNote::DupAck => "duplicate ACK",
            TcpNote::OutOfOrder => "out-of-order",
            TcpNote::ZeroWindow => "zero window",
            TcpNote::ZeroWindowProbe => "zero-window probe",
            TcpNote::WindowFull => "window full",
            TcpNote::KeepAlive => "keep-alive",
            TcpNote::CaptureDuplicate => "capture duplicate",
        }
    }
}

/// A connection (TCP) or flow (UDP) and everything learned about it.
#[derive(Debug, Clone)]
pub struct Session {
    /// 1-based, in order of first frame.
    pub id: u64,
    /// TCP or UDP.
    pub transport: Transport,
    /// The client (SYN sender, or the non-3389 side).
    pub client: SocketAddr,
    /// The server.
    pub server: SocketAddr,
    /// First frame.
    pub first_frame: FrameNo,
    /// Last frame.
    pub last_frame: FrameNo,
    /// First timestamp.
    pub start: Timestamp,
    /// Last timestamp.
    pub end: Timestamp,
    /// Packets per direction (client, server).
    pub packets: [u64; 2],
    /// Payload bytes per direction (client, server), as Zeek's orig_bytes/resp_bytes.
    pub bytes: [u64; 2],
    /// The events, in frame order.
    pub events: Vec<Event>,
    /// Events not stored because of [`MAX_EVENTS`].
    pub events_dropped: u64,
    /// Bytes and retransmissions over time, for charts.
    pub throughput: Throughput,
    /// The capture ended while the connection was still open.
    pub open_at_end: bool,
}

impl Session {
    /// A new session starting at a frame.
    pub fn new(
        id: u64,
        transport: Transport,
        client: SocketAddr,
        server: SocketAddr,
        frame: FrameNo,
        ts: Timestamp,
    ) -> Self {
        Session {
            id,
            transport,
            client,
            server,
            first_frame: frame,
            last_frame: frame,
            start: ts,
            end: ts,
            packets: [0; 2],
            bytes: [0; 2],
            events: Vec::new(),
            events_dropped: 0,
            throughput: Throughput::default(),
            open_at_end: false,
        }
    }

    /// Append an event (bounded).
    pub fn push(&mut self, frame: FrameNo, ts: Timestamp, dir: Option<Direction>, kind: EventKind) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(Event {
                frame,
                ts,
                dir,
                kind,
            });
        } else {
            self.events_dropped += 1;
        }
    }

    /// Account one packet.
    pub fn count(&mut self, frame: FrameNo, ts: Timestamp, dir: Direction, payload: u64) {
        self.last_frame = frame;
        if ts > self.end {
            self.end = ts;
        }
        if let Some(p) = self.packets.get_mut(dir.idx()) {
            *p += 1;
        }
        if let Some(b) = self.bytes.get_mut(dir.idx()) {
            *b += payload;
        }
        self.throughput.add(ts.since(self.start), dir, payload);
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.end.since(self.start).max(0.0)
    }

    /// Either end uses port 3389 (RDP's TCP and UDP port).
    pub fn on_rdp_port(&self) -> bool {
        self.server.port() == 3389 || self.client.port() == 3389
    }
}

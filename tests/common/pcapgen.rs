//! A tiny pcap writer over etherparse's `PacketBuilder`, for precise synthetic captures.

use etherparse::PacketBuilder;

/// A TCP segment to write.
#[derive(Clone, Debug)]
pub struct Seg {
    /// Time in microseconds since the capture start.
    pub t_us: u64,
    /// From the client (true) or the server.
    pub from_client: bool,
    /// Sequence and acknowledgment numbers.
    pub seq: u32,
    pub ack: u32,
    /// Flags as a string of letters: S A F R P.
    pub flags: &'static str,
    pub window: u16,
    pub payload: Vec<u8>,
    pub ttl: u8,
    pub ip_id: u16,
}

impl Seg {
    pub fn new(t_us: u64, from_client: bool, seq: u32, ack: u32, flags: &'static str) -> Self {
        Seg {
            t_us,
            from_client,
            seq,
            ack,
            flags,
            window: 64240,
            payload: Vec::new(),
            ttl: 64,
            ip_id: 0,
        }
    }
    pub fn data(mut self, p: &[u8]) -> Self {
        self.payload = p.to_vec();
        self
    }
    pub fn win(mut self, w: u16) -> Self {
        self.window = w;
        self
    }
    pub fn ttl(mut self, t: u8) -> Self {
        self.ttl = t;
        self
    }
}

pub const CLIENT: [u8; 4] = [192, 0, 2, 10];
pub const SERVER: [u8; 4] = [198, 51, 100, 20];
pub const CLIENT_PORT: u16 = 50000;
pub const SERVER_PORT: u16 = 3389;
/// Capture start: 2024-07-26T10:15:02Z.
pub const T0: u64 = 1_721_988_902;

/// Build the Ethernet frame of a segment.
pub fn frame(s: &Seg) -> Vec<u8> {
    let (src, dst, sp, dp, smac, dmac) = if s.from_client {
        (
            CLIENT,
            SERVER,
            CLIENT_PORT,
            SERVER_PORT,
            [2, 0, 0, 0, 0, 1],
            [2, 0, 0, 0, 0, 2],
        )
    } else {
        (
            SERVER,
            CLIENT,
            SERVER_PORT,
            CLIENT_PORT,
            [2, 0, 0, 0, 0, 2],
            [2, 0, 0, 0, 0, 1],
        )
    };
    let mut b = PacketBuilder::ethernet2(smac, dmac)
        .ipv4(src, dst, s.ttl)
        .tcp(sp, dp, s.seq, s.window);
    for c in s.flags.chars() {
        b = match c {
            'S' => b.syn(),
            'A' => b.ack(s.ack),
            'F' => b.fin(),
            'R' => b.rst(),
            'P' => b.psh(),
            _ => b,
        };
    }
    let mut out = Vec::with_capacity(s.payload.len() + 64);
    b.write(&mut out, &s.payload).expect("build packet");
    // Set the IP identification (bytes 18..20 of the Ethernet frame).
    out[18..20].copy_from_slice(&s.ip_id.to_be_bytes());
    out
}

/// A classic little-endian microsecond pcap of Ethernet frames.
pub fn pcap(frames: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (t_us, f) in frames {
        let secs = T0 + t_us / 1_000_000;
        out.extend_from_slice(&(secs as u32).to_le_bytes());
        out.extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

/// A pcap of TCP segments.
pub fn tcp_pcap(segs: &[Seg]) -> Vec<u8> {
    let frames: Vec<(u64, Vec<u8>)> = segs.iter().map(|s| (s.t_us, frame(s))).collect();
    pcap(&frames)
}

/// Write bytes to a fresh temporary file and return its path.
pub fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rdpscope-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write temp file");
    p
}

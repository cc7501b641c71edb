//! A deterministic, realistic, RDP-heavy synthetic capture (libpcap, Ethernet), streamed to any
//! writer: the same `Config` always yields the same bytes.
//!
//! Traffic mix (by sessions): RDP over TCP 3389 with TPKT/X.224 CR/CC and a TLS 1.2 handshake
//! carrying a real DER certificate, then bulk application data segmented at the MSS with loss
//! (dup ACKs with SACK blocks, RFC 2018, then a fast retransmission), ending with FIN, RST or a
//! fatal alert; RDP over UDP (MS-RDPEUDP SYN / SYN+ACK datagrams, then data); refused and
//! firewalled connection attempts (RST, ICMP administratively prohibited quoting the SYN);
//! and unrelated traffic (DNS over UDP, HTTP over TCP 80). Some RDP sessions use IPv6.
//!
//! Memory is bounded: a fixed number of sessions run at once and each queues at most one
//! phase (≤ 64 KiB of payload) of packets.
//!
//! Shared by the `rdpscope-gen` binary, the benches and the tests (`#[path]`-included).

use etherparse::icmpv4::DestUnreachableHeader;
use etherparse::{Icmpv4Type, PacketBuilder, TcpOptionElement};
use std::collections::VecDeque;
use std::io::{self, Write};

/// The server certificate carried in every TLS handshake: a real self-signed RSA-2048 X.509
/// certificate, DER (`CN=rdsh01.corp.example`, made with `openssl req -x509`).
pub const CERT_DER: &[u8] = include_bytes!("cert.der");

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Stop once the file is at least this many bytes long.
    pub size: u64,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
    /// TCP maximum segment size (bulk data is cut at this).
    pub mss: u16,
    /// Mean gap between consecutive packets, µs.
    pub mean_gap_us: u64,
    /// Sessions in progress at once.
    pub concurrency: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            size: 64 << 20,
            seed: 1,
            mss: 1460,
            mean_gap_us: 100,
            concurrency: 64,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records written.
    pub frames: u64,
    /// Bytes written (file size).
    pub bytes: u64,
    /// Sessions started.
    pub sessions: u64,
}

/// Write a capture of about `cfg.size` bytes to `out` (buffer it: many small writes).
pub fn generate<W: Write>(cfg: &Config, mut out: W) -> io::Result<Stats> {
    let mut g = Gen {
        rng: Rng(cfg.seed ^ 0x5eed_cafe_f00d_d00d),
        noise: Vec::new(),
        clock_us: 1_721_988_000_000_000,
        cfg: *cfg,
        next_id: 0,
        buf: Vec::with_capacity(2048),
    };
    g.noise = (0..NOISE_LEN).map(|_| g.rng.next() as u8).collect();
    // pcap header: magic, v2.4, thiszone, sigfigs, snaplen, LINKTYPE_ETHERNET.
    let mut hdr = Vec::with_capacity(24);
    hdr.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    hdr.extend_from_slice(&2u16.to_le_bytes());
    hdr.extend_from_slice(&4u16.to_le_bytes());
    hdr.extend_from_slice(&0i32.to_le_bytes());
    hdr.extend_from_slice(&0u32.to_le_bytes());
    hdr.extend_from_slice(&262_144u32.to_le_bytes());
    hdr.extend_from_slice(&1u32.to_le_bytes());
    out.write_all(&hdr)?;
    let mut stats = Stats {
        frames: 0,
        bytes: 24,
        sessions: 0,
    };
    let mut live: Vec<Session> = Vec::with_capacity(cfg.concurrency.max(1));
    while stats.bytes < cfg.size {
        while live.len() < cfg.concurrency.max(1) {
            live.push(g.new_session());
            stats.sessions += 1;
        }
        let i = g.rng.below(live.len() as u64) as usize;
        let Some(s) = live.get_mut(i) else { continue };
        if s.queue.is_empty() {
            s.refill(&mut g);
        }
        match s.queue.pop_front() {
            Some(p) => {
                let gap = 1 + g.rng.below(2 * cfg.mean_gap_us.max(1));
                g.clock_us += gap;
                g.build(s, &p)?;
                let ts = g.clock_us;
                let len = g.buf.len() as u32;
                out.write_all(&((ts / 1_000_000) as u32).to_le_bytes())?;
                out.write_all(&((ts % 1_000_000) as u32).to_le_bytes())?;
                out.write_all(&len.to_le_bytes())?;
                out.write_all(&len.to_le_bytes())?;
                out.write_all(&g.buf)?;
                stats.frames += 1;
                stats.bytes += 16 + u64::from(len);
            }
            None => {
                // Finished: a new session takes its place.
                live.swap_remove(i);
            }
        }
    }
    out.flush()?;
    Ok(stats)
}

const NOISE_LEN: usize = 1 << 16;

/// splitmix64: tiny, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo).max(1))
    }
    /// True with probability `pct` percent.
    fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

struct Gen {
    rng: Rng,
    noise: Vec<u8>,
    clock_us: u64,
    cfg: Config,
    next_id: u64,
    buf: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    RdpTls,
    RdpUdp,
    Refused,
    Firewalled,
    Dns,
    Http,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opts {
    None,
    Syn,
    Sack(u32, u32),
}

#[derive(Debug, Clone)]
enum Body {
    Tcp {
        flags: u8,
        seq: u32,
        ack: u32,
        opts: Opts,
    },
    Udp,
    /// ICMP destination unreachable, administratively prohibited (code 13) from a router,
    /// quoting the given IP header + 8 bytes.
    IcmpFiltered,
}

#[derive(Debug, Clone)]
struct Pkt {
    from_client: bool,
    body: Body,
    payload: Vec<u8>,
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Graceful,
    ServerRst,
    ClientRst,
    Alert,
    Open,
}

struct Session {
    kind: Kind,
    id: u64,
    v6: bool,
    client4: [u8; 4],
    server4: [u8; 4],
    client6: [u8; 16],
    server6: [u8; 16],
    cport: u16,
    sport: u16,
    /// Next sequence number each side sends: [client, server].
    seq: [u32; 2],
    step: u32,
    /// Application data still to send (bytes, server → client).
    bulk_left: u64,
    ending: Ending,
    /// IP header + 8 bytes of the SYN, for an ICMP error to quote.
    quoted_syn: Vec<u8>,
    queue: VecDeque<Pkt>,
}

impl Gen {
    fn new_session(&mut self) -> Session {
        let id = self.next_id;
        self.next_id += 1;
        let r = self.rng.below(100);
        let kind = match r {
            0..=54 => Kind::RdpTls,
            55..=64 => Kind::RdpUdp,
            65..=67 => Kind::Refused,
            68..=69 => Kind::Firewalled,
            70..=84 => Kind::Dns,
            _ => Kind::Http,
        };
        let client = id % 4096;
        let cport = 49_152 + ((id / 4096) % 16_384) as u16;
        let srv = self.rng.below(8) as u8;
        let sport = match kind {
            Kind::Dns => 53,
            Kind::Http => 80,
            _ => 3389,
        };
        let v6 = kind == Kind::RdpTls && self.rng.pct(15);
        let mut client6 = [0u8; 16];
        client6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        client6[14..].copy_from_slice(&(client as u16).to_be_bytes());
        let mut server6 = client6;
        server6[4] = 0xff;
        server6[14..].copy_from_slice(&[0, srv + 1]);
        let ending = match self.rng.below(100) {
            0..=44 => Ending::Graceful,
            45..=64 => Ending::ServerRst,
            65..=74 => Ending::ClientRst,
            75..=89 => Ending::Alert,
            _ => Ending::Open,
        };
        // Heavy-tailed amount of bulk data: mostly 16–512 KiB, some up to 8 MiB.
        let bulk_left = if self.rng.pct(8) {
            self.rng.range(1 << 20, 8 << 20)
        } else {
            self.rng.range(16 << 10, 512 << 10)
        };
        Session {
            kind,
            id,
            v6,
            client4: [10, 1, (client >> 8) as u8, client as u8],
            server4: [192, 168, 10, srv + 1],
            client6,
            server6,
            cport,
            sport,
            seq: [self.rng.next() as u32, self.rng.next() as u32],
            step: 0,
            bulk_left,
            ending,
            quoted_syn: Vec::new(),
            queue: VecDeque::new(),
        }
    }

    fn noise(&mut self, n: usize) -> &[u8] {
        let n = n.min(NOISE_LEN / 2);
        let at = self.rng.below((NOISE_LEN - n) as u64) as usize;
        self.noise.get(at..at + n).unwrap_or_default()
    }

    /// Build one packet's Ethernet frame into `self.buf`.
    fn build(&mut self, s: &mut Session, p: &Pkt) -> io::Result<()> {
        const CMAC: [u8; 6] = [0x00, 0x15, 0x5d, 0x01, 0x02, 0x03];
        const SMAC: [u8; 6] = [0x00, 0x50, 0x56, 0xaa, 0xbb, 0xcc];
        let (smac, dmac) = if p.from_client {
            (CMAC, SMAC)
        } else {
            (SMAC, CMAC)
        };
        let eth = PacketBuilder::ethernet2(smac, dmac);
        // Windows client (TTL 128); the server's packets arrive a few hops away.
        let ttl = if p.from_client { 128 } else { 121 };
        let ip = match (&p.body, s.v6) {
            (Body::IcmpFiltered, _) => eth.ipv4([192, 168, 0, 254], s.client4, 254),
            (_, true) => {
                let (a, b) = if p.from_client {
                    (s.client6, s.server6)
                } else {
                    (s.server6, s.client6)
                };
                eth.ipv6(a, b, ttl)
            }
            (_, false) => {
                let (a, b) = if p.from_client {
                    (s.client4, s.server4)
                } else {
                    (s.server4, s.client4)
                };
                eth.ipv4(a, b, ttl)
            }
        };
        let (sp, dp) = if p.from_client {
            (s.cport, s.sport)
        } else {
            (s.sport, s.cport)
        };
        self.buf.clear();
        let res = match &p.body {
            Body::Tcp {
                flags,
                seq,
                ack,
                opts,
            } => {
                let win = if *flags & SYN != 0 { 64_240 } else { 1_026 };
                let mut t = ip.tcp(sp, dp, *seq, win);
                if flags & ACK != 0 {
                    t = t.ack(*ack);
                }
                if flags & SYN != 0 {
                    t = t.syn();
                }
                if flags & FIN != 0 {
                    t = t.fin();
                }
                if flags & RST != 0 {
                    t = t.rst();
                }
                if flags & PSH != 0 {
                    t = t.psh();
                }
                let t = match opts {
                    Opts::None => Ok(t),
                    Opts::Syn => t.options(&[
                        TcpOptionElement::MaximumSegmentSize(self.cfg.mss),
                        TcpOptionElement::Noop,
                        TcpOptionElement::WindowScale(8),
                        TcpOptionElement::Noop,
                        TcpOptionElement::Noop,
                        TcpOptionElement::SelectiveAcknowledgementPermitted,
                    ]),
                    Opts::Sack(l, r) => t.options(&[
                        TcpOptionElement::Noop,
                        TcpOptionElement::Noop,
                        TcpOptionElement::SelectiveAcknowledgement((*l, *r), [None; 3]),
                    ]),
                }
                .map_err(io::Error::other)?;
                t.write(&mut self.buf, &p.payload).map_err(io::Error::other)
            }
            Body::Udp => ip
                .udp(sp, dp)
                .write(&mut self.buf, &p.payload)
                .map_err(io::Error::other),
            Body::IcmpFiltered => ip
                .icmpv4(Icmpv4Type::DestinationUnreachable(
                    DestUnreachableHeader::FilterProhibited,
                ))
                .write(&mut self.buf, &p.payload)
                .map_err(io::Error::other),
        };
        res?;
        if matches!(p.body, Body::Tcp { flags, .. } if flags & SYN != 0 && flags & ACK == 0)
            && s.kind == Kind::Firewalled
            && s.quoted_syn.is_empty()
        {
            // IPv4 header (20) + first 8 bytes of TCP.
            s.quoted_syn = self.buf.get(14..42).unwrap_or_default().to_vec();
        }
        Ok(())
    }
}

impl Session {
    fn side(from_client: bool) -> usize {
        usize::from(!from_client)
    }

    /// Queue one TCP segment from a side with its current seq/ack, advancing its seq.
    fn tcp(&mut self, from_client: bool, flags: u8, payload: &[u8]) {
        let me = Self::side(from_client);
        let other = 1 - me;
        let seq = self.seq.get(me).copied().unwrap_or(0);
        let ack = self.seq.get(other).copied().unwrap_or(0);
        let mut adv = payload.len() as u32;
        if flags & (SYN | FIN) != 0 {
            adv += 1;
        }
        if let Some(s) = self.seq.get_mut(me) {
            *s = s.wrapping_add(adv);
        }
        let opts = if flags & SYN != 0 {
            Opts::Syn
        } else {
            Opts::None
        };
        self.queue.push_back(Pkt {
            from_client,
            body: Body::Tcp {
                flags,
                seq,
                ack,
                opts,
            },
            payload: payload.to_vec(),
        });
    }

    /// Send a byte stream from one side, cut at the MSS, acknowledged every second segment.
    /// With `lose`, one segment is lost before the capture point: the receiver sends duplicate
    /// ACKs with SACK blocks (RFC 2018) and the sender retransmits it (RFC 5681 §3.2).
    fn send(&mut self, from_client: bool, data: &[u8], mss: usize, lose: Option<u64>) {
        let me = Self::side(from_client);
        let start = self.seq.get(me).copied().unwrap_or(0);
        let chunks: Vec<&[u8]> = data.chunks(mss.max(1)).collect();
        let n = chunks.len();
        let lost = lose.map(|r| r as usize % n.max(1)).filter(|l| l + 4 <= n);
        let mut off = 0u32;
        let mut dups = 0;
        let mut hole: Option<(u32, usize)> = None;
        for (k, c) in chunks.iter().enumerate() {
            let seq = start.wrapping_add(off);
            let end = seq.wrapping_add(c.len() as u32);
            let ackv = self.seq.get(1 - me).copied().unwrap_or(0);
            let last = k + 1 == n;
            let flags = if last { ACK | PSH } else { ACK };
            if Some(k) == lost {
                hole = Some((seq, k));
            } else {
                self.queue.push_back(Pkt {
                    from_client,
                    body: Body::Tcp {
                        flags,
                        seq,
                        ack: ackv,
                        opts: Opts::None,
                    },
                    payload: c.to_vec(),
                });
            }
            off += c.len() as u32;
            if let Some((hseq, hk)) = hole {
                if k > hk {
                    // Duplicate ACK for the hole, SACKing what arrived after it.
                    let sack_l = start.wrapping_add(
                        chunks
                            .iter()
                            .take(hk + 1)
                            .map(|c| c.len() as u32)
                            .sum::<u32>(),
                    );
                    self.queue.push_back(Pkt {
                        from_client: !from_client,
                        body: Body::Tcp {
                            flags: ACK,
                            seq: ackv,
                            ack: hseq,
                            opts: Opts::Sack(sack_l, end),
                        },
                        payload: Vec::new(),
                    });
                    dups += 1;
                    if dups == 3 || last {
                        // Fast retransmission of the lost segment, then the cumulative ACK.
                        let lost_data = chunks.get(hk).copied().unwrap_or_default();
                        self.queue.push_back(Pkt {
                            from_client,
                            body: Body::Tcp {
                                flags: ACK,
                                seq: hseq,
                                ack: ackv,
                                opts: Opts::None,
                            },
                            payload: lost_data.to_vec(),
                        });
                        self.queue.push_back(Pkt {
                            from_client: !from_client,
                            body: Body::Tcp {
                                flags: ACK,
                                seq: ackv,
                                ack: end,
                                opts: Opts::None,
                            },
                            payload: Vec::new(),
                        });
                        hole = None;
                    }
                }
                continue;
            }
            if k % 2 == 1 || last {
                self.queue.push_back(Pkt {
                    from_client: !from_client,
                    body: Body::Tcp {
                        flags: ACK,
                        seq: ackv,
                        ack: end,
                        opts: Opts::None,
                    },
                    payload: Vec::new(),
                });
            }
        }
        if let Some(s) = self.seq.get_mut(me) {
            *s = start.wrapping_add(off);
        }
    }

    fn udp(&mut self, from_client: bool, payload: Vec<u8>) {
        self.queue.push_back(Pkt {
            from_client,
            body: Body::Udp,
            payload,
        });
    }

    /// Queue the next phase of this session's script; leaves the queue empty when it is over.
    fn refill(&mut self, g: &mut Gen) {
        let step = self.step;
        self.step = self.step.saturating_add(1);
        match self.kind {
            Kind::RdpTls => self.rdp_tls(g, step),
            Kind::RdpUdp => self.rdp_udp(g, step),
            Kind::Refused => {
                if step == 0 {
                    self.tcp(true, SYN, &[]);
                    let ack = self.seq.first().copied().unwrap_or(0);
                    self.queue.push_back(Pkt {
                        from_client: false,
                        body: Body::Tcp {
                            flags: RST | ACK,
                            seq: 0,
                            ack,
                            opts: Opts::None,
                        },
                        payload: Vec::new(),
                    });
                }
            }
            Kind::Firewalled => match step {
                0 => self.tcp(true, SYN, &[]),
                1 if !self.v6 => self.queue.push_back(Pkt {
                    from_client: false,
                    body: Body::IcmpFiltered,
                    payload: self.quoted_syn.clone(),
                }),
                2 => {
                    // The SYN again (same ISN): a retransmission.
                    if let Some(s) = self.seq.get_mut(0) {
                        *s = s.wrapping_sub(1);
                    }
                    self.tcp(true, SYN, &[]);
                }
                _ => {}
            },
            Kind::Dns => {
                if step == 0 {
                    let q = dns_query(self.id as u16, false);
                    self.udp(true, q);
                    let r = dns_query(self.id as u16, true);
                    self.udp(false, r);
                }
            }
            Kind::Http => self.http(g, step),
        }
    }

    fn handshake(&mut self) {
        self.tcp(true, SYN, &[]);
        self.tcp(false, SYN | ACK, &[]);
        self.tcp(true, ACK, &[]);
    }

    fn close(&mut self, ending: Ending) {
        match ending {
            Ending::Graceful | Ending::Alert => {
                self.tcp(true, FIN | ACK, &[]);
                self.tcp(false, FIN | ACK, &[]);
                self.tcp(true, ACK, &[]);
            }
            Ending::ServerRst => self.tcp(false, RST | ACK, &[]),
            Ending::ClientRst => self.tcp(true, RST | ACK, &[]),
            Ending::Open => {}
        }
    }

    fn rdp_tls(&mut self, g: &mut Gen, step: u32) {
        let mss = usize::from(g.cfg.mss);
        match step {
            0 => self.handshake(),
            1 => {
                let cr = x224_cr(self.id);
                self.tcp(true, ACK | PSH, &cr);
                self.tcp(false, ACK | PSH, &X224_CC);
            }
            2 => {
                let ch = client_hello(&mut g.rng);
                self.send(true, &ch, mss, None);
            }
            3 => {
                if self.ending == Ending::Alert && g.rng.pct(50) {
                    // Fatal handshake_failure (RFC 5246 §7.2) instead of a ServerHello.
                    self.tcp(
                        false,
                        ACK | PSH,
                        &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28],
                    );
                    self.close(Ending::Graceful);
                    self.step = u32::MAX;
                    return;
                }
                let flight = server_flight(&mut g.rng);
                self.send(false, &flight, mss, None);
            }
            4 => {
                let mut c = Vec::with_capacity(400);
                // ClientKeyExchange (RSA: encrypted premaster secret, 256 bytes).
                let mut cke = vec![0x10, 0x00, 0x01, 0x02, 0x01, 0x00];
                cke.extend_from_slice(g.noise(256));
                record(&mut c, 0x16, &cke);
                record(&mut c, 0x14, &[0x01]);
                let fin = g.noise(40).to_vec();
                record(&mut c, 0x16, &fin);
                self.send(true, &c, mss, None);
                let mut s = Vec::with_capacity(64);
                record(&mut s, 0x14, &[0x01]);
                record(&mut s, 0x16, &fin);
                self.send(false, &s, mss, None);
            }
            u32::MAX => {}
            _ if self.bulk_left > 0 => {
                // One phase of application data: screen updates down, input up.
                let chunk = g.rng.range(8 << 10, 64 << 10).min(self.bulk_left);
                self.bulk_left -= chunk;
                let mut down = Vec::with_capacity(chunk as usize + 512);
                let mut left = chunk as usize;
                while left > 0 {
                    let n = (g.rng.range(1_000, 16_384) as usize).min(left);
                    let body = g.noise(n).to_vec();
                    record(&mut down, 0x17, &body);
                    left -= n;
                }
                let lose = g.rng.pct(25).then(|| g.rng.next());
                self.send(false, &down, mss, lose);
                let mut up = Vec::with_capacity(512);
                for _ in 0..g.rng.range(1, 4) {
                    let n = g.rng.range(40, 200) as usize;
                    let body = g.noise(n).to_vec();
                    record(&mut up, 0x17, &body);
                }
                self.send(true, &up, mss, None);
            }
            _ => {
                let ending = self.ending;
                if ending == Ending::Alert {
                    // An encrypted alert record before the close.
                    let mut a = Vec::new();
                    let body = g.noise(26).to_vec();
                    record(&mut a, 0x15, &body);
                    self.tcp(false, ACK | PSH, &a);
                }
                self.close(ending);
                self.step = u32::MAX;
            }
        }
    }

    fn rdp_udp(&mut self, g: &mut Gen, step: u32) {
        match step {
            0 => {
                let isn_c = g.rng.next() as u32;
                let isn_s = g.rng.next() as u32;
                self.udp(true, rdpeudp_syn(isn_c, None));
                self.udp(false, rdpeudp_syn(isn_s, Some(isn_c)));
            }
            1..=40 => {
                for _ in 0..g.rng.range(2, 12) {
                    let down = g.rng.pct(80);
                    let n = g.rng.range(64, 1_200) as usize;
                    let body = g.noise(n).to_vec();
                    self.udp(!down, body);
                }
            }
            _ => {}
        }
    }

    fn http(&mut self, g: &mut Gen, step: u32) {
        let mss = usize::from(g.cfg.mss);
        match step {
            0 => self.handshake(),
            1 => {
                self.tcp(
                    true,
                    ACK | PSH,
                    b"GET /updates/manifest.json HTTP/1.1\r\nHost: intranet.corp.example\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
                );
                let len = g.rng.range(2_000, 200_000) as usize;
                let mut resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n"
                )
                .into_bytes();
                while resp.len() < len {
                    let n = (len - resp.len()).min(16_384);
                    resp.extend_from_slice(g.noise(n));
                }
                self.send(false, &resp, mss, None);
            }
            2 => self.close(Ending::Graceful),
            _ => {}
        }
    }
}

/// A TLS record (RFC 5246 §6.2.1), version TLS 1.2.
fn record(out: &mut Vec<u8>, ctype: u8, body: &[u8]) {
    out.push(ctype);
    out.extend_from_slice(&[0x03, 0x03]);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// A handshake message header (RFC 5246 §7.4): type and 24-bit length.
fn handshake(out: &mut Vec<u8>, htype: u8, body: &[u8]) {
    out.push(htype);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
}

fn client_hello(rng: &mut Rng) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    for _ in 0..4 {
        b.extend_from_slice(&rng.next().to_be_bytes());
    }
    b.push(32);
    for _ in 0..4 {
        b.extend_from_slice(&rng.next().to_be_bytes());
    }
    // Cipher suites: TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ...
    let suites: [u16; 6] = [0xc02f, 0xc030, 0x009c, 0x009d, 0x002f, 0x0035];
    b.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        b.extend_from_slice(&s.to_be_bytes());
    }
    b.extend_from_slice(&[0x01, 0x00]);
    let mut ext = Vec::new();
    // server_name (RFC 6066 §3).
    let host = b"rdsh01.corp.example";
    let mut sni = Vec::new();
    sni.extend_from_slice(&((host.len() + 3) as u16).to_be_bytes());
    sni.push(0);
    sni.extend_from_slice(&(host.len() as u16).to_be_bytes());
    sni.extend_from_slice(host);
    ext_add(&mut ext, 0x0000, &sni);
    ext_add(&mut ext, 0x000a, &[0x00, 0x04, 0x00, 0x1d, 0x00, 0x17]);
    ext_add(&mut ext, 0x000b, &[0x01, 0x00]);
    ext_add(
        &mut ext,
        0x000d,
        &[0x00, 0x06, 0x04, 0x01, 0x05, 0x01, 0x02, 0x01],
    );
    ext_add(&mut ext, 0xff01, &[0x00]);
    b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    b.extend_from_slice(&ext);
    let mut hs = Vec::new();
    handshake(&mut hs, 0x01, &b);
    let mut out = Vec::new();
    record(&mut out, 0x16, &hs);
    // ClientHello records traditionally carry version TLS 1.0.
    if let Some(v) = out.get_mut(2) {
        *v = 0x01;
    }
    out
}

fn ext_add(out: &mut Vec<u8>, t: u16, body: &[u8]) {
    out.extend_from_slice(&t.to_be_bytes());
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// ServerHello (TLS_RSA_WITH_AES_128_GCM_SHA256), Certificate, ServerHelloDone: three records.
fn server_flight(rng: &mut Rng) -> Vec<u8> {
    let mut sh = vec![0x03, 0x03];
    for _ in 0..4 {
        sh.extend_from_slice(&rng.next().to_be_bytes());
    }
    sh.push(32);
    for _ in 0..4 {
        sh.extend_from_slice(&rng.next().to_be_bytes());
    }
    sh.extend_from_slice(&[0x00, 0x9c, 0x00]);
    let mut ext = Vec::new();
    ext_add(&mut ext, 0xff01, &[0x00]);
    sh.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    sh.extend_from_slice(&ext);
    let mut out = Vec::new();
    let mut hs = Vec::new();
    handshake(&mut hs, 0x02, &sh);
    record(&mut out, 0x16, &hs);
    // Certificate (RFC 5246 §7.4.2): a 24-bit list length, then each certificate 24-bit-prefixed.
    let mut certs = Vec::new();
    let l = CERT_DER.len() as u32;
    certs.extend_from_slice(&(l + 3).to_be_bytes()[1..]);
    certs.extend_from_slice(&l.to_be_bytes()[1..]);
    certs.extend_from_slice(CERT_DER);
    hs.clear();
    handshake(&mut hs, 0x0b, &certs);
    record(&mut out, 0x16, &hs);
    hs.clear();
    handshake(&mut hs, 0x0e, &[]);
    record(&mut out, 0x16, &hs);
    out
}

/// TPKT (RFC 1006) + X.224 Connection Request (ISO 8073 §13.3) with an RDP cookie and an
/// RDP_NEG_REQ asking for TLS and CredSSP (MS-RDPBCGR 2.2.1.1).
fn x224_cr(id: u64) -> Vec<u8> {
    let cookie = format!("Cookie: mstshash=user{:04}\r\n", id % 10_000);
    let li = 6 + cookie.len() + 8;
    let total = 4 + 1 + li;
    let mut v = vec![0x03, 0x00];
    v.extend_from_slice(&(total as u16).to_be_bytes());
    v.push(li as u8);
    v.extend_from_slice(&[0xe0, 0x00, 0x00, 0x00, 0x00, 0x00]);
    v.extend_from_slice(cookie.as_bytes());
    v.extend_from_slice(&[0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00]);
    v
}

/// TPKT + X.224 Connection Confirm with RDP_NEG_RSP selecting PROTOCOL_SSL (MS-RDPBCGR 2.2.1.2).
const X224_CC: [u8; 19] = [
    0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08, 0x00, 0x01,
    0x00, 0x00, 0x00,
];

/// An MS-RDPEUDP SYN (or, with `ack_of`, SYN+ACK) datagram (2.2.2.1 / 2.2.2.5 / 2.2.2.6): FEC
/// header, SYNDATA payload and SYNDATAEX (version 2), padded with zeros to the 1232-byte MTU as
/// the protocol requires (3.1.5.1.1).
fn rdpeudp_syn(isn: u32, ack_of: Option<u32>) -> Vec<u8> {
    const SYN_F: u16 = 0x0001;
    const ACK_F: u16 = 0x0004;
    const SYNEX_F: u16 = 0x1000;
    let mut v = Vec::with_capacity(1232);
    let (src_ack, flags) = match ack_of {
        Some(c) => (c, SYN_F | ACK_F | SYNEX_F),
        None => (u32::MAX, SYN_F | SYNEX_F),
    };
    v.extend_from_slice(&src_ack.to_be_bytes());
    v.extend_from_slice(&64u16.to_be_bytes());
    v.extend_from_slice(&flags.to_be_bytes());
    v.extend_from_slice(&isn.to_be_bytes());
    v.extend_from_slice(&1232u16.to_be_bytes());
    v.extend_from_slice(&1232u16.to_be_bytes());
    // SYNDATAEX: uSynExFlags = RDPUDP_VERSION_INFO_VALID, uUdpVer = RDPUDP_PROTOCOL_VERSION_2.
    v.extend_from_slice(&[0x00, 0x01, 0x00, 0x02]);
    v.resize(1232, 0);
    v
}

/// A DNS query (RFC 1035 §4.1) for rdsh01.corp.example A, or its answer.
fn dns_query(id: u16, answer: bool) -> Vec<u8> {
    let mut v = Vec::with_capacity(80);
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(if answer { &[0x81, 0x80] } else { &[0x01, 0x00] });
    v.extend_from_slice(&[0, 1, 0, u8::from(answer), 0, 0, 0, 0]);
    for label in ["rdsh01", "corp", "example"] {
        v.push(label.len() as u8);
        v.extend_from_slice(label.as_bytes());
    }
    v.extend_from_slice(&[0, 0, 1, 0, 1]);
    if answer {
        v.extend_from_slice(&[
            0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 168, 10, 1,
        ]);
    }
    v
}

//! Routing one TCP connection's reassembled bytes to the layer parsers.
//!
//! Each direction starts undecided and settles on what its first bytes are: TPKT (RDP's X.224 /
//! MCS, MS-RDPBCGR 2.2.1), TLS (after the X.224 negotiation selected enhanced security, on 443,
//! or any stream starting with a handshake), or opaque. TPKT PDUs split across segments are
//! buffered (bounded); TLS buffers inside [`TlsSession`]. Every parsed PDU becomes a timeline
//! event at the frame that completed it.

use super::gcc;
use super::mcs::{self, McsPdu};
use super::rdpeudp;
use super::share::{self, SecurityMode, SlowPath};
use super::tls::{self, TlsEvent, TlsSession};
use super::tpkt;
use super::x224::{self, Tpdu};
use super::{Layer, ProtoError};
use crate::proto::keylog::KeyLog;
use crate::timeline::{EventKind, Logon, Session};
use std::sync::Arc;

mod decrypted;
use crate::types::{Direction, FrameNo, PerDir, Timestamp};

/// Largest partial TPKT PDU kept while waiting for the rest (TPKT lengths are 16-bit).
const MAX_PENDING: usize = 65_536 + 8;

/// What a direction's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// Nothing seen yet.
    #[default]
    Undecided,
    /// TPKT-framed X.224 / MCS, with fast-path PDUs in between.
    Tpkt,
    /// TLS records.
    Tls,
    /// Not a protocol we dissect, or lost after damage: ignored.
    Opaque,
}

#[derive(Debug, Default)]
struct Side {
    mode: Mode,
    /// Bytes of an incomplete TPKT/fast-path PDU.
    pending: Vec<u8>,
    /// Malformed input was reported for this side already.
    reported: bool,
}

/// The dissection state of one TCP connection.
#[derive(Debug, Default)]
pub struct Dissector {
    sides: PerDir<Side>,
    tls: Option<Box<TlsSession>>,
    /// The server selected a TLS-based protocol (SSL, HYBRID, HYBRID_EX, RDSTLS, RDSAAD).
    tls_expected: bool,
    /// An X.224 Connection Request was seen (this connection speaks RDP).
    pub saw_rdp: bool,
    /// A TLS alert was seen (either direction).
    tls_alert: bool,
    /// RDP-UDP: SYN and SYN+ACK seen, and whether both sides moved on to MS-RDPEUDP2.
    udp: UdpState,
    /// TLS application-data records seen per direction.
    app_records: PerDir<u32>,
    /// The running summary of bulk application data per direction.
    bulk: PerDir<Option<Bulk>>,
    tls_events: Vec<TlsEvent>,
    /// Key log for TLS decryption (issue 9), and the decrypted streams' state.
    keys: Option<Arc<KeyLog>>,
    inner: decrypted::Inner,
}

/// Where the bytes came from, for the events they produce.
#[derive(Debug, Clone, Copy)]
pub struct At {
    /// Direction.
    pub dir: Direction,
    /// Frame that delivered (completed) the bytes.
    pub frame: FrameNo,
    /// Its time.
    pub ts: Timestamp,
}

/// Application-data records per direction kept as individual events (CredSSP, MCS connect and
/// the first screen updates fit well within this).
const INDIVIDUAL_RECORDS: u32 = 64;
/// Width of a bulk-data summary event, in seconds.
const BULK_INTERVAL_S: f64 = 1.0;

/// A running summary of application data in one direction.
#[derive(Debug, Clone, Copy)]
struct Bulk {
    frame: FrameNo,
    ts: Timestamp,
    bytes: u64,
    records: u32,
}

/// What the MS-RDPEUDP handshake has shown so far.
#[derive(Debug, Default)]
struct UdpState {
    syn: bool,
    syn_ack: bool,
    /// Versions announced in SYNEX (client, server): both ≥ 3 means RDPEUDP2 follows.
    version: PerDir<u16>,
    acked: bool,
}

impl Dissector {
    /// The connection went idle: give back buffer capacity beyond what is held (partial
    /// PDUs stay), so that thousands of idle connections cost little.
    pub fn hibernate(&mut self) {
        for side in [&mut self.sides.client, &mut self.sides.server] {
            side.pending.shrink_to_fit();
        }
        self.tls_events = Vec::new();
        if let Some(t) = self.tls.as_mut() {
            t.hibernate();
        }
        self.inner.hibernate();
    }

    /// One UDP datagram of an RDP-UDP flow (MS-RDPEUDP 3.1.5.1: SYN, SYN+ACK, ACK; then data
    /// with ACK vectors, or MS-RDPEUDP2 packets once both sides announced version 3).
    pub fn datagram(&mut self, at: At, payload: &[u8], session: &mut Session) {
        let u = &mut self.udp;
        let both_v3 = u.version.client >= 3 && u.version.server >= 3;
        if u.syn_ack && both_v3 {
            return; // RDPEUDP2: nothing the diagnosis needs beyond the packet counts.
        }
        let dg = match rdpeudp::parse_datagram_whole(payload) {
            Ok((_, d)) => d,
            Err(ProtoError::Malformed { layer, what }) => {
                if !u.syn_ack {
                    self.malformed(at, layer, what, session);
                }
                return;
            }
            Err(ProtoError::Incomplete(_)) => {
                if !u.syn_ack {
                    self.malformed(
                        at,
                        Layer::RdpEudp,
                        "datagram shorter than its headers".into(),
                        session,
                    );
                }
                return;
            }
        };
        let version = dg.synex.map(|x| x.version);
        if let Some(v) = version {
            *u.version.get_mut(at.dir) = v.0;
        }
        let kind = if dg.is_syn() {
            let retry = u.syn;
            u.syn = true;
            EventKind::UdpSyn {
                retry,
                mtu: dg.syn.map(|s| (s.upstream_mtu, s.downstream_mtu)),
                version: version.map(|v| v.name()),
            }
        } else if dg.is_syn_ack() {
            u.syn_ack = true;
            EventKind::UdpSynAck {
                mtu: dg.syn.map(|s| (s.upstream_mtu, s.downstream_mtu)),
                version: version.map(|v| v.name()),
            }
        } else if u.syn_ack && !u.acked && at.dir == Direction::ClientToServer {
            u.acked = true;
            EventKind::UdpEstablished
        } else {
            return;
        };
        session.push(at.frame, at.ts, Some(at.dir), kind);
    }

    /// A fresh dissector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decrypt TLS with these secrets (set before the connection's first bytes).
    pub fn set_keys(&mut self, keys: Option<Arc<KeyLog>>) {
        self.keys = keys;
    }

    /// In-order bytes of one direction.
    pub fn data(&mut self, at: At, bytes: &[u8], session: &mut Session) {
        if bytes.is_empty() {
            return;
        }
        let peer = self.sides.get(at.dir.reverse()).mode;
        let side = self.sides.get_mut(at.dir);
        if side.mode == Mode::Undecided {
            side.mode = if tpkt::is_tpkt_start(bytes) {
                Mode::Tpkt
            } else if tls::looks_like_tls(bytes) {
                Mode::Tls
            } else if matches!(peer, Mode::Tls | Mode::Tpkt) {
                // The peer speaks TLS or RDP: these bytes should too, and the parser will say
                // what is wrong with them.
                peer
            } else {
                Mode::Opaque
            };
        }
        // After a TLS failure, servers such as xrdp fall back to an X.224/MCS PDU in the clear.
        if self.sides.get(at.dir).mode == Mode::Tls
            && self.tls_alert
            && tpkt::is_tpkt_start(bytes)
            && !tls::looks_like_tls(bytes)
        {
            self.sides.get_mut(at.dir).mode = Mode::Tpkt;
        }
        match self.sides.get(at.dir).mode {
            Mode::Tpkt => self.tpkt_bytes(at, bytes, session),
            Mode::Tls => self.tls_bytes(at, bytes, session),
            Mode::Undecided | Mode::Opaque => {}
        }
    }

    /// The stream of `dir` ended (FIN, RST): partial PDUs can never complete, so their buffers
    /// are freed (a connection that claimed a 65,535-byte PDU and closed holds nothing).
    pub fn end(&mut self, dir: Direction, session: &mut Session) {
        self.flush_bulk(dir, session);
        self.sides.get_mut(dir).pending = Vec::new();
        if let Some(t) = self.tls.as_mut() {
            t.end(dir);
        }
    }

    /// Bytes missing in one direction: drop partial PDUs and resynchronise.
    pub fn gap(&mut self, dir: Direction) {
        let side = self.sides.get_mut(dir);
        side.pending.clear();
        match side.mode {
            Mode::Tls => {
                if let Some(t) = self.tls.as_mut() {
                    t.gap(dir);
                }
            }
            // A TPKT stream cannot be resynchronised reliably: stop parsing it.
            Mode::Tpkt => side.mode = Mode::Opaque,
            Mode::Undecided => side.mode = Mode::Opaque,
            Mode::Opaque => {}
        }
    }

    fn tls_bytes(&mut self, at: At, bytes: &[u8], session: &mut Session) {
        if let Some(t) = self.tls.as_mut() {
            if t.skip_body(at.dir, bytes.len()) {
                return;
            }
        }
        let keys = &self.keys;
        let tls = self.tls.get_or_insert_with(|| {
            let mut t = TlsSession::new();
            if let Some(k) = keys {
                t.set_keys(k.clone());
            }
            Box::new(t)
        });
        self.tls_events.clear();
        tls.push(at.dir, bytes, &mut self.tls_events);
        let plain = tls.take_plaintext();
        let mut events = std::mem::take(&mut self.tls_events);
        for e in events.drain(..) {
            if matches!(e, TlsEvent::Alert { .. } | TlsEvent::EncryptedAlert { .. }) {
                self.tls_alert = true;
            }
            if e == TlsEvent::RsaKeyMismatch {
                session.rsa_key_mismatch = true;
            }
            // After the first records of a direction (handshake, CredSSP, MCS connect), bulk
            // application data is summarised per second instead of one event per record.
            // TLS 1.3 alerts look like 19-byte application records: those stay individual.
            if let TlsEvent::ApplicationData { len } = e {
                let n = self.app_records.get_mut(at.dir);
                *n += 1;
                if *n > INDIVIDUAL_RECORDS && len != 19 {
                    self.add_bulk(at, u64::from(len), session);
                    continue;
                }
            }
            self.flush_bulk(at.dir, session);
            let kind = match e {
                TlsEvent::Malformed { what } => EventKind::Malformed {
                    layer: Layer::Tls,
                    what,
                },
                other => EventKind::Tls(other),
            };
            let from = session.events.len();
            let was_decrypted = matches!(
                &kind,
                EventKind::Tls(TlsEvent::Alert {
                    decrypted: true,
                    ..
                })
            );
            session.push(at.frame, at.ts, Some(at.dir), kind);
            if was_decrypted {
                session.mark_decrypted_from(from);
            }
        }
        if !plain.is_empty() {
            self.plaintext(at, &plain, session);
        }
        self.tls_events = events;
    }

    /// Count a bulk record into the running per-second summary of its direction.
    fn add_bulk(&mut self, at: At, bytes: u64, session: &mut Session) {
        let due = self
            .bulk
            .get(at.dir)
            .is_some_and(|b| at.ts.since(b.ts) >= BULK_INTERVAL_S);
        if due {
            self.flush_bulk(at.dir, session);
        }
        let b = self.bulk.get_mut(at.dir).get_or_insert(Bulk {
            frame: at.frame,
            ts: at.ts,
            bytes: 0,
            records: 0,
        });
        b.bytes += bytes;
        b.records += 1;
    }

    /// Emit a direction's pending bulk summary as one `Data` event at its first frame.
    fn flush_bulk(&mut self, dir: Direction, session: &mut Session) {
        if let Some(b) = self.bulk.get_mut(dir).take() {
            session.push(
                b.frame,
                b.ts,
                Some(dir),
                EventKind::Data {
                    bytes: b.bytes,
                    segments: b.records,
                },
            );
        }
    }

    fn tpkt_bytes(&mut self, at: At, bytes: &[u8], session: &mut Session) {
        let mut pending = std::mem::take(&mut self.sides.get_mut(at.dir).pending);
        let rest: Vec<u8>;
        let input: &[u8] = if pending.is_empty() {
            bytes
        } else {
            pending.extend_from_slice(bytes);
            rest = std::mem::take(&mut pending);
            &rest
        };
        let mut cur = input;
        while !cur.is_empty() {
            // After the negotiation selected TLS, the TLS handshake follows the X.224 PDUs.
            if self.tls_expected && tls::looks_like_tls(cur) {
                self.sides.get_mut(at.dir).mode = Mode::Tls;
                self.tls_bytes(at, cur, session);
                return;
            }
            // Fast-path PDUs (MS-RDPBCGR 2.2.9.1.2 / 2.2.8.1.2) carry screen and input data.
            let parsed = tpkt::parse_record(cur).map(|(r, rec)| match rec {
                tpkt::Record::Tpkt(t) => (r, Some(t)),
                tpkt::Record::FastPath(_) => (r, None),
            });
            match parsed {
                Ok((r, Some(t))) => {
                    self.x224(at, t.payload, session);
                    cur = r;
                }
                Ok((r, None)) => cur = r,
                Err(ProtoError::Incomplete(_)) => {
                    if cur.len() <= MAX_PENDING {
                        let side = self.sides.get_mut(at.dir);
                        side.pending.clear();
                        side.pending.extend_from_slice(cur);
                    }
                    return;
                }
                Err(ProtoError::Malformed { layer, what }) => {
                    self.malformed(at, layer, what, session);
                    self.sides.get_mut(at.dir).mode = Mode::Opaque;
                    return;
                }
            }
        }
        // Keep the allocation for next time.
        pending.clear();
        let side = self.sides.get_mut(at.dir);
        if side.pending.is_empty() {
            side.pending = pending;
        }
    }

    fn malformed(&mut self, at: At, layer: Layer, what: String, session: &mut Session) {
        let side = self.sides.get_mut(at.dir);
        if !side.reported {
            side.reported = true;
            session.push(
                at.frame,
                at.ts,
                Some(at.dir),
                EventKind::Malformed { layer, what },
            );
        }
    }

    fn x224(&mut self, at: At, payload: &[u8], session: &mut Session) {
        let tpdu = match x224::parse_tpdu(payload) {
            Ok((_, t)) => t,
            Err(ProtoError::Incomplete(_)) => {
                self.malformed(at, Layer::X224, "TPDU longer than its TPKT".into(), session);
                return;
            }
            Err(ProtoError::Malformed { layer, what }) => {
                self.malformed(at, layer, what, session);
                return;
            }
        };
        let kind = match tpdu {
            Tpdu::ConnectionRequest(cr) => {
                self.saw_rdp = true;
                EventKind::X224Request(Box::new(cr))
            }
            Tpdu::ConnectionConfirm(cc) => {
                self.tls_expected = cc.selected().is_some_and(|p| p.0 != 0);
                EventKind::X224Confirm(Box::new(cc))
            }
            Tpdu::DisconnectRequest(dr) => EventKind::X224Disconnect { reason: dr.reason },
            Tpdu::Data(dt) => match self.mcs(dt.payload) {
                Some(k) => k,
                None => return,
            },
            Tpdu::Error { cause, .. } => EventKind::X224Error { cause },
            Tpdu::Other { .. } => return,
        };
        session.push(at.frame, at.ts, Some(at.dir), kind);
    }

    /// Slow-path share PDUs readable in the clear (Standard RDP Security without encryption, or
    /// the PDUs that never carry a security header): the Set Error Info PDU (2.2.5.1.1) and the
    /// Client Info PDU's user and domain (2.2.1.11; the password is never read).
    fn share(&mut self, payload: &[u8]) -> Option<EventKind> {
        let mode = if self.tls_expected {
            SecurityMode::NoSecurityHeader
        } else {
            SecurityMode::Standard
        };
        match share::parse_slow_path(payload, mode).ok()?.1 {
            SlowPath::SetErrorInfo(e) => Some(EventKind::ErrorInfo {
                code: e.0,
                name: e.name(),
            }),
            SlowPath::ClientInfo(ci) => Some(EventKind::ClientInfo(Box::new(Logon {
                user: ci.user_name,
                domain: ci.domain,
            }))),
            // Readable once TLS is decrypted (issue 9): licensing outcome, end of the session.
            SlowPath::Licensing { msg_type } => Some(EventKind::Licensing { msg_type }),
            SlowPath::Share { pdu_type, .. } if pdu_type & 0x0f == 6 => {
                Some(EventKind::DeactivateAll)
            }
            _ => None,
        }
    }

    fn mcs(&mut self, payload: &[u8]) -> Option<EventKind> {
        let (_, pdu) = mcs::parse_mcs(payload).ok()?;
        Some(match pdu {
            McsPdu::ConnectInitial(ci) => {
                let data = gcc::parse_conference_create_request(ci.user_data)
                    .map(|(_, d)| d)
                    .ok()?;
                EventKind::McsConnectInitial(Box::new(data))
            }
            McsPdu::ConnectResponse(cr) => {
                let server = gcc::parse_conference_create_response(cr.user_data)
                    .ok()
                    .map(|(_, d)| crate::timeline::ServerInfo::from_gcc(&d));
                EventKind::McsConnectResponse {
                    result: cr.result.name(),
                    success: cr.result.is_success(),
                    server: server.map(Box::new),
                }
            }
            McsPdu::DisconnectProviderUltimatum { reason } => EventKind::McsDisconnect {
                reason: reason.name(),
            },
            McsPdu::ErectDomainRequest { .. } => EventKind::Mcs("Erect Domain Request"),
            McsPdu::AttachUserRequest => EventKind::Mcs("Attach User Request"),
            McsPdu::AttachUserConfirm { .. } => EventKind::Mcs("Attach User Confirm"),
            McsPdu::SendDataRequest(sd) | McsPdu::SendDataIndication(sd) => {
                return self.share(sd.payload);
            }
            _ => return None,
        })
    }
}

//! Facts distilled from a session's events, in the vocabulary the rules speak. Each fact keeps
//! the frame that shows it, so a verdict can cite its evidence.

use crate::proto::tls::{AlertDescription, AlertLevel, CertInfo, ClientHello, TlsEvent};
use crate::proto::x224::{ConnectionConfirm, ConnectionRequest, Protocols};
use crate::timeline::{Event, EventKind, Session, TcpNote};
use crate::types::{Direction, FrameNo, PerDir, Timestamp};

/// How many TLS application-data records are remembered per side (CredSSP and the first MCS
/// PDUs fit easily).
const KEEP_RECORDS: usize = 64;

/// A TLS alert as seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertSeen {
    /// Frame.
    pub frame: FrameNo,
    /// Time.
    pub ts: Timestamp,
    /// Sender.
    pub dir: Direction,
    /// Level and description when in plaintext.
    pub plain: Option<(AlertLevel, AlertDescription)>,
}

/// What the rules need to know about a session, each with the frames that show it.
#[derive(Debug, Clone, Default)]
pub struct Facts<'s> {
    /// Client SYN frames.
    pub syns: Vec<FrameNo>,
    /// Server SYN+ACK frames.
    pub synacks: Vec<FrameNo>,
    /// The handshake completed at this frame.
    pub established: Option<FrameNo>,
    /// First FIN per side.
    pub fin: PerDir<Option<(FrameNo, Timestamp)>>,
    /// First RST per side, with its index in the events.
    pub rst: PerDir<Option<(FrameNo, usize)>>,
    /// ICMP errors (frame, index into the session's events).
    pub icmp: Vec<(FrameNo, usize)>,
    /// The X.224 Connection Request.
    pub x224_request: Option<(FrameNo, &'s ConnectionRequest)>,
    /// The X.224 Connection Confirm.
    pub x224_confirm: Option<(FrameNo, &'s ConnectionConfirm)>,
    /// MCS Connect Initial (client) frame.
    pub mcs_initial: Option<FrameNo>,
    /// MCS Connect Response frame and whether it succeeded.
    pub mcs_response: Option<(FrameNo, bool)>,
    /// MCS Disconnect Provider Ultimatum: frame, sender, reason.
    pub mcs_disconnect: Option<(FrameNo, Direction, &'s str)>,
    /// Set Error Info PDU: frame, code, name.
    pub error_info: Option<(FrameNo, u32, &'s str)>,
    /// Decrypted CredSSP (issue 9): the server's TSRequest errorCode (frame, NTSTATUS).
    pub credssp_error: Option<(FrameNo, crate::proto::credssp::NtStatus)>,
    /// Decrypted CredSSP: the client's NTLM AUTHENTICATE (frame, domain, user).
    pub ntlm_auth: Option<(FrameNo, &'s str, &'s str)>,
    /// Decrypted CredSSP: TSRequests seen, per side.
    pub credssp_msgs: PerDir<u32>,
    /// TLS ClientHello.
    pub client_hello: Option<(FrameNo, &'s ClientHello)>,
    /// TLS ServerHello: frame, version, cipher.
    pub server_hello: Option<(FrameNo, u16, u16)>,
    /// The server's certificate chain.
    pub certificate: Option<(FrameNo, &'s [CertInfo])>,
    /// ChangeCipherSpec per side.
    pub ccs: PerDir<Option<FrameNo>>,
    /// Encrypted Finished per side (TLS ≤ 1.2).
    pub finished: PerDir<Option<FrameNo>>,
    /// TLS alerts in order.
    pub alerts: Vec<AlertSeen>,
    /// TLS application-data records per side (frame, length), the first [`KEEP_RECORDS`].
    pub app_data: PerDir<Vec<(FrameNo, u16)>>,
    /// Retransmission frames (genuine: not spurious, not capture duplicates).
    pub retransmissions: Vec<FrameNo>,
    /// Frames flagged previous-segment-not-captured, per sending side.
    pub lost_segments: PerDir<Vec<FrameNo>>,
    /// Duplicate-ACK frames per sending side.
    pub dup_acks: PerDir<Vec<FrameNo>>,
    /// Zero-window frames per sending side.
    pub zero_windows: PerDir<Vec<FrameNo>>,
    /// Keep-alive frames per sending side.
    pub keep_alives: PerDir<Vec<FrameNo>>,
    /// ACKed-unseen frames (the capture missed packets).
    pub acked_unseen: Vec<FrameNo>,
    /// Gaps the reassembly gave up on, per side whose bytes are missing.
    pub gaps: PerDir<Vec<FrameNo>>,
    /// Malformed PDUs.
    pub malformed: Vec<FrameNo>,
}

impl<'s> Facts<'s> {
    /// Collect the facts of a session.
    pub fn of(s: &'s Session) -> Facts<'s> {
        let mut f = Facts::default();
        for (i, e) in s.events.iter().enumerate() {
            f.note(i, e);
        }
        f
    }

    fn note(&mut self, i: usize, e: &'s Event) {
        let dir = e.dir.unwrap_or(Direction::ClientToServer);
        match &e.kind {
            EventKind::Syn { .. } => self.syns.push(e.frame),
            EventKind::SynAck { .. } => self.synacks.push(e.frame),
            EventKind::Established => {
                self.established.get_or_insert(e.frame);
            }
            EventKind::Fin => {
                self.fin.get_mut(dir).get_or_insert((e.frame, e.ts));
            }
            EventKind::Rst { .. } => {
                self.rst.get_mut(dir).get_or_insert((e.frame, i));
            }
            EventKind::Icmp { .. } => self.icmp.push((e.frame, i)),
            EventKind::Tcp(note) => match note {
                TcpNote::Retransmission | TcpNote::FastRetransmission => {
                    self.retransmissions.push(e.frame)
                }
                TcpNote::LostSegment => self.lost_segments.get_mut(dir).push(e.frame),
                TcpNote::DupAck => self.dup_acks.get_mut(dir).push(e.frame),
                TcpNote::ZeroWindow => self.zero_windows.get_mut(dir).push(e.frame),
                TcpNote::KeepAlive => self.keep_alives.get_mut(dir).push(e.frame),
                TcpNote::AckedUnseen => self.acked_unseen.push(e.frame),
                _ => {}
            },
            EventKind::Gap { .. } => self.gaps.get_mut(dir).push(e.frame),
            EventKind::Malformed { .. } => self.malformed.push(e.frame),
            EventKind::X224Request(cr) => {
                self.x224_request.get_or_insert((e.frame, cr));
            }
            EventKind::X224Confirm(cc) => {
                self.x224_confirm.get_or_insert((e.frame, cc));
            }
            EventKind::McsConnectInitial(_) => {
                self.mcs_initial.get_or_insert(e.frame);
            }
            EventKind::McsConnectResponse { success, .. } => {
                self.mcs_response.get_or_insert((e.frame, *success));
            }
            EventKind::McsDisconnect { reason } => {
                self.mcs_disconnect
                    .get_or_insert((e.frame, dir, reason.as_str()));
            }
            EventKind::CredSsp(r) => {
                *self.credssp_msgs.get_mut(dir) += 1;
                if let (Some(code), Direction::ServerToClient) = (r.error_code, dir) {
                    self.credssp_error.get_or_insert((e.frame, code));
                }
                for m in &r.ntlm {
                    if let crate::proto::credssp::Ntlm::Authenticate { domain, user, .. } = m {
                        self.ntlm_auth
                            .get_or_insert((e.frame, domain.as_str(), user.as_str()));
                    }
                }
            }
            EventKind::ErrorInfo { code, name } => {
                self.error_info
                    .get_or_insert((e.frame, *code, name.as_str()));
            }
            EventKind::Tls(t) => self.tls(e, dir, t),
            _ => {}
        }
    }

    fn tls(&mut self, e: &'s Event, dir: Direction, t: &'s TlsEvent) {
        match t {
            TlsEvent::ClientHello(ch) => {
                self.client_hello.get_or_insert((e.frame, ch));
            }
            TlsEvent::ServerHello {
                version,
                cipher_suite,
                is_hello_retry_request: false,
            } => {
                self.server_hello = Some((e.frame, *version, *cipher_suite));
            }
            TlsEvent::Certificate(chain) if dir == Direction::ServerToClient => {
                self.certificate.get_or_insert((e.frame, chain.as_slice()));
            }
            TlsEvent::ChangeCipherSpec => {
                self.ccs.get_mut(dir).get_or_insert(e.frame);
            }
            TlsEvent::EncryptedHandshake { .. } => {
                self.finished.get_mut(dir).get_or_insert(e.frame);
            }
            TlsEvent::Alert {
                level, description, ..
            } => self.alerts.push(AlertSeen {
                frame: e.frame,
                ts: e.ts,
                dir,
                plain: Some((*level, *description)),
            }),
            TlsEvent::EncryptedAlert { .. } => self.alerts.push(AlertSeen {
                frame: e.frame,
                ts: e.ts,
                dir,
                plain: None,
            }),
            // TLS 1.3 hides alerts in application-data records (RFC 8446 §5.2): a record of
            // 2 bytes + content type + a 16-byte AEAD tag is an alert (close_notify, typically).
            TlsEvent::ApplicationData { len: 19 }
                if self.is_tls13() && self.tls_done().is_some() =>
            {
                self.alerts.push(AlertSeen {
                    frame: e.frame,
                    ts: e.ts,
                    dir,
                    plain: None,
                })
            }
            TlsEvent::ApplicationData { len } => {
                let v = self.app_data.get_mut(dir);
                if v.len() < KEEP_RECORDS {
                    v.push((e.frame, *len));
                }
            }
            _ => {}
        }
    }

    /// The TLS version negotiated, if a ServerHello was seen.
    pub fn tls_version(&self) -> Option<u16> {
        self.server_hello.map(|(_, v, _)| v)
    }

    /// Whether TLS 1.3 was negotiated.
    pub fn is_tls13(&self) -> bool {
        self.tls_version().is_some_and(crate::proto::tls::is_tls13)
    }

    /// The frame at which the TLS handshake completed, if it did: the later of the two Finished
    /// messages (TLS ≤ 1.2), or the client's first record after the ServerHello (TLS 1.3, whose
    /// Finished hides in application data).
    pub fn tls_done(&self) -> Option<FrameNo> {
        if self.is_tls13() {
            let sh = self.server_hello?.0;
            return self
                .app_data
                .client
                .iter()
                .map(|(f, _)| *f)
                .find(|f| *f > sh);
        }
        let c = self.finished.client?;
        let s = self.finished.server?;
        Some(c.max(s))
    }

    /// What the client asked for and the server selected.
    pub fn protocols(&self) -> (Option<Protocols>, Option<Protocols>) {
        (
            self.x224_request.map(|(_, r)| r.requested()),
            self.x224_confirm.and_then(|(_, c)| c.selected()),
        )
    }

    /// Whether the server selected an NLA protocol (HYBRID or HYBRID_EX).
    pub fn nla_selected(&self) -> bool {
        self.protocols()
            .1
            .is_some_and(|p| p.has(Protocols::HYBRID) || p.has(Protocols::HYBRID_EX))
    }

    /// The first close signal of a side after `after`: its alert, FIN or RST, whichever first.
    pub fn first_close(&self, dir: Direction, after: FrameNo) -> Option<FrameNo> {
        let alert = self
            .alerts
            .iter()
            .filter(|a| a.dir == dir && a.frame > after)
            .map(|a| a.frame)
            .next();
        let fin = self.fin.get(dir).map(|(f, _)| f).filter(|f| *f > after);
        let rst = self.rst.get(dir).map(|(f, _)| f).filter(|f| *f > after);
        [alert, fin, rst].into_iter().flatten().min()
    }
}

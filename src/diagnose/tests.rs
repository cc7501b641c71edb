//! One precise synthetic timeline per rule: the rule fires with the right cause, phase, drop
//! frame and evidence, and the look-alikes that are not failures stay healthy.

use super::{Cause, Phase, diagnose};
use crate::decode::{IcmpKind, Transport};
use crate::proto::tls::{AlertDescription, AlertLevel, ClientHello, TlsEvent};
use crate::proto::x224::{
    ConnectionConfirm, ConnectionRequest, FailureCode, NegReqFlags, NegRspFlags, Negotiation,
    NegotiationRequest, Protocols,
};
use crate::timeline::{EventKind, Session, TcpNote};
use crate::types::{Direction, Timestamp};

const C: Option<Direction> = Some(Direction::ClientToServer);
const S: Option<Direction> = Some(Direction::ServerToClient);
const T0: i64 = 1_700_000_000;

/// Builds a session event by event; times in milliseconds from the start.
struct B {
    s: Session,
}

impl B {
    fn new() -> Self {
        B {
            s: Session::new(
                1,
                Transport::Tcp,
                "192.0.2.10:50000".parse().unwrap(),
                "198.51.100.20:3389".parse().unwrap(),
                1,
                Timestamp::from_parts(T0, 0),
            ),
        }
    }
    fn at(ms: i64) -> Timestamp {
        Timestamp(T0 * 1_000_000_000 + ms * 1_000_000)
    }
    /// A packet with an event.
    fn ev(mut self, frame: u64, ms: i64, dir: Option<Direction>, kind: EventKind) -> Self {
        self.s.push(frame, Self::at(ms), dir, kind);
        if let Some(d) = dir {
            self.s.count(frame, Self::at(ms), d, 0);
        } else {
            self.s.last_frame = frame;
        }
        self
    }
    /// A packet carrying `bytes` of payload (and no event).
    fn data(mut self, frame: u64, ms: i64, dir: Direction, bytes: u64) -> Self {
        self.s.count(frame, Self::at(ms), dir, bytes);
        self
    }
    fn tls(self, frame: u64, ms: i64, dir: Option<Direction>, t: TlsEvent) -> Self {
        self.ev(frame, ms, dir, EventKind::Tls(t))
    }
    fn handshake(self) -> Self {
        self.ev(1, 0, C, EventKind::Syn { retry: false })
            .ev(2, 1, S, EventKind::SynAck { retry: false })
            .ev(3, 2, C, EventKind::Established)
    }
    fn x224(self, requested: u32, selected: Option<u32>) -> Self {
        let cr = ConnectionRequest {
            cookie: Some("labuser".into()),
            negotiation: Some(NegotiationRequest {
                flags: NegReqFlags(0),
                length: 8,
                requested: Protocols(requested),
            }),
            ..ConnectionRequest::default()
        };
        let neg = match selected {
            Some(p) => Negotiation::Response {
                flags: NegRspFlags(0),
                length: 8,
                selected: Protocols(p),
            },
            None => Negotiation::Legacy,
        };
        let cc = ConnectionConfirm {
            dst_ref: 0,
            src_ref: 0x1234,
            class_option: 0,
            negotiation: neg,
            notes: vec![],
        };
        self.ev(4, 3, C, EventKind::X224Request(Box::new(cr))).ev(
            5,
            4,
            S,
            EventKind::X224Confirm(Box::new(cc)),
        )
    }
    fn client_hello(self, frame: u64, versions: Vec<u16>) -> Self {
        self.tls(
            frame,
            5,
            C,
            TlsEvent::ClientHello(Box::new(ClientHello {
                legacy_version: 0x0303,
                supported_versions: versions,
                cipher_suites: vec![0xc02f, 0xc030, 0x009d],
                sni: None,
                groups: vec![],
                signature_algorithms: vec![],
                alpn: vec![],
            })),
        )
    }
    /// A full TLS 1.2 handshake: frames 6 (CH) to 9 (server Finished).
    fn tls12(self) -> Self {
        self.client_hello(6, vec![])
            .tls(
                7,
                6,
                S,
                TlsEvent::ServerHello {
                    version: 0x0303,
                    cipher_suite: 0xc030,
                    is_hello_retry_request: false,
                },
            )
            .tls(8, 7, C, TlsEvent::EncryptedHandshake { len: 40 })
            .tls(9, 8, S, TlsEvent::EncryptedHandshake { len: 40 })
    }
    fn done(self) -> Session {
        self.s
    }
}

fn alert(level: AlertLevel, d: AlertDescription) -> TlsEvent {
    TlsEvent::Alert {
        level,
        description: d,
        decrypted: false,
    }
}

fn rst(ttl: u8, usual: Option<u8>) -> EventKind {
    EventKind::Rst {
        ttl,
        ip_id: None,
        usual_ttl: usual,
        with_data: false,
    }
}

fn check(s: &Session, cause: Cause, phase: Phase, drop: Option<u64>) {
    let v = diagnose(s);
    assert_eq!(
        (v.cause, v.phase, v.drop_frame),
        (cause, phase, drop),
        "{}",
        v.summary
    );
    if let Some(d) = drop {
        assert!(v.evidence_frames.contains(&d), "{:?}", v.evidence_frames);
        assert!(!v.remediation.is_empty());
    }
    assert!(!v.summary.is_empty());
}

#[test]
fn unanswered_syns() {
    let s = B::new()
        .ev(1, 0, C, EventKind::Syn { retry: false })
        .ev(2, 1000, C, EventKind::Syn { retry: true })
        .ev(3, 3000, C, EventKind::Syn { retry: true })
        .done();
    check(&s, Cause::NoAnswer, Phase::TcpConnect, Some(1));
    assert_eq!(diagnose(&s).evidence_frames, vec![1, 2, 3]);
}

#[test]
fn syn_answered_by_rst() {
    let s = B::new()
        .ev(1, 0, C, EventKind::Syn { retry: false })
        .ev(2, 1, S, rst(64, None))
        .done();
    check(&s, Cause::PortClosed, Phase::TcpConnect, Some(2));
}

#[test]
fn icmp_admin_prohibited_names_the_router() {
    let s = B::new()
        .ev(1, 0, C, EventKind::Syn { retry: false })
        .ev(
            2,
            1,
            None,
            EventKind::Icmp {
                kind: IcmpKind::AdminProhibited,
                from: "192.0.2.1".parse().unwrap(),
            },
        )
        .done();
    check(&s, Cause::IcmpUnreachable, Phase::TcpConnect, Some(2));
    let v = diagnose(&s);
    assert!(v.summary.contains("administratively prohibited") && v.summary.contains("192.0.2.1"));
}

#[test]
fn rdp_neg_failure() {
    let mut b = B::new().handshake();
    let cc = ConnectionConfirm {
        dst_ref: 0,
        src_ref: 0x1234,
        class_option: 0,
        negotiation: Negotiation::Failure {
            flags: 0,
            length: 8,
            code: FailureCode::from_u32(5),
        },
        notes: vec![],
    };
    b = b.ev(4, 3, C, EventKind::X224Request(Box::default()));
    let s = b.ev(5, 4, S, EventKind::X224Confirm(Box::new(cc))).done();
    check(
        &s,
        Cause::NegotiationFailure,
        Phase::X224Negotiation,
        Some(5),
    );
    assert!(diagnose(&s).summary.contains("HYBRID_REQUIRED_BY_SERVER"));
}

#[test]
fn client_wants_nla_server_selects_rdp() {
    let s = B::new()
        .handshake()
        .x224(Protocols::HYBRID, Some(0))
        .ev(6, 5, C, EventKind::Fin)
        .done();
    check(
        &s,
        Cause::NegotiationFailure,
        Phase::X224Negotiation,
        Some(5),
    );
}

#[test]
fn protocol_version_alert() {
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL, Some(Protocols::SSL))
        .client_hello(6, vec![0x0304, 0x0303])
        .tls(
            7,
            6,
            S,
            TlsEvent::ServerHello {
                version: 0x0302,
                cipher_suite: 0xc014,
                is_hello_retry_request: false,
            },
        )
        .tls(
            8,
            7,
            C,
            alert(AlertLevel::Fatal, AlertDescription::ProtocolVersion),
        )
        .done();
    check(&s, Cause::TlsVersionMismatch, Phase::TlsHandshake, Some(8));
    // The client rejecting the server's version with another alert is the same mismatch.
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL, Some(Protocols::SSL))
        .client_hello(6, vec![0x0304, 0x0303])
        .tls(
            7,
            6,
            S,
            TlsEvent::ServerHello {
                version: 0x0302,
                cipher_suite: 0xc014,
                is_hello_retry_request: false,
            },
        )
        .tls(
            8,
            7,
            C,
            alert(AlertLevel::Fatal, AlertDescription::InternalError),
        )
        .done();
    check(&s, Cause::TlsVersionMismatch, Phase::TlsHandshake, Some(8));
}

#[test]
fn handshake_failure_without_server_hello_is_cipher_mismatch() {
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL, Some(Protocols::SSL))
        .client_hello(6, vec![])
        .tls(
            7,
            6,
            S,
            alert(AlertLevel::Fatal, AlertDescription::HandshakeFailure),
        )
        .done();
    check(&s, Cause::TlsCipherMismatch, Phase::TlsHandshake, Some(7));
}

#[test]
fn other_fatal_alert() {
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL, Some(Protocols::SSL))
        .client_hello(6, vec![])
        .tls(
            7,
            6,
            S,
            alert(AlertLevel::Fatal, AlertDescription::DecodeError),
        )
        .done();
    check(&s, Cause::TlsAlert, Phase::TlsHandshake, Some(7));
}

#[test]
fn plaintext_certificate_alert() {
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL, Some(Protocols::SSL))
        .client_hello(6, vec![])
        .tls(
            7,
            6,
            S,
            TlsEvent::ServerHello {
                version: 0x0303,
                cipher_suite: 0xc030,
                is_hello_retry_request: false,
            },
        )
        .tls(
            8,
            7,
            C,
            alert(AlertLevel::Fatal, AlertDescription::CertificateExpired),
        )
        .done();
    check(&s, Cause::CertificateRejected, Phase::TlsHandshake, Some(8));
}

#[test]
fn encrypted_alert_right_after_handshake_is_certificate_refusal() {
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL, Some(Protocols::SSL))
        .tls12()
        .tls(10, 9, C, TlsEvent::EncryptedAlert { len: 26 })
        .ev(11, 9, C, EventKind::Fin)
        .done();
    check(
        &s,
        Cause::CertificateRejected,
        Phase::TlsHandshake,
        Some(10),
    );
}

#[test]
fn server_closes_after_credssp() {
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL | Protocols::HYBRID, Some(Protocols::HYBRID))
        .tls12()
        .tls(10, 10, C, TlsEvent::ApplicationData { len: 86 })
        .tls(11, 11, S, TlsEvent::ApplicationData { len: 244 })
        .tls(12, 12, C, TlsEvent::ApplicationData { len: 764 })
        .tls(13, 13, S, TlsEvent::EncryptedAlert { len: 31 })
        .ev(14, 14, C, EventKind::Fin)
        .ev(15, 14, S, rst(64, Some(64)))
        .done();
    check(&s, Cause::NlaFailed, Phase::Nla, Some(13));
}

/// Decrypted CredSSP (issue 9): the server's TSRequest errorCode names the NTSTATUS. The
/// TSRequest is the byte literal of MS-CSSP 2.2.1 with errorCode 0xC0000234.
#[test]
fn credssp_error_code_names_the_ntstatus() {
    let locked = [
        0x30, 0x0d, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4, 0x06, 0x02, 0x04, 0xc0, 0x00, 0x02, 0x34,
    ];
    let (_, req) = crate::proto::credssp::parse_ts_request(&locked).unwrap();
    let s = B::new()
        .handshake()
        .x224(Protocols::SSL | Protocols::HYBRID, Some(Protocols::HYBRID))
        .tls12()
        .tls(10, 10, C, TlsEvent::ApplicationData { len: 86 })
        .tls(11, 11, S, TlsEvent::ApplicationData { len: 244 })
        .tls(12, 12, C, TlsEvent::ApplicationData { len: 764 })
        .tls(13, 13, S, TlsEvent::ApplicationData { len: 40 })
        .ev(13, 13, S, EventKind::CredSsp(Box::new(req)))
        .tls(14, 14, S, TlsEvent::EncryptedAlert { len: 31 })
        .ev(15, 14, S, EventKind::Fin)
        .done();
    check(&s, Cause::NlaFailed, Phase::Nla, Some(13));
    let v = crate::diagnose::diagnose(&s);
    assert!(
        v.summary
            .contains("STATUS_ACCOUNT_LOCKED_OUT (0xC0000234), the account is locked out"),
        "{}",
        v.summary
    );
    assert_eq!(v.evidence_frames, vec![13, 14]);
}

/// A TLS session that carried a screenful of data.
fn active_session() -> B {
    let mut b = B::new()
        .handshake()
        .x224(Protocols::SSL, Some(Protocols::SSL))
        .tls12()
        .tls(10, 10, C, TlsEvent::ApplicationData { len: 400 })
        .tls(11, 11, S, TlsEvent::ApplicationData { len: 300 });
    for i in 0..20 {
        b = b.data(12 + i, 20 + i as i64, Direction::ServerToClient, 1400);
    }
    b
}

#[test]
fn server_disconnects_established_session() {
    let s = active_session()
        .tls(40, 5000, S, TlsEvent::EncryptedAlert { len: 26 })
        .ev(41, 5000, S, EventKind::Fin)
        .ev(42, 5001, C, EventKind::Fin)
        .done();
    check(&s, Cause::ServerDisconnected, Phase::Active, Some(40));
}

#[test]
fn forged_reset_mid_session() {
    let s = active_session().ev(40, 5000, S, rst(57, Some(64))).done();
    check(&s, Cause::ResetMidSession, Phase::Active, Some(40));
    assert!(diagnose(&s).summary.contains("TTL 57"));
}

#[test]
fn windows_close_pattern_and_user_disconnect_are_healthy() {
    // Client FIN answered at once by the server's RST.
    let s = active_session()
        .ev(40, 5000, C, EventKind::Fin)
        .ev(41, 5000, S, rst(64, Some(64)))
        .done();
    check(&s, Cause::Healthy, Phase::Teardown, None);
    // User disconnect: client close_notify + FIN, then the client's RST.
    let s = active_session()
        .tls(40, 5000, C, TlsEvent::EncryptedAlert { len: 26 })
        .ev(41, 5000, C, EventKind::Fin)
        .tls(42, 5001, S, TlsEvent::EncryptedAlert { len: 26 })
        .ev(43, 5001, C, rst(64, Some(64)))
        .done();
    check(&s, Cause::Healthy, Phase::Teardown, None);
}

#[test]
fn capture_starting_mid_stream_is_incomplete() {
    let s = B::new()
        .data(1, 0, Direction::ServerToClient, 1400)
        .data(2, 1, Direction::ClientToServer, 100)
        .done();
    let v = diagnose(&s);
    assert_eq!(v.cause, Cause::IncompleteCapture);
    assert_eq!(v.drop_frame, None);
}

#[test]
fn zero_window_that_never_reopens() {
    let s = active_session()
        .ev(40, 2000, C, EventKind::Tcp(TcpNote::ZeroWindow))
        .ev(41, 2500, S, EventKind::Tcp(TcpNote::ZeroWindowProbe))
        .ev(42, 9000, C, rst(64, Some(64)))
        .done();
    check(&s, Cause::ZeroWindowStall, Phase::Active, Some(40));
}

#[test]
fn path_goes_silent() {
    let s = active_session()
        .data(40, 1000, Direction::ClientToServer, 100)
        .ev(41, 1300, C, EventKind::Tcp(TcpNote::Retransmission))
        .ev(42, 1900, C, EventKind::Tcp(TcpNote::Retransmission))
        .ev(43, 3100, C, EventKind::Tcp(TcpNote::Retransmission))
        .ev(44, 5500, C, EventKind::Tcp(TcpNote::Retransmission))
        .ev(45, 9000, C, rst(64, Some(64)))
        .done();
    check(&s, Cause::LinkTimeout, Phase::Active, Some(40));
}

#[test]
fn full_size_segments_never_arrive() {
    let s = active_session()
        .ev(40, 2000, S, EventKind::Tcp(TcpNote::LostSegment))
        .ev(41, 2001, C, EventKind::Tcp(TcpNote::DupAck))
        .ev(42, 7000, C, EventKind::Tcp(TcpNote::KeepAlive))
        .ev(43, 12000, C, EventKind::Tcp(TcpNote::KeepAlive))
        .ev(44, 15000, C, EventKind::Fin)
        .ev(45, 15000, S, EventKind::Gap { len: 2896 })
        .done();
    check(&s, Cause::MtuBlackhole, Phase::Active, Some(40));
}

#[test]
fn streaming_server_stops_while_tcp_answers() {
    let mut b = active_session();
    for i in 0..30 {
        b = b.data(40 + i, 1000 + 60 * i as i64, Direction::ServerToClient, 900);
    }
    let s = b
        .ev(80, 8000, C, EventKind::Tcp(TcpNote::KeepAlive))
        .data(81, 8001, Direction::ServerToClient, 0)
        .tls(82, 12000, C, TlsEvent::EncryptedAlert { len: 26 })
        .ev(83, 12000, C, EventKind::Fin)
        .done();
    check(&s, Cause::ServerUnresponsive, Phase::Active, Some(69));
}

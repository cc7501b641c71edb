//! Byte-literal tests over real TLS streams (see `testdata.rs` for where each comes from).

use super::testdata::*;
use super::*;
use Direction::{ClientToServer as C, ServerToClient as S};
use std::net::IpAddr;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Feeds flights (direction, bytes) in order; returns every event with its direction.
fn run(flights: &[(Direction, &[u8])]) -> Vec<(Direction, TlsEvent)> {
    let mut t = TlsSession::new();
    let mut all = Vec::new();
    for (dir, bytes) in flights {
        let mut out = Vec::new();
        t.push(*dir, bytes, &mut out);
        all.extend(out.into_iter().map(|e| (*dir, e)));
    }
    all
}

/// Same, but every flight is pushed one byte at a time.
fn run_bytewise(flights: &[(Direction, &[u8])]) -> Vec<(Direction, TlsEvent)> {
    let mut t = TlsSession::new();
    let mut all = Vec::new();
    for (dir, bytes) in flights {
        for b in bytes.iter() {
            let mut out = Vec::new();
            t.push(*dir, std::slice::from_ref(b), &mut out);
            all.extend(out.into_iter().map(|e| (*dir, e)));
        }
    }
    all
}

fn certs_of(events: &[(Direction, TlsEvent)]) -> Vec<CertInfo> {
    events
        .iter()
        .find_map(|(_, e)| match e {
            TlsEvent::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap()
}

fn client_hello_of(events: &[(Direction, TlsEvent)]) -> ClientHello {
    events
        .iter()
        .find_map(|(_, e)| match e {
            TlsEvent::ClientHello(c) => Some((**c).clone()),
            _ => None,
        })
        .unwrap()
}

fn alert(level: u8, description: u8) -> TlsEvent {
    TlsEvent::Alert {
        level: AlertLevel::from_u8(level),
        description: AlertDescription::from_u8(description),
        decrypted: false,
    }
}

/// rdp-to-ssl.pcap (conn 49206) in wire order: ClientHello; ServerHello+Certificate+Done in one
/// record; ClientKeyExchange, CCS, Finished; CCS, Finished; CredSSP as application data.
fn rdp_to_ssl_flights(c: &[u8], s: &[u8]) -> Vec<(Direction, Vec<u8>)> {
    vec![
        (C, c[..121].to_vec()),
        (S, s[..859].to_vec()),
        (C, c[121..447].to_vec()),
        (S, s[859..918].to_vec()),
        (C, c[447..532].to_vec()),
        (S, s[918..].to_vec()),
        (C, c[532..].to_vec()),
    ]
}

fn as_refs(f: &[(Direction, Vec<u8>)]) -> Vec<(Direction, &[u8])> {
    f.iter().map(|(d, b)| (*d, b.as_slice())).collect()
}

#[test]
fn rdp_to_ssl_tls10_nla_handshake() {
    let (c, s) = (hex(RDP_TO_SSL_C), hex(RDP_TO_SSL_S));
    let flights = rdp_to_ssl_flights(&c, &s);
    let ev = run(&as_refs(&flights));
    let ch = client_hello_of(&ev);
    assert_eq!(
        ch,
        ClientHello {
            legacy_version: 0x0301,
            supported_versions: vec![],
            cipher_suites: vec![
                0x002f, 0x0035, 0x0005, 0x000a, 0xc013, 0xc014, 0xc009, 0xc00a, 0x0032, 0x0038,
                0x0013, 0x0004
            ],
            sni: Some("192.168.1.150".into()),
            groups: vec![0x0017, 0x0018],
            signature_algorithms: vec![],
            alpn: vec![],
        }
    );
    assert_eq!(ch.max_version(), 0x0301);
    let cert = CertInfo {
        subject: "CN=WIN2K8R2.awakecoding.ath.cx".into(),
        issuer: "CN=WIN2K8R2.awakecoding.ath.cx".into(),
        serial: "16ED2AA0495F259D4F5D99EDADA570D1".into(),
        not_before: 1_297_546_655, // 2011-02-12 21:37:35
        not_after: 1_613_088_000,  // 2021-02-12 00:00:00
        common_names: vec!["WIN2K8R2.awakecoding.ath.cx".into()],
        san_dns: vec![],
        san_ip: vec![],
        key_type: KeyType::Rsa,
        key_bits: 2048,
        signature_algorithm: "sha1WithRSAEncryption".into(),
        self_signed: true,
    };
    let expected = vec![
        (C, TlsEvent::ClientHello(Box::new(ch))),
        (
            S,
            TlsEvent::ServerHello {
                version: 0x0301,
                cipher_suite: 0x002f,
                is_hello_retry_request: false,
            },
        ),
        (S, TlsEvent::Certificate(vec![cert.clone()])),
        (S, TlsEvent::ServerHelloDone),
        (C, TlsEvent::ClientKeyExchange),
        (C, TlsEvent::ChangeCipherSpec),
        (C, TlsEvent::EncryptedHandshake { len: 48 }),
        (S, TlsEvent::ChangeCipherSpec),
        (S, TlsEvent::EncryptedHandshake { len: 48 }),
        (C, TlsEvent::ApplicationData { len: 80 }),
        (S, TlsEvent::ApplicationData { len: 336 }),
        (S, TlsEvent::ApplicationData { len: 336 }),
        (C, TlsEvent::ApplicationData { len: 928 }),
    ];
    assert_eq!(ev, expected);
    // Zeek ssl.log: TLSv10, TLS_RSA_WITH_AES_128_CBC_SHA, sni_matches_cert F.
    assert_eq!(version_name(0x0301), "TLSv1.0");
    assert_eq!(cipher_name(0x002f), "TLS_RSA_WITH_AES_128_CBC_SHA");
    assert!(!cert.matches_name("192.168.1.150"));
    assert!(cert.matches_name("win2k8r2.awakecoding.ath.cx"));
    assert_eq!(cert.validity_at(1_297_546_654), Validity::NotYetValid);
    assert_eq!(cert.validity_at(1_297_546_655), Validity::Valid);
    assert_eq!(cert.validity_at(1_613_088_000), Validity::Valid);
    assert_eq!(cert.validity_at(1_613_088_001), Validity::Expired);
    // Same events one byte at a time.
    assert_eq!(run_bytewise(&as_refs(&flights)), expected);
}

#[test]
fn every_split_point_gives_the_same_events() {
    let (c, s) = (hex(RDP_TO_SSL_C), hex(RDP_TO_SSL_S));
    let flights = rdp_to_ssl_flights(&c, &s);
    let whole = run(&as_refs(&flights));
    // Split the server's first flight (three messages, a certificate) and the client's
    // second flight (three records) at every offset.
    for idx in [1usize, 2] {
        let flight = &flights[idx].1;
        for k in 0..=flight.len() {
            let mut split: Vec<(Direction, &[u8])> = Vec::new();
            for (i, (d, b)) in flights.iter().enumerate() {
                if i == idx {
                    split.push((*d, &b[..k]));
                    split.push((*d, &b[k..]));
                } else {
                    split.push((*d, b));
                }
            }
            assert_eq!(run(&split), whole, "flight {idx} split at {k}");
        }
    }
}

#[test]
fn truncation_is_incomplete_not_malformed() {
    let (c, s) = (hex(RDP_TO_SSL_C), hex(RDP_TO_SSL_S));
    let flights = rdp_to_ssl_flights(&c, &s);
    let whole = run(&as_refs(&flights));
    for idx in [0usize, 1, 2, 3] {
        let flight = &flights[idx].1;
        let before: Vec<(Direction, &[u8])> = as_refs(&flights[..idx]);
        let n_before = run(&before).len();
        let n_full = {
            let mut f = before.clone();
            f.push((flights[idx].0, flight));
            run(&f).len()
        };
        for k in 0..flight.len() {
            let mut f = before.clone();
            f.push((flights[idx].0, &flight[..k]));
            let ev = run(&f);
            assert!(
                ev.len() >= n_before && ev.len() < n_full,
                "flight {idx} cut at {k}"
            );
            assert_eq!(ev[..], whole[..ev.len()], "flight {idx} cut at {k}");
        }
    }
}

#[test]
fn rdp_no_cookie_tls12_rsa_aes256_gcm() {
    let (c, s) = (hex(NO_COOKIE_C), hex(NO_COOKIE_S));
    let ev = run(&[
        (C, &c[..147]),
        (S, &s[..872]),
        (C, &c[147..]),
        (S, &s[872..]),
    ]);
    let ch = client_hello_of(&ev);
    assert_eq!(ch.legacy_version, 0x0303);
    assert_eq!(ch.cipher_suites.len(), 21);
    assert_eq!(ch.sni, None);
    assert_eq!(ch.groups, vec![0x001d, 0x0017, 0x0018]);
    assert_eq!(
        ch.signature_algorithms,
        vec![
            0x0401, 0x0501, 0x0201, 0x0403, 0x0503, 0x0203, 0x0202, 0x0601, 0x0603
        ]
    );
    assert_eq!(
        ev[1],
        (
            S,
            TlsEvent::ServerHello {
                version: 0x0303,
                cipher_suite: 0x009d,
                is_hello_retry_request: false
            }
        )
    );
    assert_eq!(cipher_name(0x009d), "TLS_RSA_WITH_AES_256_GCM_SHA384");
    let certs = certs_of(&ev);
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].subject, "CN=CLK-456040-D.one.phoenix.gov");
    assert_eq!(certs[0].issuer, "CN=CLK-456040-D.one.phoenix.gov");
    assert_eq!(certs[0].serial, "785897AEAAABC0BD4AC73F6EB275D540");
    assert_eq!(certs[0].signature_algorithm, "sha256WithRSAEncryption");
    assert!(certs[0].self_signed);
    let tail: Vec<_> = ev[3..].to_vec();
    assert_eq!(
        tail,
        vec![
            (S, TlsEvent::ServerHelloDone),
            (C, TlsEvent::ClientKeyExchange),
            (C, TlsEvent::ChangeCipherSpec),
            (C, TlsEvent::EncryptedHandshake { len: 40 }),
            (S, TlsEvent::ChangeCipherSpec),
            (S, TlsEvent::EncryptedHandshake { len: 40 }),
        ]
    );
}

#[test]
fn tls12_handshake_failure_from_server() {
    let ev = run(&[(C, &hex(HS_FAIL_C)), (S, &hex(HS_FAIL_S))]);
    assert_eq!(ev.len(), 2);
    let ch = client_hello_of(&ev);
    assert_eq!(
        ch.cipher_suites,
        vec![
            0xc010, 0xc006, 0xc015, 0xc00b, 0xc001, 0x003b, 0x0002, 0x0001, 0x00ff
        ]
    );
    assert_eq!(ch.groups.len(), 25);
    assert_eq!(ev[1], (S, alert(2, 40)));
    assert_eq!(
        AlertDescription::from_u8(40).to_string(),
        "handshake_failure" // Zeek last_alert
    );
}

#[test]
fn zeroed_record_header_is_malformed_and_stops_that_direction() {
    let mut t = TlsSession::new();
    let mut out = Vec::new();
    t.push(C, &hex(HS_FAIL_C), &mut out);
    t.push(S, &hex(PROTO_ERR_S), &mut out);
    assert_eq!(
        out[1],
        TlsEvent::Malformed {
            what: "invalid TLS record header 00 00 00 (content type must be 20-24, version 0x03xx)"
                .into()
        }
    );
    assert!(t.is_stopped(S) && !t.is_stopped(C));
    out.clear();
    t.push(S, &hex(HS_FAIL_S), &mut out);
    assert_eq!(out, vec![]);
    // The client's direction goes on.
    t.push(C, &[0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00], &mut out);
    assert_eq!(out, vec![alert(1, 0)]);
}

#[test]
fn oversized_record_is_malformed() {
    let mut t = TlsSession::new();
    let mut out = Vec::new();
    t.push(S, &[0x17, 0x03, 0x03, 0x48, 0x01], &mut out);
    assert_eq!(
        out,
        vec![TlsEvent::Malformed {
            what: "TLS record length 18433 exceeds 18432".into()
        }]
    );
    out.clear();
    t.push(S, &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], &mut out);
    assert_eq!(out, vec![]);
    // Exactly at the cap is fine, reported when complete.
    let mut t = TlsSession::new();
    let mut rec = vec![0x17, 0x03, 0x03, 0x48, 0x00];
    rec.resize(5 + 18432, 0xaa);
    t.push(S, &rec[..9000], &mut out);
    assert_eq!(out, vec![]);
    t.push(S, &rec[9000..], &mut out);
    assert_eq!(out, vec![TlsEvent::ApplicationData { len: 18432 }]);
}

#[test]
fn firefox_tls13_draft16_refused_with_protocol_version() {
    let ev = run(&[(C, &hex(FF52_C)), (S, &hex(FF52_S))]);
    let ch = client_hello_of(&ev);
    assert_eq!(ch.supported_versions, vec![0x7f10, 0x0303, 0x0302, 0x0301]);
    assert_eq!(ch.max_version(), 0x0303);
    assert_eq!(version_name(ch.supported_versions[0]), "TLSv1.3-draft16");
    assert_eq!(ch.sni.as_deref(), Some("tls13.crypto.mozilla.org"));
    assert_eq!(ch.alpn, vec!["h2".to_string(), "http/1.1".to_string()]);
    assert_eq!(ch.cipher_suites.len(), 18);
    assert_eq!(&ch.cipher_suites[..3], &[0x1301, 0x1303, 0x1302]);
    assert_eq!(
        ch.groups,
        vec![0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101]
    );
    assert_eq!(ch.signature_algorithms.len(), 15);
    assert_eq!(ev[1], (S, alert(2, 70)));
}

#[test]
fn ndpi_tls10_protocol_version_and_midstream_encrypted_alert() {
    let ev = run(&[(C, &hex(NDPI_ALERT_C)), (S, &hex(NDPI_ALERT_S))]);
    let ch = client_hello_of(&ev);
    assert_eq!(ch.legacy_version, 0x0301);
    assert_eq!(ch.sni.as_deref(), Some("www.google-analytics.com"));
    assert_eq!(
        ch.cipher_suites,
        vec![
            0x002f, 0x0033, 0x0035, 0x0039, 0xc009, 0xc00a, 0xc013, 0xc014, 0x5600
        ]
    );
    assert_eq!(cipher_name(0x5600), "TLS_FALLBACK_SCSV");
    assert_eq!(ch.alpn.len(), 7);
    assert_eq!(ev[1], (S, alert(2, 70)));
    // Stream 1 of the same file starts mid-connection with an encrypted alert.
    let ev = run(&[(C, &hex(NDPI_ENC_ALERT))]);
    assert_eq!(ev, vec![(C, TlsEvent::EncryptedAlert { len: 26 })]);
}

#[test]
fn expired_certificate_www_spidh_org() {
    let (c, s) = (hex(EXPIRED_C), hex(EXPIRED_S));
    let ev = run(&[
        (C, &c[..320]),
        (S, &s[..3130]),
        (C, &c[320..518]),
        (S, &s[3130..]),
    ]);
    let certs = certs_of(&ev);
    assert_eq!(certs.len(), 2);
    let leaf = &certs[0];
    // Zeek notice.log: "Certificate CN=www.spidh.org,OU=COMODO SSL,OU=Domain Control Validated
    // expired at 2014-03-04-23:59:59".
    assert_eq!(
        leaf.subject,
        "CN=www.spidh.org,OU=COMODO SSL,OU=Domain Control Validated"
    );
    assert_eq!(
        leaf.issuer,
        "CN=COMODO SSL CA,O=COMODO CA Limited,L=Salford,ST=Greater Manchester,C=GB"
    );
    assert_eq!(leaf.serial, "F28EA84BC03A07066940CEEAF61EFEFB");
    assert_eq!(leaf.not_before, 1_359_936_000);
    assert_eq!(leaf.not_after, 1_393_977_599);
    assert_eq!(
        leaf.san_dns,
        vec!["www.spidh.org".to_string(), "spidh.org".to_string()]
    );
    assert!(!leaf.self_signed);
    // Capture time of the handshake: 2014-03-13.
    assert_eq!(leaf.validity_at(1_394_745_602), Validity::Expired);
    assert_eq!(certs[1].validity_at(1_394_745_602), Validity::Valid);
    assert!(leaf.matches_name("www.spidh.org") && leaf.matches_name("SPIDH.org."));
    assert!(!leaf.matches_name("mail.spidh.org"));
    let kinds: Vec<_> = ev
        .iter()
        .filter(|(d, _)| *d == S)
        .map(|(_, e)| e.clone())
        .filter(|e| !matches!(e, TlsEvent::Certificate(_)))
        .collect();
    assert_eq!(
        kinds,
        vec![
            TlsEvent::ServerHello {
                version: 0x0301,
                cipher_suite: 0x0039,
                is_hello_retry_request: false
            },
            TlsEvent::ServerKeyExchange,
            TlsEvent::ServerHelloDone,
            TlsEvent::OtherHandshake {
                msg_type: 4,
                len: 198
            },
            TlsEvent::ChangeCipherSpec,
            TlsEvent::EncryptedHandshake { len: 48 },
            TlsEvent::ApplicationData { len: 288 },
            TlsEvent::EncryptedAlert { len: 32 },
        ]
    );
    assert_eq!(cipher_name(0x0039), "TLS_DHE_RSA_WITH_AES_256_CBC_SHA");
}

#[test]
fn cert_name_mismatch_then_client_encrypted_alert() {
    let (c, s) = (hex(MISMATCH_C), hex(MISMATCH_S));
    let ev = run(&[
        (C, &c[..245]),
        (S, &s[..3557]),
        (C, &c[245..]),
        (S, &s[3557..]),
    ]);
    let ch = client_hello_of(&ev);
    assert_eq!(ch.sni.as_deref(), Some("wrong.host.badssl.com"));
    assert_eq!(ch.cipher_suites.len(), 38);
    let certs = certs_of(&ev);
    let leaf = &certs[0];
    assert_eq!(
        leaf.subject,
        "CN=*.badssl.com,O=Lucas Garron Torres,L=Walnut Creek,ST=California,C=US"
    );
    assert_eq!(leaf.serial, "0AF06CDA37A60B641342F0A1EB1D59FD");
    assert_eq!(
        leaf.san_dns,
        vec!["*.badssl.com".to_string(), "badssl.com".to_string()]
    );
    assert!(!leaf.matches_name("wrong.host.badssl.com"));
    assert!(leaf.matches_name("wrong.badssl.com"));
    assert!(leaf.matches_name("badssl.com"));
    // The client refuses after its own Finished: an encrypted alert.
    let client_tail: Vec<_> = ev
        .iter()
        .filter(|(d, _)| *d == C)
        .skip(1)
        .map(|(_, e)| e.clone())
        .collect();
    assert_eq!(
        client_tail,
        vec![
            TlsEvent::ClientKeyExchange,
            TlsEvent::ChangeCipherSpec,
            TlsEvent::EncryptedHandshake { len: 40 },
            TlsEvent::EncryptedAlert { len: 26 },
        ]
    );
}

#[test]
fn certificate_request_then_plaintext_fatal_alert() {
    let (c, s) = (hex(CERTREQ_C), hex(CERTREQ_S));
    let ev = run(&[
        (C, &c[..293]),
        (S, &s[..3686]),
        (C, &c[293..]),
        (S, &s[3686..]),
    ]);
    let events: Vec<_> = ev
        .iter()
        .map(|(d, e)| match e {
            TlsEvent::Certificate(c) => (*d, format!("Certificate x{}", c.len())),
            TlsEvent::ClientHello(_) => (*d, "ClientHello".to_string()),
            other => (*d, format!("{other:?}")),
        })
        .collect();
    let expect = |d, s: &str| (d, s.to_string());
    assert_eq!(
        events,
        vec![
            expect(C, "ClientHello"),
            expect(
                S,
                "ServerHello { version: 771, cipher_suite: 49200, is_hello_retry_request: false }"
            ),
            expect(S, "Certificate x2"),
            expect(S, "ServerKeyExchange"),
            expect(S, "CertificateRequest"),
            expect(S, "ServerHelloDone"),
            expect(C, "Certificate x0"),
            expect(C, "ClientKeyExchange"),
            expect(C, "ChangeCipherSpec"),
            expect(C, "EncryptedHandshake { len: 40 }"),
            expect(
                S,
                "Alert { level: Fatal, description: HandshakeFailure, decrypted: false }"
            ),
        ]
    );
    let certs = certs_of(&ev);
    assert_eq!(
        certs[0].subject,
        "CN=testing.zeek.org,O=SomeOrg,ST=Some-State,C=US"
    );
    assert_eq!(certs[0].serial, "11");
    assert_eq!(certs[0].key_bits, 4096);
    assert!(certs[1].self_signed && !certs[0].self_signed);
}

#[test]
fn rdp_proprietary_chain_x509_matches_zeek() {
    // Zeek x509.log rows for rdp-x509.pcap (its `\\` is the log's escaping of `\`).
    let a = CertInfo::from_der(&hex(RDP_X509_CERT1)).unwrap();
    assert_eq!(a.subject, "L=TURNBKL+CN=SERVR");
    assert_eq!(a.issuer, "L=TURNBKL+CN=SERVR");
    assert_eq!(a.serial, "59EB28CB02B1A0D4");
    assert_eq!((a.not_before, a.not_after), (1_423_664_106, 1_431_388_800));
    assert_eq!(a.signature_algorithm, "sha1WithRSA");
    assert_eq!((a.key_type.clone(), a.key_bits), (KeyType::Rsa, 512));
    assert!(a.self_signed);
    let b = CertInfo::from_der(&hex(RDP_X509_CERT2)).unwrap();
    assert_eq!(
        b.subject,
        r"serialNumber=1BcKefYSF97EvkaiCqahPY8uPd0=\0D\0A+L=ncalrpc:SERVR+CN=ncalrpc:SERVR"
    );
    assert_eq!(b.issuer, "L=TURNBKL+CN=SERVR");
    assert_eq!(b.serial, "0100000001");
    assert_eq!((b.not_before, b.not_after), (1_365_174_955, 1_483_228_799));
    assert_eq!(b.signature_algorithm, "sha1WithRSA");
    assert_eq!(b.key_bits, 512);
    assert!(!b.self_signed);
    // Truncated DER is an X.509 error, not a panic.
    let der = hex(RDP_X509_CERT1);
    for k in 0..der.len() {
        assert!(CertInfo::from_der(&der[..k]).is_err(), "cut at {k}");
    }
}

#[test]
fn remembered_certificates_are_the_parsed_ones() {
    let (a, b) = (hex(RDP_X509_CERT1), hex(RDP_X509_CERT2));
    let (pa, pb) = (
        CertInfo::from_der(&a).unwrap(),
        CertInfo::from_der(&b).unwrap(),
    );
    // Alternating, beyond the memo's size with other bytes in between: always the same value.
    for round in 0..40u8 {
        assert_eq!(CertInfo::from_der_cached(&a).unwrap(), pa);
        assert_eq!(CertInfo::from_der_cached(&b).unwrap(), pb);
        // Other DER bytes (a different signature byte) fill the memo in between.
        let mut other = a.clone();
        other[a.len() - 1] ^= round | 1;
        assert_eq!(
            CertInfo::from_der_cached(&other),
            CertInfo::from_der(&other)
        );
    }
    // A cut certificate is an error every time, even right after the whole one was seen.
    assert!(CertInfo::from_der_cached(&a[..a.len() - 1]).is_err());
    assert!(CertInfo::from_der_cached(&a[..a.len() - 1]).is_err());
}

#[test]
fn tls13_handshake_encrypts_both_directions_after_server_hello() {
    let (c, s) = (hex(TLS13_C), hex(TLS13_S));
    let flights: [(Direction, &[u8]); 3] = [(C, &c[..260]), (S, &s), (C, &c[260..])];
    let ev = run(&flights);
    let ch = client_hello_of(&ev);
    assert_eq!(ch.supported_versions, vec![0x0304]);
    assert_eq!(ch.max_version(), 0x0304);
    assert_eq!(ch.cipher_suites, vec![0x1302, 0x1303, 0x1301, 0x00ff]);
    assert_eq!(ch.sni.as_deref(), Some("rdp.lab.example"));
    assert_eq!(ch.alpn, vec!["x224".to_string()]);
    assert_eq!(ch.groups.len(), 10);
    let rest: Vec<_> = ev[1..].to_vec();
    let ad = |d, len| (d, TlsEvent::ApplicationData { len });
    assert_eq!(
        rest,
        vec![
            (
                S,
                TlsEvent::ServerHello {
                    version: 0x0304,
                    cipher_suite: 0x1302,
                    is_hello_retry_request: false
                }
            ),
            (S, TlsEvent::ChangeCipherSpec),
            ad(S, 34),
            ad(S, 524),
            ad(S, 97),
            ad(S, 69),
            ad(S, 250),
            ad(S, 250),
            ad(S, 19),
            (C, TlsEvent::ChangeCipherSpec),
            ad(C, 69),
            ad(C, 19),
        ]
    );
    assert_eq!(cipher_name(0x1302), "TLS_AES_256_GCM_SHA384");
    assert_eq!(run_bytewise(&flights), ev);
}

#[test]
fn tls13_hello_retry_request_then_second_client_hello() {
    let (c, s) = (hex(TLS13_HRR_C), hex(TLS13_HRR_S));
    let flights: [(Direction, &[u8]); 5] = [
        (C, &c[..233]),
        (S, &s[..99]),
        (C, &c[233..505]),
        (S, &s[99..]),
        (C, &c[505..]),
    ];
    let ev = run(&flights);
    let kinds: Vec<_> = ev
        .iter()
        .map(|(d, e)| match e {
            TlsEvent::ClientHello(ch) => (*d, format!("ClientHello groups={:04x?}", ch.groups)),
            other => (*d, format!("{other:?}")),
        })
        .collect();
    let k = |d, s: &str| (d, s.to_string());
    assert_eq!(
        kinds[..7],
        [
            k(C, "ClientHello groups=[001d, 0017]"),
            k(
                S,
                "ServerHello { version: 772, cipher_suite: 4866, is_hello_retry_request: true }"
            ),
            k(S, "ChangeCipherSpec"),
            k(C, "ChangeCipherSpec"),
            k(C, "ClientHello groups=[001d, 0017]"),
            k(
                S,
                "ServerHello { version: 772, cipher_suite: 4866, is_hello_retry_request: false }"
            ),
            k(S, "ApplicationData { len: 23 }"),
        ]
    );
    assert_eq!(ev.len(), 7 + 6 + 2);
}

#[test]
fn handshake_message_spanning_records_is_reassembled() {
    // Re-frame the server's first record (ServerHello, Certificate, ServerHelloDone; 854
    // bytes) as records of 100 bytes: same events.
    let s = hex(RDP_TO_SSL_S);
    let body = &s[5..859];
    let mut reframed = Vec::new();
    for chunk in body.chunks(100) {
        reframed.extend_from_slice(&[0x16, 0x03, 0x01, 0x00, chunk.len() as u8]);
        reframed.extend_from_slice(chunk);
    }
    assert_eq!(run(&[(S, &reframed)]), run(&[(S, &s[..859])]));
    assert_eq!(run(&[(S, &reframed)]).len(), 3);
}

#[test]
fn oversized_handshake_message_is_malformed_but_records_go_on() {
    let mut out = Vec::new();
    let mut t = TlsSession::new();
    t.push(C, &hex(HS_FAIL_C), &mut out);
    out.clear();
    // A certificate message claiming 3 MiB.
    t.push(
        C,
        &[0x16, 0x03, 0x01, 0x00, 0x04, 0x0b, 0x30, 0x00, 0x00],
        &mut out,
    );
    t.push(
        C,
        &[0x16, 0x03, 0x01, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00],
        &mut out,
    );
    t.push(C, &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x50], &mut out);
    assert_eq!(
        out,
        vec![
            TlsEvent::Malformed {
                what: "TLS handshake message length 3145728 exceeds 131072".into()
            },
            alert(2, 80),
        ]
    );
}

#[test]
fn gap_resynchronises_on_the_next_record() {
    let (c, s) = (hex(RDP_TO_SSL_C), hex(RDP_TO_SSL_S));
    let mut t = TlsSession::new();
    let mut out = Vec::new();
    t.push(C, &c[..121], &mut out);
    t.push(S, &s[..400], &mut out); // half of the server's first record
    assert_eq!(out.len(), 1);
    t.gap(S);
    out.clear();
    // The bytes resume inside the lost record, then CCS, Finished, application data.
    t.push(S, &s[700..], &mut out);
    assert_eq!(
        out,
        vec![
            TlsEvent::ChangeCipherSpec,
            TlsEvent::EncryptedHandshake { len: 48 },
            TlsEvent::ApplicationData { len: 336 },
            TlsEvent::ApplicationData { len: 336 },
        ]
    );
    // A gap before a handshake fragment that continues a lost message: skipped silently.
    let mut t = TlsSession::new();
    out.clear();
    t.push(C, &c[..121], &mut out);
    t.gap(S);
    t.push(
        S,
        &[0x16, 0x03, 0x01, 0x00, 0x03, 0xde, 0xad, 0x00],
        &mut out,
    );
    t.push(S, &[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28], &mut out);
    assert_eq!(out[1..], [alert(2, 40)]);
}

#[test]
fn alert_record_lengths() {
    let mut t = TlsSession::new();
    let mut out = Vec::new();
    // Before any handshake: 2 bytes plaintext, longer encrypted.
    t.push(C, &[0x15, 0x03, 0x03, 0x00, 0x02, 0x07, 0xc8], &mut out);
    t.push(
        C,
        &[0x15, 0x03, 0x03, 0x00, 0x03, 0x01, 0x02, 0x03],
        &mut out,
    );
    t.push(C, &[0x15, 0x03, 0x03, 0x00, 0x01, 0x01], &mut out);
    assert_eq!(
        out,
        vec![
            TlsEvent::Alert {
                level: AlertLevel::Unknown(7),
                description: AlertDescription::Unknown(200),
                decrypted: false,
            },
            TlsEvent::EncryptedAlert { len: 3 },
            TlsEvent::Malformed {
                what: "TLS alert record of 1 bytes".into()
            },
        ]
    );
}

#[test]
fn looks_like_tls_checks_the_header() {
    assert!(looks_like_tls(&hex(HS_FAIL_C)));
    assert!(looks_like_tls(&hex(HS_FAIL_S)));
    assert!(looks_like_tls(&[0x17, 0x03, 0x03]));
    assert!(!looks_like_tls(&[0x17, 0x03]));
    assert!(!looks_like_tls(&hex(PROTO_ERR_S)));
    assert!(!looks_like_tls(&[0x03, 0x00, 0x00, 0x13, 0x0e])); // TPKT
    assert!(!looks_like_tls(&[0x16, 0x03, 0x05, 0x00, 0x10]));
    assert!(!looks_like_tls(&[0x16, 0x03, 0x01, 0xff, 0xff]));
    assert!(!looks_like_tls(b"GET / HTTP/1.1\r\n"));
}

#[test]
fn name_matching_rules() {
    let cert = CertInfo {
        subject: String::new(),
        issuer: String::new(),
        serial: "01".into(),
        not_before: 0,
        not_after: 1,
        common_names: vec!["ignored.example".into()],
        san_dns: vec![
            "*.lab.example".into(),
            "rdp.lab.example".into(),
            "*.com".into(),
        ],
        san_ip: vec!["127.0.0.1".parse::<IpAddr>().unwrap()],
        key_type: KeyType::Ecdsa,
        key_bits: 256,
        signature_algorithm: "ecdsa-with-SHA256".into(),
        self_signed: true,
    };
    assert!(cert.matches_name("rdp.lab.example"));
    assert!(cert.matches_name("HOST1.Lab.Example"));
    assert!(!cert.matches_name("a.b.lab.example"));
    assert!(!cert.matches_name("lab.example"));
    assert!(!cert.matches_name("example.com")); // `*.com` is not honoured
    assert!(!cert.matches_name("ignored.example")); // CN ignored when DNS SANs exist
    assert!(cert.matches_name("127.0.0.1"));
    assert!(!cert.matches_name("127.0.0.2"));
    let legacy = CertInfo {
        san_dns: vec![],
        san_ip: vec![],
        common_names: vec!["10.0.0.5".into(), "srv.example".into()],
        ..cert
    };
    assert!(legacy.matches_name("10.0.0.5"));
    assert!(legacy.matches_name("srv.example"));
}

#[test]
fn garbage_never_panics() {
    // Every prefix of every stream, and streams with single bytes flipped, in both directions.
    let streams = [RDP_TO_SSL_S, EXPIRED_S, MISMATCH_S, TLS13_HRR_C, FF52_C];
    for h in streams {
        let b = hex(h);
        for i in (0..b.len()).step_by(7) {
            let mut m = b.clone();
            m[i] ^= 0xff;
            let mut t = TlsSession::new();
            let mut out = Vec::new();
            t.push(C, &m, &mut out);
            t.push(S, &m, &mut out);
            assert!(
                out.iter()
                    .filter(|e| matches!(e, TlsEvent::Malformed { .. }))
                    .count()
                    <= 2
            );
        }
    }
}

#[test]
fn unkept_application_data_bodies_give_the_same_events_as_kept_ones() {
    // Mid-stream: application data, heartbeat, short application data, a plaintext-sized alert.
    let mut stream = Vec::new();
    for (t, body) in [(23u8, 3000usize), (24, 40), (23, 5), (21, 2)] {
        stream.extend([t, 3, 3, (body >> 8) as u8, body as u8]);
        stream.extend((0..body).map(|i| (i % 7) as u8 + 1));
    }
    let expected = vec![
        (S, TlsEvent::ApplicationData { len: 3000 }),
        (S, TlsEvent::Heartbeat { len: 40 }),
        (S, TlsEvent::ApplicationData { len: 5 }),
        (S, alert(1, 2)),
    ];
    // Pieces of every size through the whole stream, with and without a key log (an empty one:
    // bodies are then kept for decryption, which finds no keys).
    // Each piece offered to `skip_body` first (as the dissector does), or not.
    for (keylog, skipping) in [(false, false), (true, false), (false, true), (true, true)] {
        for piece in [1, 2, 4, 5, 6, 7, 100, 1460, 2999, 3005, 3006, 4000] {
            let mut t = TlsSession::new();
            if keylog {
                t.set_keys(Arc::new(KeyLog::new()));
            }
            let mut all = Vec::new();
            let mut skipped = 0;
            for chunk in stream.chunks(piece) {
                if skipping && t.skip_body(S, chunk.len()) {
                    skipped += 1;
                    continue;
                }
                let mut out = Vec::new();
                t.push(S, chunk, &mut out);
                all.extend(out.into_iter().map(|e| (S, e)));
            }
            let what = format!("pieces of {piece}, key log {keylog}, skipping {skipping}");
            assert_eq!(all, expected, "{what}");
            // Pieces wholly inside the 3000-byte body after its header came whole are skipped;
            // nothing is while a key log asks for bodies to be kept.
            let within = match piece {
                100 => 29,
                1460 => 1,
                _ => 0,
            };
            if skipping && !keylog {
                assert!(skipped >= within, "{what}: {skipped} skipped");
            } else {
                assert_eq!(skipped, 0, "{what}");
            }
        }
    }
    // A gap inside an unkept body: resynchronised on the next record header.
    let mut t = TlsSession::new();
    let mut out = Vec::new();
    t.push(S, &stream[..1000], &mut out);
    assert!(out.is_empty());
    t.gap(S);
    t.push(S, &stream[3005..], &mut out);
    assert_eq!(
        out,
        vec![
            TlsEvent::Heartbeat { len: 40 },
            TlsEvent::ApplicationData { len: 5 },
            alert(1, 2)
        ]
    );
}

//! End to end: TLS decryption of the lab samples with their key logs (issue 9), TLS 1.2 (xrdp,
//! ECDHE-RSA-AES256-GCM-SHA384) and TLS 1.3 (FreeRDP shadow server, TLS_AES_256_GCM_SHA384);
//! and with the server's RSA private key (`--rsa-key`) for a TLS_RSA_* session.
//! Reference: tshark -o tls.keylog_file:X.keys -d tcp.port==3389,tls -V.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rdpscope::pipeline::{self, Analysis, Options};
use rdpscope::proto::credssp::Ntlm;
use rdpscope::proto::keylog::KeyLog;
use rdpscope::proto::tls::rsa_kx::RsaKey;
use rdpscope::proto::tls::{AlertDescription, TlsEvent};
use rdpscope::timeline::{Event, EventKind, Session};
use rdpscope::types::Direction;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn analyse(name: &str, with_keys: bool) -> Analysis {
    let keys =
        with_keys.then(|| Arc::new(KeyLog::from_file(&sample(&format!("{name}.keys"))).unwrap()));
    let opts = Options {
        keys,
        ..Default::default()
    };
    pipeline::analyze_file(&sample(&format!("{name}.pcap")), opts, None)
        .unwrap()
        .1
}

fn decrypted(s: &Session) -> Vec<&Event> {
    s.events.iter().filter(|e| e.decrypted).collect()
}

fn no_failures(s: &Session) {
    for e in &s.events {
        if let EventKind::Tls(t) = &e.kind {
            assert!(
                !matches!(
                    *t,
                    TlsEvent::Undecryptable { .. } | TlsEvent::NoSecrets { .. }
                ),
                "frame {}: {t:?}",
                e.frame
            );
        }
    }
}

#[test]
fn tls12_client_name_and_client_info() {
    let a = analyse("ok-tls12-xrdp", true);
    let s = &a.sessions[0];
    no_failures(s);
    let d = decrypted(s);
    let ci = d
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::McsConnectInitial(cd) => Some((e.frame, cd)),
            _ => None,
        })
        .unwrap();
    assert_eq!(ci.0, 12);
    let core = ci.1.core.as_ref().unwrap();
    assert_eq!(core.client_name.as_deref(), Some("vm"));
    assert_eq!(core.client_build, Some(18363));
    let info = d
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ClientInfo(logon) => {
                Some((e.frame, logon.user.as_str(), logon.domain.as_str()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(info, (32, "labuser", ""));
    // Decrypted fields go where the plaintext ones would.
    let rdp = rdpscope::timeline::RdpSummary::of(s).unwrap();
    assert_eq!(rdp.client_name.as_deref(), Some("vm"));
    // Both close_notify alerts decrypt.
    let alerts: Vec<_> = d
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Tls(TlsEvent::Alert {
                description,
                decrypted: true,
                ..
            }) => Some((e.frame, e.dir, description)),
            _ => None,
        })
        .collect();
    assert_eq!(
        alerts,
        vec![
            (
                293,
                Some(Direction::ClientToServer),
                AlertDescription::CloseNotify
            ),
            (
                295,
                Some(Direction::ServerToClient),
                AlertDescription::CloseNotify
            )
        ]
    );
    // Without the key log nothing is decrypted and the client name stays unknown.
    let plain = analyse("ok-tls12-xrdp", false);
    assert!(decrypted(&plain.sessions[0]).is_empty());
    assert_eq!(
        rdpscope::timeline::RdpSummary::of(&plain.sessions[0]).and_then(|r| r.client_name),
        None
    );
}

#[test]
fn tls12_server_shutdown_ultimatum() {
    let a = analyse("server-shutdown", true);
    let s = &a.sessions[0];
    no_failures(s);
    let dpu = s
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::McsDisconnect { .. }))
        .unwrap();
    assert_eq!(dpu.frame, 216);
    assert!(dpu.decrypted);
    assert_eq!(dpu.dir, Some(Direction::ServerToClient));
    assert_eq!(
        dpu.kind,
        EventKind::McsDisconnect {
            reason: "rn-user-requested".into()
        }
    );
    let v = rdpscope::diagnose::diagnose(s);
    assert_eq!(v.cause.to_string(), "server_disconnected");
    assert_eq!(v.drop_frame, Some(216));
    assert!(
        v.summary
            .contains("Disconnect Provider Ultimatum (rn-user-requested)"),
        "{}",
        v.summary
    );
    // Without keys the first visible signal is the encrypted alert in frame 217.
    let plain = analyse("server-shutdown", false);
    assert_eq!(
        rdpscope::diagnose::diagnose(&plain.sessions[0]).drop_frame,
        Some(217)
    );
}

#[test]
fn tls12_rejected_certificate_alert_is_close_notify() {
    let a = analyse("cert-expired", true);
    let s = &a.sessions[0];
    no_failures(s);
    let e = s
        .events
        .iter()
        .find(|e| e.frame == 12 && matches!(e.kind, EventKind::Tls(_)))
        .unwrap();
    let EventKind::Tls(t) = &e.kind else {
        unreachable!()
    };
    assert_eq!(
        format!("{t:?}"),
        "Alert { level: Warning, description: CloseNotify, decrypted: true }"
    );
    assert_eq!(
        rdpscope::diagnose::diagnose(s).cause.to_string(),
        "certificate_rejected"
    );
}

#[test]
fn tls13_credssp_ntlm_exchange() {
    let a = analyse("nla-wrong-password", true);
    assert_eq!(a.sessions.len(), 2);
    for (s, frames) in a.sessions.iter().zip([[16, 17, 19], [39, 43, 46]]) {
        no_failures(s);
        let msgs: Vec<_> = s
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::CredSsp(r) => Some((e.frame, e.decrypted, r)),
                _ => None,
            })
            .collect();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs.iter().map(|m| m.0).collect::<Vec<_>>(), frames);
        assert!(
            msgs.iter()
                .all(|m| m.1 && m.2.version == 6 && m.2.error_code.is_none())
        );
        assert_eq!(msgs[0].2.ntlm, vec![Ntlm::Negotiate]);
        assert_eq!(
            msgs[1].2.ntlm,
            vec![Ntlm::Challenge {
                target: Some("VM".into())
            }]
        );
        let Ntlm::Authenticate { user, domain, .. } = &msgs[2].2.ntlm[0] else {
            panic!("{:?}", msgs[2].2.ntlm)
        };
        assert_eq!((user.as_str(), domain.as_str()), ("labuser", ""));
        assert!(msgs[2].2.pub_key_auth);
        let v = rdpscope::diagnose::diagnose(s);
        assert_eq!(v.cause.to_string(), "nla_failed");
        assert!(v.summary.contains("for user labuser"), "{}", v.summary);
        assert!(v.summary.contains("NTLM AUTHENTICATE"), "{}", v.summary);
    }
}

#[test]
fn tls13_full_session_after_nla() {
    let a = analyse("ok-nla-shadow", true);
    let s = &a.sessions[0];
    no_failures(s);
    let kinds: Vec<String> = decrypted(s).iter().map(|e| e.kind.label()).collect();
    assert!(
        kinds.iter().any(|k| k == "CredSSP TSRequest v6, authInfo"),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|k| k == "MCS Connect Initial (client vm)"),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|k| k.starts_with("MCS Connect Response (rt-successful")),
        "{kinds:?}"
    );
    assert_eq!(rdpscope::diagnose::diagnose(s).cause.to_string(), "healthy");
}

#[test]
fn password_never_printed() {
    let a = analyse("ok-tls12-xrdp", true);
    let text = format!("{:?}", a.sessions);
    assert!(text.contains("labuser"));
    assert!(!text.contains("labpass"));
}

/// The secrets embedded in the capture (pcapng Decryption Secrets Block, written by
/// `editcap --inject-secrets`) are used without --keylog.
#[test]
fn pcapng_decryption_secrets_block() {
    let dir = std::env::temp_dir().join(format!("rdpscope-dsb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("server-shutdown-dsb.pcapng");
    let status = std::process::Command::new("editcap")
        .arg("--inject-secrets")
        .arg(format!("tls,{}", sample("server-shutdown.keys").display()))
        .arg(sample("server-shutdown.pcap"))
        .arg(&out)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("editcap not available: DSB test skipped");
        return;
    }
    let keys = pipeline::keys_for(&out, None).expect("DSB secrets");
    assert_eq!(keys.len(), 1);
    let opts = Options {
        keys: Some(keys),
        ..Default::default()
    };
    let (read, a) = pipeline::analyze_file(&out, opts, None).unwrap();
    assert_eq!(read.secrets.len(), 1);
    let v = rdpscope::diagnose::diagnose(&a.sessions[0]);
    assert_eq!(v.drop_frame, Some(216));
    let _ = std::fs::remove_dir_all(&dir);
}

fn analyse_rsa(pcap: &str, key: &Path) -> Analysis {
    let mut keys = KeyLog::new();
    keys.set_rsa_key(RsaKey::from_file(key).unwrap());
    let opts = Options {
        keys: Some(Arc::new(keys)),
        ..Default::default()
    };
    pipeline::analyze_file(&sample(pcap), opts, None).unwrap().1
}

/// `--rsa-key` alone (no key log) decrypts a TLS_RSA_* session: xrdp forced to
/// TLS_RSA_WITH_AES_256_GCM_SHA384 with the extended master secret (lab `ok-tls12-rsa-kx`).
/// Reference: tshark -o 'tls.keys_list:198.51.100.20,3389,tls,ok-tls12-rsa-kx.key'.
#[test]
fn rsa_key_decrypts_tls_rsa_session() {
    let enc = analyse("ok-tls12-rsa-kx", false);
    assert!(decrypted(&enc.sessions[0]).is_empty());

    let a = analyse_rsa("ok-tls12-rsa-kx.pcap", &sample("ok-tls12-rsa-kx.key"));
    let s = &a.sessions[0];
    no_failures(s);
    assert!(!s.rsa_key_mismatch);
    let d = decrypted(s);
    let (frame, cd) = d
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::McsConnectInitial(cd) => Some((e.frame, cd)),
            _ => None,
        })
        .unwrap();
    assert_eq!(frame, 13);
    assert_eq!(cd.core.as_ref().unwrap().client_name.as_deref(), Some("vm"));
    // Both close_notify alerts (frames 287 client, 289 server) read as such.
    let alerts: Vec<(u64, Option<Direction>)> = s
        .events
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Tls(t) if matches!(*t, TlsEvent::Alert {
                description: AlertDescription::CloseNotify,
                decrypted: true,
                ..
            }))
        })
        .map(|e| (e.frame, e.dir))
        .collect();
    assert_eq!(
        alerts,
        [
            (287, Some(Direction::ClientToServer)),
            (289, Some(Direction::ServerToClient))
        ]
    );
    // The same as with the client's key log.
    let with_log = analyse("ok-tls12-rsa-kx", true);
    let labels =
        |s: &Session| -> Vec<String> { decrypted(s).iter().map(|e| e.kind.label()).collect() };
    assert_eq!(labels(s), labels(&with_log.sessions[0]));
    assert_eq!(rdpscope::diagnose::diagnose(s).cause.to_string(), "healthy");
}

/// A key that is not the server certificate's: said once, as a warning naming the session;
/// nothing is decrypted.
#[test]
fn rsa_key_mismatch_is_reported_once() {
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/other-rsa-pkcs1.key");
    let a = analyse_rsa("ok-tls12-rsa-kx.pcap", &other);
    let s = &a.sessions[0];
    assert!(s.rsa_key_mismatch);
    assert!(decrypted(s).is_empty());
    let mismatches: Vec<u64> = s
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Tls(t) if *t == TlsEvent::RsaKeyMismatch))
        .map(|e| e.frame)
        .collect();
    assert_eq!(mismatches, [9]);
    let read = rdpscope::capture::ReadSummary::default();
    let rep = rdpscope::report::FileReport::new("x.pcap".into(), read, a);
    assert_eq!(
        rep.warnings,
        ["x.pcap: the RSA key does not match the server certificate of session 1"]
    );

    // Through the command line, compacted (no --timeline): the same single warning.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdpscope"))
        .args(["report", "--rsa-key"])
        .arg(&other)
        .arg(sample("ok-tls12-rsa-kx.pcap"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("the RSA key does not match the server certificate of session 1")
            .count(),
        1,
        "{err}"
    );
}

/// An RSA key cannot decrypt a forward-secret (ECDHE) session: the session says why.
#[test]
fn rsa_key_on_ecdhe_session_says_why() {
    let a = analyse_rsa("ok-tls12-xrdp.pcap", &sample("ok-tls12-rsa-kx.key"));
    let s = &a.sessions[0];
    assert!(!s.rsa_key_mismatch);
    let why: Vec<&str> = s
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Tls(TlsEvent::NoSecrets { why }) => Some(why.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        why,
        [
            "cipher suite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 does not use RSA key exchange: the RSA key cannot decrypt it (a key log can)"
        ]
    );
}

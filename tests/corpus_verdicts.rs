//! End-to-end on real public captures: verdicts, Zeek conn_state/history, and the RDP/TLS fields
//! compared with what Zeek, Suricata and nDPI report for the same files (`../shared/corpus`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::Value;
use std::process::Command;

fn report(rel: &str, all: bool) -> Option<Value> {
    let path = common::corpus_file(rel)?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdpscope"));
    cmd.args(["report", "--json"]);
    if all {
        cmd.arg("--all");
    }
    let out = cmd.arg(path).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{rel}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// (file, --all, session index, cause, phase, drop frame)
type Case = (
    &'static str,
    bool,
    usize,
    &'static str,
    &'static str,
    Option<u64>,
);

const VERDICTS: &[Case] = &[
    // Six brute-force attempts whose SYNs were never answered (retransmitted 3 times each).
    (
        "RDP-bruteforce/RDP-HotAccounts.pcap",
        false,
        0,
        "no_answer",
        "tcp_connect",
        Some(1),
    ),
    (
        "RDP-bruteforce/RDP-HotAccounts.pcap",
        false,
        3,
        "no_answer",
        "tcp_connect",
        Some(10),
    ),
    // NLA refusals: NEGOTIATE, CHALLENGE, AUTHENTICATE, then the server's encrypted alert.
    (
        "RDP-bruteforce/RDP-many-hosts-many-accounts.pcap",
        false,
        0,
        "nla_failed",
        "nla",
        Some(17),
    ),
    (
        "RDP-bruteforce/RDP-many-hosts-many-accounts.pcap",
        false,
        1,
        "nla_failed",
        "nla",
        Some(39),
    ),
    // Windows close pattern (client FIN, server RST at once) after a user-requested disconnect.
    (
        "suricata-verify/RDP-003.pcap",
        false,
        0,
        "healthy",
        "teardown",
        None,
    ),
    // The side connection to port 2998: SYN answered by RST, three times.
    (
        "suricata-verify/RDP-003.pcap",
        true,
        1,
        "port_closed",
        "tcp_connect",
        Some(355),
    ),
    // RDP_NEG_FAILURE SSL_NOT_ALLOWED_BY_SERVER, then the retry with standard security works.
    (
        "zeek/rdp-proprietary-encryption.pcap",
        false,
        0,
        "negotiation_failure",
        "x224_negotiation",
        Some(5),
    ),
    (
        "zeek/rdp-proprietary-encryption.pcap",
        false,
        1,
        "healthy",
        "teardown",
        None,
    ),
    // Windows FIN→RST close on both connections is not a drop.
    (
        "zeek/rdp-to-ssl.pcap",
        false,
        0,
        "healthy",
        "teardown",
        None,
    ),
    (
        "zeek/rdp-to-ssl.pcap",
        false,
        1,
        "healthy",
        "teardown",
        None,
    ),
    // Same packets with offloaded (zero) IP checksums: nothing may be dropped.
    (
        "zeek/nla_win7_win2k8r2.pcap",
        false,
        1,
        "healthy",
        "teardown",
        None,
    ),
    // The client resets right after the TLS handshake, before any CredSSP: it refused the
    // self-signed certificate. Every frame is captured twice; that is not loss.
    (
        "zeek/rdp-no-cookie-mstshash.pcap",
        false,
        0,
        "certificate_rejected",
        "tls_handshake",
        Some(19),
    ),
    // Capture duplicates that tshark calls 47 retransmissions: healthy.
    (
        "arkime/wireshark-retrans.pcap",
        true,
        0,
        "healthy",
        "teardown",
        None,
    ),
    // Server handshake_failure right after the ClientHello: no common cipher suite.
    (
        "zeek/tls-1.2-handshake-failure.pcap",
        true,
        0,
        "tls_cipher_mismatch",
        "tls_handshake",
        Some(6),
    ),
    (
        "suricata-verify/tls-extra-alert.input.pcap",
        true,
        0,
        "tls_cipher_mismatch",
        "tls_handshake",
        Some(6),
    ),
    // protocol_version to a TLS 1.3 draft ClientHello.
    (
        "zeek/tls13draft16-ff52.a01-aborted.pcap",
        true,
        1,
        "tls_version_mismatch",
        "tls_handshake",
        Some(16),
    ),
    (
        "nDPI/tls_alert.pcap",
        true,
        0,
        "tls_version_mismatch",
        "tls_handshake",
        Some(6),
    ),
    // The client's encrypted alert after the handshake: *.badssl.com does not match the SNI.
    (
        "nDPI/ssl-cert-name-mismatch.pcap",
        true,
        0,
        "certificate_rejected",
        "tls_handshake",
        Some(17),
    ),
    // handshake_failure after a CertificateRequest: not a cipher problem.
    (
        "zeek/certificate-request-failed.pcap",
        true,
        0,
        "tls_alert",
        "tls_handshake",
        Some(9),
    ),
    // The server's response is missing from the capture (ACKed unseen): do not guess.
    (
        "zeek/miss_end_data.pcap",
        true,
        0,
        "incomplete_capture",
        "x224_negotiation",
        None,
    ),
];

#[test]
fn corpus_verdicts() {
    let mut failures = Vec::new();
    for (rel, all, idx, cause, phase, drop) in VERDICTS {
        let Some(v) = report(rel, *all) else { return };
        let s = &v["sessions"][*idx];
        let got = (
            s["verdict"]["cause"].as_str().unwrap_or("-").to_string(),
            s["verdict"]["phase"].as_str().unwrap_or("-").to_string(),
            s["verdict"]["drop_frame"].as_u64(),
        );
        if got != (cause.to_string(), phase.to_string(), *drop) {
            failures.push(format!(
                "{rel} #{idx}: got {got:?}, want {:?}",
                (cause, phase, drop)
            ));
        }
        // Every verdict explains itself and cites its drop frame as evidence.
        assert!(!s["verdict"]["summary"].as_str().unwrap().is_empty());
        if let Some(d) = drop {
            let ev: Vec<u64> = s["verdict"]["evidence_frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            assert!(
                ev.contains(d),
                "{rel}: evidence {ev:?} lacks drop frame {d}"
            );
            assert!(
                !s["verdict"]["remediation"].as_array().unwrap().is_empty(),
                "{rel}: no remediation"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn synscan_counts_refused_and_unanswered() {
    let Some(v) = report("nDPI/synscan.pcap", true) else {
        return;
    };
    let sessions = v["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1994, "tshark: 1994 TCP conversations");
    let count = |c: &str| {
        sessions
            .iter()
            .filter(|s| s["verdict"]["cause"] == c)
            .count()
    };
    assert_eq!(count("port_closed"), 5, "INDEX.md: 5 answered by RST");
    // Without --all only the two 3389 attempts are RDP sessions, both unanswered (nDPI).
    let Some(v) = report("nDPI/synscan.pcap", false) else {
        return;
    };
    let rdp: Vec<&Value> = v["sessions"].as_array().unwrap().iter().collect();
    assert_eq!(rdp.len(), 2);
    assert!(
        rdp.iter()
            .all(|s| s["verdict"]["cause"] == "no_answer" && s["server"]["port"] == 3389)
    );
}

#[test]
fn zeek_conn_state_and_history_end_to_end() {
    let cases = [
        ("zeek/single-rst.pcap", "OTH", "R"),
        ("zeek/syn-then-rst.pcap", "RSTOS0", "SR"),
        ("zeek/syn-then-ack-then-rst.pcap", "RSTOS0", "SaR"),
        ("zeek/syn-then-stuff-then-rst.pcap", "OTH", "SaFR"),
        // missing-syn.pcap.expected.zeek.missing-syn.conn.log: SF ^hADdFaf
        ("zeek/missing-syn.pcap", "SF", "^hADdFaf"),
        // rdpeudp-handshake-fail conn.log: udp S0 D
        ("zeek/rdpeudp-handshake-fail.pcap", "S0", "D"),
    ];
    for (rel, state, history) in cases {
        let Some(v) = report(rel, true) else { return };
        let s = &v["sessions"][0];
        assert_eq!(
            (
                s["conn_state"].as_str().unwrap(),
                s["history"].as_str().unwrap()
            ),
            (state, history),
            "{rel}"
        );
    }
    // The Zeek baseline files themselves say the same.
    let Some(p) =
        common::corpus_file("zeek/missing-syn.pcap.expected.zeek.missing-syn.conn.log.txt")
    else {
        return;
    };
    let log = std::fs::read_to_string(p).unwrap();
    assert!(log.contains("\tSF\t") && log.contains("\t^hADdFaf\t"));
}

#[test]
fn capture_duplicates_are_not_loss() {
    let Some(v) = report("arkime/wireshark-retrans.pcap", true) else {
        return;
    };
    let tcp = &v["sessions"][0]["tcp"];
    // tshark flags 47 retransmissions and 27 duplicate ACKs; all are the same packets captured
    // again (same IP ID, seq, ack within milliseconds).
    assert_eq!(tcp["retransmissions"], 0);
    assert_eq!(tcp["dup_acks"], 0);
    assert_eq!(tcp["capture_duplicates"], 81);
    let Some(v) = report("zeek/rdp-no-cookie-mstshash.pcap", false) else {
        return;
    };
    let tcp = &v["sessions"][0]["tcp"];
    assert_eq!(
        tcp["retransmissions"], 0,
        "tshark: retrans=8, all capture duplicates"
    );
    assert_eq!(tcp["capture_duplicates"], 10);
}

#[test]
fn rdp_fields_match_zeek_and_suricata() {
    // zeek rdp-proprietary-encryption rdp.log: row 1 result SSL_NOT_ALLOWED_BY_SERVER, row 2
    // FROG-POND, RDP 6.0, English - United States, 1152x864, High/128bit, channels.
    let Some(v) = report("zeek/rdp-proprietary-encryption.pcap", false) else {
        return;
    };
    let r1 = &v["sessions"][0]["rdp"];
    assert_eq!(r1["cookie"], "FTBCO\\A70");
    assert_eq!(r1["failure_code"], "SSL_NOT_ALLOWED_BY_SERVER");
    assert_eq!(r1["requested_protocols"], serde_json::json!(["ssl"]));
    let r2 = &v["sessions"][1]["rdp"];
    assert_eq!(r2["client_name"], "FROG-POND");
    assert_eq!(r2["client_build"], "RDP 6.0");
    assert_eq!(r2["keyboard_layout"], "English - United States");
    assert_eq!(
        r2["channels"],
        serde_json::json!(["rdpdr", "rdpsnd", "drdynvc", "cliprdr"])
    );
    assert_eq!(r2["desktop"], "1152x864");
    assert_eq!(r2["encryption"], "High (128bit)");
    let zeek = std::fs::read_to_string(
        common::corpus_file("zeek/rdp-proprietary-encryption.pcap.expected.zeek.rdp-proprietary-encryption.rdp.log.txt").unwrap(),
    )
    .unwrap();
    for field in [
        "FROG-POND",
        "RDP 6.0",
        "English - United States",
        "SSL_NOT_ALLOWED_BY_SERVER",
        "rdpdr,rdpsnd,drdynvc,cliprdr",
    ] {
        assert!(zeek.contains(field), "Zeek's rdp.log has {field}");
    }
    // Suricata RDP-003: cookie A70067, client ISD2-KM84178, channels rdpdr, cliprdr, rdpsnd.
    let Some(v) = report("suricata-verify/RDP-003.pcap", false) else {
        return;
    };
    let r = &v["sessions"][0]["rdp"];
    assert_eq!(r["cookie"], "A70067");
    assert_eq!(r["client_name"], "ISD2-KM84178");
    assert_eq!(
        r["channels"],
        serde_json::json!(["rdpdr", "cliprdr", "rdpsnd"])
    );
    assert_eq!(r["desktop"], "1152x864");
    // Suricata names build 2600 "Windows XP"; Zeek's table (which we follow) says "RDP 5.1".
    assert_eq!(r["client_build"], "RDP 5.1");
}

#[test]
fn tls_fields_match_zeek_ssl_log() {
    // rdp-to-ssl ssl.log: TLSv10 TLS_RSA_WITH_AES_128_CBC_SHA server_name 192.168.1.150
    // established T, subject = issuer = CN=WIN2K8R2.awakecoding.ath.cx.
    let Some(v) = report("zeek/rdp-to-ssl.pcap", false) else {
        return;
    };
    let s = &v["sessions"][0];
    assert_eq!(s["rdp"]["cookie"], "AWAKECODI");
    assert_eq!(s["rdp"]["selected_protocol"], "hybrid");
    let t = &s["tls"];
    assert_eq!(t["version"], "TLSv1.0");
    assert_eq!(t["cipher"], "TLS_RSA_WITH_AES_128_CBC_SHA");
    assert_eq!(t["server_name"], "192.168.1.150");
    assert_eq!(t["established"], true);
    assert_eq!(
        t["certificates"][0]["subject"],
        "CN=WIN2K8R2.awakecoding.ath.cx"
    );
    assert_eq!(t["certificates"][0]["self_signed"], true);
    // rdp-no-cookie-mstshash: TLSv12 TLS_RSA_WITH_AES_256_GCM_SHA384, HYBRID_EX, no cookie.
    let Some(v) = report("zeek/rdp-no-cookie-mstshash.pcap", false) else {
        return;
    };
    let s = &v["sessions"][0];
    assert_eq!(s["rdp"]["cookie"], Value::Null);
    assert_eq!(s["rdp"]["selected_protocol"], "hybrid_ex");
    assert_eq!(s["tls"]["version"], "TLSv1.2");
    assert_eq!(s["tls"]["cipher"], "TLS_RSA_WITH_AES_256_GCM_SHA384");
    assert_eq!(
        s["tls"]["certificates"][0]["subject"],
        "CN=CLK-456040-D.one.phoenix.gov"
    );
    // tls-1.2-handshake-failure ssl.log: version -, cipher -, last_alert handshake_failure.
    let Some(v) = report("zeek/tls-1.2-handshake-failure.pcap", true) else {
        return;
    };
    let t = &v["sessions"][0]["tls"];
    assert_eq!(t["version"], Value::Null);
    assert_eq!(t["established"], false);
    assert_eq!(
        t["alerts"][0],
        serde_json::json!({"frame": 6, "from": "server", "level": "fatal", "description": "handshake_failure"})
    );
}

#[test]
fn damaged_protocol_data_is_reported_at_its_frame() {
    let cases = [
        ("zeek/rdp-invalid-length.pcap", "frame 6: TPKT"),
        (
            "zeek/tls-1.2-protocol-error.pcap",
            "frame 6: TLS: invalid TLS record header 00 00 00",
        ),
        ("zeek/tls1.2-late-protocol-error.pcap", "frame 10: TLS"),
    ];
    for (rel, want) in cases {
        let Some(v) = report(rel, true) else { return };
        let w = v["warnings"].as_array().unwrap();
        assert!(
            w.iter().any(|x| x.as_str().unwrap().contains(want)),
            "{rel}: {w:?}"
        );
        // Analysis went on: the session is still reported.
        assert_eq!(v["sessions"].as_array().unwrap().len(), 1, "{rel}");
    }
}

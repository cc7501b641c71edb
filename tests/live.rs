//! Live capture on the loopback interface (root only; CI runs as root): a local listener on
//! 127.0.0.1:3389 answers an X.224 Connection Request with a Connection Confirm, then resets the
//! connection; the session and its verdict must appear in `rdpscope live --json`, and agree with
//! `rdpscope report --json` over the pcapng that `-w` wrote.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{X224_CR as CR, is_root};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// TPKT + X.224 Connection Confirm + RDP_NEG_RSP selecting HYBRID (MS-RDPBCGR 2.2.1.2).
const CC: [u8; 19] = [
    3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 2, 0, 0, 0,
];

fn recv_line(rx: &mpsc::Receiver<String>, until: Instant) -> Option<String> {
    let left = until.checked_duration_since(Instant::now())?;
    rx.recv_timeout(left).ok()
}

#[test]
fn loopback_session_and_verdict_in_json_stream() {
    if !is_root() {
        eprintln!("notice: live capture test skipped (needs root; CI runs it as root)");
        return;
    }
    let listener = match TcpListener::bind("127.0.0.1:3389") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("notice: live capture test skipped: cannot listen on 127.0.0.1:3389 ({e})");
            return;
        }
    };
    let dir = std::env::temp_dir().join(format!("rdpscope-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("live.pcapng");
    let bin = env!("CARGO_BIN_EXE_rdpscope");
    let mut child = Command::new(bin)
        .args(["live", "-i", "lo", "--json", "-w"])
        .arg(&pcap)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out_tx, out_rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(l);
        }
    });
    let (err_tx, err_rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = err_tx.send(l);
        }
    });
    // The capture is open once it says so.
    let started = recv_line(&err_rx, Instant::now() + Duration::from_secs(10));
    assert!(
        started
            .as_deref()
            .is_some_and(|l| l.contains("capturing on lo")),
        "live did not start: {started:?}"
    );
    std::thread::sleep(Duration::from_millis(300));

    // Server: read the CR, confirm, then close with unread data pending: the kernel sends RST.
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut cr = [0u8; 19];
        s.read_exact(&mut cr).unwrap();
        assert_eq!(cr, CR);
        s.write_all(&CC).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        drop(s);
    });
    let mut c = TcpStream::connect("127.0.0.1:3389").unwrap();
    let client_port = c.local_addr().unwrap().port();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(&CR).unwrap();
    let mut cc = [0u8; 19];
    c.read_exact(&mut cc).unwrap();
    assert_eq!(cc, CC);
    // MCS Connect Initial would follow; the server never reads it.
    c.write_all(&[3, 0, 0, 12, 2, 0xf0, 0x80, 0x7f, 0x65, 0x82, 0, 0])
        .unwrap();
    server.join().unwrap();
    let mut buf = [0u8; 16];
    let reset = c.read(&mut buf);
    assert!(
        matches!(&reset, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "expected a reset, got {reset:?}"
    );

    // The session ends with the RST: it must be streamed without waiting for Ctrl-C.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut found: Option<serde_json::Value> = None;
    let mut printed = 0;
    while found.is_none() {
        let Some(line) = recv_line(&out_rx, deadline) else {
            break;
        };
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        // Live sessions are numbered in the order they are printed.
        printed += 1;
        assert_eq!(v["id"], printed, "{line}");
        if v["client"]["port"] == client_port && v["server"]["port"] == 3389 {
            found = Some(v);
        }
    }
    // Stop the capture like a user would.
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("live did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let session = found.expect("session streamed in --json output before SIGINT");
    assert!(status.success(), "exit status {status:?}");

    assert_eq!(session["transport"], "tcp");
    assert_eq!(session["client"]["ip"], "127.0.0.1");
    assert_eq!(session["server"]["ip"], "127.0.0.1");
    assert!(session["packets"]["client"].as_u64().unwrap() >= 4);
    assert_eq!(session["bytes"]["server"], 19, "the Connection Confirm");
    let verdict = &session["verdict"];
    assert!(
        verdict.get("in_progress").is_none(),
        "the session has ended: {verdict}"
    );
    let cause = verdict["cause"].as_str().unwrap();
    assert_ne!(
        cause, "healthy",
        "a reset after the X.224 exchange is a failure"
    );
    assert!(verdict["drop_frame"].is_u64());

    // The pcapng written with -w says the same thing offline.
    let report = Command::new(bin)
        .args(["report", "--json"])
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(report.status.success());
    let r: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let offline = r["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["client"]["port"] == client_port)
        .expect("session in the written capture");
    assert_eq!(offline["verdict"]["cause"], verdict["cause"]);
    assert_eq!(offline["verdict"]["phase"], verdict["phase"]);
    assert_eq!(offline["packets"], session["packets"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_interface_lists_the_available_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_rdpscope"))
        .args(["live", "-i", "rdpscope-no-such-if0", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    assert!(
        err.contains("no interface named \"rdpscope-no-such-if0\""),
        "{err}"
    );
    assert!(err.contains("available: ") && err.contains("lo"), "{err}");
}

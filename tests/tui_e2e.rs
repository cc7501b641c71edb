//! End to end: the real binary in tmux. Open a capture, select a failed session, check the drop
//! point and cause on screen, export it with `e`, quit with `q`, and check the terminal is back
//! to the shell (alternate screen off). Skipped with a notice when tmux is missing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::pcapgen;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    /// A private tmux server for one test, or `None` (with a notice) when tmux is missing.
    fn open(name: &str) -> Option<Tmux> {
        let have = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !have {
            eprintln!("notice: tmux not installed; TUI end-to-end test skipped");
            return None;
        }
        Some(Tmux {
            socket: format!("rdpscope-{name}-{}", std::process::id()),
        })
    }

    /// Start `rdpscope ARGS` (`args` quoted for the shell) in a 100x30 session, its pid written
    /// to `pid_file` first (for [`hang_up`]).
    fn start_rdpscope(&self, pid_file: &Path, args: &str) {
        let cmd = format!(
            "echo $$ > '{}'; TERM=xterm-256color exec '{}' {args}",
            pid_file.display(),
            env!("CARGO_BIN_EXE_rdpscope")
        );
        self.start(("100", "30"), &[], &cmd);
    }

    /// Start the session `e2e` of `cols` x `rows` running `command` (after `extra` options).
    fn start(&self, (cols, rows): (&str, &str), extra: &[&str], command: &str) {
        let mut args = vec!["new-session", "-d", "-s", "e2e", "-x", cols, "-y", rows];
        args.extend_from_slice(extra);
        args.push(command);
        let o = self.run(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    /// Start a shell in a `cols` x `rows` session (in `dir`, if given) and run `rdpscope tui
    /// ARGS` in it (`args` quoted for the shell), the exit status echoed after (`EXIT=n`).
    fn tui_in_shell(&self, size: (&str, &str), dir: Option<&Path>, args: &str) {
        let dir = dir.map(|d| d.to_str().unwrap().to_owned());
        let extra: Vec<&str> = dir.iter().flat_map(|d| ["-c", d.as_str()]).collect();
        self.start(size, &extra, "sh");
        // Type only once the shell has prompted: typed earlier, the line is echoed before the
        // prompt, which then stands where the command's first output line goes.
        self.wait_for("the shell's prompt", |s| !s.trim().is_empty());
        let cmd = format!(
            "PS1='$ ' TERM=xterm-256color '{}' tui {args}; echo EXIT=$?",
            env!("CARGO_BIN_EXE_rdpscope")
        );
        self.keys(&[&cmd, "Enter"]);
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }
    /// Wait (bounded) until the screen satisfies `ok`; returns the last screen.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    fn alternate_on(&self) -> bool {
        let o = self.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
        String::from_utf8_lossy(&o.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The last failed session of `report --json` for the file: (client, cause, drop frame, id, packets).
fn first_failure(bin: &Path, file: &Path) -> (String, String, u64, u64, u64) {
    let out = Command::new(bin)
        .args(["report", "--json"])
        .arg(file)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sessions = v["sessions"].as_array().unwrap();
    let s = sessions
        .iter()
        .rev()
        .find(|s| {
            let c = s["verdict"]["cause"].as_str().unwrap();
            c != "healthy" && c != "incomplete_capture" && s["verdict"]["drop_frame"].is_u64()
        })
        .expect("a failed session with a drop frame");
    (
        format!(
            "{}:{}",
            s["client"]["ip"].as_str().unwrap(),
            s["client"]["port"]
        ),
        s["verdict"]["cause"].as_str().unwrap().to_string(),
        s["verdict"]["drop_frame"].as_u64().unwrap(),
        s["id"].as_u64().unwrap(),
        s["packets"]["client"].as_u64().unwrap() + s["packets"]["server"].as_u64().unwrap(),
    )
}

#[test]
fn select_failed_session_export_and_quit() {
    let Some(tmux) = Tmux::open("e2e") else {
        return;
    };
    let Some(file) = common::corpus_file("RDP-bruteforce/RDP-HotAccounts.pcap") else {
        return;
    };
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_rdpscope"));
    let (client, cause, drop, id, packets) = first_failure(&bin, &file);

    let dir = std::env::temp_dir().join(format!("rdpscope-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    tmux.tui_in_shell(("100", "30"), Some(&dir), &format!("'{}'", file.display()));
    tmux.wait_for("the capture to load", |s| {
        s.contains("21 frames") && s.contains("Sessions 7")
    });
    assert!(tmux.alternate_on(), "the UI runs on the alternate screen");

    // Select the failed session by filtering on its client address.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", &client]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the filtered session", |s| s.contains("Sessions 1/7"));
    assert!(
        screen.contains(&cause),
        "cause {cause} on screen:\n{screen}"
    );
    assert!(
        screen.contains(&format!("✖ drop point frame {drop}")),
        "drop point {drop} on screen:\n{screen}"
    );
    // The drop point row of the ladder is marked.
    assert!(
        screen
            .lines()
            .any(|l| l.contains('✖') && l.split_whitespace().any(|w| w == drop.to_string())),
        "ladder row for frame {drop}:\n{screen}"
    );

    tmux.keys(&["e"]);
    let screen = tmux.wait_for("the export", |s| s.contains("exported session"));
    let name = format!("RDP-HotAccounts.session{id}.pcapng");
    assert!(screen.contains(&name), "{screen}");
    let out = dir.join(&name);
    let frames = {
        let mut n = 0u64;
        rdpscope::capture::read_file(&out, None, &mut |_| n += 1).unwrap();
        n
    };
    assert_eq!(frames, packets, "every packet of the session exported");
    assert!(
        screen.contains(&format!(": {frames} packets to ")),
        "{screen}"
    );

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", |s| s.contains("EXIT=0"));
    assert!(!tmux.alternate_on(), "terminal restored:\n{screen}");
    assert!(
        !screen.contains("Sessions"),
        "UI gone from the shell screen:\n{screen}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `e` then `q` at once: the export runs in the background and reads the whole capture again
/// (here 40,000 filler datagrams after the session), so the UI quits while it runs. The
/// process must finish it (after restoring the terminal, saying so), not end under it: the
/// exported file is complete and no temporary file is left beside it.
#[test]
fn quitting_waits_for_a_running_export() {
    use etherparse::PacketBuilder;
    let Some(tmux) = Tmux::open("e2e-export-quit") else {
        return;
    };
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/cert-expired.pcap");
    let mut frames: Vec<(u64, Vec<u8>)> = Vec::new();
    rdpscope::capture::read_file(&sample, None, &mut |f| {
        frames.push((frames.len() as u64 * 1_000, f.data.to_vec()))
    })
    .unwrap();
    let session_packets = frames.len() as u64;
    // The session's last packet after the padding: exporting it reads the whole file, so the
    // export is still running when `q` comes right after `e`.
    let last = frames.pop().unwrap();
    let t0 = frames.len() as u64 * 1_000;
    for i in 0..40_000u64 {
        let mut d = Vec::new();
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, 3], [2, 0, 0, 0, 0, 4])
            .ipv4([192, 0, 2, 1], [192, 0, 2, 2], 64)
            .udp(5000, 5001)
            .write(&mut d, &[0x5a; 1000])
            .unwrap();
        frames.push((t0 + i * 10, d));
    }
    frames.push((t0 + 400_000, last.1));
    let total = frames.len();
    let dir = std::env::temp_dir().join(format!("rdpscope-export-quit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("padded.pcap");
    std::fs::write(&file, pcapgen::pcap(&frames)).unwrap();
    drop(frames);

    tmux.tui_in_shell(("100", "30"), Some(&dir), &format!("'{}'", file.display()));
    tmux.wait_for("the capture to load", |s| {
        s.contains(&format!("{total} frames"))
    });
    // The first session (the RDP connection) is selected: export it and quit at once.
    tmux.keys(&["e", "q"]);
    let screen = tmux.wait_for("the shell", |s| s.lines().any(|l| l.starts_with("EXIT=")));
    assert!(screen.lines().any(|l| l == "EXIT=0"), "{screen}");
    assert!(
        screen.contains("rdpscope: finishing the export…"),
        "{screen}"
    );
    assert!(!tmux.alternate_on(), "terminal restored:\n{screen}");
    let out = dir.join("padded.session1.pcapng");
    let mut n = 0u64;
    let read = rdpscope::capture::read_file(&out, None, &mut |_| n += 1);
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        read.is_ok(),
        "the export was lost on quit: {read:?}; files: {left:?}"
    );
    assert_eq!(n, session_packets, "every packet of the session exported");
    assert_eq!(left.len(), 2, "only the capture and the export: {left:?}");
}

/// `rdpscope tui --keylog KEYS FILE`: the real binary shows the decrypted events with their
/// mark; a bad key file is refused before the screen switches.
#[test]
fn keylog_flag_shows_decrypted_events() {
    let Some(tmux) = Tmux::open("e2e-keylog") else {
        return;
    };
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_rdpscope"));
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let args = format!(
        "--keylog '{}' '{}'",
        samples.join("ok-tls12-xrdp.keys").display(),
        samples.join("ok-tls12-xrdp.pcap").display()
    );
    tmux.tui_in_shell(("160", "50"), None, &args);
    let screen = tmux.wait_for("the decrypted timeline", |s| {
        s.contains("MCS Connect Initial (client vm)")
    });
    assert!(
        screen.contains("🔓 MCS Connect Initial (client vm)"),
        "{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("the shell", |s| s.contains("EXIT=0"));

    let out = Command::new(&bin)
        .args(["tui", "--rsa-key", "/nonexistent.key"])
        .arg(samples.join("ok-tls12-rsa-kx.pcap"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("rdpscope: --rsa-key: "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The terminal goes away under the UI (an SSH session dropped, a tmux window killed): the
/// process must end, not spin on the dead tty.
#[test]
fn the_ui_ends_when_its_terminal_hangs_up() {
    let Some(tmux) = Tmux::open("hup") else {
        return;
    };
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/cert-expired.pcap");
    let pid_file = std::env::temp_dir().join(format!("rdpscope-hup-{}.pid", std::process::id()));
    tmux.start_rdpscope(&pid_file, &format!("tui '{}'", sample.display()));
    tmux.wait_for("the capture to load", |s| s.contains("Sessions 1"));
    hang_up(&tmux, &pid_file, Duration::from_secs(5));
}

/// Kill the tmux session (the terminal goes away: SIGHUP) and assert that the process whose
/// pid is in `pid_file` (see [`Tmux::start_rdpscope`]) ends within `limit` (it is killed
/// otherwise).
fn hang_up(tmux: &Tmux, pid_file: &Path, limit: Duration) {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
    assert!(proc_dir.exists(), "the UI runs as pid {pid}");
    assert!(tmux.run(&["kill-session", "-t", "e2e"]).status.success());
    let deadline = Instant::now() + limit;
    while proc_dir.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let gone = !proc_dir.exists();
    if !gone {
        let _ = Command::new("kill").args(["-9", pid.trim()]).status();
    }
    let _ = std::fs::remove_file(pid_file);
    assert!(
        gone,
        "the UI (pid {}) still runs after its terminal hung up",
        pid.trim()
    );
}

/// `rdpscope live -w FILE` in the terminal UI, and the terminal goes away (an SSH session
/// dropped): the packets captured so far are still written to FILE (root only: live capture on
/// the loopback interface).
#[test]
fn live_capture_file_is_kept_when_the_terminal_hangs_up() {
    if !common::is_root() {
        eprintln!("notice: live TUI hangup test skipped (needs root; CI runs it as root)");
        return;
    }
    let Some(tmux) = Tmux::open("livehup") else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_rdpscope"));
    let dir = std::env::temp_dir().join(format!("rdpscope-livehup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pid_file, pcap) = (dir.join("pid"), dir.join("kept.pcapng"));
    let live = format!("live -i lo -f 'tcp port {port}' -w '{}'", pcap.display());
    tmux.start_rdpscope(&pid_file, &live);
    tmux.wait_for("the live capture to start", |s| s.contains("live: lo"));
    // An X.224 Connection Request makes it an RDP session on any port.
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut cr = [0u8; 19];
        std::io::Read::read_exact(&mut s, &mut cr).unwrap();
        s
    });
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(&mut c, &common::X224_CR).unwrap();
    let _held = server.join().unwrap();
    tmux.wait_for("the session on screen", |s| s.contains("Sessions 1"));
    hang_up(&tmux, &pid_file, Duration::from_secs(10));
    let out = Command::new(&bin)
        .args(["report", "--json"])
        .arg(&pcap)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the -w file is missing or unreadable: {out:?}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["sessions"][0];
    assert_eq!(s["server"]["port"], port, "{v}");
    assert!(s["packets"]["client"].as_u64() >= Some(2), "{v}");
}

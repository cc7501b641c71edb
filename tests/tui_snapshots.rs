//! Snapshot tests of every TUI screen over real captures from the shared corpus, rendered with
//! ratatui's `TestBackend` at fixed sizes (no wall-clock time appears on screen).
//! Update with `INSTA_UPDATE=always cargo test --test tui_snapshots` and review the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rdpscope::pipeline::{Options, analyze_file};
use rdpscope::tui::app::{App, Progress};
use rdpscope::tui::ui;
use std::path::PathBuf;

mod common;

fn corpus(rel: &str) -> Option<PathBuf> {
    common::corpus_file(rel)
}

/// An app over a fully analysed capture, as after the background thread finished.
fn app_for(rel: &str) -> Option<App> {
    let path = corpus(rel)?;
    let (read, analysis) = analyze_file(&path, Options::default(), None).unwrap();
    let mut app = App::new(rel, false);
    app.set_sessions(analysis.sessions, false);
    app.progress = Progress::Done {
        frames: read.frames,
    };
    Some(app)
}

fn key(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, c);
    }
}

fn render(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

#[test]
fn hot_accounts_80x24() {
    let Some(mut app) = app_for("RDP-bruteforce/RDP-HotAccounts.pcap") else {
        return;
    };
    assert_snapshot!(render(&mut app, 80, 24));
}

#[test]
fn hot_accounts_by_severity_last_session_100x30() {
    let Some(mut app) = app_for("RDP-bruteforce/RDP-HotAccounts.pcap") else {
        return;
    };
    key(&mut app, 's');
    key(&mut app, 'G');
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("by severity"));
    assert_snapshot!(screen);
}

#[test]
fn hot_accounts_filter_typing_80x24() {
    let Some(mut app) = app_for("RDP-bruteforce/RDP-HotAccounts.pcap") else {
        return;
    };
    keys(&mut app, "/3180");
    let screen = render(&mut app, 80, 24);
    assert_eq!(app.visible_len(), 1);
    assert_snapshot!(screen);
}

#[test]
fn rdp_to_ssl_wide_160x48() {
    let Some(mut app) = app_for("zeek/rdp-to-ssl.pcap") else {
        return;
    };
    assert_snapshot!(render(&mut app, 160, 48));
}

#[test]
fn rdp003_next_problem_120x40() {
    let Some(mut app) = app_for("suricata-verify/RDP-003.pcap") else {
        return;
    };
    key(&mut app, 'n');
    let screen = render(&mut app, 120, 40);
    assert!(
        app.selected_event()
            .is_some_and(|(e, _)| e.kind.is_problem())
    );
    assert_snapshot!(screen);
}

#[test]
fn help_overlay_80x24() {
    let Some(mut app) = app_for("RDP-bruteforce/RDP-HotAccounts.pcap") else {
        return;
    };
    key(&mut app, '?');
    assert_snapshot!(render(&mut app, 80, 24));
}

#[test]
fn loading_with_progress_gauge_100x30() {
    let Some(path) = corpus("RDP-bruteforce/RDP-bruteforce.pcap") else {
        return;
    };
    // The state while the background thread is a quarter through: sessions so far, in progress.
    let mut analyzer = rdpscope::pipeline::Analyzer::new(Options::default());
    let mut n = 0u64;
    rdpscope::capture::read_file(&path, None, &mut |f| {
        if n < 250 {
            analyzer.frame(f);
        }
        n += 1;
    })
    .unwrap();
    let mut app = App::new("RDP-bruteforce/RDP-bruteforce.pcap", false);
    app.set_sessions(analyzer.snapshot(), true);
    app.progress = Progress::Reading {
        done: 43_000,
        total: 173_337,
    };
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("reading 25%"));
    assert_snapshot!(screen);
}

#[test]
fn live_paused_in_progress_100x30() {
    let Some(path) = corpus("zeek/rdp-to-ssl.pcap") else {
        return;
    };
    let mut analyzer = rdpscope::pipeline::Analyzer::new(Options::default());
    let mut n = 0u64;
    rdpscope::capture::read_file(&path, None, &mut |f| {
        if n < 60 {
            analyzer.frame(f);
        }
        n += 1;
    })
    .unwrap();
    let mut app = App::new("live: tun0 (tcp port 3389 or udp port 3389)", true);
    app.progress = Progress::Live { frames: 60 };
    app.set_sessions(analyzer.snapshot(), true);
    key(&mut app, 'p');
    // Updates while paused are held back.
    app.set_sessions(Vec::<rdpscope::timeline::Session>::new(), true);
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("PAUSED"));
    assert!(screen.contains("in progress"));
    assert_snapshot!(screen);
}

#[test]
fn empty_capture_80x24() {
    // No corpus needed: nothing found yet.
    let mut app = App::new("empty.pcap", false);
    app.progress = Progress::Done { frames: 0 };
    assert_snapshot!(render(&mut app, 80, 24));
}

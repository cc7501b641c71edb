//! The TUI with TLS secrets (`rdpscope tui --keylog FILE FILE`): the timeline shows the decrypted
//! events with their 🔓 mark; without secrets the same capture shows none.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rdpscope::proto::keylog::KeyLog;
use rdpscope::tui::app::{App, Progress};
use rdpscope::tui::{Feed, ui};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The app after the background reader (as `rdpscope tui` starts it) finished.
fn app_from_feed(feed: Feed) -> App {
    let mut app = App::new("ok-tls12-xrdp.pcap", false);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(app.progress, Progress::Done { .. }) {
        assert!(Instant::now() < deadline, "analysis did not finish");
        feed.drain(&mut app);
        std::thread::sleep(Duration::from_millis(20));
    }
    app
}

fn render(app: &mut App) -> String {
    let mut t = Terminal::new(TestBackend::new(160, 60)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend().to_string()
}

#[test]
fn keylog_marks_decrypted_events_in_the_timeline() {
    let pcap = sample("ok-tls12-xrdp.pcap");
    let keys = KeyLog::from_file(&sample("ok-tls12-xrdp.keys")).unwrap();
    let keys = rdpscope::pipeline::keys_for(&pcap, Some(&keys));
    let mut app = app_from_feed(Feed::file_with_keys(pcap.clone(), keys));
    let screen = render(&mut app);
    let line = screen
        .lines()
        .find(|l| l.contains("MCS Connect Initial"))
        .unwrap_or_else(|| panic!("no MCS Connect Initial on screen:\n{screen}"));
    assert!(
        line.contains("🔓 MCS Connect Initial (client vm)"),
        "{line}"
    );

    // `rdpscope tui FILE` without secrets: the same capture, nothing decrypted.
    let mut plain = app_from_feed(Feed::file(pcap));
    let screen = render(&mut plain);
    assert!(!screen.contains("🔓"), "{screen}");
    assert!(!screen.contains("MCS Connect Initial"), "{screen}");
}

#[test]
fn rsa_key_in_the_tui() {
    let pcap = sample("ok-tls12-rsa-kx.pcap");
    let mut keys = KeyLog::new();
    let key = rdpscope::proto::tls::rsa_kx::RsaKey::from_file(&sample("ok-tls12-rsa-kx.key"));
    keys.set_rsa_key(key.unwrap());
    let mut app = app_from_feed(Feed::file_with_keys(pcap, Some(Arc::new(keys))));
    let screen = render(&mut app);
    assert!(
        screen.contains("🔓 MCS Connect Initial (client vm)"),
        "{screen}"
    );
}

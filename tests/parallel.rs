//! The sharded (multi-core) analysis gives exactly the single-threaded JSON, and the JSON
//! written while the capture is read (what `report --json` prints) is exactly the one built
//! from the whole analysis in memory: on every corpus capture and on a generated RDP-heavy
//! capture that crosses several table sweeps.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
#[allow(dead_code)]
#[path = "../benches/gen/synth.rs"]
mod synth;

use rdpscope::pipeline::{self, Options};
use rdpscope::report::{FileReport, json};
use std::path::{Path, PathBuf};

fn json_with(path: &Path, all: bool, threads: usize) -> String {
    let (read, analysis) = pipeline::analyze_file_parallel(
        path,
        Options {
            all,
            ..Default::default()
        },
        None,
        threads,
    )
    .unwrap();
    json::file_line(&FileReport::new(path.display().to_string(), read, analysis))
}

/// What `report --json` prints: the line written as the sessions leave the analysis.
fn streamed(path: &Path, all: bool, threads: usize) -> String {
    let w = rdpscope::report::stream::analyse_to_json(
        path,
        Options {
            all,
            ..Default::default()
        },
        None,
        threads,
        Vec::new(),
    )
    .unwrap();
    assert!(w.write_error.is_none());
    let mut line = String::from_utf8(w.out).unwrap();
    assert_eq!(line.pop(), Some('\n'), "one line per file");
    assert!(!line.contains('\n'));
    line
}

fn assert_same(path: &Path, alls: &[bool], workers: &[usize]) -> usize {
    let mut sessions = 0;
    for &all in alls {
        let one = json_with(path, all, 1);
        assert!(
            streamed(path, all, 1) == one,
            "{} (all={all}): the streamed JSON differs from the in-memory one",
            path.display()
        );
        for &threads in workers {
            let many = json_with(path, all, threads);
            assert!(
                one == many,
                "{} (all={all}, {threads} workers) differs from the single-threaded run",
                path.display()
            );
            assert!(
                streamed(path, all, threads) == one,
                "{} (all={all}, {threads} workers): the streamed JSON differs",
                path.display()
            );
        }
        sessions = one.matches("\"first_frame\"").count();
    }
    sessions
}

fn captures_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            captures_under(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "pcap" || x == "pcapng" || x == "gz")
        {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_capture_gives_the_same_json_on_several_workers() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut files = Vec::new();
    captures_under(&corpus, &mut files);
    files.sort();
    assert!(files.len() >= 40, "{} captures", files.len());
    let mut sessions = 0;
    for f in &files {
        sessions += assert_same(f, &[false, true], &[2, 3]);
    }
    assert!(sessions > 2000, "{sessions} sessions compared");
}

#[test]
fn generated_capture_gives_the_same_json_on_several_workers() {
    let cfg = synth::Config {
        size: 32 << 20,
        seed: 11,
        mss: 200,
        mean_gap_us: 2_000,
        concurrency: 32,
    };
    let path = std::env::temp_dir().join(format!("rdpscope-parallel-{}.pcap", std::process::id()));
    let f = std::fs::File::create(&path).unwrap();
    let stats = synth::generate(&cfg, std::io::BufWriter::new(f)).unwrap();
    // Long enough for the connection table to be swept twice, with sessions finished by it.
    assert!(stats.frames > 2 * 65_536, "{stats:?}");
    // (Debug builds analyse slowly: one comparison, 3 workers so shards are uneven.)
    let sessions = assert_same(&path, &[true], &[3]);
    std::fs::remove_file(&path).unwrap();
    assert!(sessions > 100, "{sessions} sessions");
}

/// Compacting finished sessions (the default of `report`) changes nothing in the JSON.
#[test]
fn compacted_sessions_report_the_same() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("pcap") {
            continue;
        }
        let json = |compact: bool| {
            let opts = Options {
                all: true,
                compact,
                ..Default::default()
            };
            let (read, a) = pipeline::analyze_file(&p, opts, None).unwrap();
            rdpscope::report::json::file_line(&rdpscope::report::FileReport::new(
                "x".into(),
                read,
                a,
            ))
        };
        assert_eq!(json(false), json(true), "{}", p.display());
        n += 1;
    }
    assert!(n >= 20);
}

/// The terminal UI analyses a file on several threads: it ends with the single analyzer's
/// sessions (every field, timelines included), and while the file is read each analyzer
/// publishes its open connections (at its sweeps, the first one at once) for the snapshots.
#[test]
fn the_tui_feed_on_several_analyzers_ends_with_the_single_analyzers_sessions() {
    use rdpscope::pipeline::watch::Watch;
    use rdpscope::tui::{Feed, Update};
    let cfg = synth::Config {
        size: 8 << 20,
        seed: 5,
        mss: 200,
        mean_gap_us: 2_000,
        concurrency: 32,
    };
    let path = std::env::temp_dir().join(format!("rdpscope-feed-{}.pcap", std::process::id()));
    let f = std::fs::File::create(&path).unwrap();
    let stats = synth::generate(&cfg, std::io::BufWriter::new(f)).unwrap();
    assert!(stats.frames > 16_384, "crosses a sweep: {stats:?}");
    let finished = |threads: usize| -> (String, u64) {
        let feed = Feed::file_on(path.clone(), None, threads);
        loop {
            match feed.rx.recv().unwrap() {
                Update::Finished {
                    sessions, frames, ..
                } => return (format!("{sessions:?}"), frames),
                Update::Failed(why) => panic!("{why}"),
                _ => {}
            }
        }
    };
    let (one, frames) = finished(1);
    assert_eq!(frames, stats.frames);
    assert!(one == finished(2).0, "1 and 2 analyzers differ");

    let watch = std::sync::Arc::new(Watch::default());
    let options = Options {
        watch: Some(watch.clone()),
        ..Default::default()
    };
    let (_, analysis) = pipeline::analyze_file_parallel(&path, options, None, 2).unwrap();
    std::fs::remove_file(&path).unwrap();
    let published = watch.join(Vec::new());
    assert!(
        published.iter().any(|p| p.open_at_end),
        "open connections were published"
    );
    for p in &published {
        assert!(
            analysis
                .sessions
                .iter()
                .any(|s| (s.first_frame, s.client, s.server) == (p.first_frame, p.client, p.server)),
            "published session of frame {} is one of the capture's",
            p.first_frame
        );
    }
}

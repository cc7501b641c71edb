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

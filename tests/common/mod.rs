//! Shared helpers for the integration tests: the shared corpus, and a small pcap writer.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod pcapgen;

use std::path::PathBuf;

/// TPKT + X.224 Connection Request + RDP_NEG_REQ (SSL|HYBRID) (MS-RDPBCGR 2.2.1.1).
pub const X224_CR: [u8; 19] = [3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0];

/// Whether the tests run as root (effective uid 0): live capture needs it.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// `../shared/corpus` beside the project, or None (with a printed notice) when it is absent.
/// With `RDPSCOPE_REQUIRE_CORPUS=1` an absent corpus fails the test instead.
pub fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("INDEX.md").is_file() {
        return Some(dir);
    }
    if std::env::var("RDPSCOPE_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("RDPSCOPE_REQUIRE_CORPUS=1 but {} is missing", dir.display());
    }
    eprintln!("notice: {} is absent; corpus test skipped", dir.display());
    None
}

/// A corpus file by its path relative to the corpus folder.
pub fn corpus_file(rel: &str) -> Option<PathBuf> {
    let p = corpus()?.join(rel);
    assert!(p.is_file(), "corpus file {} missing", p.display());
    Some(p)
}

/// The project's samples folder.
pub fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

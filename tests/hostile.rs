//! Damaged captures: every sample and corpus capture mutated with a fixed seed (byte flips at
//! several rates like `editcap -E`, truncation at record boundaries and inside records, bogus
//! record and block lengths, caplen > snaplen, pcapng trailing lengths, swapped byte order,
//! duplicated and reordered records).
//!
//! For each mutant: no panic, bounded time, a readable result or a "not a capture" error, and every
//! session that ended before the first damaged frame is reported exactly as in the undamaged run.
//! A sample of the mutants also goes through the real binary (exit 0 or 3, one line per problem
//! naming the file). Set `RDPSCOPE_HOSTILE_SEED` to try another seed; the CI seed is fixed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use rdpscope::capture;
use rdpscope::pipeline::{Analysis, Analyzer, Options};
use rdpscope::report::{self, FileReport};
use rdpscope::timeline::Session;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The CI seed.
const SEED: u64 = 0x5eed_2024_0008_0001;
/// Most time one mutant may take in-process (debug build, shared 2-core machine).
const MAX_MUTANT_TIME: Duration = Duration::from_secs(20);
/// One mutant in this many also runs through the binary.
const BINARY_EVERY: usize = 8;

/// xorshift64*: tiny and deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Byte order of a capture's fields.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Order {
    Le,
    Be,
}

fn rd32(b: &[u8], at: usize, o: Order) -> u32 {
    let a: [u8; 4] = b[at..at + 4].try_into().unwrap();
    match o {
        Order::Le => u32::from_le_bytes(a),
        Order::Be => u32::from_be_bytes(a),
    }
}

fn wr32(b: &mut [u8], at: usize, o: Order, v: u32) {
    let a = match o {
        Order::Le => v.to_le_bytes(),
        Order::Be => v.to_be_bytes(),
    };
    b[at..at + 4].copy_from_slice(&a);
}

/// One record (pcap) or block (pcapng) of a capture.
#[derive(Clone, Copy, Debug)]
struct Rec {
    start: usize,
    end: usize,
    /// 1-based frame number when this record is a packet.
    frame: Option<u64>,
    /// Where the packet data start (after the record/block header).
    data: usize,
    /// Where the captured length field is (pcap record, EPB).
    caplen_at: Option<usize>,
}

/// The structure of an undamaged capture.
#[derive(Clone, Debug)]
struct Layout {
    pcapng: bool,
    order: Order,
    /// Byte length of the file header (pcap: 24; pcapng: 0, the SHB is a block).
    header: usize,
    recs: Vec<Rec>,
}

impl Layout {
    fn of(b: &[u8]) -> Option<Layout> {
        let magic = u32::from_le_bytes(b.get(..4)?.try_into().ok()?);
        match magic {
            0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34 | 0xd4c3_b2a1 | 0x4d3c_b2a1 | 0x34cd_b2a1 => {
                let order = if matches!(magic, 0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34) {
                    Order::Le
                } else {
                    Order::Be
                };
                let mut recs = Vec::new();
                let mut at = 24;
                let mut frame = 0;
                while at + 16 <= b.len() {
                    let caplen = rd32(b, at + 8, order) as usize;
                    let end = at + 16 + caplen;
                    if end > b.len() {
                        break;
                    }
                    frame += 1;
                    recs.push(Rec {
                        start: at,
                        end,
                        frame: Some(frame),
                        data: at + 16,
                        caplen_at: Some(at + 8),
                    });
                    at = end;
                }
                Some(Layout {
                    pcapng: false,
                    order,
                    header: 24,
                    recs,
                })
            }
            0x0a0d_0d0a => {
                let order = match b.get(8..12)? {
                    [0x4d, 0x3c, 0x2b, 0x1a] => Order::Le,
                    [0x1a, 0x2b, 0x3c, 0x4d] => Order::Be,
                    _ => return None,
                };
                let mut recs = Vec::new();
                let mut at = 0;
                let mut frame = 0;
                while at + 12 <= b.len() {
                    let ty = rd32(b, at, order);
                    let len = rd32(b, at + 4, order) as usize;
                    if len < 12 || at + len > b.len() {
                        break;
                    }
                    let (fr, data, caplen_at) = match ty {
                        6 => {
                            frame += 1;
                            (Some(frame), at + 28, Some(at + 20))
                        }
                        3 => {
                            frame += 1;
                            (Some(frame), at + 12, None)
                        }
                        _ => (None, at + 8, None),
                    };
                    recs.push(Rec {
                        start: at,
                        end: at + len,
                        frame: fr,
                        data,
                        caplen_at,
                    });
                    at += len;
                }
                Some(Layout {
                    pcapng: true,
                    order,
                    header: 0,
                    recs,
                })
            }
            _ => None,
        }
    }

    /// The first frame number that damage at byte `at` can affect.
    fn damaged_frame(&self, at: usize) -> u64 {
        let before = self
            .recs
            .iter()
            .filter(|r| r.end <= at)
            .filter_map(|r| r.frame)
            .max()
            .unwrap_or(0);
        before + 1
    }

    fn packets(&self) -> Vec<Rec> {
        self.recs
            .iter()
            .filter(|r| r.frame.is_some())
            .copied()
            .collect()
    }
}

/// A damaged capture and the first frame its damage may touch (0: the file header).
struct Mutant {
    what: String,
    bytes: Vec<u8>,
    damage_from: u64,
}

/// Flip bytes (xor with a random non-zero value) with probability `rate`, inside packet data only
/// (like `editcap -E`) or anywhere. At least one byte is flipped.
fn flips(rng: &mut Rng, b: &[u8], lay: &Layout, rate: f64, headers_too: bool) -> Option<Mutant> {
    let ranges: Vec<(usize, usize)> = if headers_too {
        vec![(0, b.len())]
    } else {
        lay.packets().iter().map(|r| (r.data, r.end)).collect()
    };
    let total: usize = ranges.iter().map(|(s, e)| e.saturating_sub(*s)).sum();
    if total == 0 {
        return None;
    }
    let mut out = b.to_vec();
    let mut first = usize::MAX;
    for &(s, e) in &ranges {
        for (i, byte) in out.iter_mut().enumerate().take(e).skip(s) {
            if rng.chance(rate) {
                *byte ^= 1 + rng.below(255) as u8;
                first = first.min(i);
            }
        }
    }
    if first == usize::MAX {
        // Force one flip.
        let mut k = rng.below(total);
        for &(s, e) in &ranges {
            let n = e.saturating_sub(s);
            if k < n {
                out[s + k] ^= 1 + rng.below(255) as u8;
                first = s + k;
                break;
            }
            k -= n;
        }
    }
    Some(Mutant {
        what: format!(
            "{} flips at rate {rate}",
            if headers_too { "file" } else { "packet" }
        ),
        damage_from: lay.damaged_frame(first),
        bytes: out,
    })
}

/// All mutants of one capture (deterministic for a seed).
fn mutants(rng: &mut Rng, b: &[u8], lay: &Layout) -> Vec<Mutant> {
    let mut out = Vec::new();
    for rate in [0.0005, 0.005, 0.05] {
        out.extend(flips(rng, b, lay, rate, false));
    }
    out.extend(flips(rng, b, lay, 0.0002, true));
    let recs = lay.recs.clone();
    let packets = lay.packets();
    if recs.is_empty() {
        return out;
    }
    // Truncation at record boundaries (a few, always including the first and last) and inside.
    let mut cuts: Vec<usize> = vec![0, recs.len() - 1];
    for _ in 0..2 {
        cuts.push(rng.below(recs.len()));
    }
    cuts.sort_unstable();
    cuts.dedup();
    for k in cuts {
        let r = recs[k];
        out.push(Mutant {
            what: format!("truncated before record {k}"),
            bytes: b[..r.start].to_vec(),
            damage_from: lay.damaged_frame(r.start),
        });
        let inside = r.start + 1 + rng.below(r.end - r.start - 1);
        out.push(Mutant {
            what: format!("truncated inside record {k} at byte {inside}"),
            bytes: b[..inside].to_vec(),
            damage_from: lay.damaged_frame(inside),
        });
    }
    // Record lengths: 0, 2^32-1, past the snap length, past the end of the file.
    let with_caplen: Vec<Rec> = packets
        .iter()
        .filter(|r| r.caplen_at.is_some())
        .copied()
        .collect();
    if !with_caplen.is_empty() {
        let snaplen = if lay.pcapng {
            262_144
        } else {
            rd32(b, 16, lay.order)
        };
        let r = with_caplen[rng.below(with_caplen.len())];
        let at = r.caplen_at.unwrap();
        let remaining = (b.len() - r.data) as u32;
        for (what, v) in [
            ("caplen 0", 0u32),
            ("caplen 2^32-1", u32::MAX),
            ("caplen snaplen+1", snaplen.saturating_add(1)),
            ("caplen past end of file", remaining.saturating_add(100)),
        ] {
            let mut m = b.to_vec();
            wr32(&mut m, at, lay.order, v);
            out.push(Mutant {
                what: format!("{what} in record at byte {}", r.start),
                bytes: m,
                damage_from: lay.damaged_frame(r.start),
            });
        }
        // Original length 0 and 2^32-1 (the wire length).
        let mut m = b.to_vec();
        let orig_at = at + 4;
        wr32(
            &mut m,
            orig_at,
            lay.order,
            if rng.chance(0.5) { 0 } else { u32::MAX },
        );
        out.push(Mutant {
            what: format!("origlen 0 or 2^32-1 in record at byte {}", r.start),
            bytes: m,
            damage_from: lay.damaged_frame(r.start),
        });
    }
    if lay.pcapng {
        // Block total length: 0, 2^32-1 and a wrong trailing copy.
        let r = recs[rng.below(recs.len())];
        for v in [0u32, u32::MAX] {
            let mut m = b.to_vec();
            wr32(&mut m, r.start + 4, lay.order, v);
            out.push(Mutant {
                what: format!("block total length {v:#x} at byte {}", r.start),
                bytes: m,
                damage_from: lay.damaged_frame(r.start),
            });
        }
        let mut m = b.to_vec();
        let trail = rd32(b, r.end - 4, lay.order);
        wr32(&mut m, r.end - 4, lay.order, trail.wrapping_add(4));
        out.push(Mutant {
            what: format!("wrong trailing block length at byte {}", r.start),
            bytes: m,
            damage_from: lay.damaged_frame(r.start),
        });
        // The section's byte-order magic swapped (every field then reads byte-swapped).
        let mut m = b.to_vec();
        m[8..12].reverse();
        out.push(Mutant {
            what: "byte-order magic swapped".into(),
            bytes: m,
            damage_from: 0,
        });
    } else {
        // Magic swapped without swapping the fields, and snap length 0 / 2^32-1.
        let mut m = b.to_vec();
        m[..4].reverse();
        out.push(Mutant {
            what: "byte-order magic swapped".into(),
            bytes: m,
            damage_from: 0,
        });
        let mut m = b.to_vec();
        wr32(
            &mut m,
            16,
            lay.order,
            if rng.chance(0.5) { 0 } else { u32::MAX },
        );
        out.push(Mutant {
            what: "snaplen 0 or 2^32-1".into(),
            bytes: m,
            damage_from: 0,
        });
    }
    // Duplicated and reordered records.
    if packets.len() >= 2 {
        let k = rng.below(packets.len() - 1);
        let (r, s) = (packets[k], packets[k + 1]);
        let mut m = b[..s.end].to_vec();
        m.extend_from_slice(&b[r.start..r.end]);
        m.extend_from_slice(&b[s.end..]);
        out.push(Mutant {
            what: format!("record at byte {} duplicated after the next", r.start),
            bytes: m,
            // The copy belongs to the sessions of record k: only sessions ended before it are safe.
            damage_from: r.frame.unwrap(),
        });
        if r.end == s.start {
            let mut m = b[..r.start].to_vec();
            m.extend_from_slice(&b[s.start..s.end]);
            m.extend_from_slice(&b[r.start..r.end]);
            m.extend_from_slice(&b[s.end..]);
            out.push(Mutant {
                what: format!("records at bytes {} and {} swapped", r.start, s.start),
                bytes: m,
                damage_from: r.frame.unwrap(),
            });
        }
    }
    out
}

/// A pcap converted to the other byte order, field by field (not damage: same analysis).
fn pcap_swapped(b: &[u8], lay: &Layout) -> Vec<u8> {
    let other = match lay.order {
        Order::Le => Order::Be,
        Order::Be => Order::Le,
    };
    let mut m = b.to_vec();
    // Header: magic, version (2 × u16), thiszone, sigfigs, snaplen, network.
    wr32(&mut m, 0, other, rd32(b, 0, lay.order));
    for at in [4usize, 6] {
        let v = [b[at], b[at + 1]];
        m[at] = v[1];
        m[at + 1] = v[0];
    }
    for at in [8usize, 12, 16, 20] {
        wr32(&mut m, at, other, rd32(b, at, lay.order));
    }
    for r in &lay.recs {
        for f in 0..4 {
            let at = r.start + 4 * f;
            wr32(&mut m, at, other, rd32(b, at, lay.order));
        }
    }
    m
}

/// Run the library pipeline on bytes: None when the bytes are not a capture (exit 3).
fn analyse(bytes: &[u8]) -> Option<(capture::ReadSummary, Analysis)> {
    let mut a = Analyzer::new(Options::default());
    let read = capture::read_reader(bytes, &mut |f| a.frame(f)).ok()?;
    Some((read, a.finish()))
}

/// Every frame's number, time, lengths and bytes, the summary's frame count and warnings, or the
/// error's text.
type ReadTrace = (
    Vec<(u64, i64, u32, Vec<u8>)>,
    Result<(u64, Vec<String>), String>,
);

/// The file read the ordinary way and the shared-chunk way (the multi-threaded reader's) must
/// agree on every frame and warning.
fn shared_reading_agrees(path: &Path, ctx: &str) {
    let mut plain = Vec::new();
    let r1 = capture::read_file(path, None, &mut |f| {
        plain.push((f.number, f.ts.0, f.orig_len, f.data.to_vec()))
    });
    let mut shared = Vec::new();
    let r2 = capture::read_file_shared(path, None, &mut |f, _| {
        shared.push((f.number, f.ts.0, f.orig_len, f.data.to_vec()))
    });
    let sum = |r: Result<capture::ReadSummary, capture::OpenError>| {
        r.map(|s| (s.frames, s.warnings)).map_err(|e| e.to_string())
    };
    let (a, b): (ReadTrace, ReadTrace) = ((plain, sum(r1)), (shared, sum(r2)));
    assert!(a.0 == b.0, "{ctx}: frames differ between the two readers");
    assert_eq!(a.1, b.1, "{ctx}");
}

/// A session's identity and content, without its id (ids are renumbered per run).
fn fingerprint(s: &Session) -> String {
    format!(
        "{:?} {} {} frames {}..{} pkts {:?} bytes {:?} open {} {} {} dropped {} events {:?}",
        s.transport,
        s.client,
        s.server,
        s.first_frame,
        s.last_frame,
        s.packets,
        s.bytes,
        s.open_at_end,
        s.conn_state,
        s.history,
        s.events_dropped,
        s.events
    )
}

fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(common::samples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    if let Some(corpus) = common::corpus() {
        let mut stack = vec![corpus];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "pcap" || e == "pcapng") {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    files
}

fn seed() -> u64 {
    std::env::var("RDPSCOPE_HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

/// The binary on one mutant: exit 0 with one JSON line naming the file, or 3 with one stderr line
/// naming it; every stderr line names the file and none repeats.
fn check_binary(path: &Path, not_a_capture: bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_rdpscope"))
        .args(["report", "--json"])
        .arg(path)
        .output()
        .unwrap();
    let code = out.status.code();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = path.display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    for l in &lines {
        assert!(
            l.starts_with(&format!("rdpscope: {name}: ")),
            "stderr line does not name the file: {l:?}"
        );
    }
    let mut uniq = lines.clone();
    uniq.sort_unstable();
    uniq.dedup();
    assert_eq!(uniq.len(), lines.len(), "repeated warning lines: {stderr}");
    if not_a_capture {
        assert_eq!(code, Some(3), "{name}: {stderr}");
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    } else {
        assert_eq!(code, Some(0), "{name}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json_lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(json_lines.len(), 1, "{stdout}");
        let v: serde_json::Value = serde_json::from_str(json_lines[0]).unwrap();
        assert_eq!(v["file"], name.as_str());
        // One line per warning, then a summary count when there is more than one problem.
        let warnings = v["warnings"].as_array().unwrap().len();
        let summary = lines.iter().filter(|l| l.contains(" in all, ")).count();
        assert!(summary <= 1, "{stderr}");
        assert_eq!(warnings + summary, lines.len(), "{stderr}");
        if summary == 1 {
            assert!(
                lines.last().unwrap().contains(" problems in all, "),
                "{stderr}"
            );
        }
    }
}

#[test]
fn damaged_captures_never_panic_and_keep_what_came_before() {
    let started = Instant::now();
    let mut rng = Rng::new(seed());
    let tmp = std::env::temp_dir().join(format!("rdpscope-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (mut n, mut compared, mut binary_runs, mut unreadable) = (0usize, 0usize, 0usize, 0usize);
    let files = inputs();
    assert!(files.len() >= 20, "inputs: {}", files.len());
    for file in &files {
        let b = std::fs::read(file).unwrap();
        let Some(lay) = Layout::of(&b) else {
            panic!("{}: not a capture this test understands", file.display());
        };
        let (_, base) = analyse(&b).expect("undamaged capture reads");
        let mut muts = mutants(&mut rng, &b, &lay);
        if !lay.pcapng {
            // Byte order converted properly: not damage, the analysis must be the same.
            muts.push(Mutant {
                what: "converted to the other byte order".into(),
                bytes: pcap_swapped(&b, &lay),
                damage_from: u64::MAX,
            });
        }
        for m in muts {
            n += 1;
            let t = Instant::now();
            let result = analyse(&m.bytes);
            let ctx = format!("{} ({})", file.display(), m.what);
            match &result {
                None => unreadable += 1,
                Some((read, analysis)) => {
                    // Reporting must work on whatever came out.
                    let rep =
                        FileReport::new(file.display().to_string(), read.clone(), analysis.clone());
                    let line = report::json::file_line(&rep);
                    assert!(!line.contains('\n') && line.starts_with('{'), "{ctx}");
                    let mut uniq = rep.warnings.clone();
                    uniq.sort_unstable();
                    uniq.dedup();
                    assert_eq!(uniq.len(), rep.warnings.len(), "{ctx}: {:?}", rep.warnings);
                    // Every session that ended before the damage is still there, unchanged.
                    let have: std::collections::HashSet<String> =
                        analysis.sessions.iter().map(fingerprint).collect();
                    for s in &base.sessions {
                        if s.last_frame < m.damage_from {
                            compared += 1;
                            assert!(
                                have.contains(&fingerprint(s)),
                                "{ctx}: session {} {}→{} (frames {}..{}) lost or changed by damage from frame {}",
                                s.id,
                                s.client,
                                s.server,
                                s.first_frame,
                                s.last_frame,
                                m.damage_from
                            );
                        }
                    }
                }
            }
            assert!(
                t.elapsed() < MAX_MUTANT_TIME,
                "{ctx}: took {:?}",
                t.elapsed()
            );
            let stem = file.file_stem().unwrap().to_string_lossy();
            let p = tmp.join(format!("{stem}-{n}.pcap"));
            std::fs::write(&p, &m.bytes).unwrap();
            shared_reading_agrees(&p, &ctx);
            if n % BINARY_EVERY != 0 {
                std::fs::remove_file(&p).unwrap();
            } else {
                check_binary(&p, result.is_none());
                std::fs::remove_file(&p).unwrap();
                binary_runs += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!(
        "hostile sweep: {} files, {n} mutants ({unreadable} not a capture), {compared} sessions compared, {binary_runs} binary runs, {:.1?}",
        files.len(),
        started.elapsed()
    );
    assert!(n >= 300, "only {n} mutants");
}

#[test]
fn pcap_truncated_at_every_record_boundary_reads_exactly_the_records_before() {
    // Reader only (cheap): every boundary of every sample, plus one byte past it.
    let mut checked = 0;
    for file in inputs() {
        let b = std::fs::read(&file).unwrap();
        let lay = Layout::of(&b).unwrap();
        let recs = &lay.recs;
        let step = (recs.len() / 200).max(1);
        for r in recs.iter().step_by(step) {
            let expect = lay.damaged_frame(r.start) - 1;
            for cut in [r.start, r.start + 1] {
                let mut frames = 0u64;
                let s = capture::read_reader(&b[..cut], &mut |_| frames += 1);
                let Ok(s) = s else {
                    // Only a file cut inside its header (pcapng: its first block) is not a capture.
                    let head = if lay.pcapng {
                        recs[0].end
                    } else {
                        lay.header + 1
                    };
                    assert!(cut < head, "{}: cut {cut} unreadable", file.display());
                    continue;
                };
                assert_eq!(frames, expect, "{}: cut at {cut}", file.display());
                if cut > r.start {
                    assert!(
                        s.warnings
                            .iter()
                            .any(|w| w.contains("cut short") || w.contains("damaged")),
                        "{}: cut inside a record at {cut} without a warning: {:?}",
                        file.display(),
                        s.warnings
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

// ---------------------------------------------------------------------------------------------
// Adversarial traffic, small versions (benches/hostile.sh runs the full sizes for memory).

use common::pcapgen::{self, Seg};

const X224_CR: &str =
    "0300002a25e00000000000436f6f6b69653a206d737473686173683d757365720d0a0100080003000000";
const X224_CC_TLS: &str = "030000130ed000001234000201080001000000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A connection's segments with tracked sequence numbers.
struct Conn {
    segs: Vec<Seg>,
    c: u32,
    s: u32,
    t: u64,
}

impl Conn {
    fn new(t0: u64, cisn: u32, sisn: u32) -> Self {
        let mut k = Conn {
            segs: Vec::new(),
            c: cisn,
            s: sisn,
            t: t0,
        };
        k.add(Seg::new(0, true, cisn, 0, "S"));
        k.add(Seg::new(0, false, sisn, cisn.wrapping_add(1), "SA"));
        k.c = k.c.wrapping_add(1);
        k.s = k.s.wrapping_add(1);
        let (c, s) = (k.c, k.s);
        k.add(Seg::new(0, true, c, s, "A"));
        k
    }
    fn add(&mut self, mut seg: Seg) {
        self.t += 10;
        seg.t_us = self.t;
        self.segs.push(seg);
    }
    fn send(&mut self, from_client: bool, data: &[u8]) {
        let (seq, ack) = if from_client {
            (self.c, self.s)
        } else {
            (self.s, self.c)
        };
        self.add(Seg::new(0, from_client, seq, ack, "PA").data(data));
        let n = data.len() as u32;
        if from_client {
            self.c = self.c.wrapping_add(n);
        } else {
            self.s = self.s.wrapping_add(n);
        }
    }
    fn send_at(&mut self, from_client: bool, seq: u32, data: &[u8]) {
        let ack = if from_client { self.s } else { self.c };
        self.add(Seg::new(0, from_client, seq, ack, "PA").data(data));
    }
    fn negotiate(&mut self) {
        self.send(true, &hex(X224_CR));
        self.send(false, &hex(X224_CC_TLS));
    }
    fn close(mut self) -> Vec<Seg> {
        let (c, s) = (self.c, self.s);
        self.add(Seg::new(0, true, c, s, "FA"));
        self.add(Seg::new(0, false, s, c.wrapping_add(1), "FA"));
        self.add(Seg::new(0, true, c.wrapping_add(1), s.wrapping_add(1), "A"));
        self.segs
    }
}

fn tls_record(ctype: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ctype, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A minimal TLS 1.2 ClientHello record (one ECDHE-RSA-AES128-GCM suite, signature_algorithms).
fn client_hello() -> Vec<u8> {
    let body = format!(
        "010000310303{}00{}",
        "11".repeat(32),
        "0002c02f01000006000d00020401"
    );
    tls_record(22, &hex(&body))
}

fn report_of(pcap: &[u8]) -> FileReport {
    let (read, analysis) = analyse(pcap).expect("a capture");
    FileReport::new("adversarial.pcap".into(), read, analysis)
}

fn warning<'a>(rep: &'a FileReport, needle: &str) -> Option<&'a String> {
    rep.warnings.iter().find(|w| w.contains(needle))
}

/// The count a warning line `FILE: frame F: N ...` states.
fn warned_count(w: &str) -> u64 {
    w.split(": ")
        .nth(2)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {w}"))
}

#[test]
fn sequence_numbers_wrapping_mid_stream_reassemble_cleanly() {
    let mut k = Conn::new(0, u32::MAX - 300, u32::MAX - 40);
    k.negotiate();
    // TPKT-framed X.224 data TPDUs both ways, crossing 2^32 in both directions.
    let mut pdu = vec![3, 0, 0, 0x80, 2, 0xf0, 0x80];
    pdu.resize(0x80, 0x68);
    for _ in 0..20 {
        k.send(true, &pdu);
        k.send(false, &pdu);
    }
    let rep = report_of(&pcapgen::tcp_pcap(&k.close()));
    assert_eq!(rep.sessions.len(), 1);
    let (s, _) = &rep.sessions[0];
    assert_eq!(s.bytes, [42 + 20 * 128, 19 + 20 * 128]);
    let t = s.tcp.as_ref().unwrap();
    assert_eq!((t.retransmissions, t.lost_segments), (0, 0));
    assert!(
        !s.events.iter().any(|e| matches!(
            e.kind,
            rdpscope::timeline::EventKind::Gap { .. }
                | rdpscope::timeline::EventKind::Malformed { .. }
        )),
        "{:?}",
        s.events
    );
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
}

#[test]
fn overlapping_segments_with_different_data_are_counted_first_copy_kept() {
    let mut k = Conn::new(0, 1000, 5000);
    k.negotiate();
    for i in 0..10u8 {
        let start = k.c;
        k.send(true, &[i; 1000]);
        k.send_at(true, start, &[i.wrapping_add(1); 1000]);
        k.send_at(true, start.wrapping_add(500), &[i.wrapping_add(2); 1000]);
    }
    let pcap = pcapgen::tcp_pcap(&k.close());
    let rep = report_of(&pcap);
    // Per block: 1000 bytes differ in the full copy, 500 in the shifted one (the other 500 are new
    // data past the end and are delivered).
    let w = warning(&rep, "of retransmissions differed").expect("overlap warning");
    assert!(w.contains("in 1 connection (the first copy"), "{w}");
    let n: u64 = w
        .split("TCP: ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n >= 10 * 1000, "{w}");
    assert_eq!(rep.sessions.len(), 1);
    // From a file, the first copies are not kept in memory but read back from the file when
    // the retransmissions come (plain pcap, pcapng-free path; one and two analyzers): the
    // same count.
    let path = std::env::temp_dir().join(format!("rdpscope-overlap-{}.pcap", std::process::id()));
    std::fs::write(&path, &pcap).unwrap();
    for threads in [1, 2] {
        let opts = Options::default();
        let (read, a) =
            rdpscope::pipeline::analyze_file_parallel(&path, opts, None, threads).unwrap();
        let from_file = FileReport::new("adversarial.pcap".into(), read, a);
        assert_eq!(
            warning(&from_file, "of retransmissions differed"),
            Some(w),
            "{threads} analyzer(s)"
        );
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn out_of_order_storm_is_bounded_and_reported() {
    let mut k = Conn::new(0, 1000, 5000);
    k.negotiate();
    let base = k.s;
    let n = 3_000u32;
    for i in (0..n).rev() {
        k.send_at(false, base.wrapping_add(i * 100), &[0x55; 100]);
    }
    k.s = base.wrapping_add(n * 100);
    let rep = report_of(&pcapgen::tcp_pcap(&k.close()));
    assert!(
        warning(&rep, "given up because an out-of-order buffer was full").is_some(),
        "{:?}",
        rep.warnings
    );
    let (s, _) = &rep.sessions[0];
    assert_eq!(s.packets[1], u64::from(n) + 3);
}

#[test]
fn tls_handshake_claiming_16_mb_is_stopped_with_one_warning() {
    let mut k = Conn::new(0, 1000, 5000);
    k.negotiate();
    k.send(true, &client_hello());
    let mut first = vec![0x0b, 0xff, 0xff, 0xff];
    first.resize(16_380, 0);
    let rec = tls_record(22, &first);
    let filler = tls_record(22, &[0; 16_384]);
    let mut stream = rec;
    for _ in 0..40 {
        stream.extend_from_slice(&filler);
    }
    for chunk in stream.chunks(1400) {
        k.send(false, chunk);
    }
    let rep = report_of(&pcapgen::tcp_pcap(&k.close()));
    let tls: Vec<&String> = rep.warnings.iter().filter(|w| w.contains("TLS")).collect();
    assert_eq!(tls.len(), 1, "{:?}", rep.warnings);
    assert!(
        tls[0].contains("handshake message length 16777215 exceeds"),
        "{}",
        tls[0]
    );
    assert!(tls[0].starts_with("adversarial.pcap: frame "), "{}", tls[0]);
}

#[test]
fn x224_claiming_65535_bytes_never_completed_does_not_stop_later_connections() {
    let mut segs = Vec::new();
    for i in 0..5u32 {
        let mut k = Conn::new(u64::from(i) * 1_000_000, 1000 + i, 5000);
        let mut head = hex("0300fffffee0000000000000");
        head.resize(60_000, b'A');
        for chunk in head.chunks(1400) {
            k.send(true, chunk);
        }
        segs.extend(k.close());
    }
    // Then a normal negotiation on another connection (ports differ by the client port below).
    let mut frames: Vec<(u64, Vec<u8>)> =
        segs.iter().map(|s| (s.t_us, pcapgen::frame(s))).collect();
    let mut k = Conn::new(10_000_000, 77, 5000);
    k.negotiate();
    for s in k.close() {
        let mut f = pcapgen::frame(&s);
        // Client port 50001 instead of 50000 (bytes 34..36 from the client, 36..38 to it).
        let at = if s.from_client { 34 } else { 36 };
        f[at..at + 2].copy_from_slice(&50001u16.to_be_bytes());
        frames.push((s.t_us, f));
    }
    let rep = report_of(&pcapgen::pcap(&frames));
    assert_eq!(rep.sessions.len(), 6, "{:?}", rep.warnings);
    let (last, _) = rep.sessions.last().unwrap();
    assert_eq!(last.client.port(), 50001);
    assert!(
        last.events
            .iter()
            .any(|e| matches!(e.kind, rdpscope::timeline::EventKind::X224Confirm(_))),
        "{:?}",
        last.events
    );
}

#[test]
fn endless_credssp_round_trips_hit_the_event_cap_and_say_so() {
    // 12,000 application-data records: the first ones stay individual (CredSSP, MCS connect),
    // the rest are summarised per second per direction, so the timeline stays small and
    // nothing is dropped or lost from the byte counts.
    let mut k = Conn::new(0, 1000, 5000);
    k.negotiate();
    k.send(true, &client_hello());
    k.send(false, &tls_record(20, &[1]));
    k.send(true, &tls_record(20, &[1]));
    for i in 0..6_000u32 {
        k.send(true, &tls_record(23, &[i as u8; 60]));
        k.send(false, &tls_record(23, &[i as u8; 60]));
    }
    let rep = report_of(&pcapgen::tcp_pcap(&k.close()));
    let (s, _) = &rep.sessions[0];
    assert!(s.events.len() < 400, "{} events", s.events.len());
    assert_eq!(s.events_dropped, 0);
    let mut records = 0u64;
    let mut bytes = 0u64;
    for e in &s.events {
        match &e.kind {
            rdpscope::timeline::EventKind::Tls(
                rdpscope::proto::tls::TlsEvent::ApplicationData { len },
            ) => {
                records += 1;
                bytes += u64::from(*len);
            }
            rdpscope::timeline::EventKind::Data { bytes: b, segments } => {
                records += u64::from(*segments);
                bytes += b;
            }
            _ => {}
        }
    }
    assert_eq!(records, 12_000);
    assert_eq!(bytes, 12_000 * 60);
}

#[test]
fn syn_flood_is_summarised_past_the_session_bound_and_real_sessions_survive() {
    use etherparse::PacketBuilder;
    let flood = rdpscope::timeline::store::MAX_SESSIONS + 5_000;
    let mut frames: Vec<(u64, Vec<u8>)> = Vec::with_capacity(flood + 20);
    let good = |t0: u64, port: u16, frames: &mut Vec<(u64, Vec<u8>)>| {
        let mut k = Conn::new(t0, 1000, 5000);
        k.negotiate();
        for s in k.close() {
            let mut f = pcapgen::frame(&s);
            let at = if s.from_client { 34 } else { 36 };
            f[at..at + 2].copy_from_slice(&port.to_be_bytes());
            frames.push((s.t_us, f));
        }
    };
    good(0, 40000, &mut frames);
    let first_session_frames = frames.len();
    for i in 0..flood as u32 {
        let src = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src, pcapgen::SERVER, 64)
            .tcp(1024 + (i % 60_000) as u16, 3389, i.wrapping_mul(7919), 1024)
            .syn();
        let mut f = Vec::with_capacity(54);
        b.write(&mut f, &[]).unwrap();
        frames.push((1000 + u64::from(i), f));
    }
    good(10_000_000, 40001, &mut frames);
    let rep = report_of(&pcapgen::pcap(&frames));
    let ports: Vec<u16> = rep.sessions.iter().map(|(s, _)| s.client.port()).collect();
    assert!(ports.contains(&40000) && ports.contains(&40001));
    assert!(rep.sessions.len() <= rdpscope::timeline::store::MAX_SESSIONS);
    let w = warning(&rep, "connection attempts without payload").expect("summary warning");
    let summarised = warned_count(w) as usize;
    // Every flood flow is either reported or counted.
    assert_eq!(summarised + rep.sessions.len() - 2, flood, "{w}");
    assert!(w.starts_with("adversarial.pcap: frame "), "{w}");
    // The connection table filled with the flood's half-open connections: the warning names the
    // frame whose connection first made room, the first past the table's bound (the good
    // session, closed and lingering, counts towards it).
    let w = warning(&rep, "connections finished early").expect("table bound warning");
    let at = first_session_frames + rdpscope::pipeline::MAX_CONNECTIONS;
    assert!(
        w.starts_with(&format!("adversarial.pcap: frame {at}: ")),
        "{w} (expected frame {at})"
    );
}

/// One RDP connection (client port 40000) open from the first frame to the last, kept busy,
/// and `n` steps of `flood(i, t)` behind it (`t` in µs, a millisecond apart): all frames, in
/// time order.
fn behind_open_session(
    n: u32,
    flood: impl Fn(u32, u64) -> Vec<(u64, Vec<u8>)>,
) -> Vec<(u64, Vec<u8>)> {
    let mut frames = Vec::new();
    let mut k = Conn::new(0, 1000, 5000);
    k.negotiate();
    for i in 0..n {
        let t = 1_000 + u64::from(i) * 1_000;
        if i % 500 == 0 {
            // The RDP session stays busy: the table's least-recently-seen bound spares it.
            k.t = t;
            k.send(true, &[0x17; 40]);
        }
        frames.extend(flood(i, t));
    }
    k.t = 1_000 + u64::from(n) * 1_000 + 1_000_000;
    for s in k.close() {
        let mut f = pcapgen::frame(&s);
        let at = if s.from_client { 34 } else { 36 };
        f[at..at + 2].copy_from_slice(&40000u16.to_be_bytes());
        frames.push((s.t_us, f));
    }
    frames.sort_by_key(|(t, _)| *t);
    frames
}

/// `report --json` writes sessions as the capture is read. A session open from the first frame
/// to the last holds every later one back: 20,000 refused attempts wait behind it (megabytes of
/// JSON, so the spool goes to disk), then leave in first-frame order, numbered; past the
/// 10,000th listed session the remaining attempts are counted. The same sessions on 1 and 2
/// workers (only the count of connections the table bound finished early may differ: each
/// worker applies its share of the bound).
#[test]
fn streamed_json_keeps_order_behind_a_session_open_throughout_and_counts_a_flood() {
    use etherparse::PacketBuilder;
    let attempts = 20_000u32;
    let frames = behind_open_session(attempts, |i, t| {
        let src = [10, 9, (i >> 8) as u8, i as u8];
        let sport = 1024 + (i % 50_000) as u16;
        let mut syn = Vec::new();
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src, pcapgen::SERVER, 64)
            .tcp(sport, 3389, i.wrapping_mul(7919), 1024)
            .syn()
            .write(&mut syn, &[])
            .unwrap();
        let mut rst = Vec::new();
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1])
            .ipv4(pcapgen::SERVER, src, 64)
            .tcp(3389, sport, 0, 0)
            .rst()
            .ack(i.wrapping_mul(7919).wrapping_add(1))
            .write(&mut rst, &[])
            .unwrap();
        vec![(t, syn), (t + 100, rst)]
    });
    let path = std::env::temp_dir().join(format!("rdpscope-stream-{}.pcap", std::process::id()));
    std::fs::write(&path, pcapgen::pcap(&frames)).unwrap();
    let run = |threads: usize| {
        let w =
            report::stream::analyse_to_json(&path, Options::default(), None, threads, Vec::new())
                .unwrap();
        assert!(w.write_error.is_none());
        let j: serde_json::Value =
            serde_json::from_str(&String::from_utf8(w.out).unwrap()).unwrap();
        (j, w.warnings)
    };
    let (j, warnings) = run(1);
    let (j2, _) = run(2);
    std::fs::remove_file(&path).unwrap();
    assert!(j["sessions"] == j2["sessions"], "1 and 2 workers differ");
    let sessions = j["sessions"].as_array().unwrap();
    let max = rdpscope::timeline::store::MAX_SESSIONS;
    assert_eq!(sessions.len(), max);
    let mut last_first = 0;
    for (i, s) in sessions.iter().enumerate() {
        assert_eq!(s["id"].as_u64(), Some(i as u64 + 1));
        let first = s["first_frame"].as_u64().unwrap();
        assert!(first > last_first, "session {} out of order", i + 1);
        last_first = first;
    }
    assert_eq!(sessions[0]["client"]["port"], 40000);
    assert_eq!(
        sessions[0]["last_frame"].as_u64(),
        Some(frames.len() as u64)
    );
    assert_eq!(sessions[0]["bytes"]["client"].as_u64(), Some(42 + 40 * 40));
    assert_eq!(sessions[0]["tcp"]["close"], "fin");
    assert_eq!(sessions[1]["verdict"]["cause"], "port_closed");
    let w = warnings
        .iter()
        .find(|w| w.contains("connection attempts without payload"))
        .expect("the flood is counted");
    // The open session and 9,999 attempts are listed; the other attempts counted.
    let counted = attempts as usize - (max - 1);
    assert!(
        w.contains(&format!(": {counted} connection attempts")),
        "{w}"
    );
    assert_eq!(j["warnings"].as_array().unwrap().len(), warnings.len());
    assert_eq!(j["frames"].as_u64(), Some(frames.len() as u64));
}

/// The RDP-UDP counterpart: one RDP connection open throughout, 24,000 RDP-UDP SYNs from
/// distinct sources behind it. Each flow waits whole until it can be linked; past 4,096 waiting
/// the earliest are written anyway (a warning names that bound), so memory does not grow with
/// the flood, and every flow is still listed once, numbered in the order written.
#[test]
fn streamed_json_writes_rdp_udp_flows_early_past_their_waiting_bound() {
    use etherparse::PacketBuilder;
    let flows = 24_000u32;
    let frames = behind_open_session(flows, |i, t| {
        let src = [10, 64 + (i >> 16) as u8, (i >> 8) as u8, i as u8];
        // RDPUDP_FEC_HEADER with RDPUDP_FLAG_SYN, then RDPUDP_SYNDATA_PAYLOAD (MS-RDPEUDP 2.2.2.1,
        // 2.2.2.5).
        let mut syn = vec![0xff, 0xff, 0xff, 0xff, 0x00, 0x40, 0x00, 0x01];
        syn.extend_from_slice(&i.wrapping_mul(7919).to_be_bytes());
        syn.extend_from_slice(&[0x04, 0xd0, 0x04, 0xd0]);
        let mut f = Vec::new();
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src, pcapgen::SERVER, 64)
            .udp(1024 + (i % 50_000) as u16, 3389)
            .write(&mut f, &syn)
            .unwrap();
        vec![(t, f)]
    });
    let path = std::env::temp_dir().join(format!("rdpscope-udpheld-{}.pcap", std::process::id()));
    std::fs::write(&path, pcapgen::pcap(&frames)).unwrap();
    let w =
        report::stream::analyse_to_json(&path, Options::default(), None, 1, Vec::new()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(w.write_error.is_none());
    let j: serde_json::Value = serde_json::from_str(&String::from_utf8(w.out).unwrap()).unwrap();
    let sessions = j["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), flows as usize + 1, "every flow listed once");
    for (i, s) in sessions.iter().enumerate() {
        assert_eq!(s["id"].as_u64(), Some(i as u64 + 1));
    }
    let udp = sessions.iter().filter(|s| s["transport"] == "udp").count();
    assert_eq!(udp, flows as usize);
    let early = w
        .warnings
        .iter()
        .find(|w| w.contains("sessions written before an earlier session"))
        .expect("flows written early");
    assert!(
        early.contains("more than 4096 UDP flows were waiting for it"),
        "{early}"
    );
    let n = warned_count(early);
    // Flows still in the connection table at the end leave in order with the open session; of
    // those finished before, at most the bound and what came in the last rounds still wait.
    let finished_before = u64::from(flows) - rdpscope::pipeline::MAX_CONNECTIONS as u64;
    assert!(n <= finished_before, "{early}");
    assert!(n >= finished_before - 3 * 4_096, "{early}");
}

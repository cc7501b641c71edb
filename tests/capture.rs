//! Reading captures: every corpus file, every format variant, damaged files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::pcapgen::{self, Seg};
use rdpscope::capture::{self, Format};
use std::io::Write;
use std::path::Path;
use std::process::Command;

fn frames_of(path: &Path) -> (capture::ReadSummary, Vec<(u64, i64, usize)>) {
    let mut seen = Vec::new();
    let s = capture::read_file(path, None, &mut |f| {
        seen.push((f.number, f.ts.0, f.data.len()))
    })
    .expect("readable capture");
    (s, seen)
}

/// INDEX.md rows: (relative path, frame count from the tshark summary column).
fn index_rows(corpus: &Path) -> Vec<(String, u64)> {
    let index = std::fs::read_to_string(corpus.join("INDEX.md")).unwrap();
    let mut rows = Vec::new();
    for line in index.lines().filter(|l| l.starts_with("| ")) {
        let cols: Vec<&str> = line.split(" | ").collect();
        let Some(path) = cols.get(1).map(|c| c.trim_matches('`')) else {
            continue;
        };
        let Some(last) = cols.last() else { continue };
        let Some(n) = last
            .split(" pkts/")
            .next()
            .and_then(|n| n.trim().parse().ok())
        else {
            continue;
        };
        rows.push((path.to_string(), n));
    }
    rows
}

#[test]
fn every_corpus_capture_reads_with_indexed_frame_count() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let rows = index_rows(&corpus);
    assert!(rows.len() >= 40, "INDEX.md rows parsed: {}", rows.len());
    let mut checked = 0;
    for (rel, expected) in rows {
        let p = corpus.join(&rel);
        if !p.is_file() {
            continue;
        }
        let (s, frames) = frames_of(&p);
        assert!(s.warnings.is_empty(), "{rel}: {:?}", s.warnings);
        assert_eq!(s.frames, expected, "{rel}: frame count");
        assert_eq!(frames.len() as u64, expected, "{rel}");
        assert!(
            frames.iter().enumerate().all(|(i, f)| f.0 == i as u64 + 1),
            "{rel}: numbering"
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} corpus captures found");
}

#[test]
fn format_comes_from_magic_not_extension() {
    let Some(p) = common::corpus_file("nDPI/tls_alert.pcap") else {
        return;
    };
    let (s, _) = frames_of(&p);
    assert_eq!(s.format, Some(Format::PcapNg));
    let Some(p) = common::corpus_file("RDP-bruteforce/RDP-HotAccounts.pcap") else {
        return;
    };
    let (s, frames) = frames_of(&p);
    assert_eq!(s.format, Some(Format::Pcap));
    // A nanosecond pcap (magic a1b23c4d): tshark says frame 1 is at 1534858602.056837000.
    assert_eq!(frames[0].1, 1_534_858_602_056_837_000);
}

fn sample_pcap() -> Vec<u8> {
    let segs = vec![
        Seg::new(0, true, 1000, 0, "S"),
        Seg::new(1_500, false, 5000, 1001, "SA"),
        Seg::new(1_600, true, 1001, 5001, "A"),
        Seg::new(2_000_123, true, 1001, 5001, "PA").data(b"hello"),
    ];
    pcapgen::tcp_pcap(&segs)
}

/// Rewrite a little-endian µs pcap as big-endian and/or nanosecond.
fn variant(le_us: &[u8], big: bool, nanos: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
    let w32 = |v: u32, o: &mut Vec<u8>| {
        o.extend_from_slice(&if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        })
    };
    let w16 = |v: u16, o: &mut Vec<u8>| {
        o.extend_from_slice(&if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        })
    };
    let r32 = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    w32(magic, &mut out);
    w16(2, &mut out);
    w16(4, &mut out);
    w32(0, &mut out);
    w32(0, &mut out);
    w32(r32(le_us, 16), &mut out);
    w32(r32(le_us, 20), &mut out);
    let mut i = 24;
    while i < le_us.len() {
        let (sec, usec, cap, orig) = (
            r32(le_us, i),
            r32(le_us, i + 4),
            r32(le_us, i + 8),
            r32(le_us, i + 12),
        );
        w32(sec, &mut out);
        w32(if nanos { usec * 1000 } else { usec }, &mut out);
        w32(cap, &mut out);
        w32(orig, &mut out);
        out.extend_from_slice(&le_us[i + 16..i + 16 + cap as usize]);
        i += 16 + cap as usize;
    }
    out
}

#[test]
fn pcap_byte_orders_and_resolutions_agree() {
    let base = sample_pcap();
    let (_, reference) = frames_of(&pcapgen::temp_file("le-us.pcap", &base));
    assert_eq!(reference.len(), 4);
    assert_eq!(
        reference[3].1,
        (pcapgen::T0 as i64 + 2) * 1_000_000_000 + 123_000
    );
    for (big, nanos) in [(true, false), (false, true), (true, true)] {
        let name = format!("v-{big}-{nanos}.pcap");
        let (s, got) = frames_of(&pcapgen::temp_file(&name, &variant(&base, big, nanos)));
        assert_eq!(s.format, Some(Format::Pcap));
        assert_eq!(got, reference, "big={big} nanos={nanos}");
    }
}

#[test]
fn gzip_is_read_transparently() {
    let base = sample_pcap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&base).unwrap();
    let (s, got) = frames_of(&pcapgen::temp_file("x.pcap.gz", &gz.finish().unwrap()));
    assert!(s.gzip);
    assert_eq!(got.len(), 4);
}

/// A pcapng with two interfaces of different link types and timestamp resolutions.
fn two_interface_pcapng(frames: &[Vec<u8>]) -> Vec<u8> {
    fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
        let pad = (4 - body.len() % 4) % 4;
        let len = (12 + body.len() + pad) as u32;
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(body);
        out.extend(std::iter::repeat_n(0u8, pad));
        out.extend_from_slice(&len.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    // Interface 0: Linux cooked v1... use raw IPv4 (228), default µs resolution.
    let mut idb0 = Vec::new();
    idb0.extend_from_slice(&228u16.to_le_bytes());
    idb0.extend_from_slice(&0u16.to_le_bytes());
    idb0.extend_from_slice(&0u32.to_le_bytes());
    block(&mut out, 1, &idb0);
    // Interface 1: Ethernet with if_tsresol = 9 (nanoseconds).
    let mut idb1 = Vec::new();
    idb1.extend_from_slice(&1u16.to_le_bytes());
    idb1.extend_from_slice(&0u16.to_le_bytes());
    idb1.extend_from_slice(&0u32.to_le_bytes());
    idb1.extend_from_slice(&9u16.to_le_bytes());
    idb1.extend_from_slice(&1u16.to_le_bytes());
    idb1.extend_from_slice(&[9, 0, 0, 0]);
    idb1.extend_from_slice(&[0, 0, 0, 0]);
    block(&mut out, 1, &idb1);
    for (i, f) in frames.iter().enumerate() {
        let (iface, data, ts): (u32, &[u8], u64) = if i % 2 == 0 {
            // raw IPv4: strip the 14-byte Ethernet header; µs units
            (0, &f[14..], (pcapgen::T0 + i as u64) * 1_000_000 + 7)
        } else {
            (1, &f[..], (pcapgen::T0 + i as u64) * 1_000_000_000 + 7)
        };
        let mut epb = Vec::new();
        epb.extend_from_slice(&iface.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(data);
        epb.extend(std::iter::repeat_n(0u8, (4 - data.len() % 4) % 4));
        block(&mut out, 6, &epb);
    }
    out
}

#[test]
fn pcapng_interfaces_link_types_and_tsresol() {
    let segs = [
        Seg::new(0, true, 1000, 0, "S"),
        Seg::new(10, false, 5000, 1001, "SA"),
        Seg::new(20, true, 1001, 5001, "A"),
    ];
    let frames: Vec<Vec<u8>> = segs.iter().map(pcapgen::frame).collect();
    let p = pcapgen::temp_file("two.pcapng", &two_interface_pcapng(&frames));
    let mut links = Vec::new();
    let s = capture::read_file(&p, None, &mut |f| links.push((f.link, f.ts.0))).unwrap();
    assert_eq!(s.format, Some(Format::PcapNg));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let t0 = pcapgen::T0 as i64 * 1_000_000_000;
    assert_eq!(
        links,
        vec![
            (228, t0 + 7_000),
            (1, t0 + 1_000_000_000 + 7),
            (228, t0 + 2_000_000_000 + 7_000)
        ]
    );
    // And the pipeline sees one connection across both interfaces.
    let out = run(&["report", "--json", p.to_str().unwrap()]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(v["sessions"][0]["packets"]["client"], 2);
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rdpscope"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn not_a_capture_exits_3_with_one_line() {
    let p = pcapgen::temp_file("notes.pcap", b"this is not a capture at all\n");
    let out = run(&["report", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.pcap") && err.contains("not a pcap or pcapng"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(run(&["report"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn truncated_copies_are_analysed_up_to_the_cut() {
    let Some(p) = common::corpus_file("zeek/rdp-to-ssl.pcap") else {
        return;
    };
    let bytes = std::fs::read(&p).unwrap();
    let (_, all) = frames_of(&p);
    // Cut inside records at several offsets.
    for cut in [100usize, 5_000, 50_001, 100_003, bytes.len() - 7] {
        let t = pcapgen::temp_file(&format!("cut-{cut}.pcap"), &bytes[..cut]);
        let (s, got) = frames_of(&t);
        assert!(!got.is_empty() || cut < 200);
        assert!(got.len() < all.len());
        assert_eq!(
            got[..],
            all[..got.len()],
            "frames before the cut are intact"
        );
        assert_eq!(s.warnings.len(), 1, "cut {cut}: {:?}", s.warnings);
        let w = &s.warnings[0];
        assert!(
            w.contains(&format!("frame {}", got.len() + 1)) && w.contains("cut short"),
            "{w}"
        );
        let out = run(&["report", "--json", t.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "cut {cut}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["frames"], got.len() as u64);
        assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn bogus_record_length_stops_with_a_warning_naming_the_frame() {
    let mut b = sample_pcap();
    // Frame 3's caplen (record header at 24 + 2 records) → 0xFFFFFFFF.
    let mut off = 24;
    for _ in 0..2 {
        let cap = u32::from_le_bytes(b[off + 8..off + 12].try_into().unwrap()) as usize;
        off += 16 + cap;
    }
    b[off + 8..off + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let (s, got) = frames_of(&pcapgen::temp_file("bogus.pcap", &b));
    assert_eq!(got.len(), 2);
    assert_eq!(s.warnings.len(), 1);
    assert!(s.warnings[0].starts_with("frame 3: "), "{:?}", s.warnings);
}

/// The little-endian µs pcap rewritten in the "modified" (Kuznetzov) format: magic a1b2cd34,
/// 24-byte record headers (interface index, protocol, packet type and padding added).
fn modified(le_us: &[u8]) -> Vec<u8> {
    let mut out = le_us[..24].to_vec();
    out[..4].copy_from_slice(&0xa1b2_cd34u32.to_le_bytes());
    let mut i = 24;
    while i < le_us.len() {
        let cap = u32::from_le_bytes(le_us[i + 8..i + 12].try_into().unwrap()) as usize;
        out.extend_from_slice(&le_us[i..i + 16]);
        out.extend_from_slice(&[2, 0, 0, 0, 0x08, 0x00, 0, 0]);
        out.extend_from_slice(&le_us[i + 16..i + 16 + cap]);
        i += 16 + cap;
    }
    out
}

/// Frames read from a file say where their bytes lie in it (the reassembler reads stream bytes
/// back from there instead of copying them): every frame of every format, read either way,
/// reads back as its own bytes; a compressed file's frames say nothing.
#[test]
fn frames_say_where_their_bytes_lie_in_the_file() {
    /// Counts the frame, and whether it said where it lies, after reading it back from there.
    fn read_back(f: &capture::Frame<'_>, name: &str, seen: &mut (u64, u64)) {
        seen.0 += 1;
        if let Some(i) = f.in_file {
            let mut back = vec![0u8; f.data.len()];
            assert!(
                i.file.read_at(i.offset, &mut back),
                "{name} frame {}",
                f.number
            );
            assert_eq!(back, f.data, "{name} frame {}", f.number);
            assert_eq!(f.offset_of(f.data), Some(i.offset));
            seen.1 += 1;
        }
    }
    fn check(path: &Path, compressed: bool) {
        let name = path.display().to_string();
        let mut plain = (0, 0);
        capture::read_file(path, None, &mut |f| read_back(f, &name, &mut plain)).unwrap();
        let mut shared = (0, 0);
        let name_shared = format!("{name} (shared)");
        capture::read_file_shared(path, None, &mut |f, _| {
            read_back(f, &name_shared, &mut shared)
        })
        .unwrap();
        assert!(plain.0 > 0, "{name}");
        let expect = if compressed { 0 } else { plain.0 };
        assert_eq!(plain, (plain.0, expect), "{name}");
        assert_eq!(shared, plain, "{name}");
    }
    let base = sample_pcap();
    check(&pcapgen::temp_file("at-le-us.pcap", &base), false);
    for (big, nanos) in [(true, false), (false, true)] {
        let name = format!("at-{big}-{nanos}.pcap");
        check(
            &pcapgen::temp_file(&name, &variant(&base, big, nanos)),
            false,
        );
    }
    let m = pcapgen::temp_file("at-modified.pcap", &modified(&base));
    check(&m, false);
    let frames: Vec<Vec<u8>> = [Seg::new(0, true, 1000, 0, "S").data(b"abc")]
        .iter()
        .map(pcapgen::frame)
        .collect();
    check(
        &pcapgen::temp_file("at.pcapng", &two_interface_pcapng(&frames)),
        false,
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&base).unwrap();
    check(
        &pcapgen::temp_file("at.pcap.gz", &gz.finish().unwrap()),
        true,
    );
    for entry in std::fs::read_dir(common::samples()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "pcap") {
            check(&p, false);
        }
    }
    let Some(corpus) = common::corpus() else {
        return;
    };
    for (rel, _) in index_rows(&corpus) {
        let p = corpus.join(&rel);
        if p.is_file() {
            check(&p, rel.ends_with(".gz"));
        }
    }
}

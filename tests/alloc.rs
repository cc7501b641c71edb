//! No per-packet heap allocation on the hot path (issue 7): a counting global allocator counts
//! this thread's allocations while the reader and the analyzer run over steady-state traffic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[allow(dead_code)]
#[path = "../benches/gen/synth.rs"]
mod synth;

use etherparse::PacketBuilder;
use rdpscope::capture::{self, Frame};
use rdpscope::pipeline::{Analyzer, Options};
use rdpscope::types::Timestamp;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the allocator may run while thread-locals are being torn down.
    let _ = ON.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

// SAFETY: every method forwards to the system allocator with the caller's arguments unchanged,
// so the GlobalAlloc contract is the system allocator's; only counters are touched besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged (the caller upholds GlobalAlloc::alloc's contract).
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (the caller upholds the contract).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged (the caller upholds the contract).
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded unchanged (the caller upholds the contract).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Allocations made by this thread while `f` runs.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    ON.with(|o| o.set(true));
    f();
    ON.with(|o| o.set(false));
    COUNT.with(|c| c.get())
}

fn pcap_of(size: u64) -> Vec<u8> {
    let cfg = synth::Config {
        size,
        seed: 3,
        ..synth::Config::default()
    };
    let mut v = Vec::new();
    synth::generate(&cfg, &mut v).unwrap();
    v
}

#[test]
fn reading_allocates_the_same_for_4_and_32_mb() {
    let small = pcap_of(4 << 20);
    let large = pcap_of(32 << 20);
    let mut frames = [0u64; 2];
    let a = allocations(|| {
        capture::read_reader(&small[..], &mut |_| frames[0] += 1).unwrap();
    });
    let b = allocations(|| {
        capture::read_reader(&large[..], &mut |_| frames[1] += 1).unwrap();
    });
    assert!(frames[1] > 7 * frames[0], "{frames:?}");
    // Buffers set up once; nothing per frame.
    assert_eq!(
        a, b,
        "allocations for {} and {} frames",
        frames[0], frames[1]
    );
    assert!(a < 16, "{a} allocations");
}

/// A connection's handshake, then `n` rounds of a server segment of `len` bytes and a
/// client segment of `len / 14` bytes (pure ACKs when `len` is 0).
fn steady_tcp(n: u32, len: usize) -> Vec<(i64, Vec<u8>)> {
    let c = ([10, 0, 0, 1], 50_000u16);
    let s = ([10, 0, 0, 2], 3389u16);
    let seg = |from_client: bool, seq: u32, ack: u32, flags: &str, len: usize| {
        let ((a, ap), (b, bp)) = if from_client { (c, s) } else { (s, c) };
        let mut t = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(a, b, if from_client { 128 } else { 64 })
            .tcp(ap, bp, seq, 1026);
        if flags.contains('S') {
            t = t.syn();
        }
        if flags.contains('A') {
            t = t.ack(ack);
        }
        let mut v = Vec::new();
        t.write(&mut v, &vec![0x17; len]).unwrap();
        v
    };
    let mut out = vec![
        (0, seg(true, 100, 0, "S", 0)),
        (1_000, seg(false, 900, 101, "SA", 0)),
        (2_000, seg(true, 101, 901, "A", 0)),
    ];
    let (mut cs, mut ss) = (101u32, 901u32);
    for i in 0..n {
        let t = 3_000 + i64::from(i) * 10_000;
        out.push((t, seg(false, ss, cs, "A", len)));
        ss = ss.wrapping_add(len as u32);
        out.push((t + 2_000, seg(true, cs, ss, "A", len / 14)));
        cs = cs.wrapping_add((len / 14) as u32);
    }
    out
}

/// Allocations while the analyzer takes the frames after the first thousand.
fn steady_allocations(len: usize) -> u64 {
    let stream = steady_tcp(20_000, len);
    let frames: Vec<Frame<'_>> = stream
        .iter()
        .enumerate()
        .map(|(i, (ts, d))| Frame {
            number: i as u64 + 1,
            ts: Timestamp(1_700_000_000_000_000_000 + ts),
            link: 1,
            data: d,
            orig_len: d.len() as u32,
            in_file: None,
        })
        .collect();
    let mut a = Analyzer::new(Options::default());
    let (warm, steady) = frames.split_at(1_000);
    for f in warm {
        a.frame(f);
    }
    let n = allocations(|| {
        for f in steady {
            a.frame(f);
        }
    });
    let done = a.finish();
    assert_eq!(done.sessions.len(), 1);
    assert_eq!(done.sessions[0].packets, [20_002, 20_001]);
    n
}

// 39 000 frames over 0.2 s of capture time: the throughput chart's bins are per second, so
// nothing may grow.

#[test]
fn analysing_pure_acks_allocates_nothing_per_packet() {
    // A few one-off growths of bounded per-connection rings are allowed; 39 000 frames are not.
    let n = steady_allocations(0);
    assert!(n < 16, "{n} allocations for 39 000 frames");
}

#[test]

fn analysing_data_segments_allocates_nothing_per_packet() {
    let n = steady_allocations(1460);
    assert!(n < 16, "{n} allocations for 39 000 frames");
}

//! Hot-path micro-benchmarks over frames of a generated capture: frame decode, flow-table
//! lookup, shard peek, TLS record walk. (TCP reassembly/analysis joins once it is on main.)
//!
//! `cargo bench --bench hot`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[allow(dead_code)]
#[path = "gen/synth.rs"]
mod synth;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rdpscope::capture;
use rdpscope::decode::{Decoded, Decoder, Transport};
use rdpscope::flow::{FlowKey, Table};
use rdpscope::pipeline::shard;
use rdpscope::types::Timestamp;
use std::hint::black_box;
use std::net::SocketAddr;

/// Frames of an 8 MB generated capture, held in memory: (link, ts, bytes).
fn frames() -> (Vec<(u32, i64, Vec<u8>)>, u64) {
    let cfg = synth::Config {
        size: 8 << 20,
        ..synth::Config::default()
    };
    let mut pcap = Vec::new();
    synth::generate(&cfg, &mut pcap).unwrap();
    let mut out = Vec::new();
    capture::read_reader(&pcap[..], &mut |f| {
        out.push((f.link, f.ts.0, f.data.to_vec()))
    })
    .unwrap();
    let bytes = out.iter().map(|f| f.2.len() as u64).sum();
    (out, bytes)
}

fn bench(c: &mut Criterion) {
    let (frames, bytes) = frames();
    let n = frames.len() as u64;

    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(n));
    g.bench_function("etherparse_frames", |b| {
        let mut d = Decoder::new();
        b.iter(|| {
            let mut tcp = 0u64;
            for (link, ts, data) in &frames {
                if let Decoded::Tcp(_, t) = d.decode(*link, data, Timestamp(*ts)) {
                    tcp += u64::from(t.wire_len);
                }
            }
            black_box(tcp)
        })
    });
    g.bench_function("shard_peek", |b| {
        b.iter(|| {
            let mut x = 0u64;
            for (link, _, data) in &frames {
                x ^= shard::flow_hash(*link, data).unwrap_or(0);
            }
            black_box(x)
        })
    });
    g.finish();

    // Flow keys of every TCP/UDP frame, in file order.
    let mut d = Decoder::new();
    let keys: Vec<FlowKey> = frames
        .iter()
        .filter_map(
            |(link, ts, data)| match d.decode(*link, data, Timestamp(*ts)) {
                Decoded::Tcp(ip, t) => Some(FlowKey::new(
                    Transport::Tcp,
                    SocketAddr::new(ip.src, t.src_port),
                    SocketAddr::new(ip.dst, t.dst_port),
                )),
                Decoded::Udp {
                    ip,
                    src_port,
                    dst_port,
                    ..
                } => Some(FlowKey::new(
                    Transport::Udp,
                    SocketAddr::new(ip.src, src_port),
                    SocketAddr::new(ip.dst, dst_port),
                )),
                _ => None,
            },
        )
        .collect();
    let mut g = c.benchmark_group("flow_table");
    g.throughput(Throughput::Elements(keys.len() as u64));
    g.bench_function("lookup_or_insert", |b| {
        b.iter(|| {
            let mut t: Table<u64> = Table::new(200_000);
            for (i, k) in keys.iter().enumerate() {
                let now = i as i64;
                match t.get_mut(k, now) {
                    Some(v) => *v += 1,
                    None => t.insert(*k, now, 1, &mut |_| true),
                }
            }
            black_box(t.len())
        })
    });
    g.finish();

    // A 4 MiB TLS stream of application-data records of 1..16 KiB.
    let mut stream = Vec::with_capacity(4 << 20);
    let mut len = 1000usize;
    while stream.len() < 4 << 20 {
        len = (len * 7 + 1234) % 16_384 + 1;
        stream.extend_from_slice(&[0x17, 0x03, 0x03]);
        stream.extend_from_slice(&(len as u16).to_be_bytes());
        stream.resize(stream.len() + len, 0xab);
    }
    let mut g = c.benchmark_group("tls");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("raw_record_walk", |b| {
        b.iter(|| {
            let mut rest = &stream[..];
            let mut records = 0u32;
            while let Ok((r, rec)) = tls_parser::parse_tls_raw_record(rest) {
                records += u32::from(rec.hdr.record_type.0 == 0x17);
                rest = r;
            }
            black_box(records)
        })
    });
    g.finish();
    let _ = bytes;
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);

//! Whole-pipeline benchmark on a generated 50 MB capture: the bare reader, the analysis on one
//! thread, and the sharded analysis on 2 workers. `cargo bench --bench pipeline`

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "gen/synth.rs"]
mod synth;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rdpscope::capture;
use rdpscope::pipeline::{self, Options};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let path = std::env::temp_dir().join("rdpscope-bench-pipeline-50M-seed1.pcap");
    let cfg = synth::Config {
        size: 50 << 20,
        ..synth::Config::default()
    };
    let f = std::fs::File::create(&path).unwrap();
    let stats = synth::generate(&cfg, std::io::BufWriter::with_capacity(1 << 20, f)).unwrap();

    let mut g = c.benchmark_group("pipeline_50MB");
    g.throughput(Throughput::Bytes(stats.bytes));
    g.bench_function("read_only", |b| {
        b.iter(|| {
            let mut n = 0u64;
            capture::read_file(&path, None, &mut |f| n += f.data.len() as u64).unwrap();
            black_box(n)
        })
    });
    for threads in [1, 2] {
        g.bench_function(format!("analyze_{threads}_thread"), |b| {
            b.iter(|| {
                let (_, a) =
                    pipeline::analyze_file_parallel(&path, Options::default(), None, threads)
                        .unwrap();
                black_box(a.sessions.len())
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);

//! `rdpscope-gen`: write a deterministic, realistic RDP-heavy pcap for benchmarks.
//!
//! ```text
//! rdpscope-gen --size 1G --seed 7 [--mss 1460] [--gap-us 100] [--concurrency 64] -o FILE
//! ```
//! The file is streamed through a `BufWriter`; memory stays small whatever the size.

mod synth;

use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_uppercase();
    let s = s.trim_end_matches('B').trim_end_matches('I');
    let (num, mult) = match s.chars().last()? {
        'K' => (&s[..s.len() - 1], 1u64 << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok().map(|n| n * mult)
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: rdpscope-gen --size N[K|M|G] [--seed N] [--mss N] [--gap-us N] [--concurrency N] -o FILE|-"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut cfg = synth::Config::default();
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        let ok = match (a.as_str(), v.as_deref()) {
            ("--size", Some(v)) => parse_size(v).map(|n| cfg.size = n).is_some(),
            ("--seed", Some(v)) => v.parse().map(|n| cfg.seed = n).is_ok(),
            ("--mss", Some(v)) => v.parse().map(|n| cfg.mss = n).is_ok(),
            ("--gap-us", Some(v)) => v.parse().map(|n| cfg.mean_gap_us = n).is_ok(),
            ("--concurrency", Some(v)) => v.parse().map(|n| cfg.concurrency = n).is_ok(),
            ("-o" | "--output", Some(v)) => {
                out = Some(v.to_string());
                true
            }
            _ => false,
        };
        if !ok {
            return usage();
        }
    }
    let Some(out) = out else { return usage() };
    let result = if out == "-" {
        let stdout = std::io::stdout();
        synth::generate(&cfg, BufWriter::with_capacity(1 << 20, stdout.lock()))
    } else {
        match std::fs::File::create(&out) {
            Ok(f) => synth::generate(&cfg, BufWriter::with_capacity(1 << 20, f)),
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(st) => {
            let _ = writeln!(
                std::io::stderr(),
                "rdpscope-gen: {} frames, {} bytes, {} sessions",
                st.frames,
                st.bytes,
                st.sessions
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rdpscope-gen: {out}: {e}");
            ExitCode::FAILURE
        }
    }
}

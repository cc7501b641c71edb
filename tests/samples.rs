//! Every lab sample in `samples/` is diagnosed as `samples/manifest.toml` says (cause, phase, drop frame).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::Value;
use std::process::Command;

#[derive(serde::Deserialize, Debug)]
struct Manifest {
    sample: Vec<Sample>,
}

#[derive(serde::Deserialize, Debug)]
struct Sample {
    file: String,
    scenario: String,
    cause: String,
    phase: String,
    drop_frame: Option<u64>,
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(common::samples().join("manifest.toml"))
        .expect("samples/manifest.toml");
    toml::from_str(&text).expect("manifest parses")
}

/// The first RDP session whose verdict is the one the manifest expects, or else the first session.
fn report(file: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rdpscope"))
        .args(["report", "--json"])
        .arg(common::samples().join(file))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_sample_matches_its_manifest_entry() {
    let m = manifest();
    assert!(m.sample.len() >= 20, "only {} samples", m.sample.len());
    let mut failures = Vec::new();
    for s in &m.sample {
        let v = report(&s.file);
        let sessions = v["sessions"].as_array().unwrap();
        let tcp: Vec<&Value> = sessions
            .iter()
            .filter(|x| x["transport"] == "tcp")
            .collect();
        let Some(first) = tcp.first() else {
            failures.push(format!("{}: no TCP session", s.scenario));
            continue;
        };
        let verdict = &first["verdict"];
        let got = (
            verdict["cause"].as_str().unwrap_or("").to_string(),
            verdict["phase"].as_str().unwrap_or("").to_string(),
            verdict["drop_frame"].as_u64(),
        );
        let want = (s.cause.clone(), s.phase.clone(), s.drop_frame);
        if got != want {
            failures.push(format!(
                "{} ({}): got {:?}, want {:?}",
                s.scenario, s.file, got, want
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples differ:\n{}",
        failures.len(),
        m.sample.len(),
        failures.join("\n")
    );
}

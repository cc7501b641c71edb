//! The whole pipeline: bytes → capture reader → analyzer → diagnosis → JSON report.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::capture;
use rdpscope::pipeline::{Analyzer, Options};
use rdpscope::report::{FileReport, json};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let mut a = Analyzer::new(Options { all: sel & 1 == 1 });
    let Ok(read) = capture::read_reader(body, &mut |f| a.frame(f)) else {
        return;
    };
    let snap = a.snapshot();
    let analysis = a.finish();
    // Finishing keeps every session the snapshot showed (and may add non-RDP-port ones).
    assert!(analysis.sessions.len() >= snap.len());
    let rep = FileReport::new("fuzz.pcap".into(), read, analysis);
    let line = json::file_line(&rep);
    assert!(!line.contains('\n'));
    let _ = rdpscope::report::text::render(
        std::slice::from_ref(&rep),
        rdpscope::report::text::Style {
            color: false,
            timeline: true,
        },
    );
});

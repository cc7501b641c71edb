//! The whole pipeline: bytes → capture reader → analyzer → diagnosis → JSON and text reports;
//! and the JSON written while reading the same bytes from a file (what `report --json` prints)
//! equals the one built from the whole analysis in memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::capture;
use rdpscope::pipeline::order::{Ordered, Sessions};
use rdpscope::pipeline::{Analyzer, Options, Output};
use rdpscope::report::stream::JsonStream;
use rdpscope::report::{FileReport, json};
use std::sync::{Arc, Mutex};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let all = sel & 1 == 1;
    let mut a = Analyzer::new(Options {
        all,
        compact: sel & 2 == 2,
        ..Default::default()
    });
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

    // The streamed JSON.
    let ordered = Arc::new(Mutex::new(Ordered::new(
        JsonStream::new("fuzz.pcap".into(), Vec::new()),
        true,
    )));
    let out: Output = ordered.clone();
    let opts = Options {
        all,
        compact: true,
        ..Default::default()
    };
    let mut b = Analyzer::with_output(opts, out, 0);
    // From a file this time: frames then say where they lie in it, and the reassembler reads
    // stream bytes back from there instead of keeping copies (the same results).
    let path = std::env::temp_dir().join(format!("rdpscope-fuzz-{}.pcap", std::process::id()));
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let Ok(read2) = capture::read_file(&path, None, &mut |f| b.frame(f)) else {
        panic!("the second read failed where the first did not");
    };
    let mut analysis2 = b.finish();
    let Ok(ordered) = Arc::try_unwrap(ordered) else {
        panic!("the output is still shared");
    };
    let mut ordered = ordered.into_inner().unwrap_or_else(|e| e.into_inner());
    let (_, kept) = ordered.take();
    analysis2.skipped.limits.merge(&kept);
    let mut stream = ordered.into_emitter();
    let (_, _, err) = stream.finish(&read2, &analysis2.skipped);
    assert!(err.is_none());
    let streamed = String::from_utf8(stream.into_inner()).unwrap_or_default();
    assert_eq!(streamed, format!("{line}\n"));
});

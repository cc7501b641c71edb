//! Flow-sharded analysis (several analyzers, frames regrouped by address pair between sweeps)
//! gives the single analyzer's sessions and counts for any capture, except for the documented
//! exception it cannot meet: an ICMP error carried in IP fragments is keyed by its outer
//! addresses (inputs with IP fragments are only run, not compared). The table and waiting
//! bounds, the other exceptions, need more frames than an input holds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::capture;
use rdpscope::decode::{Decoded, Decoder};
use rdpscope::pipeline::{Options, analyze_file_parallel};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let path =
        std::env::temp_dir().join(format!("rdpscope-fuzz-sharded-{}.pcap", std::process::id()));
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let options = Options {
        all: sel & 1 == 1,
        ..Default::default()
    };
    let threads = 2 + usize::from(sel >> 1 & 3);
    let one = analyze_file_parallel(&path, options.clone(), None, 1);
    let many = analyze_file_parallel(&path, options, None, threads);
    let mut fragments = false;
    let mut decoder = Decoder::new();
    let _ = capture::read_file(&path, None, &mut |f| {
        fragments |= matches!(decoder.decode(f.link, f.data, f.ts), Decoded::Fragment);
    });
    let _ = std::fs::remove_file(&path);
    match (one, many) {
        (Ok((r1, a1)), Ok((r2, a2))) => {
            assert_eq!(format!("{r1:?}"), format!("{r2:?}"), "read summaries");
            assert_eq!(a1.frames, a2.frames);
            if !fragments {
                assert_eq!(
                    format!("{:?}", a1.sessions),
                    format!("{:?}", a2.sessions),
                    "{threads} analyzers"
                );
                assert_eq!(format!("{:?}", a1.skipped), format!("{:?}", a2.skipped));
            }
        }
        (Err(e1), Err(e2)) => assert_eq!(e1.to_string(), e2.to_string()),
        (a, b) => panic!("one analyzer {:?}, several {:?}", a.is_ok(), b.is_ok()),
    }
});

//! The pcap reader (`capture::read_reader`). The first byte picks one of the six pcap magic
//! numbers (byte order × µs/ns/modified), the rest is the file after the magic. The same bytes
//! read from a file through the shared-chunk reader (`capture::read_file_shared`, which hands
//! out a chunk's whole records itself) give the same frames, warnings and counts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::capture;

const MAGICS: [u32; 6] = [
    0xa1b2_c3d4,
    0xd4c3_b2a1,
    0xa1b2_3c4d,
    0x4d3c_b2a1,
    0xa1b2_cd34,
    0x34cd_b2a1,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let magic = MAGICS[usize::from(sel) % MAGICS.len()];
    let mut file = magic.to_le_bytes().to_vec();
    file.extend_from_slice(body);
    let mut frames = Vec::new();
    let mut last = 0u64;
    let r = capture::read_reader(file.as_slice(), &mut |f| {
        assert!(f.number > last, "frame numbers must increase");
        last = f.number;
        frames.push((f.number, f.ts, f.orig_len, f.link, f.data.to_vec()));
    });
    if let Ok(s) = &r {
        assert!(s.frames >= frames.len() as u64);
        assert!(s.warnings.len() <= 100);
    }

    let path = std::env::temp_dir().join(format!("rdpscope-fuzz-pcap-{}.pcap", std::process::id()));
    if std::fs::write(&path, &file).is_err() {
        return;
    }
    let mut shared = Vec::new();
    let r2 = capture::read_file_shared(&path, None, &mut |f, _| {
        shared.push((f.number, f.ts, f.orig_len, f.link, f.data.to_vec()));
    });
    assert!(frames == shared, "frames differ between the readers");
    match (r, r2) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.frames, b.frames);
            assert_eq!(a.warnings, b.warnings);
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("{a:?} against {b:?}"),
    }
});

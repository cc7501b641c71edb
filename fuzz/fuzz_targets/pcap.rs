//! The pcap reader (`capture::read_reader`). The first byte picks one of the six pcap magic
//! numbers (byte order × µs/ns/modified), the rest is the file after the magic.
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
    let mut frames = 0u64;
    let mut last = 0u64;
    let r = capture::read_reader(file.as_slice(), &mut |f| {
        frames += 1;
        assert!(f.number > last, "frame numbers must increase");
        last = f.number;
    });
    if let Ok(s) = r {
        assert!(s.frames >= frames);
        assert!(s.warnings.len() <= 100);
    }
});

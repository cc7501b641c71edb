//! The pcapng reader (`capture::read_reader`): sections, interfaces, EPB/SPB/DSB blocks. The
//! input is the file after the Section Header Block's type (0x0a0d0d0a), which is prepended.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::capture;

fuzz_target!(|data: &[u8]| {
    let mut file = vec![0x0a, 0x0d, 0x0d, 0x0a];
    file.extend_from_slice(data);
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

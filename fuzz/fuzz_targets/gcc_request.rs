//! T.124 GCC Conference Create Request with the client's RDP user data (MS-RDPBCGR 2.2.1.3).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::gcc;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, cd)) = gcc::parse_conference_create_request(data) {
        let _ = format!("{cd:?}");
    }
});

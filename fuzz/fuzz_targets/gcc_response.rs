//! T.124 GCC Conference Create Response with the server's RDP user data (MS-RDPBCGR 2.2.1.4).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::gcc;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, sd)) = gcc::parse_conference_create_response(data) {
        let _ = format!("{sd:?}");
    }
});

//! Slow-path security / share headers (MS-RDPBCGR 2.2.8.1.1), both security modes.
//! The first byte picks the mode.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::share::{self, SecurityMode};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let mode = if sel & 1 == 0 {
        SecurityMode::Standard
    } else {
        SecurityMode::NoSecurityHeader
    };
    if let Ok((_, pdu)) = share::parse_slow_path(body, mode) {
        let _ = format!("{pdu:?}");
    }
});

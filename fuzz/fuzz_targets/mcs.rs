//! T.125 MCS PDUs (BER connect PDUs, PER domain PDUs).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::mcs;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, pdu)) = mcs::parse_mcs(data) {
        let _ = format!("{pdu:?}");
    }
});

//! X.224 TPDUs and the RDP negotiation structures (MS-RDPBCGR 2.2.1.1-2.2.1.2).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::x224;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, tpdu)) = x224::parse_tpdu(data) {
        let _ = format!("{tpdu:?}");
    }
});

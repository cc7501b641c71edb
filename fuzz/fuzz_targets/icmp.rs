//! ICMPv4 / ICMPv6 errors and the packet they quote (RFC 792, RFC 4443).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::decode::icmp;

fuzz_target!(|data: &[u8]| {
    if let Some(e) = icmp::parse_v4(data) {
        let _ = e.kind.describe();
    }
    if let Some(e) = icmp::parse_v6(data) {
        let _ = e.kind.describe();
    }
});

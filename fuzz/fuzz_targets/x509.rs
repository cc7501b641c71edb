//! X.509 certificate summaries (RFC 5280).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::x509::CertInfo;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = CertInfo::from_der(data) {
        let _ = c.validity_at(1_700_000_000);
        let _ = c.validity_at(i64::MIN);
        let _ = c.validity_at(i64::MAX);
        let _ = c.matches_name("host.example.com");
        let _ = c.matches_name("192.0.2.1");
        let _ = c.matches_name("");
        let _ = format!("{c:?}");
    }
});

//! TPKT / fast-path record framing (MS-RDPBCGR 2.2.1, 2.2.9.1.2).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::tpkt;

fuzz_target!(|data: &[u8]| {
    let _ = tpkt::is_tpkt_start(data);
    let _ = tpkt::parse_tpkt(data);
    let _ = tpkt::parse_fastpath_header(data);
    // Walk a stream of records as the dissector does: every Ok must consume bytes.
    let mut rest = data;
    while let Ok((r, _)) = tpkt::parse_record(rest) {
        assert!(r.len() < rest.len(), "parse_record consumed nothing");
        rest = r;
    }
});

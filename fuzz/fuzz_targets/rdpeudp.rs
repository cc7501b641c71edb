//! MS-RDPEUDP datagrams and RDPEUDP2 headers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::rdpeudp;

fuzz_target!(|data: &[u8]| {
    let _ = rdpeudp::is_syn(data);
    if let Ok((_, d)) = rdpeudp::parse_datagram_whole(data) {
        let _ = (d.is_syn(), d.is_syn_ack());
        let _ = format!("{d:?}");
    }
    let _ = rdpeudp::parse_datagram(data);
    let _ = rdpeudp::parse_rdpeudp2(data);
});

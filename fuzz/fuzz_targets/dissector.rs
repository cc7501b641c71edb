//! The per-connection dissector (TPKT/X.224/MCS/GCC/share and TLS routing) over arbitrary
//! chunking, both directions, with gaps.
//!
//! Input: chunks `[ctl, len, bytes...]`: `ctl` bit 0 is the direction, bit 1 a gap before the chunk.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::decode::Transport;
use rdpscope::proto::dissector::{At, Dissector};
use rdpscope::timeline::Session;
use rdpscope::types::{Direction, Timestamp};

fuzz_target!(|data: &[u8]| {
    let client = "192.0.2.10:50000".parse().unwrap();
    let server = "198.51.100.20:3389".parse().unwrap();
    let mut session = Session::new(1, Transport::Tcp, client, server, 1, Timestamp::default());
    let mut d = Dissector::new();
    let mut rest = data;
    let mut frame = 1u64;
    while let [ctl, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (chunk, r) = tail.split_at(n);
        let dir = if ctl & 1 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        if ctl & 2 != 0 {
            d.gap(dir);
        }
        frame += 1;
        let at = At {
            dir,
            frame,
            ts: Timestamp::from_parts(1_700_000_000, 0),
        };
        d.data(at, chunk, &mut session);
        rest = r;
    }
    assert!(session.events.len() <= rdpscope::timeline::MAX_EVENTS);
    let _ = rdpscope::diagnose::diagnose(&session);
});

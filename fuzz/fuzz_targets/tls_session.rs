//! The TLS record / handshake walk over arbitrary chunking and both directions.
//!
//! Input: a sequence of chunks, each `[ctl, len, bytes...]`: `ctl` bit 0 is the direction, `len`
//! the chunk length (clamped to what is left).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdpscope::proto::tls::TlsSession;
use rdpscope::types::Direction;

fuzz_target!(|data: &[u8]| {
    let mut s = TlsSession::new();
    let mut out = Vec::new();
    let mut rest = data;
    while let [ctl, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (chunk, r) = tail.split_at(n);
        let dir = if ctl & 1 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        s.push(dir, chunk, &mut out);
        let _ = s.is_encrypted(dir);
        rest = r;
    }
    let _ = format!("{out:?}");
});

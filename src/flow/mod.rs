//! Connections: the bidirectional connection table, who is client and server, TCP reassembly
//! and TCP analysis.
//!
//! * [`table`]: the bounded connection table.
//! * [`segment`]: the per-packet TCP input the decoder fills.
//! * [`tcp`]: per-connection TCP state with Wireshark's `tcp.analysis.*` definitions.
//! * [`reassembly`]: per-direction in-order reassembly feeding a [`reassembly::StreamSink`].
//! * [`zeek`]: Zeek's conn.log `history` and `conn_state`.

pub mod reassembly;
pub mod segment;
mod table;
pub mod tcp;
pub mod zeek;

pub use table::{FlowKey, Table};

use crate::decode::Transport;
use std::net::SocketAddr;

/// RDP's registered port (TCP and UDP).
pub const RDP_PORT: u16 = 3389;

/// Decide which endpoint of a new flow is the client, from its first packet.
///
/// `syn` / `synack`: the first packet's TCP flags (SYN without ACK: its sender is the client;
/// SYN+ACK: its receiver is). Otherwise the capture started mid-stream: the side on port 3389 is
/// the server; failing that, the side on the lower (well-known) port; failing that, the sender.
pub fn orient(
    transport: Transport,
    src: SocketAddr,
    dst: SocketAddr,
    syn: bool,
    synack: bool,
) -> (SocketAddr, SocketAddr) {
    if transport == Transport::Tcp {
        if syn {
            return (src, dst);
        }
        if synack {
            return (dst, src);
        }
    }
    if src.port() == RDP_PORT && dst.port() != RDP_PORT {
        return (dst, src);
    }
    if dst.port() == RDP_PORT {
        return (src, dst);
    }
    if src.port() < 1024 && dst.port() >= 1024 {
        return (dst, src);
    }
    (src, dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn syn_sender_is_client_even_from_3389() {
        let (c, s) = orient(
            Transport::Tcp,
            sa("10.0.0.1:3389"),
            sa("10.0.0.2:5000"),
            true,
            false,
        );
        assert_eq!((c.port(), s.port()), (3389, 5000));
    }

    #[test]
    fn mid_stream_3389_side_is_server() {
        let (c, s) = orient(
            Transport::Tcp,
            sa("10.0.0.2:3389"),
            sa("10.0.0.1:50000"),
            false,
            false,
        );
        assert_eq!((c.port(), s.port()), (50000, 3389));
    }

    #[test]
    fn synack_receiver_is_client() {
        let (c, _) = orient(
            Transport::Tcp,
            sa("10.0.0.2:80"),
            sa("10.0.0.1:50000"),
            false,
            true,
        );
        assert_eq!(c.port(), 50000);
    }
}

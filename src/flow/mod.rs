//! Connections, TCP reassembly and TCP analysis.
//!
//! * [`segment`]: the per-packet TCP input the decoder fills.
//! * [`tcp`]: per-connection TCP state with Wireshark's `tcp.analysis.*` definitions.
//! * [`reassembly`]: per-direction in-order reassembly feeding a [`reassembly::StreamSink`].
//! * [`zeek`]: Zeek's conn.log `history` and `conn_state`.

pub mod reassembly;
pub mod segment;
pub mod tcp;
pub mod zeek;

//! rdpscope: tells a network engineer *why an RDP session died* from a packet capture.
//!
//! One pipeline, data flowing one way; each stage is a module with one job:
//!
//! ```text
//! capture → decode → flow → proto → timeline → diagnose → report / tui
//! ```
//!
//! * [`capture`]: a file (pcap, pcapng, gzip) or a live interface → timestamped frames.
//! * [`decode`]: link layer, IPv4/IPv6 (with fragment reassembly), TCP, UDP, ICMP errors.
//! * [`flow`]: connections, TCP reassembly and TCP analysis (Wireshark's `tcp.analysis.*`, Zeek's history).
//! * [`proto`]: TPKT, X.224, MCS/GCC, TLS, MS-RDPEUDP parsers over reassembled bytes.
//! * [`timeline`]: typed events per session.
//! * [`diagnose`]: rules over a session's events → a verdict.
//! * [`report`]: text and JSON; [`tui`]: the terminal UI. Frontends only read timelines and verdicts.

pub mod bytes;
pub mod capture;
pub mod decode;
pub mod diagnose;
pub mod flow;
pub mod live;
pub mod pipeline;
pub mod proto;
pub mod report;
pub mod timeline;
pub mod tui;
pub mod types;

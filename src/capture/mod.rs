//! Capture sources: a file (pcap, pcapng, either gzip-compressed) or a live interface,
//! turned into timestamped, numbered frames.
//!
//! The format is read from the magic number, never from the file name. Frames are handed to a
//! callback borrowing the reader's buffer (no per-packet allocation).

mod file;
pub mod live;
pub mod privilege;
pub mod secrets;
pub mod writer;

pub use file::{Chunk, read_file, read_file_shared, read_reader};

use crate::types::{FrameNo, Timestamp};
use std::fmt;

/// A link-layer type, as LINKTYPE_* numbers in pcap and pcapng (tcpdump.org/linktypes.html).
pub type LinkType = u32;

/// One captured frame, borrowed from the reader's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based number in file order, as Wireshark numbers it.
    pub number: FrameNo,
    /// When it was captured (UTC).
    pub ts: Timestamp,
    /// Its link-layer type.
    pub link: LinkType,
    /// The captured bytes (possibly cut by the snap length).
    pub data: &'a [u8],
    /// The length of the packet on the wire.
    pub orig_len: u32,
}

/// Capture file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Format {
    /// libpcap format, either byte order, micro- or nanosecond timestamps.
    #[serde(rename = "pcap")]
    Pcap,
    /// pcapng.
    #[serde(rename = "pcapng")]
    PcapNg,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Pcap => "pcap",
            Format::PcapNg => "pcapng",
        })
    }
}

/// A TLS key log carried in a pcapng Decryption Secrets Block (kept for decryption).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// The secrets type (0x544c534b = TLS key log).
    pub kind: u32,
    /// The secrets, e.g. NSS key log lines.
    pub data: Vec<u8>,
}

/// What reading a whole capture produced besides the frames.
#[derive(Debug, Clone, Default)]
pub struct ReadSummary {
    /// The file's format (None only if reading failed before the header).
    pub format: Option<Format>,
    /// Whether it was gzip-compressed.
    pub gzip: bool,
    /// Frames read.
    pub frames: u64,
    /// Problems met while reading, one line each, naming the frame where known.
    pub warnings: Vec<String>,
    /// Decryption Secrets Blocks found in a pcapng.
    pub secrets: Vec<Secrets>,
}

/// Why a file could not be read as a capture at all (exit status 3).
#[derive(Debug)]
pub enum OpenError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The bytes are not a pcap or pcapng (the magic number is shown).
    NotACapture(String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Io(e) => write!(f, "{e}"),
            OpenError::NotACapture(what) => write!(f, "not a pcap or pcapng capture ({what})"),
        }
    }
}

impl std::error::Error for OpenError {}

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
    /// Where `data` lies in the capture file, when that file can be read again.
    pub in_file: Option<InFile<'a>>,
}

impl Frame<'_> {
    /// The file offset of `part`, a slice of this frame's `data` (`None` when the frame is not
    /// in a file that can be read again, or `part` is not within `data`, e.g. a reassembled
    /// IP datagram).
    pub fn offset_of(&self, part: &[u8]) -> Option<u64> {
        let in_file = self.in_file?;
        let start = (part.as_ptr() as usize).checked_sub(self.data.as_ptr() as usize)?;
        let end = start.checked_add(part.len())?;
        (end <= self.data.len()).then(|| in_file.offset + start as u64)
    }
}

/// Where a frame's bytes lie in the file they were read from.
#[derive(Debug, Clone, Copy)]
pub struct InFile<'a> {
    /// The file, open for reading at any offset.
    pub file: &'a Reread,
    /// Offset of the frame's first byte.
    pub offset: u64,
}

/// A regular, uncompressed capture file open for reading at any offset (shared by threads:
/// positional reads do not move a file position).
#[derive(Debug, Clone)]
pub struct Reread(std::sync::Arc<std::fs::File>);

impl Reread {
    /// A second handle on `file`, when it is a regular file (not a FIFO or terminal).
    pub fn of(file: &std::fs::File) -> Option<Reread> {
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return None;
        }
        file.try_clone()
            .ok()
            .map(|f| Reread(std::sync::Arc::new(f)))
    }

    /// Fill `buf` from offset `at`; false when the file no longer holds those bytes.
    pub fn read_at(&self, at: u64, buf: &mut [u8]) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.0.read_exact_at(buf, at).is_ok()
        }
        #[cfg(not(unix))]
        {
            let _ = (at, buf);
            false
        }
    }

    /// Whether both handles are on the same open file.
    pub fn same(&self, other: &Reread) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
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

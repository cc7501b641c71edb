//! Writing frames out as pcapng (session export from the TUI, `live -w`).
//!
//! A minimal, standard pcapng (draft-ietf-opsawg-pcapng §4): one Section Header Block, one
//! Interface Description Block per link type met (nanosecond `if_tsresol`), and one Enhanced
//! Packet Block per frame with its original timestamp, captured bytes and original length.
//! Files are written atomically: to a temporary file beside the target, renamed at the end, so a
//! reader never sees half a file and an interrupted write leaves nothing behind.

use super::{Frame, LinkType};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Block type of a Section Header Block (§4.1).
const SHB: u32 = 0x0A0D_0D0A;
/// Block type of an Interface Description Block (§4.2).
const IDB: u32 = 0x0000_0001;
/// Block type of an Enhanced Packet Block (§4.3).
const EPB: u32 = 0x0000_0006;
/// Byte-order magic (§4.1).
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// `if_tsresol` option code (§4.2): the value 9 means 10^-9 s.
const OPT_IF_TSRESOL: u16 = 9;
/// Snap length written in the IDB (Wireshark's maximum).
const SNAPLEN: u32 = 262_144;

/// A pcapng stream over any writer (host byte order, as pcapng allows).
pub struct PcapNgWriter<W: Write> {
    out: W,
    /// Link type of each interface written so far; the index is the interface id.
    interfaces: Vec<LinkType>,
    frames: u64,
}

impl<W: Write> PcapNgWriter<W> {
    /// Start a pcapng stream: writes the Section Header Block.
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut b = Vec::with_capacity(28);
        put32(&mut b, SHB);
        put32(&mut b, 28);
        put32(&mut b, BYTE_ORDER_MAGIC);
        b.extend_from_slice(&1u16.to_ne_bytes()); // major version
        b.extend_from_slice(&0u16.to_ne_bytes()); // minor version
        b.extend_from_slice(&(-1i64).to_ne_bytes()); // section length: not given
        put32(&mut b, 28);
        out.write_all(&b)?;
        Ok(PcapNgWriter {
            out,
            interfaces: Vec::new(),
            frames: 0,
        })
    }

    /// The interface id for a link type, writing its Interface Description Block the first time.
    fn interface(&mut self, link: LinkType) -> io::Result<u32> {
        if let Some(i) = self.interfaces.iter().position(|l| *l == link) {
            return Ok(i as u32);
        }
        let mut b = Vec::with_capacity(32);
        put32(&mut b, IDB);
        put32(&mut b, 32);
        // LINKTYPE_* values fit 16 bits in pcapng (§4.2); larger ones cannot be written.
        let lt = u16::try_from(link).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("link type {link} does not fit pcapng"),
            )
        })?;
        b.extend_from_slice(&lt.to_ne_bytes());
        b.extend_from_slice(&0u16.to_ne_bytes()); // reserved
        put32(&mut b, SNAPLEN);
        b.extend_from_slice(&OPT_IF_TSRESOL.to_ne_bytes());
        b.extend_from_slice(&1u16.to_ne_bytes());
        b.extend_from_slice(&[9, 0, 0, 0]); // 10^-9, padded to 32 bits
        b.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        put32(&mut b, 32);
        self.out.write_all(&b)?;
        self.interfaces.push(link);
        Ok(self.interfaces.len() as u32 - 1)
    }

    /// Append one frame, keeping its timestamp (ns), link type and original length.
    pub fn write_frame(&mut self, f: &Frame<'_>) -> io::Result<()> {
        let iface = self.interface(f.link)?;
        let data = f
            .data
            .get(..f.data.len().min(SNAPLEN as usize))
            .unwrap_or_default();
        let pad = (4 - data.len() % 4) % 4;
        let total = 32 + data.len() + pad;
        let total = u32::try_from(total)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
        let ts = u64::try_from(f.ts.0).unwrap_or(0);
        let mut b = Vec::with_capacity(total as usize);
        put32(&mut b, EPB);
        put32(&mut b, total);
        put32(&mut b, iface);
        put32(&mut b, (ts >> 32) as u32);
        put32(&mut b, ts as u32);
        put32(&mut b, data.len() as u32);
        put32(&mut b, f.orig_len.max(data.len() as u32));
        b.extend_from_slice(data);
        b.extend(std::iter::repeat_n(0u8, pad));
        put32(&mut b, total);
        self.out.write_all(&b)?;
        self.frames += 1;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Flush and hand back the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_ne_bytes());
}

/// A pcapng file written atomically: frames go to a temporary file beside `path`, which
/// [`AtomicPcapNg::commit`] renames to `path`. Dropped without commit, the temporary file is removed.
pub struct AtomicPcapNg {
    writer: Option<PcapNgWriter<BufWriter<File>>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl AtomicPcapNg {
    /// Create the temporary file and write the section header.
    pub fn create(path: &Path) -> io::Result<Self> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "capture.pcapng".into());
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp)?;
        let writer = match PcapNgWriter::new(BufWriter::new(file)) {
            Ok(w) => w,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        Ok(AtomicPcapNg {
            writer: Some(writer),
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Append one frame.
    pub fn write_frame(&mut self, f: &Frame<'_>) -> io::Result<()> {
        match &mut self.writer {
            Some(w) => w.write_frame(f),
            None => Err(io::Error::other("already committed")),
        }
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.writer.as_ref().map_or(0, |w| w.frames())
    }

    /// Flush, sync and rename the temporary file to the target path.
    pub fn commit(mut self) -> io::Result<u64> {
        let Some(w) = self.writer.take() else {
            return Err(io::Error::other("already committed"));
        };
        let frames = w.frames();
        let file = w.into_inner()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path)?;
        Ok(frames)
    }
}

impl Drop for AtomicPcapNg {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Timestamp;

    #[test]
    fn round_trips_through_the_reader() {
        let frames = [
            (
                1u32,
                Timestamp::from_parts(1_700_000_000, 123_456_789),
                vec![1u8, 2, 3, 4, 5],
                60u32,
            ),
            (
                276,
                Timestamp::from_parts(1_700_000_001, 1),
                vec![9u8; 8],
                8,
            ),
        ];
        let mut w = PcapNgWriter::new(Vec::new()).unwrap();
        for (i, (link, ts, data, orig)) in frames.iter().enumerate() {
            w.write_frame(&Frame {
                number: i as u64 + 1,
                ts: *ts,
                link: *link,
                data,
                orig_len: *orig,
                in_file: None,
            })
            .unwrap();
        }
        assert_eq!(w.frames(), 2);
        let bytes = w.into_inner().unwrap();
        // SHB 28 + IDB 32 + EPB (32+8) + IDB 32 + EPB (32+8).
        assert_eq!(bytes.len(), 28 + 32 + 40 + 32 + 40);
        let mut got = Vec::new();
        let summary =
            crate::capture::read_reader(std::io::Cursor::new(bytes), &mut |f: &Frame<'_>| {
                got.push((f.link, f.ts, f.data.to_vec(), f.orig_len))
            })
            .unwrap();
        assert_eq!(summary.format, Some(crate::capture::Format::PcapNg));
        assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
        let want: Vec<_> = frames.to_vec();
        assert_eq!(got, want);
    }

    #[test]
    fn atomic_file_appears_only_on_commit() {
        let dir = std::env::temp_dir().join(format!("rdpscope-writer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.pcapng");
        let _ = std::fs::remove_file(&path);
        {
            let mut a = AtomicPcapNg::create(&path).unwrap();
            a.write_frame(&Frame {
                number: 1,
                ts: Timestamp(5),
                link: 101,
                data: &[0x45, 0],
                orig_len: 2,
                in_file: None,
            })
            .unwrap();
            assert!(!path.exists());
        } // dropped: nothing left behind
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let a = AtomicPcapNg::create(&path).unwrap();
        assert_eq!(a.commit().unwrap(), 0);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 28);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

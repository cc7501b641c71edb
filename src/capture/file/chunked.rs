//! Reading a plain (uncompressed) pcap file in shared chunks, so that a frame's bytes can be
//! handed to another thread without copying them: each frame borrows from a [`Chunk`] that the
//! caller may keep (clone the `Arc`) for as long as it needs it.
//!
//! The reader implements pcap-parser's [`PcapReaderIterator`] and is driven by the same
//! [`Driver`] as every other capture, so frames, warnings and damage handling are those of
//! [`LegacyPcapReader`](pcap_parser::LegacyPcapReader); between the driver's steps,
//! [`ChunkedPcap::ordinary`] hands out the whole records of a chunk directly, through the same
//! record parser and the same checks. It reports a buffer too small,
//! an incomplete record and the end of the file under the same conditions, with a notional
//! buffer capacity that starts at [`INITIAL_BUFFER`] and grows only when the driver grows it.
//! Only the physical buffers differ: chunks of [`CHUNK`] bytes (or the capacity, when larger),
//! recycled once nobody else holds them; a record cut by a chunk's end is moved to the next.

use super::{Counting, Driver, FullRead, INITIAL_BUFFER};
use crate::capture::Frame;
use pcap_parser::nom::{Err as NomErr, IResult, Needed};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{
    LegacyPcapBlock, PcapBlockOwned, PcapError, PcapHeader, parse_pcap_frame, parse_pcap_frame_be,
    parse_pcap_frame_modified, parse_pcap_header,
};
use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::rc::Rc;
use std::sync::Arc;

/// A piece of the file; frames handed out by [`ChunkedPcap`] borrow from it.
pub type Chunk = Arc<Vec<u8>>;

/// Bytes read from the file at a time: the initial buffer's size, so a chunk is never larger
/// than the reader needs. Against 2 MiB: peak RSS 28.7 → 22.1 MB on the 1 GB bench file (two
/// analyzers), the same speed (median ratios 1.01 and 0.97 on the two bench files).
pub const CHUNK: usize = INITIAL_BUFFER;
/// Chunks kept for reuse (those still held elsewhere are simply not reused yet).
const MAX_SPARES: usize = 32;

type ParseFn = fn(&[u8]) -> IResult<&[u8], LegacyPcapBlock<'_>, PcapError<&[u8]>>;

/// A legacy pcap reader over shared chunks.
pub struct ChunkedPcap {
    reader: FullRead<Counting<File>>,
    header: PcapHeader,
    parse: ParseFn,
    /// The chunk being parsed; also published to the frame callback through `shared`.
    chunk: Chunk,
    shared: Rc<RefCell<Chunk>>,
    spares: Vec<Chunk>,
    /// Unconsumed data: `chunk[pos..end]`.
    pos: usize,
    end: usize,
    /// The notional buffer capacity of the streaming reader this one stands for.
    capacity: usize,
    consumed: usize,
    exhausted: bool,
}

impl ChunkedPcap {
    /// Start reading at the file's first byte; `None` when the header does not parse (the
    /// caller then reads the file the ordinary way, which reports why).
    pub fn new(file: Counting<File>) -> Option<ChunkedPcap> {
        let mut reader = FullRead(file);
        let mut buf = vec![0u8; CHUNK];
        let n = reader.read(&mut buf).ok()?;
        let (_, header) = parse_pcap_header(buf.get(..n)?).ok()?;
        let parse: ParseFn = if header.is_modified_format() {
            parse_pcap_frame_modified
        } else if header.is_bigendian() {
            parse_pcap_frame_be
        } else {
            parse_pcap_frame
        };
        let chunk = Arc::new(buf);
        Some(ChunkedPcap {
            reader,
            header,
            parse,
            shared: Rc::new(RefCell::new(Arc::clone(&chunk))),
            chunk,
            spares: Vec::new(),
            pos: 0,
            end: n,
            capacity: INITIAL_BUFFER,
            consumed: 0,
            exhausted: false,
        })
    }

    /// The file, for reading frames' bytes again.
    pub fn reread(&self) -> Option<crate::capture::Reread> {
        crate::capture::Reread::of(&self.reader.0.inner)
    }

    /// The chunk the current frame borrows from, for the frame callback.
    pub fn current(&self) -> Rc<RefCell<Chunk>> {
        Rc::clone(&self.shared)
    }

    /// A chunk of at least `len` bytes that nobody else holds.
    fn free_chunk(&mut self, len: usize) -> Chunk {
        let found = self
            .spares
            .iter()
            .position(|c| Arc::strong_count(c) == 1 && c.len() >= len);
        match found {
            Some(i) => self.spares.swap_remove(i),
            None => Arc::new(vec![0u8; len]),
        }
    }

    /// Hand out every whole record at the read position, straight from the chunk: what
    /// [`Driver::step`] would do with each, without the generic reader interface between them
    /// (6 % of the reading thread's instructions on the bench files). Stops at the first thing that
    /// is not a whole record within the buffer's capacity (the file header, a record cut by the
    /// chunk's end, the end of the file, damage), which is the driver's to handle. Returns
    /// false when reading must stop.
    pub(in crate::capture) fn ordinary(
        &mut self,
        d: &mut Driver<'_>,
        on_frame: &mut dyn FnMut(&Frame<'_>, Option<&Chunk>),
    ) -> bool {
        if self.consumed == 0 {
            return true;
        }
        let start = self.pos;
        let mut pos = start;
        let go = loop {
            let Some(data) = self.chunk.get(pos..self.end) else {
                break true;
            };
            let Ok((rem, b)) = (self.parse)(data) else {
                break true;
            };
            let offset = data.len() - rem.len();
            if offset >= self.capacity {
                break true;
            }
            let Some(frame) = d.st.legacy(&b) else {
                break false;
            };
            on_frame(&frame, Some(&self.chunk));
            pos += offset;
            d.st.pos += offset as u64;
        };
        if pos > start {
            d.stalls = 0;
            self.consumed += pos - start;
            self.pos = pos;
        }
        go
    }
}

impl PcapReaderIterator for ChunkedPcap {
    fn next(&mut self) -> Result<(usize, PcapBlockOwned<'_>), PcapError<&[u8]>> {
        if self.consumed == 0 {
            return Ok((
                self.header.size(),
                PcapBlockOwned::from(self.header.clone()),
            ));
        }
        let available = self.end.saturating_sub(self.pos);
        if available == 0 && self.exhausted {
            return Err(PcapError::Eof);
        }
        let data = self.chunk.get(self.pos..self.end).unwrap_or_default();
        match (self.parse)(data) {
            Ok((rem, b)) => {
                let offset = data.len() - rem.len();
                // The streaming reader holds at most `capacity` bytes: a record that large is
                // "buffer too small" there, whatever the file holds after it.
                if offset >= self.capacity {
                    Err(PcapError::BufferTooSmall)
                } else {
                    Ok((offset, PcapBlockOwned::from(b)))
                }
            }
            Err(NomErr::Error(e)) | Err(NomErr::Failure(e)) => Err(e),
            Err(NomErr::Incomplete(n)) => {
                if self.exhausted {
                    return Err(PcapError::UnexpectedEof);
                }
                match n {
                    Needed::Size(n) if available + usize::from(n) >= self.capacity => {
                        Err(PcapError::BufferTooSmall)
                    }
                    Needed::Size(n) => Err(PcapError::Incomplete(n.into())),
                    Needed::Unknown => Err(PcapError::Incomplete(0)),
                }
            }
        }
    }

    fn consume(&mut self, offset: usize) {
        self.consume_noshift(offset);
    }

    fn consume_noshift(&mut self, offset: usize) {
        let n = offset.min(self.end.saturating_sub(self.pos));
        self.consumed += n;
        self.pos += n;
    }

    fn consumed(&self) -> usize {
        self.consumed
    }

    fn refill(&mut self) -> Result<(), PcapError<&[u8]>> {
        let len = CHUNK.max(self.capacity);
        let mut next = self.free_chunk(len);
        let tail = self.chunk.get(self.pos..self.end).unwrap_or_default();
        let kept = tail.len();
        let Some(buf) = Arc::get_mut(&mut next) else {
            return Err(PcapError::ReadError);
        };
        if let Some(head) = buf.get_mut(..kept) {
            head.copy_from_slice(tail);
        }
        let space = buf.get_mut(kept..).unwrap_or_default();
        let n = if space.is_empty() {
            0
        } else {
            self.reader.read(space).map_err(|_| PcapError::ReadError)?
        };
        self.exhausted = n == 0 && !space.is_empty();
        let old = std::mem::replace(&mut self.chunk, next);
        *self.shared.borrow_mut() = Arc::clone(&self.chunk);
        if self.spares.len() < MAX_SPARES {
            self.spares.push(old);
        }
        self.pos = 0;
        self.end = kept + n;
        Ok(())
    }

    fn position(&self) -> usize {
        self.pos
    }

    fn grow(&mut self, new_size: usize) -> bool {
        if self.capacity >= new_size {
            return false;
        }
        self.capacity = new_size;
        true
    }

    fn data(&self) -> &[u8] {
        self.chunk.get(self.pos..self.end).unwrap_or_default()
    }

    fn reader_exhausted(&self) -> bool {
        self.exhausted
    }
}

#[cfg(test)]
mod tests {
    use super::super::{read_file, read_file_shared};
    use super::*;
    use crate::capture::ReadSummary;

    /// A little-endian µs pcap with the given snap length and records of the given lengths.
    fn pcap(snaplen: u32, lens: &[usize]) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, snaplen, 1] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        for (i, &len) in lens.iter().enumerate() {
            for x in [i as u32, 7, len as u32, len as u32 + 4] {
                v.extend_from_slice(&x.to_le_bytes());
            }
            v.extend((0..len).map(|j| (i * 31 + j) as u8));
        }
        v
    }

    type Seen = (Vec<(u64, i64, u32, Vec<u8>)>, Result<ReadSummary, String>);

    fn both(bytes: &[u8], name: &str) -> (Seen, Seen, usize) {
        let path = std::env::temp_dir().join(format!(
            "rdpscope-chunked-{}-{name}.pcap",
            std::process::id()
        ));
        std::fs::write(&path, bytes).unwrap();
        let mut plain = Vec::new();
        let s1 = read_file(&path, None, &mut |f| {
            plain.push((f.number, f.ts.0, f.orig_len, f.data.to_vec()))
        });
        let mut shared = Vec::new();
        let mut in_chunk = 0;
        let s2 = read_file_shared(&path, None, &mut |f, c| {
            let c = c.unwrap();
            let base = c.as_ptr() as usize;
            let at = f.data.as_ptr() as usize;
            // And where the frame says it lies in the file holds its bytes.
            let file_ok = f.in_file.is_some_and(|i| {
                let mut back = vec![0u8; f.data.len()];
                i.file.read_at(i.offset, &mut back) && back == f.data
            });
            if file_ok && (f.data.is_empty() || (at >= base && at + f.data.len() <= base + c.len()))
            {
                in_chunk += 1;
            }
            shared.push((f.number, f.ts.0, f.orig_len, f.data.to_vec()))
        });
        std::fs::remove_file(&path).unwrap();
        let text = |e: crate::capture::OpenError| e.to_string();
        (
            (plain, s1.map_err(text)),
            (shared, s2.map_err(text)),
            in_chunk,
        )
    }

    /// Asserts both readers agree; returns the warnings.
    fn assert_same(bytes: &[u8], name: &str) -> Vec<String> {
        let ((f1, s1), (f2, s2), in_chunk) = both(bytes, name);
        assert_eq!(f1.len(), f2.len(), "{name}: frame count");
        assert!(f1 == f2, "{name}: frames differ");
        assert_eq!(
            in_chunk,
            f2.len(),
            "{name}: every frame lies in its chunk and at its file offset"
        );
        match (s1, s2) {
            (Ok(s1), Ok(s2)) => {
                assert_eq!(s1.frames, s2.frames, "{name}");
                assert_eq!(s1.warnings, s2.warnings, "{name}");
                assert_eq!(s1.format, s2.format, "{name}");
                assert_eq!(s1.gzip, s2.gzip, "{name}");
                s1.warnings
            }
            (Err(e1), Err(e2)) => {
                assert_eq!(e1, e2, "{name}");
                vec![e1]
            }
            (a, b) => panic!("{name}: {a:?} vs {b:?}"),
        }
    }

    #[test]
    fn chunked_reading_equals_streaming_reading_on_whole_and_cut_files() {
        // Records of every size class, some straddling the 1 MiB chunk boundaries.
        let lens: Vec<usize> = (0..3 * CHUNK / 500)
            .map(|i| [60, 1514, 0, 900, 17][i % 5])
            .collect();
        let whole = pcap(65_535, &lens);
        assert!(whole.len() > 2 * CHUNK);
        assert_same(&whole, "whole");
        let ((frames, _), _, _) = both(&whole, "count");
        assert_eq!(frames.len(), lens.len());
        // Cut everywhere near chunk ends and at a spread of other places.
        let mut cuts: Vec<usize> = (0..40).map(|i| 24 + i * 61_001).collect();
        for edge in [CHUNK, 2 * CHUNK] {
            cuts.extend((edge - 40..edge + 40).step_by(3));
        }
        cuts.extend([0, 3, 4, 23, 24, 25, 39, 40, whole.len() - 1]);
        for cut in cuts.into_iter().filter(|&c| c < whole.len()) {
            assert_same(&whole[..cut], &format!("cut{cut}"));
        }
    }

    #[test]
    fn chunked_reading_equals_streaming_reading_on_huge_and_bogus_records() {
        // A large snap length lets records exceed the 1 MiB initial buffer (it grows), and one
        // beyond 16 MiB stops reading; a bogus length stops it with its own warning.
        let big = pcap(u32::MAX, &[100, 1_500_000, 3_000_000, 100, 17_000_000, 100]);
        let w = assert_same(&big, "huge");
        assert_eq!(
            w,
            ["frame 5: pcap: record larger than 16 MiB, rest of file skipped"]
        );
        let w = assert_same(&big[..2_000_000], "huge-cut");
        assert!(w[0].contains("cut short"), "{w:?}");
        let small = pcap(65_535, &[100, 70_000, 100]);
        let w = assert_same(&small, "over-snaplen");
        assert!(w[0].contains("larger than the file's snap length"), "{w:?}");
        let mut bogus = pcap(65_535, &[100, 100, 100]);
        let at = 24 + 116 + 8;
        bogus[at..at + 4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        let w = assert_same(&bogus, "bogus");
        assert!(
            w[0].starts_with("frame 2: pcap: record length 2147483647"),
            "{w:?}"
        );
        assert_same(&bogus[..at + 10], "bogus-cut");
        // Pcapng-looking and tiny files go the ordinary way.
        let w = assert_same(b"\x0a\x0d\x0d\x0a garbage", "ng");
        assert!(w[0].contains("pcapng"), "{w:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_read_the_ordinary_way() {
        let bytes = pcap(65_535, &[60, 1514, 900]);
        let dir = std::env::temp_dir();
        let fifo = dir.join(format!("rdpscope-chunked-{}-fifo", std::process::id()));
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo unavailable");
            return;
        }
        let writer = {
            let (fifo, bytes) = (fifo.clone(), bytes.clone());
            std::thread::spawn(move || std::fs::write(fifo, bytes).unwrap())
        };
        let mut frames = Vec::new();
        let summary = read_file_shared(&fifo, None, &mut |f, c| {
            assert!(c.is_none(), "a FIFO has no shared chunks");
            frames.push(f.data.len());
        })
        .unwrap();
        writer.join().unwrap();
        std::fs::remove_file(&fifo).unwrap();
        assert_eq!(frames, [60, 1514, 900]);
        assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    }
}

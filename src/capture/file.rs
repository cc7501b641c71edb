//! Offline capture files: pcap (both byte orders, µs/ns), pcapng (several interfaces, `if_tsresol`,
//! `if_tsoffset`, Enhanced/Simple Packet Blocks, Decryption Secrets Blocks), either gzip-compressed.
//!
//! Streaming with `pcap-parser` over a buffered reader: memory stays flat whatever the file size.
//! Damage (a truncated record, a bogus length) stops reading at that frame with a warning; every
//! frame before it has already been handed to the caller.

mod chunked;

pub use chunked::Chunk;

use super::{Format, Frame, InFile, LinkType, OpenError, ReadSummary, Reread, Secrets};
use crate::types::Timestamp;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapBlock, LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Initial reader buffer: large enough for any sane record, small enough to stay in cache.
const INITIAL_BUFFER: usize = 1 << 20;
/// The buffer may grow to this for huge (jumbo, reassembled) records; beyond it a record is damage.
const MAX_BUFFER: usize = 16 << 20;
/// Wireshark's largest accepted record (`WTAP_MAX_PACKET_SIZE_STANDARD`).
const MAX_RECORD: u32 = 262_144;

/// Read a capture file, calling `on_frame` for every packet in file order.
///
/// `progress`, when given, is kept up to date with the number of bytes read from the file
/// (compressed bytes for a gzip file), for progress bars.
pub fn read_file(
    path: &Path,
    progress: Option<Arc<AtomicU64>>,
    on_frame: &mut dyn FnMut(&Frame<'_>),
) -> Result<ReadSummary, OpenError> {
    let file = File::open(path).map_err(OpenError::Io)?;
    let reread = Reread::of(&file);
    let counted = Counting {
        inner: file,
        progress,
    };
    read_any(counted, reread, on_frame)
}

/// [`read_file`], for a caller that keeps frames beyond the callback (e.g. hands them to other
/// threads): `on_frame` also gets the [`Chunk`] the frame's bytes lie in, when they lie in one it
/// may keep (a plain pcap file), so it need not copy them. Frames, warnings and summary are
/// exactly [`read_file`]'s.
pub fn read_file_shared(
    path: &Path,
    progress: Option<Arc<AtomicU64>>,
    on_frame: &mut dyn FnMut(&Frame<'_>, Option<&Chunk>),
) -> Result<ReadSummary, OpenError> {
    let mut file = File::open(path).map_err(OpenError::Io)?;
    // Only a regular file can be looked at first and then read from its start again (a FIFO,
    // e.g. a shell's process substitution, is read the ordinary way).
    let regular = file.metadata().is_ok_and(|m| m.is_file());
    let plain_pcap = regular && is_plain_pcap(&mut file);
    if regular {
        file.seek(SeekFrom::Start(0)).map_err(OpenError::Io)?;
    }
    let counted = Counting {
        inner: file,
        progress,
    };
    if !plain_pcap {
        let reread = Reread::of(&counted.inner);
        return read_any(counted, reread, &mut |f| on_frame(f, None));
    }
    let Some(mut reader) = chunked::ChunkedPcap::new(counted) else {
        // The file changed since it was looked at: read it again the ordinary way.
        return read_file(path, None, &mut |f| on_frame(f, None));
    };
    let current = reader.current();
    let reread = reader.reread();
    let mut summary = ReadSummary {
        format: Some(Format::Pcap),
        ..ReadSummary::default()
    };
    let mut d = Driver::new((Format::Pcap, reread), &mut summary);
    while reader.ordinary(&mut d, on_frame)
        && d.step(&mut reader, &mut |f| on_frame(f, Some(&current.borrow())))
    {}
    Ok(summary)
}

/// Whether the file starts with a valid, uncompressed legacy pcap header.
fn is_plain_pcap(file: &mut File) -> bool {
    let mut head = [0u8; 24];
    let mut filled = 0;
    while let Some(space) = head.get_mut(filled..).filter(|s| !s.is_empty()) {
        match file.read(space) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    let magic = [head[0], head[1], head[2], head[3]];
    detect(magic) == Some(Format::Pcap)
        && head
            .get(..filled)
            .is_some_and(|h| pcap_parser::parse_pcap_header(h).is_ok())
}

/// Read a capture from any byte stream (a file, stdin, a decompressor).
pub fn read_reader<R: Read>(
    reader: R,
    on_frame: &mut dyn FnMut(&Frame<'_>),
) -> Result<ReadSummary, OpenError> {
    read_any(reader, None, on_frame)
}

/// [`read_reader`]; `reread` is the file `reader` reads from its first byte on, when frames
/// are to say where they lie in it (not when it is compressed).
fn read_any<R: Read>(
    mut reader: R,
    reread: Option<Reread>,
    on_frame: &mut dyn FnMut(&Frame<'_>),
) -> Result<ReadSummary, OpenError> {
    // Read the magic number, then hand it back in front of the rest: no extra buffering layer
    // (pcap-parser keeps its own buffer), so every byte is copied once.
    let magic = read4(&mut reader)?;
    let rest = std::io::Cursor::new(magic).chain(reader);
    if magic[0] == 0x1f && magic[1] == 0x8b {
        let mut gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(64 * 1024, rest));
        let inner_magic = read4(&mut gz)?;
        let inner = std::io::Cursor::new(inner_magic).chain(gz);
        let mut summary = read_uncompressed(inner_magic, inner, None, on_frame)?;
        summary.gzip = true;
        return Ok(summary);
    }
    read_uncompressed(magic, rest, reread, on_frame)
}

/// The first four bytes; a shorter input is simply not a capture.
fn read4<R: Read>(r: &mut R) -> Result<[u8; 4], OpenError> {
    let mut out = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        let Some(space) = out.get_mut(filled..) else {
            break;
        };
        match r.read(space) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(OpenError::Io(e)),
        }
    }
    if filled < 4 {
        return Err(OpenError::NotACapture(format!(
            "file is only {filled} bytes long"
        )));
    }
    Ok(out)
}

fn detect(magic: [u8; 4]) -> Option<Format> {
    match u32::from_le_bytes(magic) {
        0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1 | 0xa1b2_cd34 | 0x34cd_b2a1 => {
            Some(Format::Pcap)
        }
        0x0a0d_0d0a => Some(Format::PcapNg),
        _ => None,
    }
}

fn read_uncompressed<R: Read>(
    magic: [u8; 4],
    reader: R,
    reread: Option<Reread>,
    on_frame: &mut dyn FnMut(&Frame<'_>),
) -> Result<ReadSummary, OpenError> {
    let format = detect(magic).ok_or_else(|| {
        OpenError::NotACapture(format!(
            "magic number {:02x} {:02x} {:02x} {:02x}",
            magic[0], magic[1], magic[2], magic[3]
        ))
    })?;
    let full = FullRead(reader);
    let mut summary = ReadSummary {
        format: Some(format),
        ..ReadSummary::default()
    };
    match format {
        Format::Pcap => {
            let r = LegacyPcapReader::new(INITIAL_BUFFER, full)
                .map_err(|e| OpenError::NotACapture(format!("bad pcap header: {e:?}")))?;
            drive(r, (format, reread), &mut summary, on_frame);
        }
        Format::PcapNg => {
            let r = PcapNGReader::new(INITIAL_BUFFER, full)
                .map_err(|e| OpenError::NotACapture(format!("bad pcapng section header: {e:?}")))?;
            drive(r, (format, reread), &mut summary, on_frame);
        }
    }
    Ok(summary)
}

/// One pcapng interface (Interface Description Block), or the pcap file header.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: LinkType,
    /// Timestamp units per second.
    units_per_sec: u64,
    /// Seconds added to every timestamp (`if_tsoffset`).
    offset_secs: i64,
    snaplen: u32,
}

/// State of one reading pass.
struct Reading<'s> {
    summary: &'s mut ReadSummary,
    format: Format,
    /// The file's (pcap) or current section's (pcapng) fields are big-endian.
    big_endian: bool,
    interfaces: Vec<Interface>,
    last_ts: Timestamp,
    warned_oversize: bool,
    warned_iface: bool,
    /// The file, when it can be read again: frames then say where their bytes lie in it.
    reread: Option<Reread>,
    /// File offset of the block being handled.
    pos: u64,
    /// Bytes before a pcap record's data (16, or 24 in the "modified" format).
    record_header: u64,
}

/// Bytes before the packet data of a pcapng Enhanced Packet Block (pcapng §4.3: type, length,
/// interface, two timestamp words, captured and original lengths).
const EPB_HEADER: u64 = 28;
/// Bytes before the packet data of a pcapng Simple Packet Block (§4.4: type, length, original
/// length).
const SPB_HEADER: u64 = 12;

impl Reading<'_> {
    fn next_frame_no(&self) -> u64 {
        self.summary.frames + 1
    }

    fn warn(&mut self, msg: String) {
        // A damaged file could produce one warning per record: keep the list bounded.
        if self.summary.warnings.len() < 100 {
            self.summary.warnings.push(msg);
        }
    }

    /// The frame for a packet record or block whose bytes are `data`, `header` bytes into the
    /// block being handled.
    fn frame<'a>(
        &'a mut self,
        ts: Timestamp,
        iface: Interface,
        (data, header): (&'a [u8], u64),
        orig_len: u32,
    ) -> Frame<'a> {
        self.summary.frames += 1;
        self.last_ts = ts;
        Frame {
            number: self.summary.frames,
            ts,
            link: iface.link,
            data,
            orig_len,
            in_file: self.reread.as_ref().map(|file| InFile {
                file,
                offset: self.pos + header,
            }),
        }
    }

    fn emit(
        &mut self,
        ts: Timestamp,
        iface: Interface,
        data: (&[u8], u64),
        orig_len: u32,
        on_frame: &mut dyn FnMut(&Frame<'_>),
    ) {
        on_frame(&self.frame(ts, iface, data, orig_len));
    }

    /// The frame of a pcap record; `None` when reading must stop (a record longer than any
    /// snap length: damage, said).
    fn legacy<'a>(&'a mut self, b: &LegacyPcapBlock<'a>) -> Option<Frame<'a>> {
        let iface = self.interfaces.first().copied()?;
        if b.caplen > MAX_RECORD.max(iface.snaplen) {
            let n = self.next_frame_no();
            self.warn(format!(
                "frame {n}: pcap: record length {} exceeds the snap length {}, rest of file skipped",
                b.caplen, iface.snaplen
            ));
            return None;
        }
        if iface.snaplen > 0 && b.caplen > iface.snaplen && !self.warned_oversize {
            self.warned_oversize = true;
            let n = self.next_frame_no();
            self.warn(format!(
                "frame {n}: pcap: record length {} is larger than the file's snap length {} (read anyway)",
                b.caplen, iface.snaplen
            ));
        }
        let frac = u64::from(b.ts_usec);
        let ts = ts_from_units(i64::from(b.ts_sec), frac, iface.units_per_sec);
        let header = self.record_header;
        Some(self.frame(ts, iface, (b.data, header), b.origlen))
    }

    /// Handle one block; returns false when reading must stop (damage).
    fn block(&mut self, block: &PcapBlockOwned<'_>, on_frame: &mut dyn FnMut(&Frame<'_>)) -> bool {
        match block {
            PcapBlockOwned::LegacyHeader(h) => {
                self.big_endian = h.is_bigendian();
                self.record_header = if h.is_modified_format() { 24 } else { 16 };
                let units = if h.is_nanosecond_precision() {
                    1_000_000_000
                } else {
                    1_000_000
                };
                self.interfaces = vec![Interface {
                    link: h.network.0 as u32,
                    units_per_sec: units,
                    offset_secs: 0,
                    snaplen: h.snaplen,
                }];
                true
            }
            PcapBlockOwned::Legacy(b) => match self.legacy(b) {
                Some(frame) => {
                    on_frame(&frame);
                    true
                }
                None => false,
            },
            PcapBlockOwned::NG(block) => self.ng_block(block, on_frame),
        }
    }

    fn ng_block(&mut self, block: &Block<'_>, on_frame: &mut dyn FnMut(&Frame<'_>)) -> bool {
        match block {
            Block::SectionHeader(shb) => {
                // A new section starts a new set of interfaces (pcapng §4.1).
                self.big_endian = shb.big_endian();
                self.interfaces.clear();
                true
            }
            Block::InterfaceDescription(idb) => {
                let units = match idb.ts_resolution() {
                    Some(u) if u > 0 => u,
                    _ => {
                        self.warn(format!(
                            "interface {}: unsupported if_tsresol {:#04x}, assuming microseconds",
                            self.interfaces.len(),
                            idb.if_tsresol
                        ));
                        1_000_000
                    }
                };
                if self.interfaces.len() < 65_536 {
                    self.interfaces.push(Interface {
                        link: idb.linktype.0 as u32,
                        units_per_sec: units,
                        offset_secs: idb.ts_offset(),
                        snaplen: idb.snaplen,
                    });
                }
                true
            }
            Block::EnhancedPacket(epb) => {
                let Some(iface) = self.interfaces.get(epb.if_id as usize).copied() else {
                    let n = self.next_frame_no();
                    if !self.warned_iface {
                        self.warned_iface = true;
                        self.warn(format!(
                            "frame {n}: pcapng: packet refers to interface {} which was never described (skipped)",
                            epb.if_id
                        ));
                    }
                    // Still a frame in Wireshark's numbering.
                    self.summary.frames += 1;
                    return true;
                };
                let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let secs = (raw / iface.units_per_sec) as i64;
                let frac = raw % iface.units_per_sec;
                let ts = ts_from_units(
                    secs.saturating_add(iface.offset_secs),
                    frac,
                    iface.units_per_sec,
                );
                let data = epb.data.get(..epb.caplen as usize).unwrap_or(epb.data);
                self.emit(ts, iface, (data, EPB_HEADER), epb.origlen, on_frame);
                true
            }
            Block::SimplePacket(spb) => {
                // SPBs belong to interface 0 and carry no timestamp (pcapng §4.4).
                let Some(iface) = self.interfaces.first().copied() else {
                    self.summary.frames += 1;
                    return true;
                };
                let caplen = (spb.origlen as usize).min(spb.data.len());
                let data = spb.data.get(..caplen).unwrap_or(spb.data);
                let ts = self.last_ts;
                self.emit(ts, iface, (data, SPB_HEADER), spb.origlen, on_frame);
                true
            }
            Block::DecryptionSecrets(dsb) => {
                if self.summary.secrets.len() < 64 {
                    let len = (dsb.secrets_len as usize).min(dsb.data.len());
                    self.summary.secrets.push(Secrets {
                        kind: dsb.secrets_type.0,
                        data: dsb.data.get(..len).unwrap_or(dsb.data).to_vec(),
                    });
                }
                true
            }
            _ => true,
        }
    }
}

impl Reading<'_> {
    fn u32_at(&self, b: &[u8], at: usize) -> Option<u32> {
        let a: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    /// When the record or block waiting at the start of `pending` claims an impossible length,
    /// what is wrong with it (so that damage is not mistaken for a truncated file, and a bogus
    /// length never makes the buffer grow).
    fn bogus_length(&self, pending: &[u8]) -> Option<String> {
        match self.format {
            Format::Pcap => {
                let caplen = self.u32_at(pending, 8)?;
                let snaplen = self.interfaces.first().map_or(0, |i| i.snaplen);
                (caplen > MAX_RECORD.max(snaplen)).then(|| {
                    format!("pcap: record length {caplen} exceeds the snap length {snaplen}")
                })
            }
            Format::PcapNg => {
                let len = self.u32_at(pending, 4)?;
                let bad = len < 12 || len % 4 != 0 || len as usize > MAX_BUFFER;
                bad.then(|| format!("pcapng: block length {len} is invalid"))
            }
        }
    }
}

fn ts_from_units(secs: i64, frac: u64, units_per_sec: u64) -> Timestamp {
    // The two units pcap files use, without a 128-bit division per record.
    let nanos = if units_per_sec == 1_000_000_000 {
        frac
    } else if units_per_sec == 1_000_000 {
        frac.saturating_mul(1_000)
    } else {
        ((u128::from(frac) * 1_000_000_000) / u128::from(units_per_sec.max(1))) as u64
    };
    Timestamp::from_parts(secs, nanos.min(999_999_999) as u32)
}

fn drive<R: PcapReaderIterator>(
    mut reader: R,
    source: (Format, Option<Reread>),
    summary: &mut ReadSummary,
    on_frame: &mut dyn FnMut(&Frame<'_>),
) {
    let mut d = Driver::new(source, summary);
    while d.step(&mut reader, on_frame) {}
}

/// Reads a capture one block at a time through any pcap-parser reader: buffer growth, refills,
/// damage and truncation handled (and worded) the same whatever the reader.
struct Driver<'s> {
    st: Reading<'s>,
    /// The reader's buffer capacity.
    capacity: usize,
    /// Refills in a row that brought no block.
    stalls: u32,
}

impl<'s> Driver<'s> {
    fn new((format, reread): (Format, Option<Reread>), summary: &'s mut ReadSummary) -> Self {
        Driver {
            st: Reading {
                summary,
                format,
                big_endian: false,
                interfaces: Vec::new(),
                last_ts: Timestamp::default(),
                warned_oversize: false,
                warned_iface: false,
                reread,
                pos: 0,
                record_header: 16,
            },
            capacity: INITIAL_BUFFER,
            stalls: 0,
        }
    }

    /// Handle the next block (or refill, or grow the buffer); false once reading is over.
    fn step<R: PcapReaderIterator>(
        &mut self,
        reader: &mut R,
        on_frame: &mut dyn FnMut(&Frame<'_>),
    ) -> bool {
        let st = &mut self.st;
        let format = st.format;
        let step = match reader.next() {
            Ok((offset, block)) => {
                if st.block(&block, on_frame) {
                    Ok(offset)
                } else {
                    return false;
                }
            }
            Err(e) => Err(describe(&e, format)),
        };
        // A bogus length is damage, whatever pcap-parser made of it (a truncated file, a
        // buffer too small): say so, and never grow the buffer for it.
        if let Err(Step::Grow | Step::Truncated | Step::Refill) = step {
            if let Some(what) = st.bogus_length(reader.data()) {
                let n = st.next_frame_no();
                st.warn(format!("frame {n}: {what}, rest of file skipped"));
                return false;
            }
        }
        match step {
            Ok(offset) => {
                self.stalls = 0;
                // Not `consume`: pcap-parser's buffer would move its unread half to the front
                // each time the read position passes the middle (every byte of the file copied
                // once more, ~5 % of a run). `refill` moves only the unread tail, when needed.
                reader.consume_noshift(offset);
                st.pos += offset as u64;
                true
            }
            Err(Step::Eof) => false,
            Err(Step::Refill) => {
                self.stalls += 1;
                if self.stalls > 4 || reader.refill().is_err() {
                    let n = st.next_frame_no();
                    st.warn(format!(
                        "frame {n}: {format}: read error, rest of file skipped"
                    ));
                    return false;
                }
                true
            }
            Err(Step::Grow) => {
                if self.capacity >= MAX_BUFFER || !reader.grow(self.capacity * 2) {
                    let n = st.next_frame_no();
                    st.warn(format!(
                        "frame {n}: {format}: record larger than {} MiB, rest of file skipped",
                        MAX_BUFFER >> 20
                    ));
                    return false;
                }
                self.capacity *= 2;
                self.stalls = 0;
                reader.refill().is_ok()
            }
            Err(Step::Truncated) => {
                let n = st.next_frame_no();
                st.warn(format!(
                    "frame {n}: {format}: the file is cut short in the middle of a record (truncated capture); {} frames read",
                    n - 1
                ));
                false
            }
            Err(Step::Damaged(what)) => {
                let n = st.next_frame_no();
                st.warn(format!("frame {n}: {format}: {what}, rest of file skipped"));
                false
            }
        }
    }
}

enum Step {
    Eof,
    Refill,
    Grow,
    Truncated,
    Damaged(String),
}

fn describe(e: &PcapError<&[u8]>, format: Format) -> Step {
    match e {
        PcapError::Eof => Step::Eof,
        PcapError::Incomplete(_) => Step::Refill,
        PcapError::BufferTooSmall => Step::Grow,
        PcapError::UnexpectedEof => Step::Truncated,
        PcapError::ReadError => Step::Damaged("read error".into()),
        PcapError::HeaderNotRecognized => Step::Damaged("unrecognised block".into()),
        PcapError::NomError(_, nom::error::ErrorKind::Verify)
        | PcapError::OwnedNomError(_, nom::error::ErrorKind::Verify)
            if format == Format::PcapNg =>
        {
            Step::Damaged("block's trailing length differs from its leading length".into())
        }
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            Step::Damaged(format!("invalid block or record ({kind:?})"))
        }
    }
}

/// Counts bytes read from the file for progress reporting.
struct Counting<R> {
    inner: R,
    progress: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Fills the whole buffer on each read unless the stream ends (pcap-parser reads once per refill,
/// and decompressors return short reads).
struct FullRead<R>(R);

impl<R: Read> Read for FullRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            let Some(rest) = buf.get_mut(done..) else {
                break;
            };
            match self.0.read(rest) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Report data read so far; the error surfaces as EOF (a truncated file).
                Err(_) if done > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

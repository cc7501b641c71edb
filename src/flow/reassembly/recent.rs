//! The last delivered bytes of a direction, kept to compare retransmissions with (Zeek's
//! `rexmit_inconsistency`: the first copy wins, differing bytes are counted).
//!
//! A window of [`RECENT_BYTES`] written round. Bytes that still sit in a capture file that can
//! be read again (see [`StreamSink::reread`]) are not copied when delivered: the window only
//! notes where they are, and copies them from the file when a retransmission is to be compared
//! with them. Retransmitted data is rare, so most stream bytes are never touched here: copying
//! them all cost about a tenth of a run (mostly first touches of bytes nothing else reads).
//! Each note keeps the first 8 bytes of its piece (in the cache line the TCP header is in):
//! bytes read back that do not start with them (the file was overwritten meanwhile, e.g. a
//! `tcpdump -W` ring) are not compared.

use super::{RECENT_BYTES, StreamSink};

/// Delivered pieces at least this long are noted by file position instead of copied (a
/// shorter one costs less to copy than to read back).
const NOTE_MIN: usize = 256;
/// Pieces noted at once; pieces of [`NOTE_MIN`] or more cover the window with 17.
const MAX_NOTES: usize = 17;

/// Stream bytes `start..start + len` (positions counted from the first byte remembered) are
/// at byte `at` of the capture file; the piece as noted began `cut` bytes earlier, with the
/// 8 bytes `head`.
#[derive(Debug, Clone, Copy, Default)]
struct Note {
    start: u64,
    at: u64,
    head: [u8; 8],
    len: u32,
    cut: u32,
}

#[derive(Debug)]
struct Window {
    /// `notes[..noted]`, oldest first (inline: no second allocation to reach per segment).
    notes: [Note; MAX_NOTES],
    noted: usize,
    bytes: [u8; RECENT_BYTES],
}

/// The last [`RECENT_BYTES`] delivered bytes (allocated at the first delivery).
#[derive(Debug, Default)]
pub(super) struct Recent {
    window: Option<Box<Window>>,
    /// Bytes remembered (at most [`RECENT_BYTES`]), ending at `total`.
    pub(super) len: usize,
    /// Bytes delivered since this window started: stream position `p` lives at
    /// `bytes[p % RECENT_BYTES]`.
    total: u64,
}

impl Recent {
    /// Forget the bytes (a gap: what follows does not continue them), keeping the window.
    pub(super) fn clear(&mut self) {
        self.len = 0;
        if let Some(w) = &mut self.window {
            w.noted = 0;
        }
    }

    /// Remember the end of `bytes`, just delivered; `at` is where they start in the capture
    /// file, when they can be read again from it.
    pub(super) fn push(&mut self, bytes: &[u8], at: Option<u64>) {
        let skip = bytes.len().saturating_sub(RECENT_BYTES);
        let tail = bytes.get(skip..).unwrap_or_default();
        let start = self.total + skip as u64;
        self.total += bytes.len() as u64;
        self.len = (self.len + tail.len()).min(RECENT_BYTES);
        let first = self.total - self.len as u64;
        let w = self.window.get_or_insert_with(|| {
            Box::new(Window {
                notes: [Note::default(); MAX_NOTES],
                noted: 0,
                bytes: [0; RECENT_BYTES],
            })
        });
        w.forget_before(first);
        // Noted if it is from the file, long enough and a note is free; copied otherwise.
        let noted = match (at, tail.first_chunk()) {
            (Some(at), Some(head)) if tail.len() >= NOTE_MIN => w
                .notes
                .get_mut(w.noted)
                .map(|n| {
                    *n = Note {
                        start,
                        at: at + skip as u64,
                        head: *head,
                        len: tail.len() as u32,
                        cut: 0,
                    }
                })
                .is_some(),
            _ => false,
        };
        if noted {
            w.noted += 1;
        } else {
            let (a, b) = w.slots_mut(start, tail.len());
            let (x, y) = tail.split_at(a.len());
            a.copy_from_slice(x);
            b.copy_from_slice(y);
        }
    }

    /// How many bytes of `new` differ from those remembered from `back` bytes before the end
    /// on (`back <= len`); `None` when the remembered bytes could not be read back.
    pub(super) fn differing(
        &mut self,
        back: usize,
        new: &[u8],
        sink: &mut impl StreamSink,
    ) -> Option<usize> {
        let w = self.window.as_mut()?;
        if !w.read_back(sink) {
            return None;
        }
        let start = self.total - back.min(self.len) as u64;
        let n = new.len().min(back);
        let (a, b) = w.slots_mut(start, n);
        let old = a.iter().chain(b.iter());
        Some(old.zip(new).filter(|(x, y)| x != y).count())
    }
}

impl Window {
    /// The window's slots for stream bytes `start..start + len` (`len <= RECENT_BYTES`), in
    /// two parts where the window wraps.
    fn slots_mut(&mut self, start: u64, len: usize) -> (&mut [u8], &mut [u8]) {
        let at = (start % RECENT_BYTES as u64) as usize;
        let len = len.min(RECENT_BYTES);
        let (before, from) = self.bytes.split_at_mut(at);
        let first = len.min(from.len());
        let (a, _) = from.split_at_mut(first);
        let (b, _) = before.split_at_mut(len - first);
        (a, b)
    }

    /// Drop the notes of bytes before stream position `first` (no longer remembered; their
    /// slots now belong to later bytes).
    fn forget_before(&mut self, first: u64) {
        let noted = self.noted.min(MAX_NOTES);
        let live = self.notes.get(..noted).unwrap_or_default();
        let gone = live
            .iter()
            .take_while(|n| n.start + u64::from(n.len) <= first)
            .count();
        if gone > 0 {
            self.notes.copy_within(gone..noted, 0);
            self.noted = noted - gone;
        }
        if let Some(n) = self.notes.first_mut().filter(|_| self.noted > 0) {
            if n.start < first {
                let cut = first - n.start;
                n.start = first;
                n.at += cut;
                n.len -= cut as u32;
                n.cut += cut as u32;
            }
        }
    }

    /// Copy every noted piece into the window from the capture file; false if one could not
    /// be read, or was not what was noted (it stays noted, and the bytes are not compared).
    fn read_back(&mut self, sink: &mut impl StreamSink) -> bool {
        let notes = self.notes;
        let mut kept = 0;
        for n in notes.iter().take(self.noted) {
            let (a, b) = self.slots_mut(n.start, n.len as usize);
            let first = a.len() as u64;
            let mut read = sink.reread(n.at, a) && (b.is_empty() || sink.reread(n.at + first, b));
            let mut head = [0u8; 8];
            if n.cut == 0 {
                for (h, x) in head.iter_mut().zip(a.iter().chain(b.iter())) {
                    *h = *x;
                }
            } else {
                read = read && sink.reread(n.at - u64::from(n.cut), &mut head);
            }
            if !read || head != n.head {
                if let Some(k) = self.notes.get_mut(kept) {
                    *k = *n;
                }
                kept += 1;
            }
        }
        self.noted = kept;
        kept == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Direction, FrameNo, Timestamp};

    /// A "capture file" of the stream bytes, readable again when `readable`.
    struct File {
        bytes: Vec<u8>,
        readable: bool,
        reads: usize,
    }

    impl StreamSink for File {
        fn data(&mut self, _: Direction, _: FrameNo, _: Timestamp, _: &[u8]) {}
        fn gap(&mut self, _: Direction, _: FrameNo, _: u32) {}
        fn end(&mut self, _: Direction, _: FrameNo) {}
        fn reread(&mut self, at: u64, buf: &mut [u8]) -> bool {
            self.reads += 1;
            let at = at as usize;
            match self.bytes.get(at..at + buf.len()) {
                Some(src) if self.readable => {
                    buf.copy_from_slice(src);
                    true
                }
                _ => false,
            }
        }
    }

    /// Segments of every size class (below and above [`NOTE_MIN`], beyond the window), some
    /// noted by file position and some not, compared from several depths, with gaps.
    #[test]
    fn the_window_holds_the_last_delivered_bytes_copied_or_read_back() {
        for in_file in [false, true] {
            let mut r = Recent::default();
            let mut file = File {
                bytes: Vec::new(),
                readable: true,
                reads: 0,
            };
            let mut all: Vec<u8> = Vec::new();
            let mut x = 7u32;
            for round in 0..300usize {
                let len = [1, 1460, 3000, 5000, 17, 4096, 256, 255, 300][round % 9];
                let seg: Vec<u8> = (0..len)
                    .map(|_| {
                        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        (x >> 16) as u8
                    })
                    .collect();
                // The file holds other bytes between segments, like record headers.
                file.bytes.extend_from_slice(b"header");
                let at = file.bytes.len() as u64;
                file.bytes.extend_from_slice(&seg);
                r.push(&seg, (in_file && round % 4 != 3).then_some(at));
                all.extend_from_slice(&seg);
                if round % 50 == 49 {
                    r.clear();
                    all.clear();
                }
                assert_eq!(r.len, all.len().min(RECENT_BYTES));
                for back in [1usize, 2, 100, 1460, 4095, 4096] {
                    if back > r.len {
                        continue;
                    }
                    let start = all.len() - back;
                    let mut new: Vec<u8> = all[start..].iter().take(700).copied().collect();
                    let same = r.differing(back, &new, &mut file);
                    assert_eq!(same, Some(0), "round {round} back {back} in_file {in_file}");
                    let k = new.len();
                    for i in (0..k).step_by(3) {
                        new[i] ^= 0x5a;
                    }
                    let differ = r.differing(back, &new, &mut file);
                    assert_eq!(differ, Some(k.div_ceil(3)), "round {round} back {back}");
                }
            }
            assert_eq!(file.reads > 0, in_file, "read back only what was noted");
        }
    }

    #[test]
    fn noted_bytes_that_cannot_be_read_back_are_not_compared() {
        let mut r = Recent::default();
        let mut file = File {
            bytes: vec![9; 2000],
            readable: false,
            reads: 0,
        };
        r.push(&[9; 1000], Some(500));
        assert_eq!(r.differing(10, &[9; 10], &mut file), None);
        file.readable = true;
        assert_eq!(r.differing(10, &[9; 10], &mut file), Some(0));
        assert_eq!(r.differing(10, &[8; 10], &mut file), Some(10));
        // Read once: later comparisons use the copy.
        assert_eq!(file.reads, 2);
    }

    /// A file overwritten after the bytes were noted (a capture ring reusing it): what is read
    /// back does not start as noted, and nothing is compared, also once the note was trimmed.
    #[test]
    fn bytes_read_back_from_an_overwritten_file_are_not_compared() {
        for (first, second, back) in [(1000, 0, 10), (4000, 1000, 200)] {
            let mut r = Recent::default();
            let mut file = File {
                bytes: (0..6000).map(|i| (i % 251) as u8).collect(),
                readable: true,
                reads: 0,
            };
            r.push(&file.bytes[100..100 + first], Some(100));
            if second > 0 {
                // The window keeps the last 4096 bytes: the first note is trimmed by 904.
                r.push(&vec![7; second], None);
            }
            for b in file.bytes.iter_mut() {
                *b = b.wrapping_add(1);
            }
            let new = vec![0u8; back];
            assert_eq!(r.differing(back, &new, &mut file), None, "{first}/{second}");
        }
    }
}

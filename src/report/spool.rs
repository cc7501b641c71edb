//! Serialised sessions waiting for their turn ([`super::stream`]): appended to a spool — memory
//! up to [`IN_MEMORY`], then an unlinked temporary file — and read back once, when their turn
//! comes.
//!
//! Space is reused, so the spool's size follows the bytes still waiting, not the length of the
//! capture: once nothing waits it starts again from its first byte (in memory again), and once
//! less than half of it still waits (past [`COMPACT_FROM`]), the waiting entries are copied to
//! a fresh spool. Each copy moves fewer bytes than the garbage it drops, so copying costs at
//! most one more write per byte spooled. (A spool that only grew held the JSON of every attempt
//! of a SYN flood in its temporary file, at four system calls per attempt: 59 MB for 50,000
//! attempts, of which 10,000 are listed; about 1.2 GB for the million of `benches/hostile.sh`.)

use std::io::{self, Read, Seek, SeekFrom, Write};
use tempfile::SpooledTempFile;

/// Bytes kept in memory before the spool becomes a temporary file.
pub const IN_MEMORY: usize = 2 << 20;
/// A spool at least this long is compacted once less than half of it is still waiting.
pub const COMPACT_FROM: u64 = 8 << 20;

/// Buffer sizes for copying the waiting entries to a fresh spool.
const COPY_BUFFER: usize = 256 << 10;

/// Where one entry is: handed out by [`Spool::put`], redeemed once by [`Spool::take`].
#[derive(Debug)]
pub struct Ticket(usize);

/// See the module documentation.
pub struct Spool {
    file: SpooledTempFile,
    /// Bytes written to `file`.
    len: u64,
    /// Bytes of the entries not taken yet.
    live: u64,
    /// Offset and length of each entry, by ticket; `None` once taken (its ticket then reusable).
    entries: Vec<Option<(u64, usize)>>,
    free: Vec<usize>,
}

impl Default for Spool {
    fn default() -> Self {
        Spool {
            file: tempfile::spooled_tempfile(IN_MEMORY),
            len: 0,
            live: 0,
            entries: Vec::new(),
            free: Vec::new(),
        }
    }
}

#[cfg(test)]
impl Spool {
    /// Bytes the spool holds (taken entries included until space is reused).
    fn len(&self) -> u64 {
        self.len
    }

    /// Whether the spool has become a temporary file.
    fn on_disk(&self) -> bool {
        self.file.is_rolled()
    }
}

impl Spool {
    /// Spool `bytes`; the ticket reads them back.
    pub fn put(&mut self, bytes: &[u8]) -> io::Result<Ticket> {
        if self.live == 0 {
            if self.file.is_rolled() {
                self.file = tempfile::spooled_tempfile(IN_MEMORY);
            }
            self.len = 0;
        } else if self.len >= COMPACT_FROM && self.live * 2 < self.len {
            self.compact()?;
        }
        let at = self.len;
        self.file.seek(SeekFrom::Start(at))?;
        self.file.write_all(bytes)?;
        self.len += bytes.len() as u64;
        self.live += bytes.len() as u64;
        let entry = Some((at, bytes.len()));
        let i = match self.free.pop() {
            Some(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    *e = entry;
                }
                i
            }
            None => {
                self.entries.push(entry);
                self.entries.len() - 1
            }
        };
        Ok(Ticket(i))
    }

    /// The bytes of `ticket`'s entry, into `buf` (replacing its contents); the entry's space
    /// may then be reused.
    pub fn take(&mut self, ticket: Ticket, buf: &mut Vec<u8>) -> io::Result<()> {
        let Some((at, len)) = self.entries.get_mut(ticket.0).and_then(Option::take) else {
            return Err(io::Error::other("spool entry taken twice"));
        };
        self.free.push(ticket.0);
        self.live -= len as u64;
        buf.resize(len, 0);
        self.file.seek(SeekFrom::Start(at))?;
        self.file.read_exact(buf)
    }

    /// Copy the entries not taken to a fresh spool, in the order they lie.
    fn compact(&mut self) -> io::Result<()> {
        let mut order: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.entries.get(i).is_some_and(Option::is_some))
            .collect();
        order.sort_unstable_by_key(|&i| self.entries.get(i).copied().flatten());
        let mut fresh = tempfile::spooled_tempfile(IN_MEMORY);
        if self.live > IN_MEMORY as u64 {
            // Straight to disk: filling the memory budget first only to move it there costs
            // heap (5 MB more peak RSS on the heldflood capture).
            fresh.roll()?;
        }
        let mut len = 0u64;
        let mut buf = Vec::new();
        {
            // Buffered both ways: on disk, one system call per 256 KiB rather than three per
            // entry.
            self.file.seek(SeekFrom::Start(0))?;
            let mut from = io::BufReader::with_capacity(COPY_BUFFER, &mut self.file);
            let mut to = io::BufWriter::with_capacity(COPY_BUFFER, &mut fresh);
            let mut pos = 0u64;
            for i in order {
                let Some(Some((at, n))) = self.entries.get_mut(i) else {
                    continue;
                };
                let skip = at.checked_sub(pos).and_then(|d| i64::try_from(d).ok());
                from.seek_relative(skip.ok_or_else(|| io::Error::other("spool entries overlap"))?)?;
                buf.resize(*n, 0);
                from.read_exact(&mut buf)?;
                to.write_all(&buf)?;
                pos = *at + *n as u64;
                *at = len;
                len += *n as u64;
            }
            to.flush()?;
        }
        self.file = fresh;
        self.len = len;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: usize, len: usize) -> Vec<u8> {
        (0..len).map(|j| (i * 7 + j) as u8).collect()
    }

    #[test]
    fn entries_read_back_whatever_the_order_taken() {
        let mut s = Spool::default();
        let tickets: Vec<_> = (0..100)
            .map(|i| s.put(&entry(i, 10 + i)).unwrap())
            .collect();
        let mut buf = Vec::new();
        // Every other one first, then the rest backwards.
        let mut rest = Vec::new();
        for (i, t) in tickets.into_iter().enumerate() {
            if i % 2 == 0 {
                s.take(t, &mut buf).unwrap();
                assert_eq!(buf, entry(i, 10 + i));
            } else {
                rest.push((i, t));
            }
        }
        for (i, t) in rest.into_iter().rev() {
            s.take(t, &mut buf).unwrap();
            assert_eq!(buf, entry(i, 10 + i));
        }
        // Nothing waits: the next entry starts the spool again.
        let t = s.put(b"again").unwrap();
        assert_eq!(s.len(), 5);
        s.take(t, &mut buf).unwrap();
        assert_eq!(buf, b"again");
    }

    #[test]
    fn the_spool_stays_near_what_waits_while_something_always_waits() {
        // One entry waits throughout (a session open all capture long); a stream of 8 KiB
        // entries passes behind it, each taken a little after it was put: 100 MiB in all.
        let mut s = Spool::default();
        let mut buf = Vec::new();
        let first = s.put(&entry(0, 100)).unwrap();
        let mut waiting = std::collections::VecDeque::new();
        let mut most = 0;
        for i in 1..=12_800 {
            waiting.push_back((i, s.put(&entry(i, 8192)).unwrap()));
            if waiting.len() > 300 {
                let (j, t) = waiting.pop_front().unwrap();
                s.take(t, &mut buf).unwrap();
                assert_eq!(buf, entry(j, 8192));
            }
            most = most.max(s.len());
        }
        // 301 waiting entries are 2.4 MiB: the spool never passes the compaction threshold
        // plus that, where without reuse it would hold all 100 MiB.
        assert!(most < COMPACT_FROM + (3 << 20), "spool grew to {most}");
        for (j, t) in waiting {
            s.take(t, &mut buf).unwrap();
            assert_eq!(buf, entry(j, 8192));
        }
        s.take(first, &mut buf).unwrap();
        assert_eq!(buf, entry(0, 100));
        assert!(
            s.take(Ticket(0), &mut buf).is_err(),
            "a ticket is taken once"
        );
    }

    #[test]
    fn a_burst_that_went_to_disk_leaves_it_once_nothing_waits() {
        let mut s = Spool::default();
        let mut buf = Vec::new();
        let tickets: Vec<_> = (0..600).map(|i| s.put(&entry(i, 8192)).unwrap()).collect();
        assert!(s.on_disk(), "4.7 MiB waiting is past the memory budget");
        for (i, t) in tickets.into_iter().enumerate() {
            s.take(t, &mut buf).unwrap();
            assert_eq!(buf, entry(i, 8192));
        }
        let t = s.put(b"x").unwrap();
        assert!(!s.on_disk());
        s.take(t, &mut buf).unwrap();
        assert_eq!(buf, b"x");
    }
}

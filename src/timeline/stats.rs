//! Throughput over a session's lifetime in a bounded number of time bins (for the TUI chart).

use crate::types::Direction;

/// Most bins kept; when a session outgrows them, bins are merged pairwise and widened.
const MAX_BINS: usize = 512;

/// Payload bytes per direction and retransmissions over time, in bins of equal width.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Throughput {
    /// Per bin: client bytes, server bytes, retransmissions.
    pub bins: Vec<[u64; 3]>,
    /// Bins are `1 s << shift` wide (1 s at first, doubled as needed): a packet's bin is its
    /// whole seconds shifted, not a floating-point division per packet.
    shift: u32,
}

impl Throughput {
    /// Width of one bin in seconds.
    pub fn bin_s(&self) -> f64 {
        (1u64 << self.shift.min(63)) as f64
    }

    /// The bin `since_ns` nanoseconds into the session falls in (`None` before its start).
    fn bin(&mut self, since_ns: i64) -> Option<&mut [u64; 3]> {
        let secs = u64::try_from(since_ns).ok()? / 1_000_000_000;
        let idx = loop {
            let idx = secs.checked_shr(self.shift).unwrap_or(0);
            if idx < MAX_BINS as u64 {
                break idx as usize;
            }
            self.widen();
        };
        if self.bins.len() <= idx {
            self.bins.resize(idx + 1, [0; 3]);
        }
        self.bins.get_mut(idx)
    }

    fn widen(&mut self) {
        let merged = self
            .bins
            .chunks(2)
            .map(|c| {
                let mut m = [0u64; 3];
                for b in c {
                    for (x, y) in m.iter_mut().zip(b.iter()) {
                        *x += *y;
                    }
                }
                m
            })
            .collect();
        self.bins = merged;
        self.shift += 1;
    }

    /// Count payload bytes `since_ns` nanoseconds into the session.
    pub fn add(&mut self, since_ns: i64, dir: Direction, bytes: u64) {
        if let Some(b) = self.bin(since_ns) {
            if let Some(x) = b.get_mut(dir.idx()) {
                *x += bytes;
            }
        }
    }

    /// Count a retransmission `since_ns` nanoseconds into the session.
    pub fn retransmission(&mut self, since_ns: i64) {
        if let Some(b) = self.bin(since_ns) {
            b[2] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_instead_of_growing() {
        let mut t = Throughput::default();
        t.add(500_000_000, Direction::ClientToServer, 10);
        t.add(10_000 * 1_000_000_000, Direction::ServerToClient, 5);
        assert!(t.bins.len() <= MAX_BINS);
        assert_eq!(t.bins.iter().map(|b| b[0]).sum::<u64>(), 10);
        assert_eq!(t.bins.iter().map(|b| b[1]).sum::<u64>(), 5);
        assert!(t.bin_s() >= 16.0);
    }

    /// A packet lands in bin `⌊t / bin_s⌋` (what the chart and the rules read back), exactly at
    /// the edges, before and after widening; times before the session's start count nowhere.
    #[test]
    fn bins_are_whole_seconds_scaled_by_the_width() {
        let one_s: i64 = 1_000_000_000;
        // The bins whose client bytes an `add` at `ns` changed.
        let lands = |t: &mut Throughput, ns: i64| -> Vec<usize> {
            let before = t.bins.clone();
            t.add(ns, Direction::ClientToServer, 1);
            (0..t.bins.len())
                .filter(|&i| t.bins.get(i).map(|b| b[0]) != Some(before.get(i).map_or(0, |b| b[0])))
                .collect()
        };
        let mut t = Throughput::default();
        for (ns, bin) in [(0, 0), (one_s - 1, 0), (one_s, 1), (7 * one_s + 5, 7)] {
            assert_eq!(lands(&mut t, ns), vec![bin], "{ns} ns");
        }
        assert_eq!(lands(&mut t, -1), Vec::<usize>::new());
        // 600 s needs 2 s bins (at most 512): the earlier counts merge pairwise.
        t.retransmission(600 * one_s);
        assert_eq!(t.bin_s(), 2.0);
        assert_eq!(t.bins.get(300).map(|b| b[2]), Some(1));
        assert_eq!(
            t.bins.get(3).map(|b| b[0]),
            Some(1),
            "7 s is in the 6-8 s bin"
        );
        assert_eq!(
            t.bins.first().map(|b| b[0]),
            Some(3),
            "0 s, 1 s - 1 ns, 1 s"
        );
        for ns in [2 * one_s - 1, 2 * one_s, 1_023 * one_s + one_s - 1] {
            let at = ((ns as f64 / 1e9) / t.bin_s()) as usize;
            assert_eq!(lands(&mut t, ns), vec![at], "{ns} ns");
        }
    }
}

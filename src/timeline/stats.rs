//! Throughput over a session's lifetime in a bounded number of time bins (for the TUI chart).

use crate::types::Direction;

/// Most bins kept; when a session outgrows them, bins are merged pairwise and widened.
const MAX_BINS: usize = 512;

/// Payload bytes per direction and retransmissions over time, in bins of equal width.
#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    /// Width of one bin in seconds (starts at 1 s and doubles as needed).
    pub bin_s: f64,
    /// Per bin: client bytes, server bytes, retransmissions.
    pub bins: Vec<[u64; 3]>,
}

impl Default for Throughput {
    fn default() -> Self {
        Throughput {
            bin_s: 1.0,
            bins: Vec::new(),
        }
    }
}

impl Throughput {
    fn bin(&mut self, at_s: f64) -> Option<&mut [u64; 3]> {
        if !at_s.is_finite() || at_s < 0.0 {
            return None;
        }
        let mut idx = (at_s / self.bin_s) as usize;
        while idx >= MAX_BINS {
            self.widen();
            idx = (at_s / self.bin_s) as usize;
        }
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
        self.bin_s *= 2.0;
    }

    /// Count payload bytes at `at_s` seconds into the session.
    pub fn add(&mut self, at_s: f64, dir: Direction, bytes: u64) {
        if let Some(b) = self.bin(at_s) {
            if let Some(x) = b.get_mut(dir.idx()) {
                *x += bytes;
            }
        }
    }

    /// Count a retransmission at `at_s` seconds into the session.
    pub fn retransmission(&mut self, at_s: f64) {
        if let Some(b) = self.bin(at_s) {
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
        t.add(0.5, Direction::ClientToServer, 10);
        t.add(10_000.0, Direction::ServerToClient, 5);
        assert!(t.bins.len() <= MAX_BINS);
        assert_eq!(t.bins.iter().map(|b| b[0]).sum::<u64>(), 10);
        assert_eq!(t.bins.iter().map(|b| b[1]).sum::<u64>(), 5);
        assert!(t.bin_s >= 16.0);
    }
}

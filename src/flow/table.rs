//! The connection table: flows keyed by their two endpoints and transport, with bounded size.

use crate::decode::Transport;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;

/// A direction-independent flow key: the two endpoints in a canonical order, packed into
/// machine words so that the table's hashing and comparing (once or more per packet) are a few
/// integer operations rather than `SocketAddr`'s enum and octet-array ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowKey {
    /// The lower endpoint's address bits (an IPv4 address in the low 32 bits).
    lo: u128,
    /// The higher endpoint's address bits.
    hi: u128,
    /// The lower endpoint's port (bits 32..48), the higher one's (16..32), whether the higher
    /// and the lower address are IPv6 (bits 2 and 1) and the transport (bit 0: UDP).
    meta: u64,
}

/// An endpoint as (address bits, port), and whether it is IPv6. IPv6 flow info and scope id
/// are left out: a capture does not carry them.
fn endpoint(a: SocketAddr) -> (u128, u16, bool) {
    match a {
        SocketAddr::V4(x) => (u128::from(x.ip().to_bits()), x.port(), false),
        SocketAddr::V6(x) => (x.ip().to_bits(), x.port(), true),
    }
}

impl FlowKey {
    /// The key of a packet from `a` to `b` (the same for `b` to `a`).
    pub fn new(transport: Transport, a: SocketAddr, b: SocketAddr) -> Self {
        let (a, b) = (endpoint(a), endpoint(b));
        // Any canonical order will do; IPv4 before IPv6, then address, then port.
        let (lo, hi) = if (a.2, a.0, a.1) <= (b.2, b.0, b.1) {
            (a, b)
        } else {
            (b, a)
        };
        FlowKey {
            lo: lo.0,
            hi: hi.0,
            meta: u64::from(lo.1) << 32
                | u64::from(hi.1) << 16
                | u64::from(hi.2) << 2
                | u64::from(lo.2) << 1
                | u64::from(transport == Transport::Udp),
        }
    }
}

/// Hashes the packed words; IPv4 addresses (the common case) as one word for both.
impl Hash for FlowKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if self.meta & 6 == 0 {
            state.write_u64((self.lo as u64) << 32 | self.hi as u64);
        } else {
            state.write_u128(self.lo);
            state.write_u128(self.hi);
        }
        state.write_u64(self.meta);
    }
}

/// Connections in progress, with the capture time each was last seen (for eviction).
pub struct Table<V> {
    /// foldhash with a random per-table seed: several times faster than SipHash on these small
    /// keys, and still seeded so a crafted capture cannot pick colliding addresses in advance.
    map: HashMap<FlowKey, (i64, V), foldhash::fast::RandomState>,
    cap: usize,
    /// Connections pushed out because the table was full while they were still going on (the
    /// evict callback said so; a closed connection lingering for late packets is not counted).
    pub evicted_full: u64,
}

impl<V> Table<V> {
    /// A table holding at most `cap` connections.
    pub fn new(cap: usize) -> Self {
        Table {
            map: HashMap::with_hasher(foldhash::fast::RandomState::default()),
            cap: cap.max(1),
            evicted_full: 0,
        }
    }

    /// Number of connections held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether `n` more connections fit without pushing any out.
    pub fn has_room_for(&self, n: usize) -> bool {
        self.map.len().saturating_add(n) < self.cap
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The connection for `key`, marking it seen at `now` (ns).
    pub fn get_mut(&mut self, key: &FlowKey, now: i64) -> Option<&mut V> {
        self.map.get_mut(key).map(|(t, v)| {
            *t = now;
            v
        })
    }

    /// Remove a connection (e.g. to replace it with a new one on the same ports).
    pub fn remove(&mut self, key: &FlowKey) -> Option<V> {
        self.map.remove(key).map(|(_, v)| v)
    }

    /// Insert a new connection. When the table is full, the least recently seen connections are
    /// removed first and handed to `evict` (an eighth of the table at a time, so eviction is rare),
    /// which tells whether that cut the connection short.
    pub fn insert(&mut self, key: FlowKey, now: i64, value: V, evict: &mut dyn FnMut(V) -> bool) {
        if self.map.len() >= self.cap {
            let mut ages: Vec<i64> = self.map.values().map(|(t, _)| *t).collect();
            let n = (self.cap / 8).max(1).min(ages.len().saturating_sub(1));
            let (_, cut, _) = ages.select_nth_unstable(n);
            let cut = *cut;
            let old: Vec<FlowKey> = self
                .map
                .iter()
                .filter(|(_, (t, _))| *t <= cut)
                .map(|(k, _)| *k)
                .collect();
            for k in old {
                if let Some((_, v)) = self.map.remove(&k) {
                    if evict(v) {
                        self.evicted_full += 1;
                    }
                }
            }
        }
        self.map.insert(key, (now, value));
    }

    /// Remove every connection for which `done(last_seen, &value)` is true, handing each to `out`.
    pub fn sweep(&mut self, mut done: impl FnMut(i64, &V) -> bool, out: &mut dyn FnMut(V)) {
        let keys: Vec<FlowKey> = self
            .map
            .iter()
            .filter(|(_, (t, v))| done(*t, v))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            if let Some((_, v)) = self.map.remove(&k) {
                out(v);
            }
        }
    }

    /// Visit every connection.
    pub fn for_each(&self, f: &mut dyn FnMut(&V)) {
        for (_, v) in self.map.values() {
            f(v);
        }
    }

    /// Visit every connection with the capture time it was last seen, mutably.
    pub fn for_each_mut(&mut self, f: &mut dyn FnMut(i64, &mut V)) {
        for (seen, v) in self.map.values_mut() {
            f(*seen, v);
        }
    }

    /// Empty the table, handing every connection to `out`.
    pub fn drain(&mut self, out: &mut dyn FnMut(V)) {
        for (_, (_, v)) in self.map.drain() {
            out(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(p: u16) -> FlowKey {
        FlowKey::new(
            Transport::Tcp,
            format!("10.0.0.1:{p}").parse().unwrap(),
            "10.0.0.2:3389".parse().unwrap(),
        )
    }

    #[test]
    fn keys_are_equal_exactly_for_the_same_two_endpoints() {
        let addrs: Vec<SocketAddr> = [
            "10.0.0.1:5000",
            "10.0.0.1:3389",
            "10.0.0.2:1",
            "10.0.0.2:5000",
            "9.255.255.255:65535",
            "255.0.0.0:0",
            "[::1]:3389",
            "[::]:0",
            "[::a00:1]:5000",
            "[::ffff:10.0.0.1]:5000",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        use std::hash::BuildHasher;
        let hash = |k: &FlowKey| foldhash::fast::FixedState::with_seed(7).hash_one(k);
        for &a in &addrs {
            for &b in &addrs {
                let k = FlowKey::new(Transport::Tcp, a, b);
                assert_eq!(k, FlowKey::new(Transport::Tcp, b, a), "{a} {b}");
                assert_eq!(hash(&k), hash(&FlowKey::new(Transport::Tcp, b, a)));
                assert_ne!(k, FlowKey::new(Transport::Udp, a, b), "{a} {b}");
                for &c in &addrs {
                    for &d in &addrs {
                        let same = (a, b) == (c, d) || (a, b) == (d, c);
                        let other = FlowKey::new(Transport::Tcp, c, d);
                        assert_eq!(k == other, same, "{a} {b} against {c} {d}");
                    }
                }
            }
        }
    }

    #[test]
    fn key_is_direction_independent() {
        let a: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:3389".parse().unwrap();
        assert_eq!(
            FlowKey::new(Transport::Tcp, a, b),
            FlowKey::new(Transport::Tcp, b, a)
        );
        assert_ne!(
            FlowKey::new(Transport::Tcp, a, b),
            FlowKey::new(Transport::Udp, a, b)
        );
    }

    #[test]
    fn full_table_evicts_oldest_and_stays_bounded() {
        let mut t = Table::new(16);
        let mut evicted = Vec::new();
        for i in 0..1000u16 {
            t.insert(key(i + 1000), i64::from(i), i, &mut |v| {
                evicted.push(v);
                v % 2 == 0
            });
            assert!(t.len() <= 16);
        }
        let cut_short = evicted.iter().filter(|v| *v % 2 == 0).count();
        assert_eq!(
            t.evicted_full as usize, cut_short,
            "only those cut short count"
        );
        assert!(evicted.len() >= 1000 - 16);
        // The newest is still there; the oldest went.
        assert!(t.get_mut(&key(1999), 2000).is_some());
        assert!(evicted.contains(&0) && !evicted.contains(&999));
    }
}

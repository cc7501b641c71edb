//! The connection table: flows keyed by their two endpoints and transport, with bounded size.

use crate::decode::Transport;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr};

/// A direction-independent flow key: the two endpoints in a canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowKey {
    transport: Transport,
    lo: SocketAddr,
    hi: SocketAddr,
}

impl FlowKey {
    /// The key of a packet from `a` to `b` (the same for `b` to `a`).
    pub fn new(transport: Transport, a: SocketAddr, b: SocketAddr) -> Self {
        // `SocketAddr`'s order, computed on one integer per IPv4 endpoint (address, then port:
        // as `SocketAddrV4` orders) rather than through the enum and octet array comparisons.
        let a_first = match (a, b) {
            (SocketAddr::V4(x), SocketAddr::V4(y)) => {
                let key = |e: std::net::SocketAddrV4| {
                    u64::from(e.ip().to_bits()) << 16 | u64::from(e.port())
                };
                key(x) <= key(y)
            }
            _ => a <= b,
        };
        if a_first {
            FlowKey {
                transport,
                lo: a,
                hi: b,
            }
        } else {
            FlowKey {
                transport,
                lo: b,
                hi: a,
            }
        }
    }
}

/// Hashes the addresses and ports as a few machine words (IPv4: two), rather than field by field
/// through `SocketAddr`'s derived `Hash` (a discriminant, then each octet array and port). IPv6
/// flow info and scope id are left out: equal keys still hash equal, which is all `Hash` needs.
impl Hash for FlowKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let ports = (u64::from(self.lo.port()) << 16 | u64::from(self.hi.port())) << 1
            | u64::from(self.transport == Transport::Udp);
        match (self.lo.ip(), self.hi.ip()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                state.write_u64(u64::from(a.to_bits()) << 32 | u64::from(b.to_bits()));
                state.write_u64(ports);
            }
            (a, b) => {
                state.write_u128(ip_bits(a));
                state.write_u128(ip_bits(b));
                state.write_u64(ports | 1 << 40);
            }
        }
    }
}

fn ip_bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(a.to_bits()),
        IpAddr::V6(a) => a.to_bits(),
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
    fn key_orders_endpoints_as_socket_addr_does() {
        let addrs: Vec<SocketAddr> = [
            "10.0.0.1:5000",
            "10.0.0.1:3389",
            "10.0.0.2:1",
            "9.255.255.255:65535",
            "255.0.0.0:0",
            "[::1]:3389",
            "[::]:0",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        for &a in &addrs {
            for &b in &addrs {
                let k = FlowKey::new(Transport::Tcp, a, b);
                assert_eq!((k.lo, k.hi), (a.min(b), a.max(b)), "{a} {b}");
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

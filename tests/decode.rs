//! Link layers, IP fragments and TCP options through the decoder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use etherparse::PacketBuilder;
use rdpscope::decode::{Decoded, Decoder, tcp_options};
use rdpscope::types::Timestamp;

/// An IPv4 TCP SYN 192.0.2.10:50000 → 198.51.100.20:3389 with MSS, window scale, SACK-permitted
/// and timestamps, without any link header.
fn ipv4_syn() -> Vec<u8> {
    let b = PacketBuilder::ipv4([192, 0, 2, 10], [198, 51, 100, 20], 64)
        .tcp(50000, 3389, 1000, 64240)
        .syn()
        .options(&[
            etherparse::TcpOptionElement::MaximumSegmentSize(1460),
            etherparse::TcpOptionElement::SelectiveAcknowledgementPermitted,
            etherparse::TcpOptionElement::Timestamp(7, 0),
            etherparse::TcpOptionElement::Noop,
            etherparse::TcpOptionElement::WindowScale(7),
        ])
        .unwrap();
    let mut v = Vec::new();
    b.write(&mut v, &[]).unwrap();
    v
}

fn ipv6_syn() -> Vec<u8> {
    let b = PacketBuilder::ipv6(
        [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
        64,
    )
    .tcp(50000, 3389, 1000, 64240)
    .syn();
    let mut v = Vec::new();
    b.write(&mut v, &[]).unwrap();
    v
}

fn assert_syn(d: Decoded<'_>, what: &str) {
    match d {
        Decoded::Tcp(ip, tcp) => {
            assert_eq!(tcp.dst_port, 3389, "{what}");
            assert_eq!(tcp.seq, 1000, "{what}");
            assert_eq!(tcp.flags & 0x02, 0x02, "{what}");
            assert_eq!(ip.ttl, 64, "{what}");
        }
        other => panic!("{what}: {other:?}"),
    }
}

fn ether(ethertype: u16, vlans: &[u16], payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    for (i, vid) in vlans.iter().enumerate() {
        // Outer tag 0x88a8 (QinQ) when there are two, else 0x8100.
        let tpid: u16 = if vlans.len() > 1 && i == 0 {
            0x88a8
        } else {
            0x8100
        };
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&vid.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

#[test]
fn every_supported_link_type() {
    let ip = ipv4_syn();
    let mut d = Decoder::new();
    let ts = Timestamp::default();
    // Ethernet, 802.1Q, QinQ.
    assert_syn(d.decode(1, &ether(0x0800, &[], &ip), ts), "ethernet");
    assert_syn(d.decode(1, &ether(0x0800, &[100], &ip), ts), "802.1Q");
    assert_syn(d.decode(1, &ether(0x0800, &[100, 200], &ip), ts), "QinQ");
    // Raw IP: LINKTYPE_RAW 101, DLT_RAW 12 and 14, LINKTYPE_IPV4 228.
    for lt in [101, 12, 14, 228] {
        assert_syn(d.decode(lt, &ip, ts), &format!("raw {lt}"));
    }
    assert_syn(d.decode(229, &ipv6_syn(), ts), "LINKTYPE_IPV6");
    // Linux cooked v1: packet type, ARPHRD, address length, 8-byte address, protocol.
    let mut sll = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    assert_syn(d.decode(113, &sll, ts), "SLL");
    // Linux cooked v2 (the `any` device): protocol, reserved, ifindex, ARPHRD, type, addr len, addr.
    let mut sll2 = vec![
        0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
    ];
    sll2.extend_from_slice(&ip);
    assert_syn(d.decode(276, &sll2, ts), "SLL2");
    // BSD NULL (host order, little-endian here) and OpenBSD LOOP (network order); AF_INET6 = 30.
    let mut null = 2u32.to_le_bytes().to_vec();
    null.extend_from_slice(&ip);
    assert_syn(d.decode(0, &null, ts), "NULL");
    let mut lo = 2u32.to_be_bytes().to_vec();
    lo.extend_from_slice(&ip);
    assert_syn(d.decode(108, &lo, ts), "LOOP");
    let mut null6 = 30u32.to_le_bytes().to_vec();
    null6.extend_from_slice(&ipv6_syn());
    assert_syn(d.decode(0, &null6, ts), "NULL IPv6");
    // PPP with and without the HDLC address/control bytes.
    let mut ppp = vec![0x00, 0x21];
    ppp.extend_from_slice(&ip);
    assert_syn(d.decode(9, &ppp, ts), "PPP");
    let mut hdlc = vec![0xff, 0x03, 0x00, 0x21];
    hdlc.extend_from_slice(&ip);
    assert_syn(d.decode(50, &hdlc, ts), "PPP HDLC");
    // Unknown link types are reported as such, ARP is not IP.
    assert!(matches!(d.decode(147, &ip, ts), Decoded::UnknownLink(147)));
    assert!(matches!(
        d.decode(1, &ether(0x0806, &[], &[0; 28]), ts),
        Decoded::NotIp
    ));
}

#[test]
fn truncated_headers_are_malformed_not_panics() {
    let frame = ether(0x0800, &[100], &ipv4_syn());
    let mut d = Decoder::new();
    for n in 0..frame.len() {
        let _ = d.decode(1, &frame[..n], Timestamp::default());
        for lt in [0, 9, 12, 101, 108, 113, 276] {
            let _ = d.decode(lt, &frame[..n], Timestamp::default());
        }
    }
    assert!(matches!(
        d.decode(1, &frame[..10], Timestamp::default()),
        Decoded::Malformed(_)
    ));
}

#[test]
fn tcp_options_are_read() {
    let ip = ipv4_syn();
    let mut d = Decoder::new();
    let Decoded::Tcp(_, tcp) = d.decode(101, &ip, Timestamp::default()) else {
        panic!()
    };
    let o = tcp_options(tcp.options);
    assert_eq!(o.mss, Some(1460));
    assert_eq!(o.wscale, Some(7));
    assert!(o.sack_permitted);
    assert_eq!(o.timestamps, Some((7, 0)));
    assert_eq!(o.sack_count, 0);
}

#[test]
fn ipv4_fragments_are_reassembled() {
    // A TCP segment with 2000 bytes of payload, cut into two IPv4 fragments.
    let payload: Vec<u8> = (0..2000u32).map(|i| (i % 251) as u8).collect();
    let mut whole = Vec::new();
    PacketBuilder::ipv4([192, 0, 2, 10], [198, 51, 100, 20], 64)
        .tcp(50000, 3389, 1000, 64240)
        .ack(1)
        .write(&mut whole, &payload)
        .unwrap();
    let hdr = &whole[..20];
    let body = &whole[20..];
    let cut = 1480; // multiple of 8
    let frag = |offset: usize, data: &[u8], more: bool| {
        let mut h = hdr.to_vec();
        let total = (20 + data.len()) as u16;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[4..6].copy_from_slice(&0x4242u16.to_be_bytes());
        let fo = ((offset / 8) as u16) | if more { 0x2000 } else { 0 };
        h[6..8].copy_from_slice(&fo.to_be_bytes());
        h[10..12].copy_from_slice(&[0, 0]);
        let mut out = h;
        out.extend_from_slice(data);
        out
    };
    let f1 = frag(0, &body[..cut], true);
    let f2 = frag(cut, &body[cut..], false);
    let mut d = Decoder::new();
    assert!(matches!(
        d.decode(101, &f1, Timestamp(1)),
        Decoded::Fragment
    ));
    match d.decode(101, &f2, Timestamp(2)) {
        Decoded::Tcp(_, tcp) => {
            assert_eq!(tcp.dst_port, 3389);
            assert_eq!(tcp.payload, &payload[..]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.frags_reassembled, 1);
}

#[test]
fn fragment_flood_stays_bounded() {
    let mut d = Decoder::new();
    let mut whole = Vec::new();
    PacketBuilder::ipv4([192, 0, 2, 10], [198, 51, 100, 20], 64)
        .udp(5000, 3389)
        .write(&mut whole, &[0u8; 64])
        .unwrap();
    // 20,000 first fragments that never complete, each with its own IP ID.
    for id in 0..20_000u32 {
        let mut f = whole.clone();
        f[4..6].copy_from_slice(&(id as u16).to_be_bytes());
        f[6..8].copy_from_slice(&0x2000u16.to_be_bytes());
        f[12] = (id >> 16) as u8;
        let _ = d.decode(101, &f, Timestamp(i64::from(id)));
    }
    assert!(
        d.frags_evicted > 0,
        "the pool was flushed when too many were pending"
    );
}

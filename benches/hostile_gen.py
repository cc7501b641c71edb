#!/usr/bin/env python3
"""Adversarial RDP traffic as pcap files, for benches/hostile.sh (memory and time bounds).

Usage: hostile_gen.py OUT_DIR [SCALE]     SCALE 1.0 = the full sizes below; 0.01 for a smoke run.

Every file starts with one well-formed RDP connection (X.224 request/confirm, FIN both ways) that
must still be reported whatever follows, then the attack:
  synflood.pcap   a million SYNs to 3389 from distinct source ports/addresses, never answered
  seqwrap.pcap    one connection whose sequence numbers wrap past 2^32 mid-stream (TPKT PDUs)
  overlap.pcap    retransmissions overlapping earlier segments with different bytes
  ooo.pcap        100,000 segments of one stream sent in reverse order (an out-of-order storm)
  tls16mb.pcap    TLS handshake messages claiming 16 MB, followed by 20 MB of records
  x224max.pcap    TPKTs claiming 65,535 bytes with X.224 Connection Requests, never completed
  credssp.pcap    a TLS session followed by endless small records both ways (CredSSP round trips)
  udpflood.pcap   a million MS-RDPEUDP SYN datagrams to UDP 3389 from distinct sources, unpadded and
                  never answered: each is an RDP-UDP flow, kept whole until it can be linked
  heldflood.pcap  an RDP connection open from the first frame to the last (a packet now and then),
                  and meanwhile a million short RDP connections with payload (X.224 request/confirm,
                  FIN): every one is reported, and each must wait for the open one to be written
  heldudp.pcap    the same open RDP connection, and meanwhile a million MS-RDPEUDP SYNs as in
                  udpflood: RDP-UDP flows kept whole, waiting behind it
Checksums are zero (rdpscope, like Wireshark by default, never verifies them).
"""
import os, struct, sys

CLIENT = bytes([192, 0, 2, 10])
SERVER = bytes([198, 51, 100, 20])
T0 = 1_721_988_902


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t_us = 0

    def packet(self, frame, dt_us=10):
        self.t_us += dt_us
        s, us = divmod(self.t_us, 1_000_000)
        self.f.write(struct.pack("<IIII", T0 + s, us, len(frame), len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()


FLAGS = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}


def ipv4(src, dst, proto, segment, ttl=64):
    """An Ethernet frame carrying `segment` (a transport header and its payload) in IPv4."""
    ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 0, 0x4000, ttl, proto, 0, src,
                     dst)
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    return eth + ih + segment


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=64240, ttl=64):
    fl = 0
    for c in flags:
        fl |= FLAGS[c]
    th = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, fl,
                     win, 0, 0)
    return ipv4(src, dst, 6, th + payload, ttl)


class Conn:
    """One TCP connection client:cport -> server:3389 with tracked sequence numbers."""

    def __init__(self, pcap, cport, client=CLIENT, cisn=1000, sisn=5000):
        self.p, self.cport, self.client = pcap, cport, client
        self.c, self.s = cisn, sisn

    def handshake(self):
        self.p.packet(tcp(self.client, SERVER, self.cport, 3389, self.c, 0, "S"))
        self.p.packet(tcp(SERVER, self.client, 3389, self.cport, self.s, self.c + 1, "SA"))
        self.c += 1
        self.s += 1
        self.p.packet(tcp(self.client, SERVER, self.cport, 3389, self.c, self.s, "A"))

    def send(self, from_client, data, seq=None, advance=True):
        if from_client:
            q = self.c if seq is None else seq
            self.p.packet(tcp(self.client, SERVER, self.cport, 3389, q, self.s, "PA", data))
            if advance:
                self.c += len(data)
        else:
            q = self.s if seq is None else seq
            self.p.packet(tcp(SERVER, self.client, 3389, self.cport, q, self.c, "PA", data))
            if advance:
                self.s += len(data)

    def close(self):
        self.p.packet(tcp(self.client, SERVER, self.cport, 3389, self.c, self.s, "FA"))
        self.p.packet(tcp(SERVER, self.client, 3389, self.cport, self.s, self.c + 1, "FA"))
        self.p.packet(tcp(self.client, SERVER, self.cport, 3389, self.c + 1, self.s + 1, "A"))


# X.224 Connection Request with RDP_NEG_REQ (TLS|HYBRID) and the Connection Confirm selecting TLS.
X224_CR = bytes.fromhex("0300002a25e00000000000436f6f6b69653a206d737473686173683d757365720d0a0100080003000000")
X224_CC = bytes.fromhex("030000130ed000001234000201080001000000")


def good_session(p, cport=40000):
    c = Conn(p, cport)
    c.handshake()
    c.send(True, X224_CR)
    c.send(False, X224_CC)
    c.close()


def tls_record(ctype, body):
    return struct.pack("!BHH", ctype, 0x0303, len(body)) + body


CLIENT_HELLO = tls_record(22, bytes.fromhex(
    "010000310303" + "11" * 32 + "00" + "0002c02f" + "0100" + "0006000d00020401"))
SERVER_HELLO = tls_record(22, bytes.fromhex(
    "0200002a0303" + "22" * 32 + "00" + "c02f" + "00" + "0002ff01"))


def synflood(out, n):
    p = Pcap(os.path.join(out, "synflood.pcap"))
    good_session(p)
    for i in range(n):
        src = bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])
        p.packet(tcp(src, SERVER, 1024 + (i % 60000), 3389, i * 7919, 0, "S"), dt_us=1)
    good_session(p, 40001)
    p.close()


def udp(src, dst, sport, dport, payload, ttl=64):
    uh = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    return ipv4(src, dst, 17, uh + payload, ttl)


def rdpudp_syn(p, i):
    """The i-th flow's MS-RDPEUDP SYN from its own source address, never answered."""
    src = bytes([10, 64 + ((i >> 16) & 0x3F), (i >> 8) & 0xFF, i & 0xFF])
    # RDPUDP_FEC_HEADER (snSourceAck -1, window 64, RDPUDP_FLAG_SYN) and RDPUDP_SYNDATA_PAYLOAD
    # (MS-RDPEUDP 2.2.2.1, 2.2.2.5), without the padding to the MTU the protocol asks for.
    syn = struct.pack("!IHHIHH", 0xFFFFFFFF, 64, 0x0001, (i * 7919) & 0xFFFFFFFF, 1232, 1232)
    p.packet(udp(src, SERVER, 1024 + (i % 60000), 3389, syn), dt_us=1)


def udpflood(out, n):
    p = Pcap(os.path.join(out, "udpflood.pcap"))
    good_session(p)
    for i in range(n):
        rdpudp_syn(p, i)
    good_session(p, 40001)
    p.close()


def seqwrap(out, n):
    p = Pcap(os.path.join(out, "seqwrap.pcap"))
    good_session(p)
    c = Conn(p, 40002, cisn=0xFFFFFFFF - 3000, sisn=0xFFFFFFFF - 100)
    c.handshake()
    c.send(True, X224_CR)
    c.send(False, X224_CC)
    # TPKT-framed X.224 data TPDUs (MCS payload garbage is fine) across the wrap, both ways.
    pdu = b"\x03\x00\x00\x80\x02\xf0\x80" + b"\x68" * (0x80 - 7)
    for _ in range(n):
        c.send(True, pdu)
        c.send(False, pdu)
    c.close()
    p.close()


def overlap(out, n):
    p = Pcap(os.path.join(out, "overlap.pcap"))
    good_session(p)
    c = Conn(p, 40003)
    c.handshake()
    c.send(True, X224_CR)
    c.send(False, X224_CC)
    for i in range(n):
        start = c.c
        c.send(True, bytes([i & 0xFF]) * 1000)
        # The same range again with different bytes, then a shifted half-overlap.
        c.send(True, bytes([(i + 1) & 0xFF]) * 1000, seq=start, advance=False)
        c.send(True, bytes([(i + 2) & 0xFF]) * 1000, seq=start + 500, advance=False)
    c.close()
    p.close()


def ooo(out, n):
    p = Pcap(os.path.join(out, "ooo.pcap"))
    good_session(p)
    c = Conn(p, 40004)
    c.handshake()
    c.send(True, X224_CR)
    c.send(False, X224_CC)
    base = c.s
    seg = 100
    for i in reversed(range(n)):
        c.send(False, b"\x55" * seg, seq=base + i * seg, advance=False)
    c.s = base + n * seg
    c.close()
    p.close()


def tls16mb(out, n_mb):
    p = Pcap(os.path.join(out, "tls16mb.pcap"))
    good_session(p)
    c = Conn(p, 40005)
    c.handshake()
    c.send(True, X224_CR)
    c.send(False, X224_CC)
    c.send(True, CLIENT_HELLO)
    # A Certificate handshake message claiming 16 MB - 1, then full-size handshake records.
    first = tls_record(22, b"\x0b\xff\xff\xff" + b"\x00" * 16380)
    c.send(False, first[:1400])
    rest = first[1400:]
    filler = tls_record(22, b"\x00" * 16384)
    total = 0
    while total < n_mb * (1 << 20):
        data = rest + filler
        rest = b""
        for k in range(0, len(data), 1400):
            c.send(False, data[k:k + 1400])
        total += len(data)
    c.close()
    p.close()


def x224max(out, n):
    p = Pcap(os.path.join(out, "x224max.pcap"))
    good_session(p)
    for i in range(n):
        c = Conn(p, 41000 + i)
        c.handshake()
        # TPKT length 65535, X.224 length indicator 254, a Connection Request that never ends.
        head = b"\x03\x00\xff\xff\xfe\xe0\x00\x00\x00\x00\x00" + b"A" * 60000
        for k in range(0, len(head), 1400):
            c.send(True, head[k:k + 1400])
        c.close()
    p.close()


def credssp(out, n):
    p = Pcap(os.path.join(out, "credssp.pcap"))
    good_session(p)
    c = Conn(p, 40006)
    c.handshake()
    c.send(True, X224_CR)
    c.send(False, X224_CC)
    c.send(True, CLIENT_HELLO)
    c.send(False, SERVER_HELLO + tls_record(20, b"\x01"))
    c.send(True, tls_record(20, b"\x01") + tls_record(22, b"\x99" * 40))
    c.send(False, tls_record(22, b"\x98" * 40))
    for i in range(n):
        c.send(True, tls_record(23, bytes([i & 0xFF]) * 60))
        c.send(False, tls_record(23, bytes([i & 0xFF]) * 60))
    c.close()
    p.close()


def held(out, name, n, each):
    """An RDP connection open from the first frame to the last (a packet every 1000 steps keeps it
    in the table), and `n` steps of `each(p, i)` behind it."""
    p = Pcap(os.path.join(out, name))
    long = Conn(p, 40000)
    long.handshake()
    long.send(True, X224_CR)
    long.send(False, X224_CC)
    for i in range(n):
        each(p, i)
        if i % 1000 == 999:
            long.send(True, b"\x03\x00\x00\x09\x02\xf0\x80\x21\x80")
    long.close()
    p.close()


def short_rdp(p, i):
    """The i-th short RDP connection with payload (X.224 request/confirm, FIN) from its own source."""
    src = bytes([10, 1 + ((i >> 16) & 0x3F), (i >> 8) & 0xFF, i & 0xFF])
    c = Conn(p, 1024 + (i % 60000), client=src)
    c.handshake()
    c.send(True, X224_CR)
    c.send(False, X224_CC)
    c.close()


def heldflood(out, n):
    held(out, "heldflood.pcap", n, short_rdp)


def heldudp(out, n):
    held(out, "heldudp.pcap", n, rdpudp_syn)


def main():
    out = sys.argv[1]
    scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    os.makedirs(out, exist_ok=True)
    n = lambda x: max(1, int(x * scale))
    synflood(out, n(1_000_000))
    seqwrap(out, n(20_000))
    overlap(out, n(20_000))
    ooo(out, n(100_000))
    tls16mb(out, n(20))
    x224max(out, n(2_000))
    credssp(out, n(500_000))
    heldflood(out, n(1_000_000))
    udpflood(out, n(1_000_000))
    heldudp(out, n(1_000_000))


if __name__ == "__main__":
    main()

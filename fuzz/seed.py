#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets into fuzz/corpus/<target>/ (not committed).

Sources: the project's samples (samples/*.pcap), the shared corpus captures (../shared/corpus,
read in place, skipped when absent), payloads extracted from them with tshark, and the hex test
vectors of the parsers' unit tests (string literals made only of hex digits and spaces).
Usage: python3 fuzz/seed.py   (from the crate root or anywhere)
"""
import glob, hashlib, json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
SERVER_PORT = 3389
MAX_SEED = 64 * 1024
count = {}

def put(target, data):
    if not data:
        return
    data = data[:MAX_SEED]
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    p = os.path.join(d, name)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
        count[target] = count.get(target, 0) + 1

def captures():
    files = sorted(glob.glob(os.path.join(ROOT, "samples", "*.pcap")))
    corpus = os.path.join(ROOT, "..", "shared", "corpus")
    for ext in ("pcap", "pcapng", "cap"):
        files += sorted(glob.glob(os.path.join(corpus, "**", "*." + ext), recursive=True))
    return files

PCAP_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1]

def tshark_fields(path, filt, fields):
    cmd = ["tshark", "-r", path, "-Y", filt, "-T", "fields", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [l.split("|") for l in out.splitlines()]

def chunks(segments):
    """[(dir, bytes)] -> the `[ctl, len, bytes]` chunk format of tls_session / dissector."""
    out = bytearray()
    for d, b in segments:
        for i in range(0, len(b), 255):
            part = b[i:i + 255]
            out += bytes([d, len(part)]) + part
    return bytes(out)

def from_capture(path):
    raw = open(path, "rb").read()
    magic = int.from_bytes(raw[:4], "little")
    put("pipeline", b"\x00" + raw)
    if magic in PCAP_MAGICS:
        put("pcap", bytes([PCAP_MAGICS.index(magic)]) + raw[4:])
    elif magic == 0x0a0d0d0a:
        put("pcapng", raw[4:])
    # TCP payloads, per stream and direction.
    streams = {}
    for row in tshark_fields(path, "tcp.len > 0", ["tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.payload"]):
        if len(row) != 4 or not row[3]:
            continue
        try:
            b = bytes.fromhex(row[3].replace(":", ""))
        except ValueError:
            continue
        st = streams.setdefault(row[0], {"client": None, "segs": []})
        if st["client"] is None:
            st["client"] = row[1] if row[2] == str(SERVER_PORT) or row[1] != str(SERVER_PORT) else row[2]
        d = 0 if row[1] == st["client"] else 1
        st["segs"].append((d, b))
        if b[:2] == b"\x03\x00":
            put("tpkt", b)
            put("x224", b[4:])
            if len(b) > 7 and b[5] == 0xF0:
                mcs = b[7:]
                put("mcs", mcs)
                for sel in (b"\x00", b"\x01"):
                    put("share", sel + mcs[8:])
                k = mcs.find(bytes.fromhex("000500147c0001"))
                if k >= 0 and mcs[:2] == b"\x7f\x65":
                    put("gcc_request", mcs[k:])
                elif k >= 0 and mcs[:2] == b"\x7f\x66":
                    put("gcc_response", mcs[k:])
    for st in list(streams.values())[:20]:
        segs = st["segs"][:60]
        c = chunks(segs)
        put("tls_session", c)
        put("dissector", c)
    for row in tshark_fields(path, "tls.handshake.certificate", ["tls.handshake.certificate"]):
        for h in row[0].split(","):
            try:
                put("x509", bytes.fromhex(h.replace(":", "")))
            except ValueError:
                pass
    for row in tshark_fields(path, "udp.port == 3389 && udp.length > 8", ["udp.payload"]):
        try:
            put("rdpeudp", bytes.fromhex(row[0].replace(":", "")))
        except ValueError:
            pass
    try:
        out = subprocess.run(["tshark", "-r", path, "-Y", "icmp || icmpv6", "-T", "json", "-x"],
                             capture_output=True, text=True, timeout=120).stdout
        for pkt in json.loads(out or "[]"):
            layers = pkt.get("_source", {}).get("layers", {})
            for k in ("icmp_raw", "icmpv6_raw"):
                v = layers.get(k)
                if isinstance(v, list) and v and isinstance(v[0], str):
                    put("icmp", bytes.fromhex(v[0]))
    except (OSError, subprocess.TimeoutExpired, ValueError):
        pass

HEX = re.compile(r'"([0-9a-fA-F ]{8,})"')
VECTORS = {
    "tpkt": ["src/proto/tpkt.rs"], "x224": ["src/proto/x224.rs"], "mcs": ["src/proto/mcs.rs"],
    "gcc_request": ["src/proto/gcc.rs", "src/proto/gcc/tests.rs"],
    "gcc_response": ["src/proto/gcc.rs", "src/proto/gcc/tests.rs"],
    "share": ["src/proto/share.rs"], "rdpeudp": ["src/proto/rdpeudp.rs"],
    "icmp": ["src/decode/icmp.rs"], "x509": ["src/proto/x509.rs", "src/proto/tls/testdata.rs"],
    "tls_session": ["src/proto/tls/testdata.rs", "src/proto/tls/tests.rs"],
}

def from_vectors():
    for target, files in VECTORS.items():
        for f in files:
            p = os.path.join(ROOT, f)
            if not os.path.exists(p):
                continue
            for m in HEX.finditer(open(p).read()):
                h = m.group(1).replace(" ", "")
                if len(h) % 2:
                    continue
                b = bytes.fromhex(h)
                if target == "share":
                    put(target, b"\x00" + b)
                    put(target, b"\x01" + b)
                elif target == "tls_session":
                    put(target, chunks([(0, b)]))
                    put(target, chunks([(1, b)]))
                else:
                    put(target, b)

for c in captures():
    from_capture(c)
from_vectors()
for t in sorted(count):
    print(f"{t}: {count[t]} new seeds")

//! `e`: write the selected session's packets to a pcapng for Wireshark, by reading the capture
//! again and keeping the frames of that session's endpoints (and ICMP errors about it), with
//! their original timestamps and link type. Reading stops once the session's last frame has gone
//! by: exporting an early session of a large capture does not read all of it.

use crate::capture::{self, writer::AtomicPcapNg};
use crate::decode::{Decoded, Decoder, Transport};
use crate::timeline::Session;
use std::cell::Cell;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The file name an export of `s` from `src` gets: `<capture stem>.session<id>.pcapng`.
pub fn default_name(src: &Path, s: &Session) -> PathBuf {
    let stem = src
        .file_stem()
        .map(|x| x.to_string_lossy().into_owned())
        .unwrap_or_else(|| "capture".into());
    PathBuf::from(format!("{stem}.session{}.pcapng", s.id))
}

fn same_flow(s: &Session, t: Transport, a: SocketAddr, b: SocketAddr) -> bool {
    t == s.transport && ((a == s.client && b == s.server) || (a == s.server && b == s.client))
}

/// Reads `inner` until `done` is set, then ends as if the file did.
struct Until<'a, R> {
    inner: R,
    done: &'a Cell<bool>,
}

impl<R: Read> Read for Until<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done.get() {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// Write the frames of session `s` (between its first and last frame) from `src` to `out`.
/// Returns the number of frames written.
pub fn session(src: &Path, s: &Session, out: &Path) -> Result<u64, String> {
    let opened = std::fs::File::open(src).map_err(|e| format!("{}: {e}", src.display()))?;
    let mut file = AtomicPcapNg::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut decoder = Decoder::new();
    let mut err: Option<String> = None;
    let done = Cell::new(false);
    let reader = Until {
        inner: opened,
        done: &done,
    };
    capture::read_reader(reader, &mut |f| {
        if f.number > s.last_frame {
            // What the reader holds is still handed out; nothing more is read.
            done.set(true);
            return;
        }
        if err.is_some() || f.number < s.first_frame {
            return;
        }
        let keep = match decoder.decode(f.link, f.data, f.ts) {
            Decoded::Tcp(ip, tcp) => same_flow(
                s,
                Transport::Tcp,
                SocketAddr::new(ip.src, tcp.src_port),
                SocketAddr::new(ip.dst, tcp.dst_port),
            ),
            Decoded::Udp {
                ip,
                src_port,
                dst_port,
                ..
            } => same_flow(
                s,
                Transport::Udp,
                SocketAddr::new(ip.src, src_port),
                SocketAddr::new(ip.dst, dst_port),
            ),
            Decoded::Icmp(_, e) => {
                let q = e.quoted;
                let t = match q.protocol {
                    6 => Some(Transport::Tcp),
                    17 => Some(Transport::Udp),
                    _ => None,
                };
                t.is_some_and(|t| {
                    same_flow(
                        s,
                        t,
                        SocketAddr::new(q.src, q.src_port),
                        SocketAddr::new(q.dst, q.dst_port),
                    )
                })
            }
            _ => false,
        };
        if keep {
            if let Err(e) = file.write_frame(f) {
                err = Some(format!("{}: {e}", out.display()));
            }
        }
    })
    .map_err(|e| format!("{}: {e}", src.display()))?;
    if let Some(e) = err {
        return Err(e);
    }
    file.commit().map_err(|e| format!("{}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Timestamp;
    use etherparse::PacketBuilder;

    /// A pcap of session frames 1..=3 (TCP 10.0.0.1:40000 ↔ 10.0.0.2:3389), then `filler`
    /// datagrams of 1,000 bytes between other hosts; and the session as analysed.
    fn capture(filler: usize) -> (Vec<u8>, Session) {
        let mut out = Vec::new();
        for x in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65_535, 1] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        let mut record = |i: usize, data: Vec<u8>| {
            for x in [i as u32, 0, data.len() as u32, data.len() as u32] {
                out.extend_from_slice(&x.to_le_bytes());
            }
            out.extend_from_slice(&data);
        };
        let eth = |from: u8| PacketBuilder::ethernet2([2, 0, 0, 0, 0, from], [2, 0, 0, 0, 0, 9]);
        for (i, to_server) in [true, false, true].into_iter().enumerate() {
            let mut d = Vec::new();
            let (src, dst, sp, dp) = if to_server {
                ([10, 0, 0, 1], [10, 0, 0, 2], 40000, 3389)
            } else {
                ([10, 0, 0, 2], [10, 0, 0, 1], 3389, 40000)
            };
            eth(1)
                .ipv4(src, dst, 64)
                .tcp(sp, dp, 1000 + i as u32, 4096)
                .ack(1)
                .write(&mut d, &[0x17; 100])
                .unwrap();
            record(i, d);
        }
        for i in 0..filler {
            let mut d = Vec::new();
            eth(3)
                .ipv4([192, 0, 2, 1], [192, 0, 2, 2], 64)
                .udp(5000, 5001)
                .write(&mut d, &[0x5a; 1000])
                .unwrap();
            record(3 + i, d);
        }
        let mut s = Session::new(
            1,
            Transport::Tcp,
            "10.0.0.1:40000".parse().unwrap(),
            "10.0.0.2:3389".parse().unwrap(),
            1,
            Timestamp(0),
        );
        s.last_frame = 3;
        (out, s)
    }

    fn frames_in(path: &Path) -> u64 {
        let mut n = 0;
        capture::read_file(path, None, &mut |_| n += 1).unwrap();
        n
    }

    #[test]
    fn the_sessions_frames_are_exported() {
        let dir = tempfile::tempdir().unwrap();
        let (bytes, s) = capture(50);
        let src = dir.path().join("c.pcap");
        std::fs::write(&src, bytes).unwrap();
        let out = dir.path().join("out.pcapng");
        assert_eq!(session(&src, &s, &out), Ok(3));
        assert_eq!(frames_in(&out), 3);
        assert!(session(&dir.path().join("missing.pcap"), &s, &out).is_err());
    }

    /// The capture comes through a pipe whose writer stays open after 3 MiB of datagrams that
    /// follow the session: the export ends all the same, since it stops reading once the
    /// session's last frame has gone by (reading on would wait for the writer forever).
    #[cfg(unix)]
    #[test]
    fn reading_stops_after_the_sessions_last_frame() {
        use std::sync::mpsc;
        use std::time::Duration;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("c.pcap");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|st| st.success()) {
            eprintln!("skipped: mkfifo unavailable");
            return;
        }
        let (bytes, s) = capture(3_000);
        let (close, closed) = mpsc::channel::<()>();
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                // The reader may stop before taking all of it.
                let _ = std::io::Write::write_all(&mut w, &bytes);
                let _ = closed.recv_timeout(Duration::from_secs(60));
            })
        };
        let (done, result) = mpsc::channel();
        let out = dir.path().join("out.pcapng");
        {
            let out = out.clone();
            std::thread::spawn(move || {
                let _ = done.send(session(&fifo, &s, &out));
            });
        }
        let r = result.recv_timeout(Duration::from_secs(30));
        let _ = close.send(());
        writer.join().unwrap();
        assert_eq!(
            r,
            Ok(Ok(3)),
            "the export waited for the rest of the capture"
        );
        assert_eq!(frames_in(&out), 3);
    }
}

//! `e`: write the selected session's packets to a pcapng for Wireshark, by reading the capture
//! again and keeping the frames of that session's endpoints (and ICMP errors about it), with
//! their original timestamps and link type.

use crate::capture::{self, writer::AtomicPcapNg};
use crate::decode::{Decoded, Decoder, Transport};
use crate::timeline::Session;
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

/// Write the frames of session `s` (between its first and last frame) from `src` to `out`.
/// Returns the number of frames written.
pub fn session(src: &Path, s: &Session, out: &Path) -> Result<u64, String> {
    let mut file = AtomicPcapNg::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut decoder = Decoder::new();
    let mut err: Option<String> = None;
    capture::read_file(src, None, &mut |f| {
        if err.is_some() || f.number < s.first_frame || f.number > s.last_frame {
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

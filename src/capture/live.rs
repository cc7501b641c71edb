//! Live capture through libpcap (the `pcap` crate): open an interface in immediate mode with a
//! BPF filter, and hand each packet over as a [`Frame`] with the interface's link type, so
//! Ethernet, `any` (Linux cooked v2, LINKTYPE_LINUX_SLL2) and tunnels (raw IP) all decode.

use super::{Frame, LinkType};
use crate::types::{FrameNo, Timestamp};
use std::fmt;

/// Default capture filter: RDP over TCP and UDP.
pub const DEFAULT_FILTER: &str = "tcp port 3389 or udp port 3389";
/// Bytes kept per packet (Wireshark's default maximum).
const SNAPLEN: i32 = 262_144;
/// libpcap's buffer timeout, in milliseconds (immediate mode delivers packets at once anyway).
const READ_TIMEOUT_MS: i32 = 100;
/// How long [`LiveCapture::next`] sleeps when no packet is waiting. The handle is non-blocking:
/// with TPACKET_V3, libpcap's own timeout does not wake a blocked read while no packet arrives,
/// so a blocking read could never notice Ctrl-C on a quiet link.
const IDLE_SLEEP: std::time::Duration = std::time::Duration::from_millis(5);

/// Why a live capture could not start (exit status 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// The process may not capture packets.
    Permission {
        /// The interface.
        iface: String,
        /// libpcap's message.
        detail: String,
    },
    /// No interface by that name; the ones that exist.
    NoSuchInterface {
        /// The name asked for.
        iface: String,
        /// The interfaces libpcap can see.
        available: Vec<String>,
    },
    /// The BPF filter does not compile.
    BadFilter {
        /// The filter.
        filter: String,
        /// libpcap's message.
        detail: String,
    },
    /// Anything else libpcap reported.
    Other(String),
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Permission { iface, detail } => write!(
                f,
                "no permission to capture on {iface} ({detail}): run as root, or give the binary the capability once with `sudo setcap cap_net_raw,cap_net_admin+eip $(command -v rdpscope)`"
            ),
            LiveError::NoSuchInterface { iface, available } => {
                write!(f, "no interface named {iface:?}; available: ")?;
                if available.is_empty() {
                    write!(f, "none visible")
                } else {
                    write!(f, "{}", available.join(", "))
                }
            }
            LiveError::BadFilter { filter, detail } => {
                write!(f, "invalid capture filter {filter:?}: {detail}")
            }
            LiveError::Other(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for LiveError {}

/// The interfaces libpcap can capture on, by name.
pub fn interfaces() -> Vec<String> {
    pcap::Device::list()
        .map(|d| d.into_iter().map(|d| d.name).collect())
        .unwrap_or_default()
}

fn is_permission(msg: &str) -> bool {
    let m = msg.to_lowercase();
    m.contains("permission") || m.contains("not permitted")
}

fn classify(iface: &str, e: pcap::Error) -> LiveError {
    let msg = e.to_string();
    if is_permission(&msg) {
        return LiveError::Permission {
            iface: iface.into(),
            detail: msg,
        };
    }
    let available = interfaces();
    if !available.iter().any(|n| n == iface) {
        return LiveError::NoSuchInterface {
            iface: iface.into(),
            available,
        };
    }
    LiveError::Other(format!("{iface}: {msg}"))
}

/// An open live capture.
pub struct LiveCapture {
    cap: pcap::Capture<pcap::Active>,
    link: LinkType,
    frames: FrameNo,
}

impl LiveCapture {
    /// Open `iface` (immediate mode, not promiscuous) and apply the BPF `filter`.
    pub fn open(iface: &str, filter: &str) -> Result<Self, LiveError> {
        // An unknown name is reported with the list, before libpcap's less helpful message.
        let available = interfaces();
        if !available.is_empty() && !available.iter().any(|n| n == iface) {
            return Err(LiveError::NoSuchInterface {
                iface: iface.into(),
                available,
            });
        }
        let inactive = pcap::Capture::from_device(iface).map_err(|e| classify(iface, e))?;
        let mut cap = inactive
            .immediate_mode(true)
            .promisc(false)
            .snaplen(SNAPLEN)
            .timeout(READ_TIMEOUT_MS)
            .open()
            .map_err(|e| classify(iface, e))?
            .setnonblock()
            .map_err(|e| classify(iface, e))?;
        cap.filter(filter, true).map_err(|e| LiveError::BadFilter {
            filter: filter.into(),
            detail: e.to_string(),
        })?;
        let link = u32::try_from(cap.get_datalink().0).unwrap_or(u32::MAX);
        Ok(LiveCapture {
            cap,
            link,
            frames: 0,
        })
    }

    /// The interface's link type (LINKTYPE_*), as written to pcapng.
    pub fn link(&self) -> LinkType {
        self.link
    }

    /// Packets captured so far.
    pub fn frames(&self) -> FrameNo {
        self.frames
    }

    /// Hand the next waiting packet to `on_frame`; when none is waiting, sleep a few
    /// milliseconds instead. Returns whether a packet came.
    pub fn next(&mut self, on_frame: &mut dyn FnMut(&Frame<'_>)) -> Result<bool, LiveError> {
        match self.cap.next_packet() {
            Ok(p) => {
                self.frames += 1;
                // time_t is i32 on some targets.
                #[allow(clippy::useless_conversion)]
                let ts = Timestamp::from_parts(
                    i64::from(p.header.ts.tv_sec),
                    u32::try_from(p.header.ts.tv_usec)
                        .unwrap_or(0)
                        .saturating_mul(1_000),
                );
                let frame = Frame {
                    number: self.frames,
                    ts,
                    link: self.link,
                    data: p.data,
                    orig_len: p.header.len,
                    in_file: None,
                };
                on_frame(&frame);
                Ok(true)
            }
            Err(pcap::Error::TimeoutExpired) => {
                std::thread::sleep(IDLE_SLEEP);
                Ok(false)
            }
            Err(e) => Err(LiveError::Other(format!("capture stopped: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_is_missing() {
        let p = LiveError::Permission {
            iface: "tun0".into(),
            detail: "socket: Operation not permitted".into(),
        };
        let s = p.to_string();
        assert!(s.contains("run as root"));
        assert!(s.contains("setcap cap_net_raw,cap_net_admin+eip"));
        assert!(!s.contains('\n'));
        let n = LiveError::NoSuchInterface {
            iface: "tun9".into(),
            available: vec!["lo".into(), "eth0".into()],
        };
        assert_eq!(
            n.to_string(),
            "no interface named \"tun9\"; available: lo, eth0"
        );
        assert!(is_permission(
            "You don't have permission to capture on that device"
        ));
        assert!(!is_permission("No such device exists"));
    }
}

//! Facts distilled from a session's events, in the vocabulary the rules speak.

use crate::timeline::{Event, EventKind, Session};
use crate::types::{Direction, FrameNo};

/// What the rules need to know about a session, each with the frames that show it.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Client SYN frames.
    pub syns: Vec<FrameNo>,
    /// Server SYN+ACK frames.
    pub synacks: Vec<FrameNo>,
    /// The handshake completed at this frame.
    pub established: Option<FrameNo>,
    /// First FIN per side (client, server).
    pub fin: [Option<FrameNo>; 2],
    /// First RST per side (client, server).
    pub rst: [Option<FrameNo>; 2],
    /// ICMP errors (frame, index into the session's events).
    pub icmp: Vec<(FrameNo, usize)>,
    /// Payload-carrying frames seen at all (any direction).
    pub any_payload: bool,
}

impl Facts {
    /// Collect the facts of a session.
    pub fn of(s: &Session) -> Facts {
        let mut f = Facts {
            any_payload: s.bytes[0] + s.bytes[1] > 0,
            ..Facts::default()
        };
        for (i, e) in s.events.iter().enumerate() {
            f.note(i, e);
        }
        f
    }

    fn note(&mut self, i: usize, e: &Event) {
        let side = e.dir.map(Direction::idx);
        match &e.kind {
            EventKind::Syn { .. } => self.syns.push(e.frame),
            EventKind::SynAck { .. } => self.synacks.push(e.frame),
            EventKind::Established => {
                self.established.get_or_insert(e.frame);
            }
            EventKind::Fin => {
                if let Some(slot) = side.and_then(|i| self.fin.get_mut(i)) {
                    slot.get_or_insert(e.frame);
                }
            }
            EventKind::Rst { .. } => {
                if let Some(slot) = side.and_then(|i| self.rst.get_mut(i)) {
                    slot.get_or_insert(e.frame);
                }
            }
            EventKind::Icmp { .. } => self.icmp.push((e.frame, i)),
            _ => {}
        }
    }
}

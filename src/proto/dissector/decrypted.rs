//! What TLS decryption reveals (issue 9): the plaintext of a TLS session's application data,
//! per direction, in stream order. With NLA it starts with CredSSP TSRequests (MS-CSSP 2.2.1,
//! DER SEQUENCEs), then (HYBRID_EX) the server's 4-byte Early User Authorization Result
//! (MS-RDPBCGR 2.2.10.2), then the same TPKT/X.224/MCS and fast-path stream as without TLS.
//! Events from here are marked decrypted.

use super::{At, Dissector, MAX_PENDING};
use crate::proto::credssp;
use crate::proto::tpkt;
use crate::proto::{Layer, ProtoError};
use crate::timeline::{EventKind, Session};
use crate::types::{Direction, PerDir};

/// The decrypted streams' state.
#[derive(Debug, Default)]
pub(super) struct Inner {
    /// An incomplete PDU, per direction (at most `MAX_PENDING` bytes).
    pending: PerDir<Vec<u8>>,
    /// The direction's plaintext could not be followed (malformed or oversized).
    stopped: PerDir<bool>,
    /// A TSRequest was seen in this direction.
    credssp: PerDir<bool>,
    /// A TPKT or fast-path PDU was seen in this direction.
    rdp: PerDir<bool>,
}

impl Inner {
    /// Give back buffer capacity beyond the partial PDUs held.
    pub(super) fn hibernate(&mut self) {
        self.pending.client.shrink_to_fit();
        self.pending.server.shrink_to_fit();
    }
}

impl Dissector {
    /// Decrypted application data of `at.dir`.
    pub(super) fn plaintext(&mut self, at: At, bytes: &[u8], session: &mut Session) {
        if *self.inner.stopped.get(at.dir) {
            return;
        }
        let mut buf = std::mem::take(self.inner.pending.get_mut(at.dir));
        buf.extend_from_slice(bytes);
        let from = session.events.len();
        let mut cur: &[u8] = &buf;
        while !cur.is_empty() {
            let inner = &mut self.inner;
            if cur.first() == Some(&0x30) && !*inner.rdp.get(at.dir) {
                match credssp::ts_request_len(cur) {
                    Ok(Some(n)) if n <= cur.len() => {
                        let (msg, rest) = cur.split_at(n);
                        *inner.credssp.get_mut(at.dir) = true;
                        match credssp::parse_ts_request(msg) {
                            Ok((_, r)) => session.push(
                                at.frame,
                                at.ts,
                                Some(at.dir),
                                EventKind::CredSsp(Box::new(r)),
                            ),
                            Err(e) => self.inner_malformed(at, e, session),
                        }
                        cur = rest;
                    }
                    Ok(_) => break,
                    Err(e) => {
                        self.inner_malformed(at, e, session);
                        cur = &[];
                    }
                }
                continue;
            }
            // HYBRID_EX: the server's Early User Authorization Result after CredSSP
            // (0 = SUCCESS, 5 = ACCESS_DENIED), 4 bytes little-endian.
            if at.dir == Direction::ServerToClient
                && *inner.credssp.get(at.dir)
                && !*inner.rdp.get(at.dir)
            {
                if let Some([0 | 5, 0, 0, 0]) = cur.get(..4) {
                    cur = cur.get(4..).unwrap_or_default();
                    continue;
                }
            }
            match tpkt::parse_record(cur) {
                Ok((rest, rec)) => {
                    *self.inner.rdp.get_mut(at.dir) = true;
                    if let tpkt::Record::Tpkt(t) = rec {
                        self.x224(at, t.payload, session);
                    }
                    cur = rest;
                }
                Err(ProtoError::Incomplete(_)) => break,
                Err(e) => {
                    self.inner_malformed(at, e, session);
                    cur = &[];
                }
            }
        }
        if !*self.inner.stopped.get(at.dir) {
            if cur.len() <= MAX_PENDING {
                let p = self.inner.pending.get_mut(at.dir);
                p.clear();
                p.extend_from_slice(cur);
            } else {
                *self.inner.stopped.get_mut(at.dir) = true;
            }
        }
        session.mark_decrypted_from(from);
    }

    fn inner_malformed(&mut self, at: At, e: ProtoError, session: &mut Session) {
        *self.inner.stopped.get_mut(at.dir) = true;
        let (layer, what) = match e {
            ProtoError::Malformed { layer, what } => (layer, what),
            ProtoError::Incomplete(_) => (Layer::Rdp, "decrypted PDU cut short".to_string()),
        };
        self.malformed(at, layer, format!("{what} (decrypted)"), session);
    }
}

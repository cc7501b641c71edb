//! A TLS session's decryption state: which record cipher protects each direction now and which
//! comes next, set up from the hellos and a key log.
//!
//! TLS ≤ 1.2: the key block is derived when the ServerHello names the suite; each direction
//! switches to its cipher (sequence number 0) at its ChangeCipherSpec (RFC 5246 §7.1).
//! TLS 1.3: both directions start with the handshake traffic secrets right after the
//! ServerHello and switch to the application traffic secrets after their own Finished
//! (RFC 8446 §7.2); a record that does not open under the handshake keys is retried under the
//! application keys (a Finished that was not captured).

use super::decrypt::{self, DecryptError, Plain, RecordCipher};
use crate::proto::keylog::KeyLog;
use crate::types::Direction;

#[derive(Debug, Default)]
struct DirKeys {
    /// Protects the direction's records now.
    active: Option<RecordCipher>,
    /// TLS ≤ 1.2: takes over at the direction's ChangeCipherSpec. TLS 1.3: the application
    /// traffic cipher, after the Finished.
    next: Option<RecordCipher>,
}

/// The decryption state of one TLS session, both directions.
#[derive(Debug)]
pub(super) struct SessionKeys {
    dirs: [DirKeys; 2],
    tls13: bool,
}

/// Why a session cannot be decrypted although a key log was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NoKeys {
    /// The key log has nothing for this client random.
    NotInKeyLog,
    /// The cipher suite is not one this build decrypts.
    Suite(u16),
    /// Secrets present but incomplete or of the wrong size for the suite.
    BadSecrets,
}

impl SessionKeys {
    /// Sets up decryption after a ServerHello (not a HelloRetryRequest).
    pub(super) fn new(
        keys: &KeyLog,
        version: u16,
        cipher_suite: u16,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<Self, NoKeys> {
        let secrets = keys.get(client_random).ok_or(NoKeys::NotInKeyLog)?;
        let suite = decrypt::suite(cipher_suite).ok_or(NoKeys::Suite(cipher_suite))?;
        if suite.tls13 {
            let c = |s: &Option<crate::proto::keylog::Secret>| {
                s.as_ref().and_then(|s| decrypt::tls13_cipher(suite, &s.0))
            };
            let client = DirKeys {
                active: c(&secrets.client_handshake),
                next: c(&secrets.client_traffic),
            };
            let server = DirKeys {
                active: c(&secrets.server_handshake),
                next: c(&secrets.server_traffic),
            };
            let none = |d: &DirKeys| d.active.is_none() && d.next.is_none();
            if none(&client) && none(&server) {
                return Err(NoKeys::BadSecrets);
            }
            return Ok(SessionKeys {
                dirs: [client, server],
                tls13: true,
            });
        }
        let master = secrets.master.as_ref().ok_or(NoKeys::NotInKeyLog)?;
        let (client, server) =
            decrypt::tls12_ciphers(version, suite, &master.0, client_random, server_random)
                .ok_or(NoKeys::BadSecrets)?;
        Ok(SessionKeys {
            dirs: [
                DirKeys {
                    active: None,
                    next: Some(client),
                },
                DirKeys {
                    active: None,
                    next: Some(server),
                },
            ],
            tls13: false,
        })
    }

    /// A ChangeCipherSpec in `dir` (TLS ≤ 1.2): the pending cipher takes over.
    pub(super) fn change_cipher_spec(&mut self, dir: Direction) {
        if self.tls13 {
            return;
        }
        if let Some(d) = self.dirs.get_mut(dir.idx()) {
            if let Some(next) = d.next.take() {
                d.active = Some(next);
            }
        }
    }

    /// Whether records in `dir` can be decrypted now.
    pub(super) fn active(&self, dir: Direction) -> bool {
        self.dirs
            .get(dir.idx())
            .is_some_and(|d| d.active.is_some() || (self.tls13 && d.next.is_some()))
    }

    /// Decrypts one protected record of `dir` (`rec`: header and body).
    pub(super) fn decrypt(&mut self, dir: Direction, rec: &[u8]) -> Result<Plain, DecryptError> {
        let header: [u8; 5] = rec
            .get(..5)
            .and_then(|h| h.try_into().ok())
            .ok_or(DecryptError::BadLength(rec.len()))?;
        let body = rec.get(5..).unwrap_or_default();
        let tls13 = self.tls13;
        let Some(d) = self.dirs.get_mut(dir.idx()) else {
            return Err(DecryptError::BadRecordMac);
        };
        let first = match d.active.as_mut() {
            Some(c) => c.decrypt(&header, body),
            None => Err(DecryptError::BadRecordMac),
        };
        let plain = match first {
            Ok(p) => p,
            Err(e) if tls13 => {
                // The Finished may be missing from the capture: try the application keys.
                let Some(mut next) = d.next.take() else {
                    return Err(e);
                };
                match next.decrypt(&header, body) {
                    Ok(p) => {
                        d.active = Some(next);
                        p
                    }
                    Err(_) => {
                        // Did not open either: keep the application keys for later.
                        next.seq = 0;
                        d.next = Some(next);
                        return Err(e);
                    }
                }
            }
            Err(e) => return Err(e),
        };
        if tls13 && plain.content_type == 22 && has_finished(&plain.data) {
            if let Some(next) = d.next.take() {
                d.active = Some(next);
            }
        }
        Ok(plain)
    }
}

/// Whether a decrypted handshake fragment holds a Finished message (type 20) at a message
/// boundary (RFC 8446 §4.4.4).
fn has_finished(mut data: &[u8]) -> bool {
    while let (Some(t), Some(len)) = (
        data.first().copied(),
        data.get(1..4)
            .map(|l| l.iter().fold(0usize, |a, b| a << 8 | usize::from(*b))),
    ) {
        if t == 20 {
            return true;
        }
        match data.get(4 + len..) {
            Some(rest) => data = rest,
            None => return false,
        }
    }
    false
}

//! TLS over a TCP stream (RFC 8446, RFC 5246): record defragmentation, handshake reassembly,
//! and the handshake facts a diagnosis needs, as owned [`TlsEvent`]s.
//!
//! A [`TlsSession`] per connection is fed the in-order bytes of each direction with
//! [`TlsSession::push`]; it never copies payloads except for the tail of a record or handshake
//! message that continues in a later segment (both bounded). Records are framed with
//! tls-parser's header parser, handshake messages decoded with tls-parser and certificates with
//! x509-parser; their nom 7 types stay private to this module.
//!
//! What becomes opaque: in TLS ≤ 1.2 a direction is encrypted after its ChangeCipherSpec
//! (RFC 5246 §7.1); when a ServerHello selects TLS 1.3 both directions are encrypted from then
//! on (RFC 8446 §2). Encrypted handshake records (the Finished message in TLS ≤ 1.2) become
//! [`TlsEvent::EncryptedHandshake`] and alert records other than 2 bytes long
//! [`TlsEvent::EncryptedAlert`]. TLS 1.3 disguises its encrypted handshake as application data
//! (RFC 8446 §5.2), so there it shows as [`TlsEvent::ApplicationData`], as Wireshark shows it.

pub mod decrypt;
mod handshake;
mod keys;
pub mod names;
pub mod rsa_kx;

pub use crate::proto::x509::{CertInfo, KeyType, Validity};
pub use names::{
    AlertDescription, AlertLevel, cipher_name, handshake_type_name, is_grease, is_tls13,
    version_name,
};

use crate::proto::keylog::KeyLog;
use crate::types::Direction;
use keys::{NoKeys, SessionKeys};
use std::sync::Arc;

/// Largest record body accepted: 2^14 plaintext plus 2048 bytes of expansion, the TLS 1.2
/// ciphertext limit (RFC 5246 §6.2.3). Above it the direction has lost framing.
pub const MAX_RECORD_LEN: usize = 16384 + 2048;

/// Largest handshake message reassembled (certificate chains are the big ones).
pub const MAX_HANDSHAKE_LEN: usize = 128 * 1024;

/// The length of a record header: type, version, length (RFC 5246 §6.2.1).
const HEADER_LEN: usize = 5;

/// A ClientHello's offer (RFC 8446 §4.1.2). Values are kept as on the wire, GREASE included
/// (see [`is_grease`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (the TLS ≤ 1.2 version field).
    pub legacy_version: u16,
    /// The supported_versions extension (RFC 8446 §4.2.1), empty when absent.
    pub supported_versions: Vec<u16>,
    /// Offered cipher suites, in order.
    pub cipher_suites: Vec<u16>,
    /// The server_name extension's host_name (RFC 6066 §3).
    pub sni: Option<String>,
    /// supported_groups (RFC 8446 §4.2.7).
    pub groups: Vec<u16>,
    /// signature_algorithms (RFC 8446 §4.2.3).
    pub signature_algorithms: Vec<u16>,
    /// ALPN protocol names (RFC 7301).
    pub alpn: Vec<String>,
}

impl ClientHello {
    /// The highest version offered: the largest non-GREASE supported_versions entry, or the
    /// legacy version when the extension is absent.
    pub fn max_version(&self) -> u16 {
        self.supported_versions
            .iter()
            .copied()
            .filter(|v| !is_grease(*v) && v & 0xff00 == 0x0300)
            .max()
            .unwrap_or(self.legacy_version)
    }

    /// The cipher suites offered, GREASE values left out.
    pub fn ciphers(&self) -> impl Iterator<Item = u16> + '_ {
        self.cipher_suites
            .iter()
            .copied()
            .filter(|c| !is_grease(*c))
    }

    /// The versions offered: the supported_versions extension without GREASE, or the legacy
    /// version alone when the extension is absent.
    pub fn offered_versions(&self) -> Vec<u16> {
        let v: Vec<u16> = self
            .supported_versions
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .collect();
        if v.is_empty() {
            vec![self.legacy_version]
        } else {
            v
        }
    }
}

/// One thing seen on a TLS stream, in stream order. The caller knows the direction, frame and
/// time of the push that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsEvent {
    /// ClientHello (RFC 8446 §4.1.2).
    ClientHello(Box<ClientHello>),
    /// ServerHello (RFC 8446 §4.1.3), or a HelloRetryRequest.
    ServerHello {
        /// The negotiated version: the supported_versions extension when present (TLS 1.3),
        /// else the ServerHello's version field.
        version: u16,
        /// The chosen cipher suite.
        cipher_suite: u16,
        /// A HelloRetryRequest (TLS 1.3 special random, or a draft's type-6 message).
        is_hello_retry_request: bool,
    },
    /// Certificate (RFC 5246 §7.4.2): the chain as sent, leaf first. Certificates that do not
    /// parse are left out and reported as [`TlsEvent::Malformed`].
    Certificate(Vec<CertInfo>),
    /// ServerKeyExchange (RFC 5246 §7.4.3).
    ServerKeyExchange,
    /// CertificateRequest (RFC 5246 §7.4.4): the server asks for a client certificate.
    CertificateRequest,
    /// ServerHelloDone (RFC 5246 §7.4.5).
    ServerHelloDone,
    /// ClientKeyExchange (RFC 5246 §7.4.7).
    ClientKeyExchange,
    /// Any other plaintext handshake message (NewSessionTicket, CertificateStatus,
    /// CertificateVerify ...), by type (see [`handshake_type_name`]).
    OtherHandshake {
        /// HandshakeType.
        msg_type: u8,
        /// Body length.
        len: u32,
    },
    /// ChangeCipherSpec (RFC 5246 §7.1; a compatibility no-op in TLS 1.3, RFC 8446 §D.4).
    ChangeCipherSpec,
    /// An encrypted handshake record: in TLS ≤ 1.2 the Finished message (RFC 5246 §7.4.9).
    EncryptedHandshake {
        /// Record length.
        len: u16,
    },
    /// A plaintext alert (RFC 5246 §7.2, RFC 8446 §6), or a protected one decrypted with a key
    /// log (`decrypted`).
    Alert {
        /// Level.
        level: AlertLevel,
        /// Description.
        description: AlertDescription,
        /// Read from a protected record decrypted with the session's logged secrets.
        decrypted: bool,
    },
    /// An encrypted alert: level and description unknown (typically close_notify or, during
    /// the handshake, a refusal of the peer's Finished or certificate).
    EncryptedAlert {
        /// Record length.
        len: u16,
    },
    /// An application-data record (with NLA, the CredSSP exchange).
    ApplicationData {
        /// Record length.
        len: u16,
    },
    /// A protected record that did not decrypt although the key log has the session's
    /// secrets (reported for the first few records per direction; decryption goes on).
    Undecryptable {
        /// Record length.
        len: u16,
        /// Why, e.g. `record does not authenticate (wrong secrets or records missing)`.
        why: String,
    },
    /// The RSA private key given (`--rsa-key`) is not the key of this TLS_RSA_* session's
    /// server certificate (different modulus): the session stays encrypted.
    RsaKeyMismatch,
    /// The key log was given but cannot decrypt this session (reported once).
    NoSecrets {
        /// Why, e.g. `no secrets for this client random in the key log`.
        why: String,
    },
    /// A heartbeat record (RFC 6520).
    Heartbeat {
        /// Record length.
        len: u16,
    },
    /// Bytes that cannot be TLS here; reported once per direction. After a bad record header
    /// the direction is no longer parsed; after a bad handshake message, records still are.
    Malformed {
        /// What was wrong, e.g. `TLS record length 70000 exceeds 18432`.
        what: String,
    },
}

/// Whether `data` starts with a plausible TLS record header: content type 20–24, version
/// 0x03xx (xx ≤ 4) and, when the length is present, a length within [`MAX_RECORD_LEN`].
pub fn looks_like_tls(data: &[u8]) -> bool {
    check_header(data).is_ok() && data.len() >= 3
}

/// Why bytes cannot start a TLS record (RFC 8446 §5.1, RFC 5246 §6.2.1). Kept as data and
/// only turned into words when reported: the search for the next record after lost bytes
/// rejects almost every offset it tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadHeader {
    /// Content type outside 20–24 or a version other than 0x03xx (xx ≤ 4): the (up to three)
    /// bytes seen.
    NotTls { seen: [u8; 3], len: usize },
    /// A record length beyond [`MAX_RECORD_LEN`].
    TooLong(usize),
}

impl std::fmt::Display for BadHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadHeader::NotTls { seen, len } => {
                f.write_str("invalid TLS record header")?;
                for b in seen.iter().take(*len) {
                    write!(f, " {b:02x}")?;
                }
                f.write_str(" (content type must be 20-24, version 0x03xx)")
            }
            BadHeader::TooLong(len) => {
                write!(f, "TLS record length {len} exceeds {MAX_RECORD_LEN}")
            }
        }
    }
}

/// Checks as much of a record header as `buf` holds. `Ok(Some(n))`: the full record is `n`
/// bytes; `Ok(None)`: the header is not complete yet; `Err`: not a TLS record header.
fn check_header(buf: &[u8]) -> Result<Option<usize>, BadHeader> {
    let ct = buf.first().copied();
    let major = buf.get(1).copied();
    let minor = buf.get(2).copied();
    let bad_type = ct.is_some_and(|t| !(20..=24).contains(&t));
    let bad_version = major.is_some_and(|m| m != 3) || minor.is_some_and(|m| m > 4);
    if bad_type || bad_version {
        let mut seen = [0u8; 3];
        let len = buf.len().min(3);
        for (d, b) in seen.iter_mut().zip(buf) {
            *d = *b;
        }
        return Err(BadHeader::NotTls { seen, len });
    }
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    match tls_parser::parse_tls_record_header(buf) {
        Ok((_, hdr)) => {
            let len = usize::from(hdr.len);
            if len > MAX_RECORD_LEN {
                Err(BadHeader::TooLong(len))
            } else {
                Ok(Some(HEADER_LEN + len))
            }
        }
        Err(_) => Ok(None),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// At a record boundary or inside a buffered record.
    #[default]
    Framed,
    /// After lost bytes: looking for the next plausible record header.
    Resync,
    /// Framing lost for good.
    Stopped,
}

#[derive(Debug, Default)]
struct DirState {
    mode: Mode,
    /// A record begun in an earlier push (header included), at most 5 + MAX_RECORD_LEN bytes.
    rec: Vec<u8>,
    /// Body bytes of the record begun in `rec` still to come and not kept: an application
    /// data or heartbeat record while no key log is set, whose body nothing reads (its header
    /// alone is in `rec`). 0 when the record is being kept whole.
    skip: usize,
    /// A handshake message begun in an earlier record, at most 4 + MAX_HANDSHAKE_LEN bytes.
    hs: Vec<u8>,
    /// Handshake messages can no longer be delimited (oversized message).
    hs_broken: bool,
    /// After a gap: skip handshake fragments until one starts with a known message type.
    hs_after_gap: bool,
    /// Records in this direction are protected.
    encrypted: bool,
    malformed_reported: bool,
}

/// The TLS state of one connection, both directions.
#[derive(Debug, Default)]
pub struct TlsSession {
    dirs: [DirState; 2],
    /// A ServerHello or HelloRetryRequest selected TLS 1.3.
    tls13: bool,
    /// Any ClientHello or ServerHello seen: the handshake started inside the capture.
    saw_hello: bool,
    /// A ClientHello offering TLS 1.3 (or a draft) was seen.
    client_offered_tls13: bool,
    /// A ServerHello (not a HelloRetryRequest) was seen.
    saw_server_hello: bool,
    /// Key log to decrypt with (see [`TlsSession::set_keys`]).
    keylog: Option<Arc<KeyLog>>,
    /// The ClientHello's random (RFC 8446 §4.1.2).
    client_random: Option<[u8; 32]>,
    /// Decryption state, once a ServerHello matched the key log.
    keys: Option<Box<SessionKeys>>,
    /// Decrypted application data of the last [`TlsSession::push`], in stream order.
    plain: Vec<u8>,
    /// Records that did not decrypt, per direction.
    undecryptable: [u32; 2],
    /// Records decrypted, per direction.
    decrypted: [u64; 2],
    /// A TLS_RSA_* session waiting for its ClientKeyExchange to be decrypted with the RSA key.
    rsa: Option<Box<RsaPending>>,
    /// The handshake messages so far (for the extended master secret's session hash, RFC 7627
    /// §3), kept only while an RSA key may need them; at most [`MAX_TRANSCRIPT`] bytes.
    transcript: Option<Vec<u8>>,
}

/// What a TLS_RSA_* session needs between its ServerHello and its ClientKeyExchange.
#[derive(Debug)]
struct RsaPending {
    version: u16,
    suite: u16,
    server_random: [u8; 32],
    /// The ServerHello accepted the extended master secret (RFC 7627).
    ems: bool,
}

/// Largest handshake transcript kept for an extended master secret (hellos and a certificate
/// chain are a few kilobytes).
const MAX_TRANSCRIPT: usize = 256 * 1024;

/// Largest decrypted application data held for the caller between two pushes.
pub const MAX_PLAINTEXT: usize = 4 << 20;

/// Failed records reported per direction as [`TlsEvent::Undecryptable`].
const MAX_UNDECRYPTABLE_REPORTS: u32 = 4;

impl TlsSession {
    /// The connection went idle: give back buffer capacity beyond what is held (a partial
    /// record or handshake message stays).
    pub fn hibernate(&mut self) {
        for d in &mut self.dirs {
            d.rec.shrink_to_fit();
            d.hs.shrink_to_fit();
        }
        self.plain = Vec::new();
    }

    /// A session at the start of both streams.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decrypt with these secrets from now on: the session is looked up by its ClientHello
    /// random when the ServerHello arrives (so set this before the handshake is pushed).
    pub fn set_keys(&mut self, keys: Arc<KeyLog>) {
        self.keylog = Some(keys);
    }

    /// The decrypted application data of the last [`TlsSession::push`] (all in its direction),
    /// taken: later pushes start empty. Bounded by [`MAX_PLAINTEXT`].
    pub fn take_plaintext(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.plain)
    }

    /// Records decrypted so far in `dir`.
    pub fn decrypted_records(&self, dir: Direction) -> u64 {
        self.decrypted.get(dir.idx()).copied().unwrap_or(0)
    }

    /// Whether records in `dir` are now protected.
    pub fn is_encrypted(&self, dir: Direction) -> bool {
        self.dir(dir).encrypted
    }

    /// Whether `dir` has stopped being parsed after malformed bytes.
    pub fn is_stopped(&self, dir: Direction) -> bool {
        self.dir(dir).mode == Mode::Stopped
    }

    fn dir(&self, dir: Direction) -> &DirState {
        match dir {
            Direction::ClientToServer => &self.dirs[0],
            Direction::ServerToClient => &self.dirs[1],
        }
    }

    fn dir_mut(&mut self, dir: Direction) -> &mut DirState {
        match dir {
            Direction::ClientToServer => &mut self.dirs[0],
            Direction::ServerToClient => &mut self.dirs[1],
        }
    }

    /// Takes the next `len` in-order bytes of `dir` when they all fall inside the body of an
    /// unkept record without ending it (most segments of bulk application data): what
    /// [`Self::push`] would do with them, without looking at them. False when they need
    /// [`Self::push`].
    pub fn skip_body(&mut self, dir: Direction, len: usize) -> bool {
        let d = self.dir_mut(dir);
        let inside = d.mode == Mode::Framed && !d.rec.is_empty() && d.skip > len;
        if inside {
            d.skip -= len;
        }
        inside
    }

    /// Feeds the next in-order bytes of `dir`; complete records become events in `out`.
    pub fn push(&mut self, dir: Direction, data: &[u8], out: &mut Vec<TlsEvent>) {
        let mut input = data;
        // Without a key log nothing can decrypt, so application data bodies need not be kept.
        let opaque = self.keylog.is_none() && self.keys.is_none();
        loop {
            let d = self.dir_mut(dir);
            match d.mode {
                Mode::Stopped => return,
                Mode::Resync => match find_record_start(input) {
                    Some(off) => {
                        input = input.get(off..).unwrap_or_default();
                        d.mode = Mode::Framed;
                    }
                    None => return,
                },
                Mode::Framed => {}
            }
            if input.is_empty() {
                return;
            }
            if d.rec.is_empty() {
                match check_header(input) {
                    Err(bad) => return self.stop(dir, bad.to_string(), out),
                    Ok(Some(n)) if n <= input.len() => {
                        let (rec, rest) = input.split_at(n);
                        self.on_record(dir, rec, out);
                        input = rest;
                    }
                    Ok(Some(n)) if opaque && matches!(input.first(), Some(23 | 24)) => {
                        d.rec
                            .extend_from_slice(input.get(..HEADER_LEN).unwrap_or_default());
                        d.skip = n - input.len();
                        return;
                    }
                    Ok(_) => {
                        d.rec.extend_from_slice(input);
                        return;
                    }
                }
            } else if d.skip > 0 {
                let take = d.skip.min(input.len());
                input = input.get(take..).unwrap_or_default();
                d.skip -= take;
                if d.skip == 0 {
                    let ctype = d.rec.first().copied().unwrap_or(0);
                    let len = match check_header(&d.rec) {
                        Ok(Some(n)) => n - HEADER_LEN,
                        _ => 0,
                    };
                    d.rec.clear();
                    self.on_unkept_record(ctype, len, out);
                }
            } else {
                // Complete the header first, then the body.
                let want = match check_header(&d.rec) {
                    Ok(Some(n)) => n,
                    _ => HEADER_LEN,
                };
                let take = want.saturating_sub(d.rec.len()).min(input.len());
                let (head, rest) = input.split_at(take);
                d.rec.extend_from_slice(head);
                input = rest;
                match check_header(&d.rec) {
                    Err(bad) => return self.stop(dir, bad.to_string(), out),
                    Ok(Some(n)) if n == d.rec.len() => {
                        let rec = std::mem::take(&mut d.rec);
                        self.on_record(dir, &rec, out);
                        let mut rec = rec;
                        rec.clear();
                        self.dir_mut(dir).rec = rec;
                    }
                    Ok(_) => {
                        if input.is_empty() {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Bytes of `dir` were lost (a TCP gap): drop partial state and look for the next record
    /// header in later data. A stopped direction stays stopped.
    pub fn gap(&mut self, dir: Direction) {
        let d = self.dir_mut(dir);
        d.rec.clear();
        d.skip = 0;
        d.hs.clear();
        d.hs_after_gap = true;
        if d.mode != Mode::Stopped {
            d.mode = Mode::Resync;
        }
    }

    /// The stream of `dir` ended (FIN, RST): a partial record or handshake message can never
    /// complete, so its buffer is freed.
    pub fn end(&mut self, dir: Direction) {
        let d = self.dir_mut(dir);
        d.rec = Vec::new();
        d.skip = 0;
        d.hs = Vec::new();
    }

    fn stop(&mut self, dir: Direction, what: String, out: &mut Vec<TlsEvent>) {
        let d = self.dir_mut(dir);
        d.mode = Mode::Stopped;
        d.rec = Vec::new();
        d.skip = 0;
        d.hs = Vec::new();
        self.malformed(dir, what, out);
    }

    fn malformed(&mut self, dir: Direction, what: String, out: &mut Vec<TlsEvent>) {
        let d = self.dir_mut(dir);
        if !d.malformed_reported {
            d.malformed_reported = true;
            out.push(TlsEvent::Malformed { what });
        }
    }

    /// [`TlsSession::on_record`] for an application data (23) or heartbeat (24) record whose
    /// `len` body bytes were not kept: only while no key log is set, so nothing could have
    /// decrypted it.
    fn on_unkept_record(&mut self, ctype: u8, len: usize, out: &mut Vec<TlsEvent>) {
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        if ctype == 23 {
            if !self.saw_hello {
                // The capture started after the handshake.
                self.dirs[0].encrypted = true;
                self.dirs[1].encrypted = true;
            }
            out.push(TlsEvent::ApplicationData { len });
        } else {
            out.push(TlsEvent::Heartbeat { len });
        }
    }

    /// One complete record, header included.
    fn on_record(&mut self, dir: Direction, rec: &[u8], out: &mut Vec<TlsEvent>) {
        let body = rec.get(HEADER_LEN..).unwrap_or_default();
        let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
        let encrypted = self.dir(dir).encrypted;
        match rec.first().copied().unwrap_or(0) {
            20 => {
                out.push(TlsEvent::ChangeCipherSpec);
                if dir == Direction::ClientToServer && self.rsa.take().is_some() {
                    self.transcript = None;
                    out.push(TlsEvent::NoSecrets {
                        why: "no ClientKeyExchange with an RSA-encrypted pre-master secret before \
                              ChangeCipherSpec (a resumed session?)"
                            .into(),
                    });
                }
                if let Some(k) = self.keys.as_mut() {
                    k.change_cipher_spec(dir);
                }
                // In TLS ≤ 1.2 a ChangeCipherSpec only follows the ServerHello; one before it is
                // a TLS 1.3 client's compatibility record (RFC 8446 §D.4), protecting nothing.
                let compat = self.tls13 || (self.client_offered_tls13 && !self.saw_server_hello);
                if !compat {
                    let d = self.dir_mut(dir);
                    d.encrypted = true;
                    d.hs.clear();
                }
            }
            21 => {
                // A plaintext alert is exactly 2 bytes (RFC 8446 §5.1: never fragmented or
                // coalesced); a protected one is longer (MAC or AEAD tag).
                if encrypted && self.try_decrypt(dir, rec, out) {
                    // Decrypted: the alert (or its failure) is reported.
                } else if let [level, description] = body {
                    out.push(TlsEvent::Alert {
                        level: AlertLevel::from_u8(*level),
                        description: AlertDescription::from_u8(*description),
                        decrypted: false,
                    });
                } else if encrypted || body.len() > 2 {
                    out.push(TlsEvent::EncryptedAlert { len });
                } else {
                    self.malformed(
                        dir,
                        format!("TLS alert record of {} bytes", body.len()),
                        out,
                    );
                }
            }
            22 => {
                if encrypted {
                    out.push(TlsEvent::EncryptedHandshake { len });
                    self.try_decrypt(dir, rec, out);
                } else {
                    self.on_handshake_fragment(dir, body, out);
                }
            }
            23 => {
                if !self.saw_hello {
                    // The capture started after the handshake.
                    self.dirs[0].encrypted = true;
                    self.dirs[1].encrypted = true;
                }
                if !self.try_decrypt(dir, rec, out) {
                    out.push(TlsEvent::ApplicationData { len });
                }
            }
            _ => out.push(TlsEvent::Heartbeat { len }),
        }
    }

    fn on_handshake_fragment(&mut self, dir: Direction, frag: &[u8], out: &mut Vec<TlsEvent>) {
        let saw_hello = self.saw_hello;
        let d = self.dir_mut(dir);
        if d.hs_broken || frag.is_empty() {
            return;
        }
        if d.hs.is_empty() {
            let first = frag.first().copied().unwrap_or(0);
            if d.hs_after_gap {
                if !is_known_handshake_type(first) {
                    return;
                }
                d.hs_after_gap = false;
            }
            if !saw_hello && first != 1 && first != 2 {
                // Mid-stream start or renegotiation under encryption: opaque.
                d.encrypted = true;
                let len = u16::try_from(frag.len()).unwrap_or(u16::MAX);
                out.push(TlsEvent::EncryptedHandshake { len });
                return;
            }
            self.on_handshake_bytes(dir, frag, out);
        } else {
            let mut buf = std::mem::take(&mut d.hs);
            buf.extend_from_slice(frag);
            self.on_handshake_bytes(dir, &buf, out);
        }
    }

    /// Decodes every complete handshake message in `bytes`, keeps the incomplete tail.
    fn on_handshake_bytes(&mut self, dir: Direction, bytes: &[u8], out: &mut Vec<TlsEvent>) {
        let mut rest = bytes;
        loop {
            if self.dir(dir).encrypted {
                // A TLS 1.3 ServerHello ends the plaintext; nothing may follow in its record.
                return;
            }
            let Some(len) = rest
                .get(1..4)
                .map(|l| l.iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b)))
            else {
                break;
            };
            if len > MAX_HANDSHAKE_LEN {
                let d = self.dir_mut(dir);
                d.hs_broken = true;
                d.hs = Vec::new();
                let what =
                    format!("TLS handshake message length {len} exceeds {MAX_HANDSHAKE_LEN}");
                return self.malformed(dir, what, out);
            }
            let Some((msg, tail)) = rest.get(..4 + len).zip(rest.get(4 + len..)) else {
                break;
            };
            self.on_handshake_message(dir, msg, out);
            rest = tail;
        }
        let d = self.dir_mut(dir);
        d.hs.clear();
        d.hs.extend_from_slice(rest);
    }

    fn on_handshake_message(&mut self, dir: Direction, msg: &[u8], out: &mut Vec<TlsEvent>) {
        if msg.first() == Some(&1) && self.keylog.as_ref().is_some_and(|k| k.rsa_key().is_some()) {
            self.transcript = Some(Vec::new());
        }
        if let Some(t) = self.transcript.as_mut() {
            if t.len() + msg.len() <= MAX_TRANSCRIPT {
                t.extend_from_slice(msg);
            } else {
                self.transcript = None;
            }
        }
        match handshake::decode(msg) {
            Ok(decoded) => {
                let rsa_step = self.rsa.is_some()
                    && matches!(
                        (&decoded.event, dir),
                        (TlsEvent::Certificate(_), Direction::ServerToClient)
                            | (TlsEvent::ClientKeyExchange, Direction::ClientToServer)
                    );
                match &decoded.event {
                    TlsEvent::ClientHello(ch) => {
                        self.saw_hello = true;
                        self.client_random = hello_random(msg);
                        self.client_offered_tls13 |=
                            ch.supported_versions.iter().any(|v| is_tls13(*v));
                    }
                    TlsEvent::ServerHello {
                        version,
                        is_hello_retry_request,
                        ..
                    } => {
                        self.saw_hello = true;
                        self.saw_server_hello |= !is_hello_retry_request;
                        if !is_hello_retry_request {
                            self.setup_keys(*version, decoded_suite(&decoded.event), msg, out);
                        }
                        if is_tls13(*version) {
                            self.tls13 = true;
                            if !is_hello_retry_request {
                                for d in &mut self.dirs {
                                    d.encrypted = true;
                                    d.hs.clear();
                                }
                            }
                        }
                    }
                    _ => {}
                }
                out.push(decoded.event);
                if rsa_step {
                    match dir {
                        Direction::ServerToClient => self.rsa_certificate(msg, out),
                        Direction::ClientToServer => self.rsa_client_key_exchange(msg, out),
                    }
                }
                if let Some(p) = decoded.problem {
                    self.malformed(dir, p, out);
                }
            }
            Err(what) => self.malformed(dir, format!("TLS {what}"), out),
        }
    }
}

impl TlsSession {
    /// After a ServerHello: look the session up in the key log.
    fn setup_keys(&mut self, version: u16, suite: u16, msg: &[u8], out: &mut Vec<TlsEvent>) {
        let Some(log) = self.keylog.as_ref() else {
            return;
        };
        let (Some(cr), Some(sr)) = (self.client_random, hello_random(msg)) else {
            return;
        };
        let rsa_key = log.rsa_key().is_some();
        match SessionKeys::new(log, version, suite, &cr, &sr) {
            Ok(k) => {
                self.keys = Some(Box::new(k));
                self.transcript = None;
            }
            Err(NoKeys::NotInKeyLog) if rsa_key && rsa_kx::is_rsa_kx(suite) => {
                // Decrypted once the ClientKeyExchange is seen.
                self.rsa = Some(Box::new(RsaPending {
                    version,
                    suite,
                    server_random: sr,
                    ems: rsa_kx::server_hello_has_ems(msg),
                }));
            }
            Err(e) => {
                self.transcript = None;
                let why = match e {
                    NoKeys::NotInKeyLog if rsa_key && log.is_empty() => format!(
                        "cipher suite {} does not use RSA key exchange: the RSA key cannot \
                         decrypt it (a key log can)",
                        cipher_name(suite)
                    ),
                    NoKeys::NotInKeyLog => {
                        "no secrets for this session's client random in the key log".to_string()
                    }
                    NoKeys::Suite(s) => format!(
                        "cipher suite {} is not supported for decryption",
                        cipher_name(s)
                    ),
                    NoKeys::BadSecrets => {
                        "the key log's secrets do not fit the cipher suite".to_string()
                    }
                };
                out.push(TlsEvent::NoSecrets { why });
            }
        }
    }

    /// The server's Certificate of a TLS_RSA_* session waiting for the RSA key: the key must
    /// be the certificate's.
    fn rsa_certificate(&mut self, msg: &[u8], out: &mut Vec<TlsEvent>) {
        let (Some(log), Some(_)) = (self.keylog.as_ref(), self.rsa.as_ref()) else {
            return;
        };
        let Some(key) = log.rsa_key() else { return };
        let matches = rsa_kx::leaf_certificate(msg).is_some_and(|c| key.matches_certificate(c));
        if !matches {
            self.rsa = None;
            self.transcript = None;
            out.push(TlsEvent::RsaKeyMismatch);
        }
    }

    /// The ClientKeyExchange of a TLS_RSA_* session waiting for the RSA key: decrypt the
    /// pre-master secret, derive the master secret and set up decryption as a key log's
    /// `CLIENT_RANDOM` line would.
    fn rsa_client_key_exchange(&mut self, msg: &[u8], out: &mut Vec<TlsEvent>) {
        let Some(p) = self.rsa.take() else { return };
        let transcript = self.transcript.take();
        let (Some(log), Some(cr)) = (self.keylog.as_ref(), self.client_random) else {
            return;
        };
        let Some(key) = log.rsa_key() else { return };
        let Some(suite) = decrypt::suite(p.suite) else {
            return;
        };
        let fail = |why: &str| TlsEvent::NoSecrets { why: why.into() };
        let Some(pms) = key.pre_master(p.version, msg.get(4..).unwrap_or_default()) else {
            return out.push(fail(
                "the RSA key does not decrypt the ClientKeyExchange's pre-master secret",
            ));
        };
        let hash = match (p.ems, transcript) {
            (false, _) => None,
            (true, Some(t)) => Some(rsa_kx::session_hash(p.version, suite.hash, &t)),
            (true, None) => {
                return out.push(fail(
                    "extended master secret, but the handshake before the ClientKeyExchange \
                     was not all captured",
                ));
            }
        };
        let Some(master) = rsa_kx::master_secret(
            p.version,
            suite.hash,
            &pms,
            &cr,
            &p.server_random,
            hash.as_deref(),
        ) else {
            return;
        };
        let mut one = KeyLog::new();
        one.insert_master(cr, master);
        match SessionKeys::new(&one, p.version, p.suite, &cr, &p.server_random) {
            Ok(k) => self.keys = Some(Box::new(k)),
            Err(_) => out.push(fail(
                "the derived master secret does not fit the cipher suite",
            )),
        }
    }

    /// Decrypts a protected record of `dir` when keys are active: pushes what it holds
    /// (alert, application data with its plaintext kept for [`TlsSession::take_plaintext`]) or
    /// [`TlsEvent::Undecryptable`]. Returns whether the record's event was pushed here.
    fn try_decrypt(&mut self, dir: Direction, rec: &[u8], out: &mut Vec<TlsEvent>) -> bool {
        let Some(keys) = self.keys.as_mut().filter(|k| k.active(dir)) else {
            return false;
        };
        let outer = rec.first().copied().unwrap_or(0);
        let len = u16::try_from(rec.len().saturating_sub(HEADER_LEN)).unwrap_or(u16::MAX);
        let i = dir.idx();
        match keys.decrypt(dir, rec) {
            Ok(p) => {
                if let Some(n) = self.decrypted.get_mut(i) {
                    *n += 1;
                }
                match (p.content_type, p.data.as_slice()) {
                    (21, [level, description]) => out.push(TlsEvent::Alert {
                        level: AlertLevel::from_u8(*level),
                        description: AlertDescription::from_u8(*description),
                        decrypted: true,
                    }),
                    (23, data) => {
                        out.push(TlsEvent::ApplicationData { len });
                        if self.plain.len() + data.len() <= MAX_PLAINTEXT {
                            self.plain.extend_from_slice(data);
                        }
                    }
                    // Handshake records keep the event of their outer type.
                    _ if outer == 23 => out.push(TlsEvent::ApplicationData { len }),
                    _ if outer == 21 => out.push(TlsEvent::EncryptedAlert { len }),
                    _ => {}
                }
            }
            Err(e) => {
                let n = self.undecryptable.get(i).copied().unwrap_or(0);
                if let Some(c) = self.undecryptable.get_mut(i) {
                    *c = n.saturating_add(1);
                }
                match outer {
                    21 => out.push(TlsEvent::EncryptedAlert { len }),
                    23 => out.push(TlsEvent::ApplicationData { len }),
                    _ => {}
                }
                if n < MAX_UNDECRYPTABLE_REPORTS {
                    out.push(TlsEvent::Undecryptable {
                        len,
                        why: e.to_string(),
                    });
                }
            }
        }
        true
    }
}

/// The 32-byte random of a ClientHello or ServerHello message (type, length, version, random).
fn hello_random(msg: &[u8]) -> Option<[u8; 32]> {
    msg.get(6..38).and_then(|r| r.try_into().ok())
}

fn decoded_suite(e: &TlsEvent) -> u16 {
    match e {
        TlsEvent::ServerHello { cipher_suite, .. } => *cipher_suite,
        _ => 0,
    }
}

fn is_known_handshake_type(t: u8) -> bool {
    matches!(t, 0..=6 | 8 | 11..=16 | 20..=22 | 24 | 67)
}

/// The offset of the first plausible record header in `data` after lost bytes: a header whose
/// record either runs past the end of `data` or is followed by another plausible header.
fn find_record_start(data: &[u8]) -> Option<usize> {
    (0..data.len()).find(|&i| {
        let Some(rest) = data.get(i..) else {
            return false;
        };
        match check_header(rest) {
            Ok(Some(n)) => match rest.get(n..) {
                Some(next) if !next.is_empty() => check_header(next).is_ok(),
                _ => true,
            },
            _ => false,
        }
    })
}

#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

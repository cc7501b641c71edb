//! TLS secrets in the NSS key log format (`SSLKEYLOGFILE`), as written by browsers, OpenSSL's
//! keylog callback and Wireshark's `editcap --inject-secrets` (pcapng Decryption Secrets Block,
//! secrets type `0x544c534b`, pcapng §4.7).
//!
//! Each line is `LABEL <client_random hex> <secret hex>`; `#` starts a comment. The labels kept:
//! `CLIENT_RANDOM` (TLS ≤ 1.2 master secret, 48 bytes) and the TLS 1.3 traffic secrets
//! `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
//! `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0` (RFC 8446 §7.1). Other labels
//! (`EXPORTER_SECRET`, `EARLY_EXPORTER_SECRET` ...) are skipped. Everything is keyed by the
//! ClientHello's 32-byte random.

use crate::proto::tls::rsa_kx::RsaKey;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The pcapng Decryption Secrets Block type of a TLS key log ("TLSK").
pub const DSB_TLS_KEY_LOG: u32 = 0x544c_534b;

/// Most sessions kept from one key log (a key log is user input: bounded memory).
pub const MAX_SESSIONS: usize = 1 << 20;

/// Largest secret accepted (SHA-384 secrets are 48 bytes).
const MAX_SECRET: usize = 64;

/// A client random (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2).
pub type ClientRandom = [u8; 32];

/// A secret from a key log, at most [`MAX_SECRET`] bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

/// The secrets known for one TLS session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionSecrets {
    /// TLS ≤ 1.2 master secret (`CLIENT_RANDOM`), 48 bytes.
    pub master: Option<Secret>,
    /// TLS 1.3 `CLIENT_HANDSHAKE_TRAFFIC_SECRET`.
    pub client_handshake: Option<Secret>,
    /// TLS 1.3 `SERVER_HANDSHAKE_TRAFFIC_SECRET`.
    pub server_handshake: Option<Secret>,
    /// TLS 1.3 `CLIENT_TRAFFIC_SECRET_0`.
    pub client_traffic: Option<Secret>,
    /// TLS 1.3 `SERVER_TRAFFIC_SECRET_0`.
    pub server_traffic: Option<Secret>,
}

/// The secrets of a key log, by client random, and optionally a server's RSA private key for
/// TLS_RSA_* sessions (`--rsa-key`), which yields a session's master secret once its
/// ClientKeyExchange is seen (see [`crate::proto::tls::rsa_kx`]).
#[derive(Debug, Clone, Default)]
pub struct KeyLog {
    sessions: HashMap<ClientRandom, SessionSecrets>,
    rsa_key: Option<Arc<RsaKey>>,
    /// Lines that were not understood (bad hex, wrong length), not counting comments, blank
    /// lines and labels that are skipped on purpose.
    pub bad_lines: u64,
}

impl KeyLog {
    /// An empty key log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses NSS key log text (a file's or a Decryption Secrets Block's bytes).
    pub fn parse(text: &[u8]) -> Self {
        let mut k = KeyLog::new();
        k.add(text);
        k
    }

    /// Reads a key log file.
    pub fn from_file(path: &Path) -> std::io::Result<Self> {
        Ok(Self::parse(&std::fs::read(path)?))
    }

    /// Adds the lines of `text` (CRLF or LF line ends).
    pub fn add(&mut self, text: &[u8]) {
        for line in text.split(|b| *b == b'\n') {
            match parse_line(line) {
                Line::Entry(label, random, secret) => {
                    if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(&random) {
                        continue;
                    }
                    let s = self.sessions.entry(random).or_default();
                    let slot = match label {
                        Label::ClientRandom => &mut s.master,
                        Label::ClientHandshake => &mut s.client_handshake,
                        Label::ServerHandshake => &mut s.server_handshake,
                        Label::ClientTraffic => &mut s.client_traffic,
                        Label::ServerTraffic => &mut s.server_traffic,
                    };
                    *slot = Some(secret);
                }
                Line::Skip => {}
                Line::Bad => self.bad_lines += 1,
            }
        }
    }

    /// Adds a pcapng Decryption Secrets Block's payload if it is a TLS key log.
    pub fn add_dsb(&mut self, secrets_type: u32, data: &[u8]) {
        if secrets_type == DSB_TLS_KEY_LOG {
            self.add(data);
        }
    }

    /// Merges another key log into this one.
    pub fn merge(&mut self, other: &KeyLog) {
        for (r, s) in &other.sessions {
            if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(r) {
                continue;
            }
            let e = self.sessions.entry(*r).or_default();
            let pairs = [
                (&mut e.master, &s.master),
                (&mut e.client_handshake, &s.client_handshake),
                (&mut e.server_handshake, &s.server_handshake),
                (&mut e.client_traffic, &s.client_traffic),
                (&mut e.server_traffic, &s.server_traffic),
            ];
            for (dst, src) in pairs {
                if src.is_some() {
                    dst.clone_from(src);
                }
            }
        }
        self.bad_lines += other.bad_lines;
        if other.rsa_key.is_some() {
            self.rsa_key.clone_from(&other.rsa_key);
        }
    }

    /// Decrypt TLS_RSA_* sessions whose server certificate carries this key's public half.
    pub fn set_rsa_key(&mut self, key: RsaKey) {
        self.rsa_key = Some(Arc::new(key));
    }

    /// The server RSA private key given, if any.
    pub fn rsa_key(&self) -> Option<&RsaKey> {
        self.rsa_key.as_deref()
    }

    /// Adds a TLS ≤ 1.2 master secret, as a `CLIENT_RANDOM` line would.
    pub fn insert_master(&mut self, client_random: ClientRandom, master: [u8; 48]) {
        if self.sessions.len() >= MAX_SESSIONS && !self.sessions.contains_key(&client_random) {
            return;
        }
        self.sessions.entry(client_random).or_default().master = Some(Secret(master.to_vec()));
    }

    /// Whether there is anything to decrypt with: a session's secrets or an RSA key.
    pub fn has_secrets(&self) -> bool {
        !self.sessions.is_empty() || self.rsa_key.is_some()
    }

    /// The secrets for a session, by its ClientHello random.
    pub fn get(&self, client_random: &ClientRandom) -> Option<&SessionSecrets> {
        self.sessions.get(client_random)
    }

    /// Sessions known.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// No session known.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    ClientRandom,
    ClientHandshake,
    ServerHandshake,
    ClientTraffic,
    ServerTraffic,
}

enum Line {
    Entry(Label, ClientRandom, Secret),
    Skip,
    Bad,
}

fn parse_line(line: &[u8]) -> Line {
    let line = line.trim_ascii();
    if line.is_empty() || line.first() == Some(&b'#') {
        return Line::Skip;
    }
    let mut fields = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty());
    let (Some(label), Some(random), Some(secret), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Line::Bad;
    };
    let label = match label {
        b"CLIENT_RANDOM" => Label::ClientRandom,
        b"CLIENT_HANDSHAKE_TRAFFIC_SECRET" => Label::ClientHandshake,
        b"SERVER_HANDSHAKE_TRAFFIC_SECRET" => Label::ServerHandshake,
        b"CLIENT_TRAFFIC_SECRET_0" => Label::ClientTraffic,
        b"SERVER_TRAFFIC_SECRET_0" => Label::ServerTraffic,
        _ => return Line::Skip,
    };
    let Some(random) = hex(random).and_then(|r| ClientRandom::try_from(r).ok()) else {
        return Line::Bad;
    };
    let Some(secret) = hex(secret).filter(|s| !s.is_empty() && s.len() <= MAX_SECRET) else {
        return Line::Bad;
    };
    if label == Label::ClientRandom && secret.len() != 48 {
        return Line::Bad;
    }
    Line::Entry(label, random, Secret(secret))
}

/// Decodes hex (either case); `None` on an odd length or a non-hex digit, or when longer
/// than 2 × [`MAX_SECRET`] digits.
fn hex(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || s.len() > 2 * MAX_SECRET {
        return None;
    }
    s.chunks_exact(2)
        .map(|p| {
            let hi = char::from(*p.first()?).to_digit(16)?;
            let lo = char::from(*p.get(1)?).to_digit(16)?;
            u8::try_from(hi << 4 | lo).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const R1: &str = "bd3917c757d45b3a089027c48c0f2d0d6f1ab0b0d1fdc0f6b1b0c71e1f1d1a10";

    #[test]
    fn parses_every_label_and_skips_others() {
        let m = "ab".repeat(48);
        let s32 = "cd".repeat(32);
        let s48 = "ef".repeat(48);
        let text = format!(
            "# comment\r\n\nCLIENT_RANDOM {R1} {m}\r\nCLIENT_HANDSHAKE_TRAFFIC_SECRET {R1} {s32}\n\
             SERVER_HANDSHAKE_TRAFFIC_SECRET {R1} {s48}\nCLIENT_TRAFFIC_SECRET_0 {R1} {s32}\n\
             SERVER_TRAFFIC_SECRET_0 {R1} {s32}\nEXPORTER_SECRET {R1} {s32}\n"
        );
        let k = KeyLog::parse(text.as_bytes());
        assert_eq!(k.len(), 1);
        assert_eq!(k.bad_lines, 0);
        let r: ClientRandom = hex(R1.as_bytes()).unwrap().try_into().unwrap();
        let s = k.get(&r).unwrap();
        assert_eq!(s.master, Some(Secret(vec![0xab; 48])));
        assert_eq!(s.client_handshake, Some(Secret(vec![0xcd; 32])));
        assert_eq!(s.server_handshake, Some(Secret(vec![0xef; 48])));
        assert_eq!(s.client_traffic, Some(Secret(vec![0xcd; 32])));
        assert_eq!(s.server_traffic, Some(Secret(vec![0xcd; 32])));
        assert_eq!(format!("{:?}", s.master), "Some(Secret(48 bytes))");
    }

    #[test]
    fn bad_lines_are_counted_not_fatal() {
        let text = format!(
            "CLIENT_RANDOM {R1} abcd\nCLIENT_RANDOM zz {}\nCLIENT_RANDOM {R1}\nCLIENT_RANDOM {R1} {} extra\n",
            "00".repeat(48),
            "00".repeat(48)
        );
        let k = KeyLog::parse(text.as_bytes());
        assert!(k.is_empty());
        assert_eq!(k.bad_lines, 4);
    }

    #[test]
    fn dsb_only_for_tls_key_logs_and_merge() {
        let text = format!("CLIENT_RANDOM {R1} {}\n", "11".repeat(48));
        let mut k = KeyLog::new();
        k.add_dsb(0x1234, text.as_bytes());
        assert!(k.is_empty());
        k.add_dsb(DSB_TLS_KEY_LOG, text.as_bytes());
        assert_eq!(k.len(), 1);
        let other =
            KeyLog::parse(format!("CLIENT_TRAFFIC_SECRET_0 {R1} {}\n", "22".repeat(32)).as_bytes());
        k.merge(&other);
        let r: ClientRandom = hex(R1.as_bytes()).unwrap().try_into().unwrap();
        let s = k.get(&r).unwrap();
        assert!(s.master.is_some() && s.client_traffic.is_some());
    }

    #[test]
    fn lab_key_logs_parse() {
        for (name, n) in [("ok-tls12-xrdp", 1), ("nla-wrong-password", 2)] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("samples")
                .join(format!("{name}.keys"));
            let k = KeyLog::from_file(&path).unwrap();
            assert_eq!((k.len(), k.bad_lines), (n, 0), "{name}");
        }
    }
}

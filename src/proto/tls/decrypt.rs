//! TLS record decryption from logged secrets: key derivation and record protection.
//!
//! * TLS 1.0/1.1 PRF (P_MD5 ⊕ P_SHA-1, RFC 2246 §5) and the TLS 1.2 PRF (P_SHA256 or the
//!   suite's P_SHA384, RFC 5246 §5), expanding the master secret into the key block
//!   (RFC 5246 §6.3).
//! * TLS 1.3 HKDF-Expand-Label traffic keys and IVs (RFC 8446 §7.1, §7.3).
//! * Records: AES-128/256-GCM (TLS 1.2 explicit nonce, RFC 5288 §3; TLS 1.3 per-record nonce
//!   and inner content type, RFC 8446 §5.2–5.3), ChaCha20-Poly1305 (RFC 7905 §2), and AES-CBC
//!   with HMAC-SHA1/SHA256/SHA384, MAC-then-encrypt (RFC 5246 §6.2.3.2; TLS 1.0 chains the IV
//!   across records, TLS 1.1+ sends an explicit IV).
//!
//! The crypto is RustCrypto's (aes-gcm, chacha20poly1305, aes + cbc, hmac, sha1, sha2, md-5,
//! hkdf). A record that fails to decrypt yields a [`DecryptError`]; the cipher state stays
//! usable for the next record.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};
use std::fmt;

/// How many sequence numbers past the expected one are tried when a record does not
/// authenticate (records lost from the capture).
const SEQ_WINDOW: u64 = 8;

/// The bulk cipher of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    /// AES-128-GCM.
    Aes128Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305.
    ChaCha20Poly1305,
    /// AES-128-CBC.
    Aes128Cbc,
    /// AES-256-CBC.
    Aes256Cbc,
}

impl Bulk {
    fn key_len(self) -> usize {
        match self {
            Bulk::Aes128Gcm | Bulk::Aes128Cbc => 16,
            Bulk::Aes256Gcm | Bulk::Aes256Cbc | Bulk::ChaCha20Poly1305 => 32,
        }
    }

    fn is_cbc(self) -> bool {
        matches!(self, Bulk::Aes128Cbc | Bulk::Aes256Cbc)
    }
}

/// A hash function used by the PRF, HKDF or a record MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-1 (record MAC of the `_SHA` suites).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlg {
    fn len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }
}

/// What decryption needs to know of a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    /// Bulk cipher.
    pub bulk: Bulk,
    /// Record MAC (CBC suites only).
    pub mac: Option<HashAlg>,
    /// The TLS 1.2 PRF hash, or the TLS 1.3 HKDF hash.
    pub hash: HashAlg,
    /// A TLS 1.3 suite (RFC 8446 §B.4).
    pub tls13: bool,
}

/// The suites this module decrypts, by IANA number; `None` for the others (RC4, 3DES, CCM,
/// ARIA, Camellia, NULL ...).
pub fn suite(id: u16) -> Option<Suite> {
    use Bulk::*;
    use HashAlg::*;
    let aead = |bulk, hash| Suite {
        bulk,
        mac: None,
        hash,
        tls13: false,
    };
    let cbc = |bulk, mac, hash| Suite {
        bulk,
        mac: Some(mac),
        hash,
        tls13: false,
    };
    let t13 = |bulk, hash| Suite {
        bulk,
        mac: None,
        hash,
        tls13: true,
    };
    Some(match id {
        0x1301 => t13(Aes128Gcm, Sha256),
        0x1302 => t13(Aes256Gcm, Sha384),
        0x1303 => t13(ChaCha20Poly1305, Sha256),
        // *_WITH_AES_128_GCM_SHA256 (RSA, DHE_RSA, ECDHE_ECDSA, ECDHE_RSA)
        0x009c | 0x009e | 0xc02b | 0xc02f => aead(Aes128Gcm, Sha256),
        // *_WITH_AES_256_GCM_SHA384
        0x009d | 0x009f | 0xc02c | 0xc030 => aead(Aes256Gcm, Sha384),
        // *_WITH_CHACHA20_POLY1305_SHA256 (ECDHE_RSA, ECDHE_ECDSA, DHE_RSA)
        0xcca8..=0xccaa => aead(ChaCha20Poly1305, Sha256),
        // *_WITH_AES_128_CBC_SHA (RSA, DHE_DSS, DHE_RSA, ECDHE_ECDSA, ECDHE_RSA)
        0x002f | 0x0032 | 0x0033 | 0xc009 | 0xc013 => cbc(Aes128Cbc, Sha1, Sha256),
        // *_WITH_AES_256_CBC_SHA
        0x0035 | 0x0038 | 0x0039 | 0xc00a | 0xc014 => cbc(Aes256Cbc, Sha1, Sha256),
        // *_WITH_AES_128_CBC_SHA256
        0x003c | 0x0067 | 0xc023 | 0xc027 => cbc(Aes128Cbc, Sha256, Sha256),
        // *_WITH_AES_256_CBC_SHA256
        0x003d | 0x006b => cbc(Aes256Cbc, Sha256, Sha256),
        // *_WITH_AES_256_CBC_SHA384
        0xc024 | 0xc028 => cbc(Aes256Cbc, Sha384, Sha384),
        _ => return None,
    })
}

/// Why a record did not decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptError {
    /// Too short for its nonce, IV, tag or MAC, or not a whole number of blocks.
    BadLength(usize),
    /// The AEAD tag, the CBC padding or the MAC did not verify: wrong keys, or records missing.
    BadRecordMac,
    /// A TLS 1.3 record whose plaintext is all padding (RFC 8446 §5.4).
    NoContentType,
}

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecryptError::BadLength(n) => write!(f, "record of {n} bytes too short to decrypt"),
            DecryptError::BadRecordMac => {
                f.write_str("record does not authenticate (wrong secrets or records missing)")
            }
            DecryptError::NoContentType => f.write_str("TLS 1.3 record without content type"),
        }
    }
}

// --- PRF and HKDF ----------------------------------------------------------------------------

fn hmac_parts<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let Ok(mut m) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// P_hash (RFC 5246 §5): HMAC chain of `secret` over `seed`, `len` bytes.
fn p_hash<M: Mac + hmac::digest::KeyInit>(secret: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut a = hmac_parts::<M>(secret, &[seed]);
    while out.len() < len && !a.is_empty() {
        out.extend(hmac_parts::<M>(secret, &[&a, seed]));
        a = hmac_parts::<M>(secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// The TLS 1.2 PRF (RFC 5246 §5) with the suite's hash (SHA-256, or SHA-384).
pub fn prf_tls12(hash: HashAlg, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let s: Vec<u8> = [label, seed].concat();
    match hash {
        HashAlg::Sha384 => p_hash::<Hmac<Sha384>>(secret, &s, len),
        HashAlg::Sha256 | HashAlg::Sha1 => p_hash::<Hmac<Sha256>>(secret, &s, len),
    }
}

/// The TLS 1.0/1.1 PRF (RFC 2246 §5): P_MD5 over the secret's first half XOR P_SHA-1 over
/// its second half (halves share the middle byte when the length is odd).
pub fn prf_tls10(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let s: Vec<u8> = [label, seed].concat();
    let half = secret.len().div_ceil(2);
    let s1 = secret.get(..half).unwrap_or_default();
    let s2 = secret.get(secret.len() - half..).unwrap_or_default();
    let md5 = p_hash::<Hmac<md5::Md5>>(s1, &s, len);
    let sha = p_hash::<Hmac<sha1::Sha1>>(s2, &s, len);
    md5.iter().zip(sha.iter()).map(|(a, b)| a ^ b).collect()
}

/// HKDF-Expand-Label (RFC 8446 §7.1): `len` bytes from `secret` for `label` (without the
/// `tls13 ` prefix) and `context`. `None` when `secret` is shorter than the hash.
pub fn hkdf_expand_label(
    hash: HashAlg,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: u16,
) -> Option<Vec<u8>> {
    let full_label = [b"tls13 ".as_slice(), label].concat();
    let mut info = Vec::with_capacity(4 + full_label.len() + context.len());
    info.extend_from_slice(&len.to_be_bytes());
    info.push(u8::try_from(full_label.len()).ok()?);
    info.extend_from_slice(&full_label);
    info.push(u8::try_from(context.len()).ok()?);
    info.extend_from_slice(context);
    let mut out = vec![0u8; usize::from(len)];
    match hash {
        HashAlg::Sha384 => hkdf::Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        HashAlg::Sha256 | HashAlg::Sha1 => hkdf::Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
    }
    Some(out)
}

// --- record protection -----------------------------------------------------------------------

enum Engine {
    Aes128Gcm(Box<Aes128Gcm>),
    Aes256Gcm(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
    Cbc {
        key: Vec<u8>,
        mac: HashAlg,
        mac_key: Vec<u8>,
    },
}

/// How records are framed around the cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// TLS 1.0: CBC with the IV chained from the previous record.
    Tls10,
    /// TLS 1.1/1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// One direction's record protection: keys, IV and the next sequence number.
pub struct RecordCipher {
    engine: Engine,
    /// AEAD: the fixed IV (4 bytes GCM in TLS 1.2, 12 otherwise); TLS 1.0 CBC: the running IV.
    iv: Vec<u8>,
    framing: Framing,
    /// The sequence number of the next record (RFC 5246 §6.1).
    pub seq: u64,
}

impl fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordCipher({:?}, seq {})", self.framing, self.seq)
    }
}

/// A decrypted record: its (inner, for TLS 1.3) content type and plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// Content type: 21 alert, 22 handshake, 23 application data.
    pub content_type: u8,
    /// The plaintext.
    pub data: Vec<u8>,
}

fn engine(bulk: Bulk, key: &[u8], mac: Option<(HashAlg, Vec<u8>)>) -> Option<Engine> {
    Some(match bulk {
        Bulk::Aes128Gcm => Engine::Aes128Gcm(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
        Bulk::Aes256Gcm => Engine::Aes256Gcm(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
        Bulk::ChaCha20Poly1305 => {
            Engine::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
        }
        Bulk::Aes128Cbc | Bulk::Aes256Cbc => {
            let (mac, mac_key) = mac?;
            Engine::Cbc {
                key: key.to_vec(),
                mac,
                mac_key,
            }
        }
    })
}

/// The client's and the server's record ciphers of a TLS ≤ 1.2 session, from the master
/// secret (RFC 5246 §6.3). `version` is the negotiated version (0x0301–0x0303).
pub fn tls12_ciphers(
    version: u16,
    suite: Suite,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Option<(RecordCipher, RecordCipher)> {
    if suite.tls13 || !(0x0301..=0x0303).contains(&version) {
        return None;
    }
    // AEAD suites are TLS 1.2 only (RFC 5288 §4, RFC 7905 §2).
    if !suite.bulk.is_cbc() && version < 0x0303 {
        return None;
    }
    let mac_len = suite.mac.map(HashAlg::len).unwrap_or(0);
    let key_len = suite.bulk.key_len();
    let iv_len = match suite.bulk {
        Bulk::Aes128Gcm | Bulk::Aes256Gcm => 4,
        Bulk::ChaCha20Poly1305 => 12,
        Bulk::Aes128Cbc | Bulk::Aes256Cbc if version == 0x0301 => 16,
        Bulk::Aes128Cbc | Bulk::Aes256Cbc => 0,
    };
    let seed = [server_random.as_slice(), client_random.as_slice()].concat();
    let n = 2 * (mac_len + key_len + iv_len);
    let block = if version < 0x0303 {
        prf_tls10(master, b"key expansion", &seed, n)
    } else {
        prf_tls12(suite.hash, master, b"key expansion", &seed, n)
    };
    if block.len() != n {
        return None;
    }
    let mut parts = block.chunks(1).map(|b| b.first().copied().unwrap_or(0));
    let mut take = |k: usize| -> Vec<u8> { parts.by_ref().take(k).collect() };
    let (cmac, smac) = (take(mac_len), take(mac_len));
    let (ckey, skey) = (take(key_len), take(key_len));
    let (civ, siv) = (take(iv_len), take(iv_len));
    let framing = if version == 0x0301 {
        Framing::Tls10
    } else {
        Framing::Tls12
    };
    let make = |key: &[u8], mac_key: Vec<u8>, iv: Vec<u8>| -> Option<RecordCipher> {
        Some(RecordCipher {
            engine: engine(suite.bulk, key, suite.mac.map(|m| (m, mac_key)))?,
            iv,
            framing,
            seq: 0,
        })
    };
    Some((make(&ckey, cmac, civ)?, make(&skey, smac, siv)?))
}

/// A TLS 1.3 record cipher from a traffic secret (RFC 8446 §7.3).
pub fn tls13_cipher(suite: Suite, secret: &[u8]) -> Option<RecordCipher> {
    if !suite.tls13 {
        return None;
    }
    let key_len = u16::try_from(suite.bulk.key_len()).ok()?;
    let key = hkdf_expand_label(suite.hash, secret, b"key", b"", key_len)?;
    let iv = hkdf_expand_label(suite.hash, secret, b"iv", b"", 12)?;
    Some(RecordCipher {
        engine: engine(suite.bulk, &key, None)?,
        iv,
        framing: Framing::Tls13,
        seq: 0,
    })
}

impl RecordCipher {
    /// Decrypts one record: `header` is its 5-byte header, `body` the rest. On success the
    /// sequence number moves past the record (if records were lost, up to [`SEQ_WINDOW`]
    /// later sequence numbers are tried).
    pub fn decrypt(&mut self, header: &[u8; 5], body: &[u8]) -> Result<Plain, DecryptError> {
        let mut last = DecryptError::BadRecordMac;
        let mut candidates: Vec<u64> = (0..=SEQ_WINDOW)
            .map(|k| self.seq.saturating_add(k))
            .collect();
        // OpenSSL and most stacks use the sequence number as the GCM explicit nonce.
        if self.framing == Framing::Tls12
            && matches!(self.engine, Engine::Aes128Gcm(_) | Engine::Aes256Gcm(_))
        {
            if let Some(n) = body.get(..8).and_then(|n| <[u8; 8]>::try_from(n).ok()) {
                let hint = u64::from_be_bytes(n);
                if hint > self.seq && !candidates.contains(&hint) {
                    candidates.insert(1, hint);
                }
            }
        }
        for seq in candidates {
            match self.decrypt_at(seq, header, body) {
                Ok(p) => {
                    self.seq = seq.saturating_add(1);
                    return Ok(p);
                }
                Err(e @ (DecryptError::BadLength(_) | DecryptError::NoContentType)) => {
                    self.seq = seq.saturating_add(1);
                    return Err(e);
                }
                Err(e) => last = e,
            }
        }
        if self.framing == Framing::Tls10 {
            // The IV chain continues from this record's ciphertext even if it did not verify.
            self.chain_iv(body);
        }
        self.seq = self.seq.saturating_add(1);
        Err(last)
    }

    fn chain_iv(&mut self, body: &[u8]) {
        if let Some(tail) = body.len().checked_sub(16).and_then(|i| body.get(i..)) {
            self.iv = tail.to_vec();
        }
    }

    fn decrypt_at(
        &mut self,
        seq: u64,
        header: &[u8; 5],
        body: &[u8],
    ) -> Result<Plain, DecryptError> {
        let [ct, v0, v1, _, _] = *header;
        let seqb = seq.to_be_bytes();
        match (&self.engine, self.framing) {
            (Engine::Cbc { .. }, _) => self.decrypt_cbc(seq, ct, [v0, v1], body),
            (_, Framing::Tls13) => {
                let nonce = xor_nonce(&self.iv, &seqb);
                let mut data = self.open(&nonce, body, header)?;
                // Strip the zero padding; the last non-zero byte is the content type.
                let end = data
                    .iter()
                    .rposition(|b| *b != 0)
                    .ok_or(DecryptError::NoContentType)?;
                let content_type = data.get(end).copied().ok_or(DecryptError::NoContentType)?;
                data.truncate(end);
                Ok(Plain { content_type, data })
            }
            (Engine::ChaCha(_), _) => {
                let plen = body
                    .len()
                    .checked_sub(16)
                    .ok_or(DecryptError::BadLength(body.len()))?;
                let aad = aad12(&seqb, ct, [v0, v1], plen);
                let nonce = xor_nonce(&self.iv, &seqb);
                let data = self.open(&nonce, body, &aad)?;
                Ok(Plain {
                    content_type: ct,
                    data,
                })
            }
            _ => {
                // GCM, TLS 1.2: 8-byte explicit nonce, ciphertext, 16-byte tag (RFC 5288 §3).
                let plen = body
                    .len()
                    .checked_sub(24)
                    .ok_or(DecryptError::BadLength(body.len()))?;
                let (explicit, ctext) = body.split_at(8);
                let aad = aad12(&seqb, ct, [v0, v1], plen);
                let nonce = [self.iv.as_slice(), explicit].concat();
                let data = self.open(&nonce, ctext, &aad)?;
                Ok(Plain {
                    content_type: ct,
                    data,
                })
            }
        }
    }

    fn open(&self, nonce: &[u8], msg: &[u8], aad: &[u8]) -> Result<Vec<u8>, DecryptError> {
        if nonce.len() != 12 {
            return Err(DecryptError::BadRecordMac);
        }
        let payload = Payload { msg, aad };
        let n = aes_gcm::Nonce::from_slice(nonce);
        let r = match &self.engine {
            Engine::Aes128Gcm(c) => c.decrypt(n, payload),
            Engine::Aes256Gcm(c) => c.decrypt(n, payload),
            Engine::ChaCha(c) => c.decrypt(chacha20poly1305::Nonce::from_slice(nonce), payload),
            Engine::Cbc { .. } => return Err(DecryptError::BadRecordMac),
        };
        r.map_err(|_| DecryptError::BadRecordMac)
    }

    /// MAC-then-encrypt CBC (RFC 5246 §6.2.3.2).
    fn decrypt_cbc(
        &mut self,
        seq: u64,
        ct: u8,
        version: [u8; 2],
        body: &[u8],
    ) -> Result<Plain, DecryptError> {
        let Engine::Cbc { key, mac, mac_key } = &self.engine else {
            return Err(DecryptError::BadRecordMac);
        };
        let mac_len = mac.len();
        let (iv, ctext) = match self.framing {
            Framing::Tls10 => (self.iv.as_slice(), body),
            _ => {
                if body.len() < 16 {
                    return Err(DecryptError::BadLength(body.len()));
                }
                body.split_at(16)
            }
        };
        if ctext.is_empty() || ctext.len() % 16 != 0 || ctext.len() < mac_len + 1 {
            return Err(DecryptError::BadLength(body.len()));
        }
        let mut buf = ctext.to_vec();
        let ok = match key.len() {
            16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
                .ok()
                .and_then(|d| d.decrypt_padded_mut::<NoPadding>(&mut buf).ok().map(|_| ())),
            _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
                .ok()
                .and_then(|d| d.decrypt_padded_mut::<NoPadding>(&mut buf).ok().map(|_| ())),
        };
        ok.ok_or(DecryptError::BadRecordMac)?;
        let pad = usize::from(buf.last().copied().unwrap_or(0));
        let content_len = buf
            .len()
            .checked_sub(pad + 1 + mac_len)
            .ok_or(DecryptError::BadRecordMac)?;
        let padding = buf.get(buf.len() - pad - 1..).unwrap_or_default();
        if padding.iter().any(|b| usize::from(*b) != pad) {
            return Err(DecryptError::BadRecordMac);
        }
        let content = buf.get(..content_len).unwrap_or_default();
        let got = buf
            .get(content_len..content_len + mac_len)
            .unwrap_or_default();
        let len = u16::try_from(content_len).unwrap_or(u16::MAX).to_be_bytes();
        let seqb = seq.to_be_bytes();
        let parts: [&[u8]; 5] = [&seqb, &[ct], &version, &len, content];
        let want = match mac {
            HashAlg::Sha1 => hmac_parts::<Hmac<sha1::Sha1>>(mac_key, &parts),
            HashAlg::Sha256 => hmac_parts::<Hmac<Sha256>>(mac_key, &parts),
            HashAlg::Sha384 => hmac_parts::<Hmac<Sha384>>(mac_key, &parts),
        };
        if want != got {
            return Err(DecryptError::BadRecordMac);
        }
        let data = content.to_vec();
        if self.framing == Framing::Tls10 {
            self.chain_iv(body);
        }
        Ok(Plain {
            content_type: ct,
            data,
        })
    }
}

/// The TLS 1.2 AEAD additional data: seq_num ‖ type ‖ version ‖ length (RFC 5246 §6.2.3.3).
fn aad12(seq: &[u8; 8], ct: u8, version: [u8; 2], plen: usize) -> Vec<u8> {
    let len = u16::try_from(plen).unwrap_or(u16::MAX).to_be_bytes();
    [seq.as_slice(), &[ct], &version, &len].concat()
}

/// The per-record nonce: the IV XOR the sequence number, left-padded (RFC 8446 §5.3).
fn xor_nonce(iv: &[u8], seq: &[u8; 8]) -> Vec<u8> {
    let pad = iv.len().saturating_sub(8);
    iv.iter()
        .enumerate()
        .map(|(i, b)| match i.checked_sub(pad) {
            Some(j) => b ^ seq.get(j).copied().unwrap_or(0),
            None => *b,
        })
        .collect()
}

#[cfg(test)]
#[path = "decrypt_tests.rs"]
mod tests;

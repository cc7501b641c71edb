//! RSA key exchange (TLS_RSA_* suites) with the server's private key (`--rsa-key`).
//!
//! The client encrypts a 48-byte pre-master secret to the server certificate's RSA key with
//! RSAES-PKCS1-v1_5 and sends it in the ClientKeyExchange (RFC 5246 §7.4.7.1; RFC 2246 §7.4.7.1
//! for TLS 1.0/1.1, SSL 3.0 without the length prefix). With the private key the pre-master
//! secret decrypts and gives the master secret (RFC 5246 §8.1), or with the extended master
//! secret extension the hash of the handshake up to the ClientKeyExchange does (RFC 7627 §4):
//! after that the session decrypts exactly as with a key log's `CLIENT_RANDOM` line.
//!
//! Private-key operations use the RustCrypto `rsa` crate. Its PKCS#1 v1.5 decryption is not
//! constant-time (RUSTSEC-2023-0071); that matters for a server answering attackers, not for
//! reading a capture offline.

use super::decrypt::{HashAlg, prf_tls10, prf_tls12};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use sha2::Digest;
use std::path::Path;

/// Largest RSA key accepted, in bits (a key is user input; decryption time grows with it).
pub const MAX_KEY_BITS: usize = 16384;

/// The pre-master secret's length (RFC 5246 §7.4.7.1).
const PRE_MASTER_LEN: usize = 48;

/// A server's RSA private key.
pub struct RsaKey {
    key: rsa::RsaPrivateKey,
    /// The modulus, big-endian without leading zeros.
    modulus: Vec<u8>,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "RsaKey({} bits)", self.key.size() * 8)
    }
}

impl RsaKey {
    /// Reads a PEM RSA private key: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or unencrypted PKCS#8
    /// (`BEGIN PRIVATE KEY`).
    pub fn from_pem(text: &str) -> Result<RsaKey, String> {
        let key = if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
            rsa::RsaPrivateKey::from_pkcs1_pem(text).map_err(|e| format!("PKCS#1 key: {e}"))?
        } else if text.contains("-----BEGIN PRIVATE KEY-----") {
            rsa::RsaPrivateKey::from_pkcs8_pem(text)
                .map_err(|e| format!("PKCS#8 key (RSA expected): {e}"))?
        } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(
                "the key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)".into(),
            );
        } else {
            return Err(
                "no PEM RSA private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)".into(),
            );
        };
        if key.size() * 8 > MAX_KEY_BITS {
            return Err(format!("RSA key larger than {MAX_KEY_BITS} bits"));
        }
        let modulus = key.n().to_bytes_be();
        Ok(RsaKey {
            modulus: modulus.into_iter().skip_while(|b| *b == 0).collect(),
            key,
        })
    }

    /// Reads a PEM RSA private key file (see [`RsaKey::from_pem`]).
    pub fn from_file(path: &Path) -> Result<RsaKey, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Self::from_pem(&text)
    }

    /// The modulus, big-endian without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// Whether a DER certificate's public key is this key's public half (same modulus).
    pub fn matches_certificate(&self, der: &[u8]) -> bool {
        crate::proto::x509::rsa_modulus(der).is_some_and(|m| m == self.modulus)
    }

    /// The pre-master secret of a ClientKeyExchange body (the message without its 4-byte
    /// header) of a session at `version`; `None` when it does not decrypt to 48 bytes.
    pub fn pre_master(&self, version: u16, cke_body: &[u8]) -> Option<[u8; PRE_MASTER_LEN]> {
        let ct = encrypted_pre_master(version, cke_body);
        let pms = self.key.decrypt(rsa::Pkcs1v15Encrypt, ct).ok()?;
        <[u8; PRE_MASTER_LEN]>::try_from(pms.as_slice()).ok()
    }
}

/// The EncryptedPreMasterSecret of a ClientKeyExchange body: TLS carries it as an opaque
/// vector with a 2-byte length (RFC 5246 §7.4.7.1); SSL 3.0 (and a body whose prefix does not
/// fit) as the bare ciphertext.
fn encrypted_pre_master(version: u16, body: &[u8]) -> &[u8] {
    match body {
        [hi, lo, rest @ ..]
            if version >= 0x0301 && usize::from(u16::from_be_bytes([*hi, *lo])) == rest.len() =>
        {
            rest
        }
        _ => body,
    }
}

/// Whether a cipher suite uses RSA key exchange (TLS_RSA_WITH_*) and is one this build
/// decrypts (AES-CBC, AES-GCM).
pub fn is_rsa_kx(suite: u16) -> bool {
    matches!(suite, 0x002f | 0x0035 | 0x003c | 0x003d | 0x009c | 0x009d)
}

/// Whether a ServerHello message (header included) carries the extended_master_secret
/// extension (type 23, RFC 7627 §5.1).
pub fn server_hello_has_ems(msg: &[u8]) -> bool {
    // type(1) length(3) version(2) random(32) session_id<0..32>
    let Some(sid_len) = msg.get(38).copied() else {
        return false;
    };
    // cipher_suite(2) compression_method(1), then the extensions<0..2^16-1>.
    let at = 39 + usize::from(sid_len) + 3;
    let Some([hi, lo, rest @ ..]) = msg.get(at..) else {
        return false;
    };
    let mut exts = rest
        .get(..usize::from(u16::from_be_bytes([*hi, *lo])))
        .unwrap_or_default();
    while let [t1, t2, l1, l2, rest @ ..] = exts {
        if u16::from_be_bytes([*t1, *t2]) == 23 {
            return true;
        }
        exts = rest
            .get(usize::from(u16::from_be_bytes([*l1, *l2]))..)
            .unwrap_or_default();
    }
    false
}

/// The leaf certificate's DER in a Certificate message (header included, RFC 5246 §7.4.2).
pub fn leaf_certificate(msg: &[u8]) -> Option<&[u8]> {
    let len = msg
        .get(7..10)?
        .iter()
        .fold(0usize, |a, b| a << 8 | usize::from(*b));
    msg.get(10..10 + len)
}

/// The handshake hash of RFC 7627 §3 over `transcript` (every handshake message from the
/// ClientHello to the ClientKeyExchange, headers included): the PRF hash in TLS 1.2, MD5 and
/// SHA-1 concatenated before.
pub fn session_hash(version: u16, prf_hash: HashAlg, transcript: &[u8]) -> Vec<u8> {
    if version >= 0x0303 {
        match prf_hash {
            HashAlg::Sha384 => sha2::Sha384::digest(transcript).to_vec(),
            HashAlg::Sha256 | HashAlg::Sha1 => sha2::Sha256::digest(transcript).to_vec(),
        }
    } else {
        let mut h = md5::Md5::digest(transcript).to_vec();
        h.extend_from_slice(&sha1::Sha1::digest(transcript));
        h
    }
}

/// The master secret (RFC 5246 §8.1): `PRF(pre_master, "master secret", client_random +
/// server_random)`, or with the extended master secret `PRF(pre_master, "extended master
/// secret", session_hash)` (RFC 7627 §4). TLS 1.0/1.1 use their MD5/SHA-1 PRF.
pub fn master_secret(
    version: u16,
    prf_hash: HashAlg,
    pre_master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    session_hash: Option<&[u8]>,
) -> Option<[u8; 48]> {
    let (label, seed): (&[u8], Vec<u8>) = match session_hash {
        Some(h) => (b"extended master secret", h.to_vec()),
        None => (
            b"master secret",
            [&client_random[..], &server_random[..]].concat(),
        ),
    };
    let out = if version >= 0x0303 {
        prf_tls12(prf_hash, pre_master, label, &seed, 48)
    } else {
        prf_tls10(pre_master, label, &seed, 48)
    };
    <[u8; 48]>::try_from(out.as_slice()).ok()
}

#[cfg(test)]
#[path = "rsa_kx_testdata.rs"]
mod testdata;
#[cfg(test)]
#[path = "rsa_kx_tests.rs"]
mod tests;

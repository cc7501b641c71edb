//! Vectors: the TLS 1.2 PRF test vectors published with RFC 5246 (SHA-256 and SHA-384), the
//! RFC 8448 §3 traffic keys, and records built independently with Python's `cryptography`
//! package and `hmac`/`hashlib` (AES-GCM, ChaCha20-Poly1305, AES-CBC + HMAC; TLS 1.0–1.3) from
//! the master secret 0x10..0x3f, client random 0xc1 × 32 and server random 0x5e × 32.

use super::*;

fn hx(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const MASTER: std::ops::Range<u8> = 0x10..0x40;
const CR: [u8; 32] = [0xc1; 32];
const SR: [u8; 32] = [0x5e; 32];

fn master() -> Vec<u8> {
    MASTER.collect()
}

fn split(rec: &[u8]) -> ([u8; 5], &[u8]) {
    (rec[..5].try_into().unwrap(), &rec[5..])
}

fn ciphers(version: u16, id: u16) -> (RecordCipher, RecordCipher) {
    tls12_ciphers(version, suite(id).unwrap(), &master(), &CR, &SR).unwrap()
}

#[test]
fn prf_sha256_vector() {
    let out = prf_tls12(
        HashAlg::Sha256,
        &hx("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        &hx("a0ba9f936cda311827a6f796ffd5198c"),
        100,
    );
    assert_eq!(
        out,
        hx(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
        )
    );
}

#[test]
fn prf_sha384_vector() {
    let out = prf_tls12(
        HashAlg::Sha384,
        &hx("b80b733d6ceefcdc71566ea48e5567df"),
        b"test label",
        &hx("cd665cf6a8447dd6ff8b27555edb7465"),
        148,
    );
    assert_eq!(
        out,
        hx(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f"
        )
    );
}

#[test]
fn prf_tls10_md5_sha1() {
    let secret: Vec<u8> = (0..48).collect();
    let seed: Vec<u8> = (0..64).collect();
    assert_eq!(
        prf_tls10(&secret, b"key expansion", &seed, 40),
        hx("023d49a0cea8ad8071bf64519dc8f45bd302c1db3e33d39d1f21c548d05194aafa865f78d84b4651")
    );
}

#[test]
fn rfc8448_traffic_keys() {
    let s = hx("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    assert_eq!(
        hkdf_expand_label(HashAlg::Sha256, &s, b"key", b"", 16).unwrap(),
        hx("3fce516009c21727d0f2e4e86ee403bc")
    );
    assert_eq!(
        hkdf_expand_label(HashAlg::Sha256, &s, b"iv", b"", 12).unwrap(),
        hx("5d313eb2671276ee13000b30")
    );
    // Client handshake traffic secret → key, IV (RFC 8448 §3).
    let c = hx("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
    assert_eq!(
        hkdf_expand_label(HashAlg::Sha256, &c, b"key", b"", 16).unwrap(),
        hx("dbfaa693d1762c5b666af5d950258d01")
    );
    assert_eq!(
        hkdf_expand_label(HashAlg::Sha256, &c, b"iv", b"", 12).unwrap(),
        hx("5bd3c71b836e0b76bb73265f")
    );
    // A secret shorter than the hash is refused, not a panic.
    assert_eq!(
        hkdf_expand_label(HashAlg::Sha384, &s[..8], b"key", b"", 32),
        None
    );
}

#[test]
fn tls13_aes128_gcm_handshake_record() {
    let s = hx("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    let mut c = tls13_cipher(suite(0x1301).unwrap(), &s).unwrap();
    let rec = hx("170303001ad1ff336c56d7a9fc595e67e0e7ce13ff0ac89fb07547fd0ef6c1");
    let (h, b) = split(&rec);
    let p = c.decrypt(&h, b).unwrap();
    assert_eq!(p.content_type, 22);
    assert_eq!(p.data, hx("080000020000"));
    assert_eq!(c.seq, 1);
    // The same record again (seq 1 and later) does not authenticate; the state moves on.
    assert_eq!(c.decrypt(&h, b), Err(DecryptError::BadRecordMac));
}

#[test]
fn tls13_chacha_finds_the_sequence_after_lost_records() {
    let mut c = tls13_cipher(suite(0x1303).unwrap(), &[0x33; 32]).unwrap();
    let rec = hx("170303001694f991fad804c608cea8793cb2c3ae4e780ff9fb7a3d");
    let (h, b) = split(&rec);
    // Built with sequence number 2: records 0 and 1 were not captured.
    let p = c.decrypt(&h, b).unwrap();
    assert_eq!((p.content_type, p.data), (23, hx("3003020106")));
    assert_eq!(c.seq, 3);
}

#[test]
fn tls13_aes256_alert() {
    let mut c = tls13_cipher(suite(0x1302).unwrap(), &[0x44; 48]).unwrap();
    let rec = hx("17030300132f81a7c1f42aec125e9ce13b30c0f057aff419");
    let (h, b) = split(&rec);
    let p = c.decrypt(&h, b).unwrap();
    assert_eq!((p.content_type, p.data), (21, vec![1, 0]));
}

#[test]
fn tls12_aes256_gcm_sha384() {
    let (mut client, _) = ciphers(0x0303, 0xc030);
    // Sequence 1 (record 0 was the Finished); the explicit nonce carries it.
    let rec =
        hx("17030300250000000000000001748244316f88cf51959398304c1510ede02bbc693c45220fd62516fb71");
    let (h, b) = split(&rec);
    let p = client.decrypt(&h, b).unwrap();
    assert_eq!(
        (p.content_type, p.data),
        (23, b"\x03\x00\x00\x0bhello rdp".to_vec())
    );
    assert_eq!(client.seq, 2);
    // Truncated below nonce + tag.
    assert_eq!(
        client.decrypt(&h, &b[..20]),
        Err(DecryptError::BadLength(20))
    );
}

#[test]
fn tls12_chacha20_poly1305_alert() {
    let (_, mut server) = ciphers(0x0303, 0xcca8);
    let rec = hx("150303001290e6ca27622df4ad69d7cd3aed15ee2078b2");
    let (h, b) = split(&rec);
    let p = server.decrypt(&h, b).unwrap();
    assert_eq!((p.content_type, p.data), (21, vec![1, 0]));
    // The client's keys do not open the server's record.
    let (mut client, _) = ciphers(0x0303, 0xcca8);
    assert_eq!(client.decrypt(&h, b), Err(DecryptError::BadRecordMac));
}

#[test]
fn tls12_cbc_sha256_and_sha384() {
    let (mut client, _) = ciphers(0x0303, 0x003c);
    let rec = hx(
        "17030300407777777777777777777777777777777749627f007a9b3cf6dc9cfcd11d061011707efa66e8f2db9f4a6e0ee69ae411b6f982e040934a49201a098a592ba84f0f",
    );
    let (h, b) = split(&rec);
    assert_eq!(client.decrypt(&h, b).unwrap().data, hx("3003020106"));

    let (_, mut server) = ciphers(0x0303, 0xc028);
    let rec = hx(
        "150303005042424242424242424242424242424242e3ff3c503ef7ae4df747d8429b4fae0adbf6bcea905f54d510a1ec1fed20e7f0727be6152630fd6770a1b2bdd499281aa9d5d3081b1c2c669431235a86a4b0ce",
    );
    let (h, b) = split(&rec);
    assert_eq!(
        server.decrypt(&h, b).unwrap(),
        Plain {
            content_type: 21,
            data: vec![1, 0]
        }
    );
    // One flipped ciphertext bit breaks padding or MAC: reported, not a panic.
    let mut bad = b.to_vec();
    bad[20] ^= 1;
    let (_, mut server) = ciphers(0x0303, 0xc028);
    assert_eq!(server.decrypt(&h, &bad), Err(DecryptError::BadRecordMac));
    // Not a multiple of the block size.
    assert_eq!(
        server.decrypt(&h, &b[..40]),
        Err(DecryptError::BadLength(40))
    );
}

#[test]
fn tls11_cbc_sha1_uses_the_md5_sha1_prf() {
    let (mut client, _) = ciphers(0x0302, 0x002f);
    let rec = hx(
        "170302003011111111111111111111111111111111f0ab609d94ed6e3ff5c9c00ca86de2a684bdc092bee9f0aff7572dfdbdfe8ac4",
    );
    let (h, b) = split(&rec);
    assert_eq!(client.decrypt(&h, b).unwrap().data, b"tls11 data".to_vec());
}

#[test]
fn tls10_cbc_chains_the_iv() {
    let (mut client, _) = ciphers(0x0301, 0x0035);
    let r0 = hx(
        "1603010030b4a399a82e11b4eee238de7ee0bd3e9b89842670003b76ccd4765fe9a3db2f9be50d41f7488a0f5e2ad3a435b85107f2",
    );
    let r1 = hx(
        "1703010030e9e18aa69ca43cec6c8427c3cc936fac91e92b10b7eb1f6797db563a5d6725e312bb51e93a83d039f343b52cb9bd085c",
    );
    let (h, b) = split(&r0);
    let p = client.decrypt(&h, b).unwrap();
    assert_eq!((p.content_type, p.data.len()), (22, 16));
    let (h, b) = split(&r1);
    assert_eq!(
        client.decrypt(&h, b).unwrap().data,
        b"second record".to_vec()
    );
}

#[test]
fn aead_suites_need_tls12_and_unknown_suites_are_none() {
    assert!(tls12_ciphers(0x0302, suite(0xc02f).unwrap(), &master(), &CR, &SR).is_none());
    assert!(tls12_ciphers(0x0303, suite(0x1301).unwrap(), &master(), &CR, &SR).is_none());
    assert!(tls13_cipher(suite(0xc02f).unwrap(), &[0; 32]).is_none());
    assert_eq!(suite(0x0005), None); // RC4
    assert_eq!(
        suite(0xc030).map(|s| (s.bulk, s.hash)),
        Some((Bulk::Aes256Gcm, HashAlg::Sha384))
    );
}

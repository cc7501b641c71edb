use super::testdata::*;
use super::*;

fn hex(parts: &[&str]) -> Vec<u8> {
    let s: String = parts.concat();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The handshake messages (headers included) of consecutive plaintext handshake records.
fn messages(mut records: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !records.is_empty() {
        assert_eq!(records[0], 22);
        let len = usize::from(u16::from_be_bytes([records[3], records[4]]));
        let mut body = &records[5..5 + len];
        while !body.is_empty() {
            let n =
                4 + (usize::from(body[1]) << 16 | usize::from(body[2]) << 8 | usize::from(body[3]));
            out.push(body[..n].to_vec());
            body = &body[n..];
        }
        records = &records[5 + len..];
    }
    out
}

fn lab_key() -> RsaKey {
    RsaKey::from_pem(include_str!("../../../samples/ok-tls12-rsa-kx.key")).unwrap()
}

#[test]
fn pre_master_and_extended_master_secret_of_the_lab_session() {
    let key = lab_key();
    assert_eq!(format!("{key:?}"), "RsaKey(2048 bits)");
    let ch = messages(&hex(CLIENT_HELLO_RECORD)).remove(0);
    let server = messages(&hex(SERVER_FLIGHT_RECORD));
    let types: Vec<u8> = server.iter().map(|m| m[0]).collect();
    assert_eq!(types, [2, 11, 14]);
    let (sh, cert, shd) = (&server[0], &server[1], &server[2]);
    let cke = messages(&hex(CLIENT_FLIGHT)[..267]).remove(0);
    assert_eq!((cke[0], cke.len()), (16, 262));

    // TLS_RSA_WITH_AES_256_GCM_SHA384, extended master secret accepted.
    assert_eq!(
        u16::from_be_bytes([sh[39 + usize::from(sh[38])], sh[40 + usize::from(sh[38])]]),
        0x009d
    );
    assert!(is_rsa_kx(0x009d));
    assert!(server_hello_has_ems(sh));
    assert!(key.matches_certificate(leaf_certificate(cert).unwrap()));

    // The pre-master secret OpenSSL logged (`RSA` line), whose ciphertext starts as logged.
    assert_eq!(hex(&[LOGGED_RSA.0]), cke[6..14]);
    let pms = key.pre_master(0x0303, &cke[4..]).unwrap();
    assert_eq!(pms.to_vec(), hex(&[LOGGED_RSA.1]));
    assert_eq!(&pms[..2], &[3, 3], "client_version of the ClientHello");

    // The master secret OpenSSL logged (`CLIENT_RANDOM` line): RFC 7627 over the transcript.
    let cr: [u8; 32] = ch[6..38].try_into().unwrap();
    let sr: [u8; 32] = sh[6..38].try_into().unwrap();
    assert_eq!(cr.to_vec(), hex(&[LOGGED_MASTER.0]));
    let transcript = [ch.as_slice(), sh, cert, shd, &cke].concat();
    let hash = session_hash(0x0303, HashAlg::Sha384, &transcript);
    assert_eq!(hash.len(), 48);
    let master = master_secret(0x0303, HashAlg::Sha384, &pms, &cr, &sr, Some(&hash)).unwrap();
    assert_eq!(master.to_vec(), hex(&[LOGGED_MASTER.1]));
    // Without the extension (RFC 5246 §8.1) it would be another secret.
    let plain = master_secret(0x0303, HashAlg::Sha384, &pms, &cr, &sr, None).unwrap();
    assert_ne!(plain, master);
}

#[test]
fn wrong_key_and_damaged_ciphertext_give_no_pre_master() {
    let key = lab_key();
    let cke = messages(&hex(CLIENT_FLIGHT)[..267]).remove(0);
    let mut bad = cke[4..].to_vec();
    bad[100] ^= 1;
    assert_eq!(key.pre_master(0x0303, &bad), None);
    assert_eq!(key.pre_master(0x0303, &cke[4..40]), None);
    assert_eq!(key.pre_master(0x0303, &[]), None);
    let other =
        RsaKey::from_pem(include_str!("../../../tests/fixtures/other-rsa-pkcs1.key")).unwrap();
    assert_eq!(other.pre_master(0x0303, &cke[4..]), None);
    let cert = messages(&hex(SERVER_FLIGHT_RECORD)).remove(1);
    assert!(!other.matches_certificate(leaf_certificate(&cert).unwrap()));
}

#[test]
fn pem_forms() {
    // PKCS#8 (the lab key) and PKCS#1 (the fixture) both read; other PEM is refused.
    assert_eq!(lab_key().modulus().len(), 256);
    let other =
        RsaKey::from_pem(include_str!("../../../tests/fixtures/other-rsa-pkcs1.key")).unwrap();
    assert_eq!(other.modulus().len(), 128);
    assert!(
        RsaKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .unwrap_err()
            .contains("no PEM RSA private key")
    );
    assert!(
        RsaKey::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
            .unwrap_err()
            .contains("encrypted")
    );
    assert!(
        RsaKey::from_pem(
            "-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n"
        )
        .is_err()
    );
}

#[test]
fn ssl3_and_unprefixed_ciphertext() {
    assert_eq!(encrypted_pre_master(0x0303, &[0, 2, 9, 9]), &[9, 9]);
    assert_eq!(encrypted_pre_master(0x0300, &[0, 2, 9, 9]), &[0, 2, 9, 9]);
    assert_eq!(encrypted_pre_master(0x0303, &[0, 5, 9, 9]), &[0, 5, 9, 9]);
    assert_eq!(encrypted_pre_master(0x0303, &[0]), &[0]);
}

#[test]
fn server_hello_extensions_truncated_or_absent() {
    let sh = messages(&hex(SERVER_FLIGHT_RECORD)).remove(0);
    // extended_master_secret is the last extension: any truncation loses it, without panic.
    for n in 0..sh.len() {
        assert!(!server_hello_has_ems(&sh[..n]), "{n}");
    }
    assert!(server_hello_has_ems(&sh));
    // No extensions block at all.
    let sid = usize::from(sh[38]);
    assert!(!server_hello_has_ems(&sh[..39 + sid + 3]));
    assert_eq!(leaf_certificate(&[11, 0, 0]), None);
}

//! TSRequests built from MS-CSSP 2.2.1 and MS-NLMP 2.2.1, and the lab's first TSRequest
//! (FreeRDP 2.11, decrypted from samples/nla-wrong-password.pcap frame 16).

use super::*;

/// FreeRDP's NEGOTIATE TSRequest: version 6, one NTLM NEGOTIATE token, a clientNonce.
const LAB_NEGOTIATE: &[u8] = &[
    0x30, 0x5b, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa1, 0x30, 0x30, 0x2e, 0x30, 0x2c, 0xa0, 0x2a, 0x04,
    0x28, 0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00, 0x00, 0xb7, 0x82, 0x08,
    0xe2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x06, 0x01, 0xb1, 0x1d, 0x00, 0x00, 0x00, 0x0f, 0xa5, 0x22, 0x04, 0x20, 0x4d, 0xc6, 0x1e,
    0x90, 0x5d, 0x35, 0xa0, 0xe1, 0x91, 0xdf, 0x8a, 0xc2, 0x6d, 0x0d, 0x57, 0xc9, 0x36, 0xd2, 0x96,
    0xca, 0xc3, 0xa7, 0x53, 0xf5, 0x6a, 0x20, 0xe7, 0x7f, 0x08, 0x5e, 0xff, 0x23,
];

/// A server's failure answer: version 6, errorCode STATUS_LOGON_FAILURE (`02 04 C0 00 00 6D`).
const LOGON_FAILURE: &[u8] = &[
    0x30, 0x0d, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4, 0x06, 0x02, 0x04, 0xc0, 0x00, 0x00, 0x6d,
];

#[test]
fn lab_negotiate() {
    let (rest, r) = parse_ts_request(LAB_NEGOTIATE).unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        r,
        TsRequest {
            version: 6,
            ntlm: vec![Ntlm::Negotiate],
            nego_tokens: 1,
            auth_info: false,
            pub_key_auth: false,
            error_code: None,
            client_nonce: true,
        }
    );
    assert_eq!(ts_request_len(LAB_NEGOTIATE), Ok(Some(93)));
}

#[test]
fn error_codes_with_names() {
    let (_, r) = parse_ts_request(LOGON_FAILURE).unwrap();
    let e = r.error_code.unwrap();
    assert_eq!(e, NtStatus(0xC000_006D));
    assert_eq!(e.name(), "STATUS_LOGON_FAILURE");
    assert_eq!(e.meaning(), Some("wrong user name or password"));
    assert_eq!(e.to_string(), "STATUS_LOGON_FAILURE (0xC000006D)");

    // Account locked out, with a 5-byte (zero-prefixed) INTEGER and a pubKeyAuth before it.
    let locked = [
        0x30, 0x14, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa3, 0x04, 0x04, 0x02, 0xaa, 0xbb, 0xa4, 0x07,
        0x02, 0x05, 0x00, 0xc0, 0x00, 0x02, 0x34,
    ];
    let (_, r) = parse_ts_request(&locked).unwrap();
    assert_eq!((r.version, r.pub_key_auth), (5, true));
    assert_eq!(
        r.error_code.map(|e| e.name()).as_deref(),
        Some("STATUS_ACCOUNT_LOCKED_OUT")
    );

    for (code, name) in [
        (0xC000_0071, "STATUS_PASSWORD_EXPIRED"),
        (0xC000_0072, "STATUS_ACCOUNT_DISABLED"),
        (0xC000_006E, "STATUS_ACCOUNT_RESTRICTION"),
        (0xC000_0133, "STATUS_TIME_DIFFERENCE_AT_DC"),
        (0xC000_0224, "STATUS_PASSWORD_MUST_CHANGE"),
        (0x8009_030F, "SEC_E_MESSAGE_ALTERED"),
    ] {
        let [a, b, c, d] = u32::to_be_bytes(code);
        let req = [
            0x30, 0x0d, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa4, 0x06, 0x02, 0x04, a, b, c, d,
        ];
        let (_, r) = parse_ts_request(&req).unwrap();
        assert_eq!(r.error_code.map(|e| e.name()).as_deref(), Some(name));
    }
    assert_eq!(NtStatus(0xC0DE_0001).name(), "unknown (0xc0de0001)");
    assert_eq!(NtStatus(0xC0DE_0001).meaning(), None);
}

#[test]
fn authenticate_user_domain_workstation() {
    let msg: &[u8] = &[
        b'N', b'T', b'L', b'M', b'S', b'S', b'P', 0, 3, 0, 0, 0, // signature, type 3
        0, 0, 0, 0, 72, 0, 0, 0, // LmChallengeResponse
        0, 0, 0, 0, 72, 0, 0, 0, // NtChallengeResponse
        6, 0, 6, 0, 72, 0, 0, 0, // DomainName "LAB"
        14, 0, 14, 0, 78, 0, 0, 0, // UserName "labuser"
        4, 0, 4, 0, 92, 0, 0, 0, // Workstation "vm"
        0, 0, 0, 0, 96, 0, 0, 0, // EncryptedRandomSessionKey
        0x01, 0x82, 0x08, 0xe2, // NegotiateFlags (UNICODE)
        6, 1, 0xb1, 0x1d, 0, 0, 0, 0x0f, // Version
        b'L', 0, b'A', 0, b'B', 0, b'l', 0, b'a', 0, b'b', 0, b'u', 0, b's', 0, b'e', 0, b'r', 0,
        b'v', 0, b'm', 0,
    ];
    assert_eq!(msg.len(), 96);
    let head: &[u8] = &[
        0x30, 0x6f, 0xa0, 0x03, 0x02, 0x01, 0x06, 0xa1, 0x68, 0x30, 0x66, 0x30, 0x64, 0xa0, 0x62,
        0x04, 0x60,
    ];
    let req = [head, msg].concat();
    let (rest, r) = parse_ts_request(&req).unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        r.ntlm,
        vec![Ntlm::Authenticate {
            domain: "LAB".into(),
            user: "labuser".into(),
            workstation: "vm".into()
        }]
    );
    assert_eq!(r.ntlm[0].name(), "AUTHENTICATE");
    // Every cut is incomplete, never malformed or a panic.
    for n in 0..req.len() {
        assert!(
            matches!(parse_ts_request(&req[..n]), Err(ProtoError::Incomplete(_))),
            "cut at {n}"
        );
        assert!(
            matches!(ts_request_len(&req[..n]), Ok(None) | Ok(Some(113))),
            "cut at {n}"
        );
    }
    // An AUTHENTICATE whose field points past the message keeps empty strings.
    let mut bad = msg.to_vec();
    bad[40] = 200;
    assert_eq!(
        ntlm(&bad),
        Some(Ntlm::Authenticate {
            domain: "LAB".into(),
            user: String::new(),
            workstation: "vm".into()
        })
    );
}

#[test]
fn challenge_target_and_malformed() {
    let msg: &[u8] = &[
        b'N', b'T', b'L', b'M', b'S', b'S', b'P', 0, 2, 0, 0, 0, // type 2
        4, 0, 4, 0, 32, 0, 0, 0, // TargetName at 32
        0x05, 0x82, 0x89, 0xe2, // flags (UNICODE)
        1, 2, 3, 4, 5, 6, 7, 8, // ServerChallenge
        b'V', 0, b'M', 0,
    ];
    assert_eq!(
        ntlm(msg),
        Some(Ntlm::Challenge {
            target: Some("VM".into())
        })
    );
    assert_eq!(ntlm(b"NTLMSSP\0\x09\0\0\0"), Some(Ntlm::Other(9)));
    assert_eq!(ntlm(b"no ntlm here"), None);
    // Not a SEQUENCE; a SEQUENCE without version; an indefinite length.
    assert!(matches!(
        parse_ts_request(&[0x31, 0x00]),
        Err(ProtoError::Malformed { .. })
    ));
    assert!(matches!(
        parse_ts_request(&[0x30, 0x02, 0xa3, 0x00]),
        Err(ProtoError::Malformed { .. })
    ));
    assert!(matches!(
        parse_ts_request(&[0x30, 0x80, 0x00, 0x00]),
        Err(ProtoError::Malformed { .. })
    ));
    assert!(ts_request_len(&[0x03, 0x00]).is_err());
}

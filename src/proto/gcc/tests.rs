//! Byte-literal tests of the GCC user data blocks, bytes taken from the corpus captures with tshark.

use super::*;
use crate::proto::mcs::{McsPdu, parse_mcs};
use crate::proto::tpkt::parse_tpkt;
use crate::proto::wire::hex;
use crate::proto::x224::{Tpdu, parse_tpdu};

// rdp-proprietary-encryption.pcap frame 14 (client FROG-POND, conn 2)
const CI_PROP: &str = concat!(
    "030001ac02f0807f658201a00401010401010101ff30190201220201020201000201010201000201010202ffff020102",
    "301902010102010102010102010102010002010102020420020102301c0202ffff0202fc170202ffff02010102010002",
    "01010202ffff0201020482013f000500147c00018136000800100001c00044756361812801c0d8000400080080046003",
    "01ca03aa0904000070170000460052004f0047002d0050004f004e004400000000000000000000000000000004000000",
    "000000000c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000001ca01000000000018000f000b0000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000004c00c000d0000000000000002c00c001b0000000000000003c038000400000072647064",
    "7200000000008080726470736e640000000000c0647264796e766300000080c0636c6970726472000000a0c0",
);

// rdp-proprietary-encryption.pcap frame 15
const CR_PROP: &str = concat!(
    "0300015102f0807f668201450a0100020100301a020122020103020100020101020100020101020300fff80201020482",
    "011f000500147c00012a14760a01010001c0004d63446e8108010c0c000400080000000000030c1000eb030400ec03ed",
    "03ee03ef03020cec00020000000300000020000000b8000000e323f12bc9f1f51e9a057145b003a36e7ef07062824ecf",
    "a2770ae91f9d0337d101000000010000000100000006005c005253413148000000000200003f0000000100010093520c",
    "e9c5325c8105a65db24edf8647d786d359cddbeeb0588d99e0d0ff10767b2ede328dcdade65132b01b8c2c1871be890b",
    "947c791409adc8f63377f974b100000000000000000800480046ba0119957ae7a7ec0604e057a05155891409d81df96e",
    "f52cb67adfff429d95ba49fbc65b140c694f8583d2aad9920ad53d530498d0aaf15e9d62b685c8762000000000000000",
    "00",
);

// rdp-x509.pcap frame 11 (client JOHN-PC-LAPTOP)
const CI_X509: &str = concat!(
    "030001be02f0807f658201b20401010401010101ff30190201220201020201000201010201000201010202ffff020102",
    "301902010102010102010102010102010002010102020420020102301c0202ffff0202fc170202ffff02010102010002",
    "01010202ffff02010204820151000500147c00018148000800100001c00044756361813a01c0ea000400080080073804",
    "01ca03aa09040000802500004a004f0048004e002d00500043002d004c004100500054004f0050000000000004000000",
    "000000000c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000001ca01000000000010000f00ad0733006300350037003100",
    "6500640030002d0033003400310035002d0034003700340062002d0061006500390034002d0037003400650031003500",
    "31006200000007000000000000000000000000000000000000000000000004c00c00150000000000000002c00c001b00",
    "00000000000003c0380004000000726470647200000000008080726470736e640000000000c0636c6970726472000000",
    "a0c0647264796e766300000080c0",
);

// rdp-x509.pcap frames 12+13 (one TPKT over two segments)
const CR_X509: &str = concat!(
    "0300057d02f0807f668205710a0100020100301a020122020103020100020101020100020101020300fff80201020482",
    "054b000500147c00012a14760a01010001c0004d63446e8534010c0c000400080000000000030c1000eb030400ec03ed",
    "03ee03ef03020c1805020000000200000020000000e40400009fda0605a0e36f690bff0ca0b121db62dae41b97123537",
    "5c712b642d8ae3cfa702000080020000005f0100003082015b30820109a003020102020859eb28cb02b1a0d430090605",
    "2b0e03021d0500302c312a301106035504031e0a00530045005200560052301506035504071e0e005400550052004e00",
    "42004b004c301e170d3135303231313134313530365a170d3135303531323030303030305a302c312a30110603550403",
    "1e0a00530045005200560052301506035504071e0e005400550052004e0042004b004c305c300d06092a864886f70d01",
    "01010500034b003048024100d31474f69f983d557757f6680d765c1965f19f8b7d31a605a2aa3b47e14ba9d01a3fce17",
    "80402e77838f7bb5e47be12c18eefcc3e277ffd9d6936ad6ce9809fd0203010001a3133011300f0603551d1304083006",
    "0101ff020100300906052b0e03021d05000341008a9264745d17d5003e74c9039a10e0c1f3ae56d8ef0f5523cda88209",
    "f56bdad26a18caa9b2a1d12a7aee6b57858a3a07aafb116c5fb9feff7592abaa02feac9c65030000308203613082030f",
    "a00302010202050100000001300906052b0e03021d0500302c312a301106035504031e0a005300450052005600523015",
    "06035504071e0e005400550052004e0042004b004c301e170d3133303430353135313535355a170d3136313233313233",
    "353935395a30818e31818b302106035504031e1a006e00630061006c007200700063003a005300450052005600523021",
    "06035504071e1a006e00630061006c007200700063003a00530045005200560052304306035504051e3c003100420063",
    "004b006500660059005300460039003700450076006b0061006900430071006100680050005900380075005000640030",
    "003d000d000a305c300d06092a864886f70d0101040500034b003048024100f22d4e9a36ed8f684449ede380f86db3fc",
    "0360ad644dc4e3a5d200e9247b92efa8657610e7fbe2256f46837c33d8620ccbb366963b13c6772b60428cb221acc702",
    "03010001a38201b7308201b3301406092b06010401823712040101ff040401000500303c06092b060104018237120201",
    "01ff042c4d006900630072006f0073006f0066007400200043006f00720070006f0072006100740069006f006e000000",
    "3081cd06092b06010401823712050101ff0481bc003000000100000002000000090400001c004a0066004a00b0000100",
    "330064003200360037003900350034002d0065006500630037002d0031003100640031002d0062003900340065002d00",
    "3000300064003000340066006100330030003800300064000000330064003200360037003900350034002d0064006500",
    "610037002d0031003200640031002d0062003900340065002d0030003000630030003400660061003300300038003000",
    "64000000000000100080d40000000000306806092b06010401823712060101ff04580030000000000c003c0053004500",
    "5200560052000000360039003700310033002d003000310032002d0034003700300031003700360033002d0034003400",
    "37003500310000005400550052004e0042004b004c000000000030230603551d230101ff04193017a10ea40c53004500",
    "520056005200000082050100000001300906052b0e03021d0500034100aad15319b38adaf8857735cc8a23af10d4c0c2",
    "407ca60092163e4e65e38331c22395ecbe98581f61d9924279fa483f72aa4064c01d34016491ee237ce26bcce3000000",
    "00000000000000000000000000",
);

// rdp-unknown-keyboard.pcap frame 11 (edited keyboard layout)
const CI_KB: &str = concat!(
    "030001be02f0807f658201b20401010401010101ff30190201220201020201000201010201000201010202ffff020102",
    "301902010102010102010102010102010002010102020420020102301c0202ffff0202fc170202ffff02010102010002",
    "01010202ffff02010204820151000500147c00018148000800100001c00044756361813a01c0ea000400080080073804",
    "01ca03aa1e040400802500004a004f0048004e002d00500043002d004c004100500054004f0050000000000004000000",
    "000000000c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000001ca01000000000010000f00ad0733006300350037003100",
    "6500640030002d0033003400310035002d0034003700340062002d0061006500390034002d0037003400650031003500",
    "31006200000007000000000000000000000000000000000000000000000004c00c00150000000000000002c00c001b00",
    "00000000000003c0380004000000726470647200000000008080726470736e640000000000c0636c6970726472000000",
    "a0c0647264796e766300000080c0",
);

// RDP-003.pcap frame 7 (Windows XP client ISD2-KM84178)
const CI_RDP003: &str = concat!(
    "0300019c02f0807f658201900401010401010101ff30190201220201020201000201010201000201010202ffff020102",
    "301902010102010102010102010102010002010102020420020102301c0202ffff0202fc170202ffff02010102010002",
    "01010202ffff0201020482012f000500147c00018126000800100001c00044756361811801c0d4000400080080046003",
    "01ca03aa09040000280a000049005300440032002d004b004d0038003400310037003800000000000000000004000000",
    "000000000c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000001ca0100000000000f000700010035003500320037003400",
    "2d004f0045004d002d0030003000310031003900300033002d0030003000310030003700000000000000000000000000",
    "000000000000000004c00c00090000000000000002c00c000b0000000000000003c02c00030000007264706472000000",
    "00008080636c6970726472000000a0c0726470736e640000000000c0",
);

// RDP-003.pcap frame 8
const CR_RDP003: &str = concat!(
    "0300014d02f0807f668201410a0100020100301a020122020103020100020101020100020101020300fff80201020482",
    "011b000500147c00012a14760a01010001c0004d63446e8104010c080004000800030c1000eb030300ec03ed03ee0300",
    "00020cec00080000000200000020000000b8000000778e84ed14edf1083d361284c28dcd52da72301be1dc7fdf62accd",
    "22660b337201000000010000000100000006005c005253413148000000000200003f0000000100010083f6d4ca7c0597",
    "5a72cb0b5ca0ece59d468470e83ac0589091a00c9119bcab88efc96b261a6290e8a9385b5aa4198f5f29caa6c62c9143",
    "9003bda0a2e9b8a6c90000000000000000080048001b0c7249c4782f8c7d4c9fc6182f3164c66099979fa4f292683db0",
    "67cfc711a7237512767a01199ca613beaf0647dd0120a94e54066f6a61018e57e725ee0f3f0000000000000000",
);

// nDPI rdp3.pcap frame 6 (client SEPTU)
const CI_NDPI3: &str = concat!(
    "0300019c02f0807f658201900401010401010101ff30190201220201020201000201010201000201010202ffff020102",
    "301902010102010102010102010102010002010102020420020102301c0202ffff0202fc170202ffff02010102010002",
    "01010202ffff0201020482012f000500147c00018126000800100001c00044756361811801c0d4000400080000050004",
    "01ca03aa09040000280a0000530045005000540055000000000000000000000000000000000000000000000004000000",
    "000000000c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000001ca01000000000010000700010037003600340038003700",
    "2d004f0045004d002d0030003000310031003900300033002d0030003000310030003200000000000000000000000000",
    "000000000000000004c00c00090000000000000002c00c000b0000000000000003c02c00030000007264706472000000",
    "00008080636c6970726472000000a0c0726470736e640000000000c0",
);

// nDPI rdp3.pcap frame 7
const CR_NDPI3: &str = concat!(
    "0300015102f0807f668201450a0100020100301a020122020103020100020101020100020101020300fff80201020482",
    "011f000500147c00012a14760a01010001c0004d63446e8108010c0c000400080000000000030c1000eb030300ec03ed",
    "03ee030000020cec00020000000200000020000000b800000076b13ce32670bcbeebf5fea8ea04f6a4683be53d800dfc",
    "67f825ffa8f78c561f01000000010000000100000006005c005253413148000000000200003f0000000100010093248a",
    "d863c4c66b7151454e58f69b9cb30fc823be916fbdda5642270fd91a037eba2e837ebed0f3944613aaf50193fa53b31f",
    "f274910c75bd7a89dd391015e8000000000000000008004800e40e896a0eb282209167e800f24e13d65327565f55651f",
    "e921ac01ef772b9dcf1f25bd40fb4e6a344bb076489dafb6f1ab47eb37233630a69da0f14e7a3f284c00000000000000",
    "00",
);
/// The MCS PDU of a TPKT + X.224 DT record.
fn mcs_payload(h: &str) -> Vec<u8> {
    let b = hex(h);
    let (rest, t) = parse_tpkt(&b).unwrap();
    assert!(rest.is_empty());
    let (_, Tpdu::Data(d)) = parse_tpdu(t.payload).unwrap() else {
        panic!("not DT")
    };
    d.payload.to_vec()
}

fn client(h: &str) -> ClientData {
    let m = mcs_payload(h);
    let (_, McsPdu::ConnectInitial(ci)) = parse_mcs(&m).unwrap() else {
        panic!("not Connect-Initial")
    };
    parse_conference_create_request(ci.user_data).unwrap().1
}

fn with_server<T>(
    h: &str,
    f: impl FnOnce(&ServerData<'_>, &crate::proto::mcs::ConnectResponse<'_>) -> T,
) -> T {
    let m = mcs_payload(h);
    let (_, McsPdu::ConnectResponse(cr)) = parse_mcs(&m).unwrap() else {
        panic!("not Connect-Response")
    };
    let (_, s) = parse_conference_create_response(cr.user_data).unwrap();
    f(&s, &cr)
}

#[test]
fn connect_initial_ber_fields() {
    let m = mcs_payload(CI_PROP);
    let (rest, McsPdu::ConnectInitial(ci)) = parse_mcs(&m).unwrap() else {
        panic!()
    };
    assert!(rest.is_empty());
    assert!(ci.upward_flag);
    assert_eq!(ci.target.max_channel_ids, 34);
    assert_eq!(ci.target.max_user_ids, 2);
    assert_eq!(ci.target.max_mcs_pdu_size, 65535);
    assert_eq!(ci.target.protocol_version, 2);
    assert_eq!(ci.minimum.max_mcs_pdu_size, 1056);
    assert_eq!(ci.maximum.max_channel_ids, 65535);
    assert_eq!(ci.maximum.max_mcs_pdu_size, 65535);
    assert_eq!(ci.user_data.len(), 0x13f);
}

#[test]
fn client_frog_pond_matches_zeek() {
    // Zeek rdp.log row 2: channels rdpdr,rdpsnd,drdynvc,cliprdr; English - United States; RDP 6.0;
    // FROG-POND; dig product id (empty); 1152x864; 32bit.
    let c = client(CI_PROP);
    let core = c.core.as_ref().unwrap();
    assert_eq!(core.version, 0x0008_0004);
    assert_eq!(rdp_version_name(core.version), "RDP 5.0-8.1");
    assert_eq!(core.desktop_width, Some(1152));
    assert_eq!(core.desktop_height, Some(864));
    assert_eq!(core.keyboard_layout, Some(0x409));
    assert_eq!(
        core.keyboard_layout_name().as_deref(),
        Some("English - United States")
    );
    assert_eq!(core.client_build, Some(6000));
    assert_eq!(client_build_name(6000), "RDP 6.0");
    assert_eq!(core.client_name.as_deref(), Some("FROG-POND"));
    assert_eq!(core.keyboard_type, Some(4));
    assert_eq!(core.keyboard_function_keys, Some(12));
    assert_eq!(core.requested_color_depth(), Some(32));
    assert_eq!(core.dig_product_id.as_deref(), Some(""));
    assert!(
        core.early_capability_flags
            .unwrap()
            .names()
            .contains(&"want_32bpp_session".to_string())
    );
    let net = c.network.as_ref().unwrap();
    assert_eq!(net.names(), vec!["rdpdr", "rdpsnd", "drdynvc", "cliprdr"]);
    // Zeek rdp-client-cluster-data.out: channel options 80800000 c0000000 c0800000 c0a00000.
    let opts: Vec<u32> = net.channels.iter().map(|c| c.options).collect();
    assert_eq!(
        opts,
        vec![0x8080_0000, 0xc000_0000, 0xc080_0000, 0xc0a0_0000]
    );
    assert_eq!(
        net.channels[0].option_names(),
        vec!["CHANNEL_OPTION_INITIALIZED", "CHANNEL_OPTION_COMPRESS_RDP"]
    );
    // Zeek rdp-client-security-data.out: encryption_methods=27, ext_encryption_methods=0, all four flags T.
    let sec = c.security.unwrap();
    assert_eq!(sec.encryption_methods.0, 27);
    assert_eq!(
        sec.encryption_methods.names(),
        vec!["40bit", "128bit", "56bit", "FIPS"]
    );
    assert_eq!(sec.ext_encryption_methods, Some(0));
    // Zeek rdp-client-cluster-data.out: Flags 0000000d, RedirSessionId 0. Zeek prints the derived
    // "Redirection Supported" and "ServerSessionRedirectionVersionMask" as 0, which contradicts the
    // flags it prints: 0xd has REDIRECTION_SUPPORTED (0x1) set and version mask (0xd & 0x3c) >> 2 = 3.
    let cl = c.cluster.unwrap();
    assert_eq!(cl.flags, 0x0d);
    assert_eq!(cl.redirected_session_id, Some(0));
    assert!(cl.redirection_supported());
    assert!(!cl.session_id_valid());
    assert_eq!(cl.redirection_version(), 3);
    assert!(!cl.redirected_smartcard());
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn server_proprietary_certificate_matches_zeek() {
    // Zeek: cert_type RSA, cert_count 1, cert_permanent T, encryption_level High, encryption_method 128bit.
    with_server(CR_PROP, |s, cr| {
        assert!(cr.result.is_success());
        assert_eq!(cr.parameters.max_channel_ids, 34);
        assert_eq!(cr.parameters.max_mcs_pdu_size, 65528);
        let core = s.core.unwrap();
        assert_eq!(core.version, 0x0008_0004);
        assert_eq!(core.client_requested_protocols, Some(0));
        let sec = s.security.as_ref().unwrap();
        assert_eq!(sec.encryption_method.names(), vec!["128bit"]);
        assert_eq!(
            sec.encryption_method.spec_names(),
            vec!["ENCRYPTION_METHOD_128BIT"]
        );
        assert_eq!(sec.encryption_level.name(), "High");
        assert_eq!(sec.encryption_level.spec_name(), "ENCRYPTION_LEVEL_HIGH");
        assert_eq!(sec.server_random_len, Some(32));
        let cert = sec.certificate.as_ref().unwrap();
        assert_eq!(cert.type_name(), "RSA");
        assert_eq!(cert.count(), 1);
        assert_eq!(cert.permanent(), Some(true));
        assert_eq!(
            *cert,
            ServerCertificate::Proprietary {
                permanent: true,
                rsa_key_bits: Some(512)
            }
        );
        let net = s.network.as_ref().unwrap();
        assert_eq!(net.io_channel, 1003);
        assert_eq!(net.channel_ids, vec![1004, 1005, 1006, 1007]);
        assert!(s.notes.is_empty(), "{:?}", s.notes);
    });
}

#[test]
fn client_and_server_x509_match_zeek() {
    // Zeek rdp-x509 rdp.log: rdpdr,rdpsnd,cliprdr,drdynvc; English - United States; RDP 8.1;
    // JOHN-PC-LAPTOP; 3c571ed0-3415-474b-ae94-74e151b; 1920x1080; 16bit; X.509; 2; F; Client compatible; 128bit.
    let c = client(CI_X509);
    let core = c.core.as_ref().unwrap();
    assert_eq!(core.client_name.as_deref(), Some("JOHN-PC-LAPTOP"));
    assert_eq!(
        core.client_build.map(client_build_name).as_deref(),
        Some("RDP 8.1")
    );
    assert_eq!(
        (core.desktop_width, core.desktop_height),
        (Some(1920), Some(1080))
    );
    assert_eq!(core.requested_color_depth(), Some(16));
    assert_eq!(
        core.dig_product_id.as_deref(),
        Some("3c571ed0-3415-474b-ae94-74e151b")
    );
    assert_eq!(
        core.keyboard_layout_name().as_deref(),
        Some("English - United States")
    );
    assert_eq!(core.server_selected_protocol, Some(0));
    assert_eq!(
        c.network.as_ref().unwrap().names(),
        vec!["rdpdr", "rdpsnd", "cliprdr", "drdynvc"]
    );
    with_server(CR_X509, |s, _| {
        let sec = s.security.as_ref().unwrap();
        assert_eq!(sec.encryption_level.name(), "Client compatible");
        assert_eq!(sec.encryption_method.names(), vec!["128bit"]);
        let cert = sec.certificate.as_ref().unwrap();
        assert_eq!(cert.type_name(), "X.509");
        assert_eq!(cert.count(), 2);
        assert_eq!(cert.permanent(), Some(false));
        let ServerCertificate::X509 { certificates, .. } = cert else {
            panic!()
        };
        assert_eq!(certificates.len(), 2);
        assert!(certificates.iter().all(|der| der.first() == Some(&0x30)));
    });
}

#[test]
fn unknown_keyboard_is_best_guess() {
    // Zeek rdp-unknown-keyboard rdp.log: "Thai (Best Guess for 263198)".
    let c = client(CI_KB);
    let core = c.core.as_ref().unwrap();
    assert_eq!(core.keyboard_layout, Some(263198));
    assert_eq!(
        core.keyboard_layout_name().as_deref(),
        Some("Thai (Best Guess for 263198)")
    );
    assert_eq!(core.client_name.as_deref(), Some("JOHN-PC-LAPTOP"));
}

#[test]
fn windows_xp_client_matches_suricata() {
    // Suricata eve rdp connect_request: version v5, build "Windows XP", desktop_height 864,
    // client_name ISD2-KM84178, capabilities[0] "support_errinfo_pdf", id 55274-OEM-0011903-00107,
    // channels rdpdr, cliprdr, rdpsnd. Suricata spells the capability "pdf" (a typo for PDU) and
    // names builds after Windows releases; we keep the spec's name and Zeek's build naming.
    let c = client(CI_RDP003);
    let core = c.core.as_ref().unwrap();
    assert_eq!(core.version, 0x0008_0004);
    assert_eq!(core.client_build, Some(2600));
    assert_eq!(client_build_name(2600), "RDP 5.1");
    assert_eq!(core.desktop_height, Some(864));
    assert_eq!(core.client_name.as_deref(), Some("ISD2-KM84178"));
    assert_eq!(
        core.early_capability_flags.unwrap().names(),
        vec!["support_errinfo_pdu"]
    );
    assert_eq!(
        core.dig_product_id.as_deref(),
        Some("55274-OEM-0011903-00107")
    );
    assert_eq!(
        c.network.as_ref().unwrap().names(),
        vec!["rdpdr", "cliprdr", "rdpsnd"]
    );
    with_server(CR_RDP003, |s, _| {
        let sec = s.security.as_ref().unwrap();
        assert_eq!(sec.encryption_level.name(), "Client compatible");
        assert_eq!(sec.encryption_method.names(), vec!["56bit"]);
    });
}

#[test]
fn ndpi_rdp3_septu() {
    let c = client(CI_NDPI3);
    assert_eq!(
        c.core.as_ref().unwrap().client_name.as_deref(),
        Some("SEPTU")
    );
    with_server(CR_NDPI3, |s, _| {
        let sec = s.security.as_ref().unwrap();
        assert_eq!(sec.encryption_method.names(), vec!["128bit"]);
        assert_eq!(sec.encryption_level.name(), "Client compatible");
    });
}

#[test]
fn every_prefix_is_incomplete_or_partial() {
    for h in [CI_PROP, CR_PROP, CI_RDP003] {
        let b = hex(h);
        for n in 0..b.len() {
            assert!(matches!(
                parse_tpkt(&b[..n]),
                Err(ProtoError::Incomplete(_))
            ));
        }
        let m = mcs_payload(h);
        for n in 0..m.len() {
            assert!(
                matches!(parse_mcs(&m[..n]), Err(ProtoError::Incomplete(_))),
                "{n}"
            );
        }
        let (ud_start, is_request) = match parse_mcs(&m).unwrap().1 {
            McsPdu::ConnectInitial(ci) => (m.len() - ci.user_data.len(), true),
            McsPdu::ConnectResponse(cr) => (m.len() - cr.user_data.len(), false),
            _ => panic!(),
        };
        let ud = &m[ud_start..];
        let mut partial = 0;
        for n in 0..=ud.len() {
            let r = if is_request {
                parse_conference_create_request(&ud[..n]).map(|(_, d)| d.notes.len())
            } else {
                parse_conference_create_response(&ud[..n]).map(|(_, d)| d.notes.len())
            };
            match r {
                Ok(notes) => {
                    partial += 1;
                    if n < ud.len() && n > 30 {
                        assert!(
                            notes > 0,
                            "prefix {n} of {} gave no truncation note",
                            ud.len()
                        );
                    }
                }
                Err(ProtoError::Incomplete(_)) => {}
                Err(e) => panic!("prefix {n}: {e}"),
            }
        }
        assert!(partial > ud.len() / 2);
    }
    // A core block cut after the client name keeps everything before the cut.
    let m = mcs_payload(CI_PROP);
    let (_, McsPdu::ConnectInitial(ci)) = parse_mcs(&m).unwrap() else {
        panic!()
    };
    let cut = 23 + 4 + 4 + 2 + 2 + 2 + 2 + 4 + 4 + 32 + 3;
    let (_, d) = parse_conference_create_request(&ci.user_data[..cut]).unwrap();
    let core = d.core.unwrap();
    assert_eq!(core.client_name.as_deref(), Some("FROG-POND"));
    assert_eq!(core.keyboard_type, None);
}

#[test]
fn garbage_and_unknown_blocks() {
    assert!(matches!(
        parse_conference_create_request(&hex("0102030405060708090a")),
        Err(ProtoError::Malformed {
            layer: Layer::Gcc,
            ..
        })
    ));
    // OID, key, 16 bytes of user data: an unknown block 0xC00A (CS_MULTITRANSPORT) and a block with length 2.
    let ud = hex(
        "0005 0014 7c 0001 8110 000800100001c000 4475 6361 10 0ac00800 01000000 01c00200 ffffffff",
    );
    let (_, d) = parse_conference_create_request(&ud).unwrap();
    assert_eq!(
        d.other,
        vec![UnknownBlock {
            kind: 0xc00a,
            length: 8
        }]
    );
    assert_eq!(d.other[0].name(), "CS_MULTITRANSPORT");
    assert!(
        d.notes.iter().any(|n| n.contains("block length 2 below 4")),
        "{:?}",
        d.notes
    );
    for s in 0..ud.len() {
        let _ = parse_conference_create_request(&ud[s..]);
        let _ = parse_conference_create_response(&ud[s..]);
    }
}

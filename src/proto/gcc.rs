//! T.124 GCC Conference Create Request / Response and the RDP user data blocks they carry
//! (MS-RDPBCGR 2.2.1.3 Client MCS Connect Initial PDU with GCC Conference Create Request,
//! 2.2.1.4 Server MCS Connect Response PDU with GCC Conference Create Response).
//!
//! Lenient: every block is optional, a truncated block keeps the fields read before the cut
//! (and says so in `notes`), unknown blocks are kept as (type, length). Only bytes that are not a
//! GCC ConnectData at all are an error.

use super::keyboard::keyboard_layout_name;
use super::wire::{self, Cursor, flag_names};
use super::{Layer, PResult, ProtoError};

/// Most user data blocks kept per PDU.
const MAX_BLOCKS: usize = 64;
/// Most channels kept (MS-RDPBCGR 2.2.1.3.4: CHANNEL_MAX_COUNT is 31; some clients send more).
const MAX_CHANNELS: usize = 64;
/// Most X.509 certificates kept from a server certificate chain.
const MAX_CERTS: usize = 16;

/// The T.124 object identifier 0.0.20.124.0.1 as PER-encoded at the start of ConnectData.
const T124_OID: [u8; 7] = [0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01];

/// A user data block this dissector does not decode (MS-RDPBCGR 2.2.1.3.1 / 2.2.1.4.1 TS_UD_HEADER).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownBlock {
    /// TS_UD_HEADER.type (e.g. 0xC005 CS_MONITOR).
    pub kind: u16,
    /// TS_UD_HEADER.length, header included.
    pub length: u16,
}

impl UnknownBlock {
    /// The spec name of the block type (`CS_MONITOR`, ...) or `unknown (0x..)`.
    pub fn name(&self) -> String {
        block_name(self.kind)
    }
}

/// The name of a TS_UD_HEADER.type (MS-RDPBCGR 2.2.1.3.1 / 2.2.1.4.1).
pub fn block_name(kind: u16) -> String {
    match kind {
        0xc001 => "CS_CORE",
        0xc002 => "CS_SECURITY",
        0xc003 => "CS_NET",
        0xc004 => "CS_CLUSTER",
        0xc005 => "CS_MONITOR",
        0xc006 => "CS_MCS_MSGCHANNEL",
        0xc008 => "CS_MONITOR_EX",
        0xc00a => "CS_MULTITRANSPORT",
        0x0c01 => "SC_CORE",
        0x0c02 => "SC_SECURITY",
        0x0c03 => "SC_NET",
        0x0c04 => "SC_MCS_MSGCHANNEL",
        0x0c08 => "SC_MULTITRANSPORT",
        k => return format!("unknown ({k:#x})"),
    }
    .to_string()
}

/// The RDP version field of TS_UD_CS_CORE / TS_UD_SC_CORE (MS-RDPBCGR 2.2.1.3.2, 2.2.1.4.2).
pub fn rdp_version_name(version: u32) -> String {
    match version {
        0x0008_0001 => "RDP 4.0".into(),
        0x0008_0004 => "RDP 5.0-8.1".into(),
        0x0008_0005 => "RDP 10.0".into(),
        v @ 0x0008_0006..=0x0008_00ff => format!("RDP 10.{}", (v & 0xff) - 5),
        v => format!("unknown ({v:#x})"),
    }
}

/// The mstsc release for a clientBuild number (TS_UD_CS_CORE.clientBuild, MS-RDPBCGR 2.2.1.3.2),
/// in the style of Zeek's rdp.log `client_build` (`RDP 6.0`); other numbers as `client_build-N`.
pub fn client_build_name(build: u32) -> String {
    let s = match build {
        419 => "RDP 4.0",
        2195 | 2221 => "RDP 5.0",
        2600 => "RDP 5.1",
        3790 => "RDP 5.2",
        6000 => "RDP 6.0",
        6001 => "RDP 6.1",
        6002 => "RDP 6.2",
        7600 => "RDP 7.0",
        7601 => "RDP 7.1",
        9200 => "RDP 8.0",
        9600 => "RDP 8.1",
        25189 | 25282 => "RDP 8.0 (Mac)",
        10240..=30000 => "RDP 10.0",
        b => return format!("client_build-{b}"),
    };
    s.into()
}

/// Colour depth in bits per pixel of an RNS_UD_COLOR_* value (colorDepth, postBeta2ColorDepth).
fn rns_color_bpp(v: u16) -> Option<u16> {
    match v {
        0xca00 => Some(4),
        0xca01 => Some(8),
        0xca02 => Some(15),
        0xca03 => Some(16),
        0xca04 => Some(24),
        _ => None,
    }
}

/// TS_UD_CS_CORE earlyCapabilityFlags (MS-RDPBCGR 2.2.1.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EarlyCapabilityFlags(pub u16);

impl EarlyCapabilityFlags {
    /// RNS_UD_CS_SUPPORT_ERRINFO_PDU: the client understands Set Error Info PDUs.
    pub const SUPPORT_ERRINFO_PDU: u16 = 0x0001;
    /// RNS_UD_CS_WANT_32BPP_SESSION.
    pub const WANT_32BPP_SESSION: u16 = 0x0002;
    /// RNS_UD_CS_VALID_CONNECTION_TYPE: connectionType is valid.
    pub const VALID_CONNECTION_TYPE: u16 = 0x0020;

    /// Names of the set bits (spec names without the `RNS_UD_CS_` prefix, lower case, as Suricata
    /// writes them), unknown bits as `unknown (0x..)`.
    pub fn names(self) -> Vec<String> {
        flag_names(
            self.0,
            &[
                (0x0001, "support_errinfo_pdu"),
                (0x0002, "want_32bpp_session"),
                (0x0004, "support_statusinfo_pdu"),
                (0x0008, "strong_asymmetric_keys"),
                (0x0010, "relative_mouse_input"),
                (0x0020, "valid_connection_type"),
                (0x0040, "support_monitor_layout_pdu"),
                (0x0080, "support_netchar_autodetect"),
                (0x0100, "support_dynvc_gfx_protocol"),
                (0x0200, "support_dynamic_time_zone"),
                (0x0400, "support_heartbeat_pdu"),
                (0x0800, "support_skip_channeljoin"),
            ],
        )
    }
}

/// TS_UD_CS_CORE, Client Core Data (MS-RDPBCGR 2.2.1.3.2). Fields after `version` are `None`
/// when the block ends before them (they are optional from postBeta2ColorDepth on).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientCoreData {
    /// version (0x00080004 RDP 5.0-8.1, 0x00080005 RDP 10.0, ...), see [`rdp_version_name`].
    pub version: u32,
    /// desktopWidth.
    pub desktop_width: Option<u16>,
    /// desktopHeight.
    pub desktop_height: Option<u16>,
    /// colorDepth (RNS_UD_COLOR_*).
    pub color_depth: Option<u16>,
    /// SASSequence.
    pub sas_sequence: Option<u16>,
    /// keyboardLayout (KLID), see [`keyboard_layout_name`].
    pub keyboard_layout: Option<u32>,
    /// clientBuild, see [`client_build_name`].
    pub client_build: Option<u32>,
    /// clientName (UTF-16, at most 15 characters).
    pub client_name: Option<String>,
    /// keyboardType (4 = IBM enhanced 101/102 keys, 7 = Japanese, ...).
    pub keyboard_type: Option<u32>,
    /// keyboardSubType.
    pub keyboard_subtype: Option<u32>,
    /// keyboardFunctionKey.
    pub keyboard_function_keys: Option<u32>,
    /// imeFileName.
    pub ime_file_name: Option<String>,
    /// postBeta2ColorDepth (RNS_UD_COLOR_*).
    pub post_beta2_color_depth: Option<u16>,
    /// clientProductId.
    pub client_product_id: Option<u16>,
    /// serialNumber.
    pub serial_number: Option<u32>,
    /// highColorDepth (bits per pixel: 4, 8, 15, 16, 24).
    pub high_color_depth: Option<u16>,
    /// supportedColorDepths (RNS_UD_24BPP_SUPPORT 0x1, 16BPP 0x2, 15BPP 0x4, 32BPP 0x8).
    pub supported_color_depths: Option<u16>,
    /// earlyCapabilityFlags.
    pub early_capability_flags: Option<EarlyCapabilityFlags>,
    /// clientDigProductId (UTF-16, up to the first NUL).
    pub dig_product_id: Option<String>,
    /// connectionType (valid when VALID_CONNECTION_TYPE is set).
    pub connection_type: Option<u8>,
    /// serverSelectedProtocol: what the client says the server selected in the X.224 exchange.
    pub server_selected_protocol: Option<u32>,
    /// desktopPhysicalWidth (mm).
    pub desktop_physical_width: Option<u32>,
    /// desktopPhysicalHeight (mm).
    pub desktop_physical_height: Option<u32>,
    /// desktopOrientation (degrees).
    pub desktop_orientation: Option<u16>,
    /// desktopScaleFactor (%).
    pub desktop_scale_factor: Option<u32>,
    /// deviceScaleFactor (%).
    pub device_scale_factor: Option<u32>,
}

impl ClientCoreData {
    /// The colour depth the client asks for, in bits per pixel, chosen as Zeek's rdp.log
    /// `requested_color_depth`: 32 when WANT_32BPP_SESSION, else highColorDepth, else the RNS_UD_COLOR_* fields.
    pub fn requested_color_depth(&self) -> Option<u16> {
        if self
            .early_capability_flags
            .is_some_and(|f| f.0 & EarlyCapabilityFlags::WANT_32BPP_SESSION != 0)
        {
            return Some(32);
        }
        self.high_color_depth
            .or_else(|| self.post_beta2_color_depth.and_then(rns_color_bpp))
            .or_else(|| self.color_depth.and_then(rns_color_bpp))
    }

    /// The keyboard layout name, see [`keyboard_layout_name`].
    pub fn keyboard_layout_name(&self) -> Option<String> {
        self.keyboard_layout.map(keyboard_layout_name)
    }

    /// The connectionType name (MS-RDPBCGR 2.2.1.3.2: CONNECTION_TYPE_MODEM ... AUTODETECT), lower case.
    pub fn connection_type_name(&self) -> Option<String> {
        self.connection_type.map(|t| match t {
            1 => "modem".into(),
            2 => "broadband_low".into(),
            3 => "satellite".into(),
            4 => "broadband_high".into(),
            5 => "wan".into(),
            6 => "lan".into(),
            7 => "autodetect".into(),
            t => format!("unknown ({t:#x})"),
        })
    }
}

/// Encryption methods bit set (MS-RDPBCGR 2.2.1.3.3 encryptionMethods, 2.2.1.4.3 encryptionMethod).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncryptionMethods(pub u32);

impl EncryptionMethods {
    /// Zeek-style names of the set bits (`40bit`, `128bit`, `56bit`, `FIPS`); 0 is `None`.
    pub fn names(self) -> Vec<String> {
        if self.0 == 0 {
            return vec!["None".into()];
        }
        flag_names(
            self.0,
            &[
                (0x01, "40bit"),
                (0x02, "128bit"),
                (0x08, "56bit"),
                (0x10, "FIPS"),
            ],
        )
    }

    /// The ENCRYPTION_METHOD_* spec names of the set bits; 0 is ENCRYPTION_METHOD_NONE.
    pub fn spec_names(self) -> Vec<String> {
        if self.0 == 0 {
            return vec!["ENCRYPTION_METHOD_NONE".into()];
        }
        flag_names(
            self.0,
            &[
                (0x01, "ENCRYPTION_METHOD_40BIT"),
                (0x02, "ENCRYPTION_METHOD_128BIT"),
                (0x08, "ENCRYPTION_METHOD_56BIT"),
                (0x10, "ENCRYPTION_METHOD_FIPS"),
            ],
        )
    }
}

/// TS_UD_CS_SEC, Client Security Data (MS-RDPBCGR 2.2.1.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientSecurityData {
    /// encryptionMethods offered.
    pub encryption_methods: EncryptionMethods,
    /// extEncryptionMethods (French locale only).
    pub ext_encryption_methods: Option<u32>,
}

/// One CHANNEL_DEF (MS-RDPBCGR 2.2.1.3.4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDef {
    /// name (up to 7 ANSI characters: `rdpdr`, `cliprdr`, `drdynvc`, ...).
    pub name: String,
    /// options (CHANNEL_OPTION_*).
    pub options: u32,
}

impl ChannelDef {
    /// CHANNEL_OPTION_* names of the set option bits.
    pub fn option_names(&self) -> Vec<String> {
        flag_names(
            self.options,
            &[
                (0x8000_0000, "CHANNEL_OPTION_INITIALIZED"),
                (0x4000_0000, "CHANNEL_OPTION_ENCRYPT_RDP"),
                (0x2000_0000, "CHANNEL_OPTION_ENCRYPT_SC"),
                (0x1000_0000, "CHANNEL_OPTION_ENCRYPT_CS"),
                (0x0800_0000, "CHANNEL_OPTION_PRI_HIGH"),
                (0x0400_0000, "CHANNEL_OPTION_PRI_MED"),
                (0x0200_0000, "CHANNEL_OPTION_PRI_LOW"),
                (0x0080_0000, "CHANNEL_OPTION_COMPRESS_RDP"),
                (0x0040_0000, "CHANNEL_OPTION_COMPRESS"),
                (0x0020_0000, "CHANNEL_OPTION_SHOW_PROTOCOL"),
                (0x0010_0000, "REMOTE_CONTROL_PERSISTENT"),
            ],
        )
    }
}

/// TS_UD_CS_NET, Client Network Data (MS-RDPBCGR 2.2.1.3.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientNetworkData {
    /// channelCount as sent.
    pub channel_count: u32,
    /// The channel definitions read (at most 64).
    pub channels: Vec<ChannelDef>,
}

impl ClientNetworkData {
    /// The channel names in order (CONTRACT.md `rdp.channels`, Zeek's `client_channels`).
    pub fn names(&self) -> Vec<String> {
        self.channels.iter().map(|c| c.name.clone()).collect()
    }
}

/// TS_UD_CS_CLUSTER, Client Cluster Data (MS-RDPBCGR 2.2.1.3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientClusterData {
    /// Flags.
    pub flags: u32,
    /// RedirectedSessionID.
    pub redirected_session_id: Option<u32>,
}

impl ClientClusterData {
    /// REDIRECTION_SUPPORTED (0x1).
    pub fn redirection_supported(&self) -> bool {
        self.flags & 0x01 != 0
    }
    /// REDIRECTED_SESSIONID_FIELD_VALID (0x2).
    pub fn session_id_valid(&self) -> bool {
        self.flags & 0x02 != 0
    }
    /// ServerSessionRedirectionVersionMask (bits 2..5): REDIRECTION_VERSION1..6 as 0..5.
    pub fn redirection_version(&self) -> u8 {
        ((self.flags & 0x3c) >> 2) as u8
    }
    /// REDIRECTED_SMARTCARD (0x40).
    pub fn redirected_smartcard(&self) -> bool {
        self.flags & 0x40 != 0
    }
}

/// The client's user data blocks from a GCC Conference Create Request (MS-RDPBCGR 2.2.1.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientData {
    /// CS_CORE.
    pub core: Option<ClientCoreData>,
    /// CS_SECURITY.
    pub security: Option<ClientSecurityData>,
    /// CS_NET.
    pub network: Option<ClientNetworkData>,
    /// CS_CLUSTER.
    pub cluster: Option<ClientClusterData>,
    /// Other blocks (CS_MONITOR, CS_MCS_MSGCHANNEL, CS_MULTITRANSPORT, unknown), by type and length.
    pub other: Vec<UnknownBlock>,
    /// Truncations and other departures that did not stop the parse.
    pub notes: Vec<String>,
}

/// TS_UD_SC_CORE, Server Core Data (MS-RDPBCGR 2.2.1.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerCoreData {
    /// version.
    pub version: u32,
    /// clientRequestedProtocols: the requestedProtocols the server saw (detects tampering).
    pub client_requested_protocols: Option<u32>,
    /// earlyCapabilityFlags (RNS_UD_SC_*).
    pub early_capability_flags: Option<u32>,
}

/// Encryption level of TS_UD_SC_SEC1 (MS-RDPBCGR 2.2.1.4.3 encryptionLevel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncryptionLevel(pub u32);

impl EncryptionLevel {
    /// Zeek-style name (`None`, `Low`, `Client compatible`, `High`, `FIPS`) or `unknown (0x..)`.
    pub fn name(self) -> String {
        match self.0 {
            0 => "None".into(),
            1 => "Low".into(),
            2 => "Client compatible".into(),
            3 => "High".into(),
            4 => "FIPS".into(),
            v => format!("unknown ({v:#x})"),
        }
    }

    /// The ENCRYPTION_LEVEL_* spec name.
    pub fn spec_name(self) -> String {
        match self.0 {
            0 => "ENCRYPTION_LEVEL_NONE".into(),
            1 => "ENCRYPTION_LEVEL_LOW".into(),
            2 => "ENCRYPTION_LEVEL_CLIENT_COMPATIBLE".into(),
            3 => "ENCRYPTION_LEVEL_HIGH".into(),
            4 => "ENCRYPTION_LEVEL_FIPS".into(),
            v => format!("unknown ({v:#x})"),
        }
    }
}

/// The server certificate of TS_UD_SC_SEC1 (MS-RDPBCGR 2.2.1.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerCertificate<'a> {
    /// CERT_CHAIN_VERSION_1: a proprietary certificate (2.2.1.4.3.1.1).
    Proprietary {
        /// True when the t bit is clear (permanently issued).
        permanent: bool,
        /// The RSA modulus size in bits (RSA_PUBLIC_KEY.bitlen), when readable.
        rsa_key_bits: Option<u32>,
    },
    /// CERT_CHAIN_VERSION_2: an X.509 certificate chain (2.2.1.4.3.1 / X509 Certificate Chain).
    X509 {
        /// True when the t bit is clear (permanently issued).
        permanent: bool,
        /// NumCertBlobs as sent.
        count: u32,
        /// The DER certificates read (at most 16), root first, for the X.509 layer.
        certificates: Vec<&'a [u8]>,
    },
    /// Another dwVersion, kept.
    Unknown {
        /// dwVersion.
        version: u32,
    },
}

impl ServerCertificate<'_> {
    /// Zeek's `cert_type`: `RSA` (proprietary), `X.509`, or `unknown (0x..)`.
    pub fn type_name(&self) -> String {
        match self {
            ServerCertificate::Proprietary { .. } => "RSA".into(),
            ServerCertificate::X509 { .. } => "X.509".into(),
            ServerCertificate::Unknown { version } => format!("unknown ({version:#x})"),
        }
    }

    /// Zeek's `cert_count`: 1 for a proprietary certificate, NumCertBlobs for a chain.
    pub fn count(&self) -> u32 {
        match self {
            ServerCertificate::Proprietary { .. } => 1,
            ServerCertificate::X509 { count, .. } => *count,
            ServerCertificate::Unknown { .. } => 0,
        }
    }

    /// Zeek's `cert_permanent`.
    pub fn permanent(&self) -> Option<bool> {
        match self {
            ServerCertificate::Proprietary { permanent, .. }
            | ServerCertificate::X509 { permanent, .. } => Some(*permanent),
            ServerCertificate::Unknown { .. } => None,
        }
    }
}

/// TS_UD_SC_SEC1, Server Security Data (MS-RDPBCGR 2.2.1.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerSecurityData<'a> {
    /// encryptionMethod selected (one bit, or 0 with Enhanced RDP Security).
    pub encryption_method: EncryptionMethods,
    /// encryptionLevel.
    pub encryption_level: EncryptionLevel,
    /// serverRandomLen (32 when present).
    pub server_random_len: Option<u32>,
    /// serverCertLen.
    pub server_cert_len: Option<u32>,
    /// The server certificate, when present and readable.
    pub certificate: Option<ServerCertificate<'a>>,
}

/// TS_UD_SC_NET, Server Network Data (MS-RDPBCGR 2.2.1.4.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerNetworkData {
    /// MCSChannelId: the I/O channel (1003).
    pub io_channel: u16,
    /// channelCount as sent.
    pub channel_count: u16,
    /// channelIdArray read (at most 64), in the order of the client's CS_NET channels.
    pub channel_ids: Vec<u16>,
}

/// The server's user data blocks from a GCC Conference Create Response (MS-RDPBCGR 2.2.1.4.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerData<'a> {
    /// SC_CORE.
    pub core: Option<ServerCoreData>,
    /// SC_SECURITY.
    pub security: Option<ServerSecurityData<'a>>,
    /// SC_NET.
    pub network: Option<ServerNetworkData>,
    /// Other blocks (SC_MCS_MSGCHANNEL, SC_MULTITRANSPORT, unknown), by type and length.
    pub other: Vec<UnknownBlock>,
    /// Truncations and other departures that did not stop the parse.
    pub notes: Vec<String>,
}

/// Finds the user data of a T.124 ConnectData / ConnectGCCPDU (MS-RDPBCGR 2.2.1.3.1, 2.2.1.4.1):
/// checks the T.124 OID, then looks for the H.221 non-standard key (`Duca` client, `McDn` server)
/// within the next bytes and reads the PER length after it. Returns (user data, note).
fn gcc_user_data<'a>(
    input: &'a [u8],
    key: &[u8; 4],
) -> Result<(&'a [u8], Option<String>), ProtoError> {
    if input.len() < T124_OID.len() {
        return Err(ProtoError::Incomplete(Some(T124_OID.len() - input.len())));
    }
    if !input.starts_with(&T124_OID) {
        return Err(ProtoError::malformed(
            Layer::Gcc,
            "ConnectData does not carry the T.124 object identifier",
        ));
    }
    let after_oid = input.get(T124_OID.len()..).unwrap_or_default();
    let window = after_oid.get(..after_oid.len().min(48)).unwrap_or_default();
    let Some(pos) = window.windows(4).position(|w| w == key) else {
        return if after_oid.len() < 48 {
            Err(ProtoError::Incomplete(None))
        } else {
            Err(ProtoError::malformed(
                Layer::Gcc,
                format!(
                    "no H.221 key {:?} in the conference create PDU",
                    String::from_utf8_lossy(key)
                ),
            ))
        };
    };
    let after_key = after_oid.get(pos + 4..).unwrap_or_default();
    let (data, len) = super::mcs::per_length(after_key).map_err(|e| match e {
        ProtoError::Malformed { what, .. } => ProtoError::malformed(Layer::Gcc, what),
        other => other,
    })?;
    if data.len() < len {
        let note = format!("user data truncated: {} of {len} bytes", data.len());
        Ok((data, Some(note)))
    } else {
        Ok((data.get(..len).unwrap_or_default(), None))
    }
}

/// Splits user data into (type, length, body) blocks (TS_UD_HEADER, MS-RDPBCGR 2.2.1.3.1).
fn blocks<'a>(mut data: &'a [u8], notes: &mut Vec<String>) -> Vec<(u16, u16, &'a [u8])> {
    let mut out = Vec::new();
    while !data.is_empty() {
        if out.len() >= MAX_BLOCKS {
            notes.push(format!(
                "more than {MAX_BLOCKS} user data blocks; the rest skipped"
            ));
            break;
        }
        let mut c = Cursor::new(data);
        let (Some(kind), Some(length)) = (c.le16(), c.le16()) else {
            notes.push(format!(
                "{} stray bytes after the last user data block",
                data.len()
            ));
            break;
        };
        if length < 4 {
            notes.push(format!(
                "malformed: {} block length {length} below 4",
                block_name(kind)
            ));
            break;
        }
        let body_len = usize::from(length) - 4;
        let rest = c.rest();
        if rest.len() < body_len {
            notes.push(format!(
                "{} block truncated: {} of {body_len} bytes",
                block_name(kind),
                rest.len()
            ));
            out.push((kind, length, rest));
            break;
        }
        let (body, r) = rest.split_at(body_len);
        out.push((kind, length, body));
        data = r;
    }
    out
}

fn client_core(b: &[u8]) -> (ClientCoreData, bool) {
    let mut c = Cursor::new(b);
    let mut d = ClientCoreData {
        version: c.le32().unwrap_or(0),
        ..Default::default()
    };
    // Each field in wire order; stop at the first missing one.
    macro_rules! field {
        ($f:ident = $e:expr) => {
            match $e {
                Some(v) => d.$f = Some(v),
                None => return (d, c.short()),
            }
        };
    }
    field!(desktop_width = c.le16());
    field!(desktop_height = c.le16());
    field!(color_depth = c.le16());
    field!(sas_sequence = c.le16());
    field!(keyboard_layout = c.le32());
    field!(client_build = c.le32());
    field!(client_name = c.bytes(32).map(|n| wire::utf16z(n, 16)));
    field!(keyboard_type = c.le32());
    field!(keyboard_subtype = c.le32());
    field!(keyboard_function_keys = c.le32());
    field!(ime_file_name = c.bytes(64).map(|n| wire::utf16z(n, 32)));
    field!(post_beta2_color_depth = c.le16());
    field!(client_product_id = c.le16());
    field!(serial_number = c.le32());
    field!(high_color_depth = c.le16());
    field!(supported_color_depths = c.le16());
    field!(early_capability_flags = c.le16().map(EarlyCapabilityFlags));
    field!(dig_product_id = c.bytes(64).map(|n| wire::utf16z(n, 32)));
    field!(connection_type = c.u8());
    let _pad1 = c.u8();
    field!(server_selected_protocol = c.le32());
    field!(desktop_physical_width = c.le32());
    field!(desktop_physical_height = c.le32());
    field!(desktop_orientation = c.le16());
    field!(desktop_scale_factor = c.le32());
    field!(device_scale_factor = c.le32());
    (d, c.short())
}

fn client_network(b: &[u8]) -> (ClientNetworkData, bool) {
    let mut c = Cursor::new(b);
    let channel_count = c.le32().unwrap_or(0);
    let mut channels = Vec::new();
    for _ in 0..channel_count.min(MAX_CHANNELS as u32) {
        let (Some(name), Some(options)) = (c.bytes(8), c.le32()) else {
            break;
        };
        channels.push(ChannelDef {
            name: wire::ansiz(name),
            options,
        });
    }
    let short = c.short() || (channels.len() as u32) < channel_count.min(MAX_CHANNELS as u32);
    (
        ClientNetworkData {
            channel_count,
            channels,
        },
        short,
    )
}

/// Parses the GCC Conference Create Request in an MCS Connect-Initial's userData
/// (MS-RDPBCGR 2.2.1.3.1, T.124 §8.7): the client's core, security, network and cluster data.
///
/// `Malformed` only when the bytes are not a T.124 ConnectData with the `Duca` key;
/// truncated user data yields the blocks read so far, with notes.
pub fn parse_conference_create_request(input: &[u8]) -> PResult<'_, ClientData> {
    let (data, note) = gcc_user_data(input, b"Duca")?;
    let mut out = ClientData::default();
    out.notes.extend(note);
    for (kind, length, body) in blocks(data, &mut out.notes) {
        let short = match kind {
            0xc001 => {
                if body.len() < 4 {
                    out.notes
                        .push("malformed: CS_CORE shorter than its version field".into());
                    true
                } else {
                    let (d, short) = client_core(body);
                    out.core = Some(d);
                    short
                }
            }
            0xc002 => {
                let mut c = Cursor::new(body);
                out.security = c.le32().map(|m| ClientSecurityData {
                    encryption_methods: EncryptionMethods(m),
                    ext_encryption_methods: c.le32(),
                });
                c.short() || out.security.is_none()
            }
            0xc003 => {
                let (d, short) = client_network(body);
                out.network = Some(d);
                short
            }
            0xc004 => {
                let mut c = Cursor::new(body);
                out.cluster = c.le32().map(|flags| ClientClusterData {
                    flags,
                    redirected_session_id: c.le32(),
                });
                c.short() || out.cluster.is_none()
            }
            kind => {
                out.other.push(UnknownBlock { kind, length });
                false
            }
        };
        if short {
            out.notes.push(format!(
                "{} block cut short; fields after the cut are absent",
                block_name(kind)
            ));
        }
    }
    Ok((&[], out))
}

fn server_certificate(b: &[u8]) -> Option<ServerCertificate<'_>> {
    let mut c = Cursor::new(b);
    let dw_version = c.le32()?;
    let permanent = dw_version & 0x8000_0000 == 0;
    match dw_version & 0x7fff_ffff {
        1 => {
            // dwSigAlgId, dwKeyAlgId, wPublicKeyBlobType, wPublicKeyBlobLen, RSA_PUBLIC_KEY (2.2.1.4.3.1.1.1)
            let rsa_key_bits = (|| {
                let _sig = c.le32()?;
                let _key = c.le32()?;
                let _blob_type = c.le16()?;
                let _blob_len = c.le16()?;
                let magic = c.bytes(4)?;
                let _keylen = c.le32()?;
                let bitlen = c.le32()?;
                (magic == b"RSA1").then_some(bitlen)
            })();
            Some(ServerCertificate::Proprietary {
                permanent,
                rsa_key_bits,
            })
        }
        2 => {
            let count = c.le32()?;
            let mut certificates = Vec::new();
            for _ in 0..count.min(MAX_CERTS as u32) {
                let Some(len) = c.le32() else { break };
                let Some(der) = c.bytes(len as usize) else {
                    break;
                };
                certificates.push(der);
            }
            Some(ServerCertificate::X509 {
                permanent,
                count,
                certificates,
            })
        }
        _ => Some(ServerCertificate::Unknown {
            version: dw_version,
        }),
    }
}

fn server_security(b: &[u8]) -> (ServerSecurityData<'_>, bool) {
    let mut c = Cursor::new(b);
    let mut d = ServerSecurityData {
        encryption_method: EncryptionMethods(c.le32().unwrap_or(0)),
        encryption_level: EncryptionLevel(c.le32().unwrap_or(0)),
        ..Default::default()
    };
    if d.encryption_method.0 == 0 && d.encryption_level.0 == 0 {
        return (d, c.short());
    }
    d.server_random_len = c.le32();
    d.server_cert_len = c.le32();
    let (Some(rl), Some(cl)) = (d.server_random_len, d.server_cert_len) else {
        return (d, true);
    };
    let _random = c.bytes(rl as usize);
    let cert = c.bytes(cl as usize);
    let short = c.short();
    d.certificate = cert.and_then(server_certificate);
    (d, short)
}

/// Parses the GCC Conference Create Response in an MCS Connect-Response's userData
/// (MS-RDPBCGR 2.2.1.4.1, T.124 §8.7): the server's core, security and network data.
/// The connectPDU length Windows sends here is wrong (MS-RDPBCGR 2.2.1.4.1 says it is ignored),
/// so the H.221 key `McDn` is looked for instead.
pub fn parse_conference_create_response(input: &[u8]) -> PResult<'_, ServerData<'_>> {
    let (data, note) = gcc_user_data(input, b"McDn")?;
    let mut out = ServerData::default();
    out.notes.extend(note);
    for (kind, length, body) in blocks(data, &mut out.notes) {
        let short = match kind {
            0x0c01 => {
                let mut c = Cursor::new(body);
                out.core = c.le32().map(|version| ServerCoreData {
                    version,
                    client_requested_protocols: c.le32(),
                    early_capability_flags: c.le32(),
                });
                c.short() || out.core.is_none()
            }
            0x0c02 => {
                let (d, short) = server_security(body);
                out.security = Some(d);
                short
            }
            0x0c03 => {
                let mut c = Cursor::new(body);
                let io_channel = c.le16().unwrap_or(0);
                let channel_count = c.le16().unwrap_or(0);
                let channel_ids: Vec<u16> = (0..channel_count.min(MAX_CHANNELS as u16))
                    .map_while(|_| c.le16())
                    .collect();
                let short = c.short()
                    || channel_ids.len() < usize::from(channel_count.min(MAX_CHANNELS as u16));
                out.network = Some(ServerNetworkData {
                    io_channel,
                    channel_count,
                    channel_ids,
                });
                short
            }
            kind => {
                out.other.push(UnknownBlock { kind, length });
                false
            }
        };
        if short {
            out.notes.push(format!(
                "{} block cut short; fields after the cut are absent",
                block_name(kind)
            ));
        }
    }
    Ok((&[], out))
}

#[cfg(test)]
mod tests;

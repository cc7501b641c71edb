//! T.125 MCS PDUs carried in X.224 Data TPDUs (MS-RDPBCGR 2.2.1.3 - 2.2.1.9, 2.2.2.3, 2.2.8.1.1.1.1).
//!
//! Connect-Initial and Connect-Response are BER encoded (T.125 §11.1, X.690); the domain PDUs
//! (Erect Domain, Attach User, Channel Join, Send Data, Disconnect Provider Ultimatum) are
//! ALIGNED PER encoded (T.125 §11.2, X.691) the way MS-RDPBCGR shows them. The GCC bytes inside
//! the connect PDUs' userData go to [`super::gcc`]; Send Data payloads go to [`super::share`].

use super::wire;
use super::{Layer, PResult, ProtoError};
use std::fmt;

/// Channel ids in PER are sent minus this base (T.125 ChannelId / UserId, MS-RDPBCGR 2.2.1.6.1).
pub const MCS_BASE_CHANNEL_ID: u16 = 1001;

/// T.125 DomainParameters (§7, MS-RDPBCGR 2.2.1.3.1 targetParameters and friends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DomainParameters {
    /// maxChannelIds.
    pub max_channel_ids: u32,
    /// maxUserIds.
    pub max_user_ids: u32,
    /// maxTokenIds.
    pub max_token_ids: u32,
    /// numPriorities.
    pub num_priorities: u32,
    /// minThroughput.
    pub min_throughput: u32,
    /// maxHeight.
    pub max_height: u32,
    /// maxMCSPDUsize.
    pub max_mcs_pdu_size: u32,
    /// protocolVersion (2 for RDP).
    pub protocol_version: u32,
}

/// MCS Connect-Initial (T.125 §11.1, MS-RDPBCGR 2.2.1.3.1 Client MCS Connect Initial PDU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectInitial<'a> {
    /// upwardFlag (TRUE from RDP clients).
    pub upward_flag: bool,
    /// targetParameters.
    pub target: DomainParameters,
    /// minimumParameters.
    pub minimum: DomainParameters,
    /// maximumParameters.
    pub maximum: DomainParameters,
    /// userData: the GCC Conference Create Request (T.124), see [`super::gcc::parse_conference_create_request`].
    pub user_data: &'a [u8],
}

/// MCS Connect-Response (T.125 §11.1, MS-RDPBCGR 2.2.1.4.1 Server MCS Connect Response PDU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectResponse<'a> {
    /// result (rt-successful when the server accepts).
    pub result: McsResult,
    /// calledConnectId.
    pub called_connect_id: u32,
    /// domainParameters.
    pub parameters: DomainParameters,
    /// userData: the GCC Conference Create Response, see [`super::gcc::parse_conference_create_response`].
    pub user_data: &'a [u8],
}

/// T.125 Result (§7 Result ::= ENUMERATED), used by Connect-Response and the confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct McsResult(pub u8);

impl McsResult {
    const NAMES: [&'static str; 16] = [
        "rt-successful",
        "rt-domain-merging",
        "rt-domain-not-hierarchical",
        "rt-no-such-channel",
        "rt-no-such-domain",
        "rt-no-such-user",
        "rt-not-admitted",
        "rt-other-user-id",
        "rt-parameters-unacceptable",
        "rt-token-not-available",
        "rt-token-not-possessed",
        "rt-too-many-channels",
        "rt-too-many-tokens",
        "rt-too-many-users",
        "rt-unspecified-failure",
        "rt-user-rejected",
    ];

    /// True for rt-successful.
    pub fn is_success(self) -> bool {
        self.0 == 0
    }

    /// The T.125 name (`rt-successful`, ...), or `unknown (0x..)`.
    pub fn name(self) -> String {
        enumerated_name(&Self::NAMES, self.0)
    }
}

impl fmt::Display for McsResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The name of a T.125 ENUMERATED value from its table, or `unknown (0x..)`.
fn enumerated_name(names: &[&str], v: u8) -> String {
    names
        .get(usize::from(v))
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("unknown ({v:#x})"))
}

/// T.125 Reason of Disconnect Provider Ultimatum (§7 Reason ::= ENUMERATED, MS-RDPBCGR 2.2.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DisconnectReason(pub u8);

impl DisconnectReason {
    const NAMES: [&'static str; 5] = [
        "rn-domain-disconnected",
        "rn-provider-initiated",
        "rn-token-purged",
        "rn-user-requested",
        "rn-channel-purged",
    ];

    /// The T.125 name (`rn-user-requested`, ...), or `unknown (0x..)`.
    pub fn name(self) -> String {
        enumerated_name(&Self::NAMES, self.0)
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// MCS Send Data Request / Indication (T.125 §11.32/11.33, MS-RDPBCGR 2.2.8.1.1.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendData<'a> {
    /// initiator: the user channel id of the sender (wire value + 1001).
    pub initiator: u16,
    /// channelId: I/O channel (typically 1003), a virtual channel, or the message channel.
    pub channel_id: u16,
    /// dataPriority (0 top, 1 high, 2 medium, 3 low).
    pub priority: u8,
    /// segmentation bits (0x2 begin, 0x1 end; 0x3 for a whole PDU).
    pub segmentation: u8,
    /// userData: the RDP PDU (security header, share headers), see [`super::share`].
    pub payload: &'a [u8],
}

/// An MCS PDU (T.125) as found in an X.224 Data TPDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum McsPdu<'a> {
    /// Connect-Initial (BER, application tag 101).
    ConnectInitial(ConnectInitial<'a>),
    /// Connect-Response (BER, application tag 102).
    ConnectResponse(ConnectResponse<'a>),
    /// Another BER connect PDU (Connect-Additional 103, Connect-Result 104), by tag.
    OtherConnect {
        /// The application tag number.
        tag: u32,
    },
    /// Erect Domain Request (MS-RDPBCGR 2.2.1.5).
    ErectDomainRequest {
        /// subHeight.
        sub_height: u32,
        /// subInterval.
        sub_interval: u32,
    },
    /// Disconnect Provider Ultimatum (MS-RDPBCGR 2.2.2.3).
    DisconnectProviderUltimatum {
        /// reason.
        reason: DisconnectReason,
    },
    /// Attach User Request (MS-RDPBCGR 2.2.1.6).
    AttachUserRequest,
    /// Attach User Confirm (MS-RDPBCGR 2.2.1.7).
    AttachUserConfirm {
        /// result.
        result: McsResult,
        /// initiator: the user channel id given to the client, when present.
        initiator: Option<u16>,
    },
    /// Channel Join Request (MS-RDPBCGR 2.2.1.8).
    ChannelJoinRequest {
        /// initiator (user channel id).
        initiator: u16,
        /// channelId asked for.
        channel_id: u16,
    },
    /// Channel Join Confirm (MS-RDPBCGR 2.2.1.9).
    ChannelJoinConfirm {
        /// result.
        result: McsResult,
        /// initiator.
        initiator: u16,
        /// requested channel id.
        requested: u16,
        /// channelId joined, when present.
        channel_id: Option<u16>,
    },
    /// Send Data Request (client to server).
    SendDataRequest(SendData<'a>),
    /// Send Data Indication (server to client).
    SendDataIndication(SendData<'a>),
    /// Any other domain PDU, by its T.125 DomainMCSPDU choice index (0..=42).
    Other {
        /// The CHOICE index (first byte >> 2).
        choice: u8,
    },
}

impl McsPdu<'_> {
    /// A short name for the timeline (`connect-initial`, `send-data-indication`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            McsPdu::ConnectInitial(_) => "connect-initial",
            McsPdu::ConnectResponse(_) => "connect-response",
            McsPdu::OtherConnect { .. } => "connect-other",
            McsPdu::ErectDomainRequest { .. } => "erect-domain-request",
            McsPdu::DisconnectProviderUltimatum { .. } => "disconnect-provider-ultimatum",
            McsPdu::AttachUserRequest => "attach-user-request",
            McsPdu::AttachUserConfirm { .. } => "attach-user-confirm",
            McsPdu::ChannelJoinRequest { .. } => "channel-join-request",
            McsPdu::ChannelJoinConfirm { .. } => "channel-join-confirm",
            McsPdu::SendDataRequest(_) => "send-data-request",
            McsPdu::SendDataIndication(_) => "send-data-indication",
            McsPdu::Other { .. } => "other",
        }
    }
}

// ---------------------------------------------------------------- BER (X.690)

/// A BER identifier: class bits, constructed bit, tag number (X.690 §8.1.2).
fn ber_tag(i: &[u8]) -> PResult<'_, (u8, u32)> {
    let (mut i, first) = wire::u8(i)?;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        for _ in 0..4 {
            let (r, b) = wire::u8(i)?;
            i = r;
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                return Ok((i, (first & 0xe0, number)));
            }
        }
        return Err(ProtoError::malformed(Layer::Mcs, "BER tag number too long"));
    }
    Ok((i, (first & 0xe0, number)))
}

/// A BER definite length (X.690 §8.1.3), at most 4 length bytes.
fn ber_len(i: &[u8]) -> PResult<'_, usize> {
    let (i, first) = wire::u8(i)?;
    if first < 0x80 {
        return Ok((i, usize::from(first)));
    }
    let n = first & 0x7f;
    if n == 0 || n > 4 {
        return Err(ProtoError::malformed(
            Layer::Mcs,
            format!("BER length form {first:#04x} not supported"),
        ));
    }
    let (i, bytes) = wire::take(i, usize::from(n))?;
    let v = bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
    Ok((i, v))
}

/// One BER TLV whose identifier must be `want` (class|constructed bits, number).
fn ber_tlv<'a>(i: &'a [u8], want: (u8, u32), what: &str) -> PResult<'a, &'a [u8]> {
    let (i, tag) = ber_tag(i)?;
    if tag != want {
        return Err(ProtoError::malformed(
            Layer::Mcs,
            format!(
                "{what}: BER tag {:#04x}/{} where {:#04x}/{} was expected",
                tag.0, tag.1, want.0, want.1
            ),
        ));
    }
    let (i, len) = ber_len(i)?;
    wire::take(i, len)
}

const BER_BOOLEAN: (u8, u32) = (0x00, 1);
const BER_INTEGER: (u8, u32) = (0x00, 2);
const BER_OCTET_STRING: (u8, u32) = (0x00, 4);
const BER_ENUMERATED: (u8, u32) = (0x00, 10);
const BER_SEQUENCE: (u8, u32) = (0x20, 16);

fn ber_uint<'a>(i: &'a [u8], want: (u8, u32), what: &str) -> PResult<'a, u32> {
    let (i, v) = ber_tlv(i, want, what)?;
    if v.len() > 5 || v.is_empty() {
        return Err(ProtoError::malformed(
            Layer::Mcs,
            format!("{what}: BER integer of {} bytes", v.len()),
        ));
    }
    let n = v.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
    Ok((i, u32::try_from(n).unwrap_or(u32::MAX)))
}

fn domain_parameters<'a>(i: &'a [u8], what: &str) -> PResult<'a, DomainParameters> {
    let (rest, body) = ber_tlv(i, BER_SEQUENCE, what)?;
    let mut v = [0u32; 8];
    let mut b = body;
    for slot in v.iter_mut() {
        let (r, x) = ber_uint(b, BER_INTEGER, what)?;
        *slot = x;
        b = r;
    }
    let [
        max_channel_ids,
        max_user_ids,
        max_token_ids,
        num_priorities,
        min_throughput,
        max_height,
        max_mcs_pdu_size,
        protocol_version,
    ] = v;
    Ok((
        rest,
        DomainParameters {
            max_channel_ids,
            max_user_ids,
            max_token_ids,
            num_priorities,
            min_throughput,
            max_height,
            max_mcs_pdu_size,
            protocol_version,
        },
    ))
}

fn connect_initial(body: &[u8]) -> PResult<'_, ConnectInitial<'_>> {
    let (i, _calling) = ber_tlv(body, BER_OCTET_STRING, "callingDomainSelector")?;
    let (i, _called) = ber_tlv(i, BER_OCTET_STRING, "calledDomainSelector")?;
    let (i, upward) = ber_tlv(i, BER_BOOLEAN, "upwardFlag")?;
    let (i, target) = domain_parameters(i, "targetParameters")?;
    let (i, minimum) = domain_parameters(i, "minimumParameters")?;
    let (i, maximum) = domain_parameters(i, "maximumParameters")?;
    let (i, user_data) = ber_tlv(i, BER_OCTET_STRING, "userData")?;
    Ok((
        i,
        ConnectInitial {
            upward_flag: upward.iter().any(|&b| b != 0),
            target,
            minimum,
            maximum,
            user_data,
        },
    ))
}

fn connect_response(body: &[u8]) -> PResult<'_, ConnectResponse<'_>> {
    let (i, result) = ber_uint(body, BER_ENUMERATED, "result")?;
    let (i, called_connect_id) = ber_uint(i, BER_INTEGER, "calledConnectId")?;
    let (i, parameters) = domain_parameters(i, "domainParameters")?;
    let (i, user_data) = ber_tlv(i, BER_OCTET_STRING, "userData")?;
    Ok((
        i,
        ConnectResponse {
            result: McsResult(u8::try_from(result).unwrap_or(u8::MAX)),
            called_connect_id,
            parameters,
            user_data,
        },
    ))
}

// ---------------------------------------------------------------- PER (X.691)

/// A PER length determinant (X.691 §10.9): one byte below 0x80, two bytes 10xxxxxx xxxxxxxx.
pub(crate) fn per_length(i: &[u8]) -> PResult<'_, usize> {
    let (i, a) = wire::u8(i)?;
    if a & 0x80 == 0 {
        return Ok((i, usize::from(a)));
    }
    if a & 0x40 != 0 {
        return Err(ProtoError::malformed(
            Layer::Mcs,
            "fragmented PER length (16K blocks) is not used by RDP",
        ));
    }
    let (i, b) = wire::u8(i)?;
    Ok((i, (usize::from(a & 0x3f) << 8) | usize::from(b)))
}

/// A PER unconstrained integer: length byte then big-endian value (T.125 subHeight, subInterval).
fn per_integer(i: &[u8]) -> PResult<'_, u32> {
    let (i, n) = per_length(i)?;
    let (i, v) = wire::take(i, n)?;
    if n > 4 {
        return Err(ProtoError::malformed(
            Layer::Mcs,
            format!("PER integer of {n} bytes"),
        ));
    }
    Ok((i, v.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b))))
}

/// A PER ChannelId/UserId: 16 bits, sent minus `base`.
fn per_id(i: &[u8], base: u16) -> PResult<'_, u16> {
    let (i, v) = wire::be16(i)?;
    Ok((i, v.wrapping_add(base)))
}

fn send_data(i: &[u8]) -> PResult<'_, SendData<'_>> {
    let (i, initiator) = per_id(i, MCS_BASE_CHANNEL_ID)?;
    let (i, channel_id) = per_id(i, 0)?;
    let (i, flags) = wire::u8(i)?;
    let (i, len) = per_length(i)?;
    let (i, payload) = wire::take(i, len)?;
    Ok((
        i,
        SendData {
            initiator,
            channel_id,
            priority: flags >> 6,
            segmentation: (flags >> 4) & 0x03,
            payload,
        },
    ))
}

/// Parses one MCS PDU: the payload of an X.224 Data TPDU (T.125 §11, MS-RDPBCGR 2.2.1.3-2.2.1.9,
/// 2.2.2.3, 2.2.8.1.1.1.1).
///
/// `Incomplete` when a length points past the bytes given; `Malformed` when a BER connect PDU
/// does not have the T.125 structure. Unknown domain PDUs are [`McsPdu::Other`], not errors.
pub fn parse_mcs(input: &[u8]) -> PResult<'_, McsPdu<'_>> {
    let (_, first) = wire::u8(input)?;
    if first == 0x7f {
        let (i, (class, tag)) = ber_tag(input)?;
        if class != 0x60 {
            return Err(ProtoError::malformed(
                Layer::Mcs,
                format!("BER class {class:#04x} is not application/constructed"),
            ));
        }
        let (i, len) = ber_len(i)?;
        let (rest, body) = wire::take(i, len)?;
        let pdu = match tag {
            101 => McsPdu::ConnectInitial(connect_initial(body)?.1),
            102 => McsPdu::ConnectResponse(connect_response(body)?.1),
            tag => McsPdu::OtherConnect { tag },
        };
        return Ok((rest, pdu));
    }
    let choice = first >> 2;
    let i = input.get(1..).unwrap_or_default();
    match choice {
        1 => {
            let (i, sub_height) = per_integer(i)?;
            let (i, sub_interval) = per_integer(i)?;
            Ok((
                i,
                McsPdu::ErectDomainRequest {
                    sub_height,
                    sub_interval,
                },
            ))
        }
        8 => {
            let (i, second) = wire::u8(i)?;
            let reason = ((first & 0x03) << 1) | (second >> 7);
            Ok((
                i,
                McsPdu::DisconnectProviderUltimatum {
                    reason: DisconnectReason(reason),
                },
            ))
        }
        10 => Ok((i, McsPdu::AttachUserRequest)),
        11 => {
            let (i, result) = wire::u8(i)?;
            let (i, initiator) = if first & 0x02 != 0 {
                let (i, v) = per_id(i, MCS_BASE_CHANNEL_ID)?;
                (i, Some(v))
            } else {
                (i, None)
            };
            Ok((
                i,
                McsPdu::AttachUserConfirm {
                    result: McsResult(result),
                    initiator,
                },
            ))
        }
        14 => {
            let (i, initiator) = per_id(i, MCS_BASE_CHANNEL_ID)?;
            let (i, channel_id) = per_id(i, 0)?;
            Ok((
                i,
                McsPdu::ChannelJoinRequest {
                    initiator,
                    channel_id,
                },
            ))
        }
        15 => {
            let (i, result) = wire::u8(i)?;
            let (i, initiator) = per_id(i, MCS_BASE_CHANNEL_ID)?;
            let (i, requested) = per_id(i, 0)?;
            let (i, channel_id) = if first & 0x02 != 0 {
                let (i, v) = per_id(i, 0)?;
                (i, Some(v))
            } else {
                (i, None)
            };
            Ok((
                i,
                McsPdu::ChannelJoinConfirm {
                    result: McsResult(result),
                    initiator,
                    requested,
                    channel_id,
                },
            ))
        }
        25 => send_data(i).map(|(r, s)| (r, McsPdu::SendDataRequest(s))),
        26 => send_data(i).map(|(r, s)| (r, McsPdu::SendDataIndication(s))),
        choice => Ok((&[], McsPdu::Other { choice })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tpkt::parse_tpkt;
    use crate::proto::wire::hex;
    use crate::proto::x224::{Tpdu, parse_tpdu};

    /// MCS bytes of a TPKT + X.224 DT record given in hex.
    pub(crate) fn mcs_bytes(h: &str) -> Vec<u8> {
        let b = hex(h);
        let (_, t) = parse_tpkt(&b).unwrap();
        let (_, Tpdu::Data(d)) = parse_tpdu(t.payload).unwrap() else {
            panic!("not DT")
        };
        d.payload.to_vec()
    }

    fn mcs(h: &str) -> McsPdu<'static> {
        let b: &'static [u8] = Box::leak(mcs_bytes(h).into_boxed_slice());
        let (rest, p) = parse_mcs(b).unwrap();
        assert!(rest.is_empty(), "{rest:?}");
        p
    }

    #[test]
    fn domain_pdus_from_rdp_proprietary_encryption() {
        // frames 16, 17, 19, 20, 21 of rdp-proprietary-encryption.pcap
        assert_eq!(
            mcs("0300000c02f0800401000100"),
            McsPdu::ErectDomainRequest {
                sub_height: 0,
                sub_interval: 0
            }
        );
        assert_eq!(mcs("0300000802f08028"), McsPdu::AttachUserRequest);
        assert_eq!(
            mcs("0300000b02f0802e000007"),
            McsPdu::AttachUserConfirm {
                result: McsResult(0),
                initiator: Some(1008)
            }
        );
        assert_eq!(
            mcs("0300000c02f08038000703f0"),
            McsPdu::ChannelJoinRequest {
                initiator: 1008,
                channel_id: 1008
            }
        );
        assert_eq!(
            mcs("0300000f02f0803e00000703f003f0"),
            McsPdu::ChannelJoinConfirm {
                result: McsResult(0),
                initiator: 1008,
                requested: 1008,
                channel_id: Some(1008)
            }
        );
        assert_eq!(McsResult(0).name(), "rt-successful");
        assert_eq!(McsResult(15).name(), "rt-user-rejected");
        assert_eq!(McsResult(16).name(), "unknown (0x10)");
    }

    #[test]
    fn disconnect_provider_ultimatum() {
        // RDP-003.pcap frame 431 and rdp-proprietary-encryption.pcap frame 538.
        match mcs("0300000902f0802180") {
            McsPdu::DisconnectProviderUltimatum { reason } => {
                assert_eq!(reason.0, 3);
                assert_eq!(reason.name(), "rn-user-requested");
            }
            other => panic!("{other:?}"),
        }
        // reason 1 (rn-provider-initiated): 0x20 0x80
        assert_eq!(
            parse_mcs(&[0x20, 0x80]).unwrap().1,
            McsPdu::DisconnectProviderUltimatum {
                reason: DisconnectReason(1)
            }
        );
        assert_eq!(DisconnectReason(7).name(), "unknown (0x7)");
    }

    #[test]
    fn send_data_request_and_indication() {
        // rdp-proprietary-encryption.pcap frame 32 (client security exchange on channel 1003) and 35.
        match mcs(
            "0300005e02f08064000703eb705001020000480000008b689c55b7c81a58755f6260006995ae78bab756234acd65b0ecb8dcbb9ea69b6520eaecea70ae4adc82423bee7e0718577ac4be710f16a2bd1d5464598177440000000000000000",
        ) {
            McsPdu::SendDataRequest(s) => {
                assert_eq!(s.initiator, 1008);
                assert_eq!(s.channel_id, 1003);
                assert_eq!(s.priority, 1);
                assert_eq!(s.segmentation, 3);
                assert_eq!(s.payload.len(), 0x50);
                assert_eq!(&s.payload[..4], &[0x01, 0x02, 0x00, 0x00]);
            }
            other => panic!("{other:?}"),
        }
        match mcs(
            "0300002a02f08068000103eb701c880202032d978c4675476d4aa3cd471b31ab7951bb8445b8da0a6273",
        ) {
            McsPdu::SendDataIndication(s) => {
                assert_eq!(s.initiator, 1002);
                assert_eq!(s.channel_id, 1003);
                assert_eq!(s.payload.len(), 0x1c);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prefixes_are_incomplete_and_garbage_does_not_panic() {
        for h in [
            "0300000c02f0800401000100",
            "0300000b02f0802e000007",
            "0300000f02f0803e00000703f003f0",
            "0300002a02f08068000103eb701c880202032d978c4675476d4aa3cd471b31ab7951bb8445b8da0a6273",
        ] {
            let b = mcs_bytes(h);
            for n in 0..b.len() {
                assert!(
                    matches!(parse_mcs(&b[..n]), Err(ProtoError::Incomplete(_))),
                    "{h} {n}"
                );
            }
        }
        let fuzz = hex("7f65ff7f66830000ff7f6582ffff0401");
        for s in 0..fuzz.len() {
            for e in s..=fuzz.len() {
                let _ = parse_mcs(&fuzz[s..e]);
            }
        }
        assert!(matches!(
            parse_mcs(&hex("7f6503040101")),
            Err(ProtoError::Incomplete(_) | ProtoError::Malformed { .. })
        ));
        assert!(matches!(
            parse_mcs(&hex("7f65030a0101")),
            Err(ProtoError::Malformed {
                layer: Layer::Mcs,
                ..
            })
        ));
        assert_eq!(
            parse_mcs(&hex("30")).unwrap().1,
            McsPdu::Other { choice: 12 }
        );
    }
}

//! X.509 certificates (RFC 5280) from TLS Certificate messages (RFC 5246 §7.4.2) and RDP server
//! certificates (MS-RDPBCGR 2.2.1.4.3.1.1), summarised with `x509-parser` into owned values.
//!
//! Names are rendered the way Zeek's x509.log and ssl.log show them (OpenSSL's
//! `X509_NAME_print_ex(.., XN_FLAG_RFC2253)`): attributes in reverse order, `,` between RDNs, `+`
//! inside a multi-valued RDN, OpenSSL short names (`CN`, `O`, `street`, `serialNumber` ...),
//! RFC 2253 escaping, control and non-ASCII bytes as `\XX`.

use super::{Layer, ProtoError};
use serde::Serialize;
use std::net::IpAddr;
use x509_parser::der_parser::asn1_rs::{Any, Tag};
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate, X509Name};
use x509_parser::public_key::{PublicKey, RSAPublicKey};

/// What kind of public key a certificate carries (RFC 5280 §4.1.2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// rsaEncryption (1.2.840.113549.1.1.1)
    Rsa,
    /// id-ecPublicKey (1.2.840.10045.2.1)
    Ecdsa,
    /// id-dsa (1.2.840.10040.4.1)
    Dsa,
    /// Ed25519 (1.3.101.112)
    Ed25519,
    /// Ed448 (1.3.101.113)
    Ed448,
    /// Another algorithm, by OID.
    Other(String),
}

/// Whether a certificate is valid at a given time (RFC 5280 §4.1.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// notBefore ≤ t ≤ notAfter.
    Valid,
    /// t > notAfter.
    Expired,
    /// t < notBefore.
    NotYetValid,
}

/// The facts about one certificate that a diagnosis and a report need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject DN, Zeek/OpenSSL RFC 2253 style: `CN=www.spidh.org,OU=COMODO SSL,...`.
    pub subject: String,
    /// Issuer DN, same format.
    pub issuer: String,
    /// Serial number, upper-case hex without leading zero bytes (`59EB28CB02B1A0D4`), as Zeek.
    pub serial: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Subject common names (for name matching when there are no SANs).
    pub common_names: Vec<String>,
    /// subjectAltName dNSName entries.
    pub san_dns: Vec<String>,
    /// subjectAltName iPAddress entries.
    pub san_ip: Vec<IpAddr>,
    /// Public key type.
    pub key_type: KeyType,
    /// Public key size in bits (RSA modulus, EC field size); 0 when unknown.
    pub key_bits: u32,
    /// Signature algorithm, OpenSSL long name as Zeek prints it (`sha256WithRSAEncryption`).
    pub signature_algorithm: String,
    /// Issuer equals subject (byte for byte) and, when both key identifiers are present, the
    /// authority key identifier equals the subject key identifier. The signature itself is not
    /// verified (x509-parser's `verify` feature needs `ring`, not among our dependencies).
    pub self_signed: bool,
}

impl CertInfo {
    /// The names it is valid for: common names, DNS SANs, IP SANs (adjacent repeats removed).
    pub fn names(&self) -> Vec<String> {
        let mut n = self.common_names.clone();
        n.extend(self.san_dns.iter().cloned());
        n.extend(self.san_ip.iter().map(|i| i.to_string()));
        n.dedup();
        n
    }

    /// Parses one DER certificate. Trailing bytes after the certificate are ignored.
    pub fn from_der(der: &[u8]) -> Result<CertInfo, ProtoError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| {
            ProtoError::malformed(
                Layer::X509,
                format!("certificate of {} bytes: {e}", der.len()),
            )
        })?;
        Ok(summarise(&cert))
    }

    /// [`CertInfo::from_der`] through a small per-thread memo of the last certificates seen:
    /// a server sends the same certificate on every connection, and parsing one costs tens of
    /// microseconds (a few percent of a whole analysis). The result is the same value.
    pub fn from_der_cached(der: &[u8]) -> Result<CertInfo, ProtoError> {
        use std::cell::RefCell;
        use std::collections::VecDeque;
        /// Certificates remembered per thread (the DER bytes are kept to compare).
        const REMEMBERED: usize = 16;
        /// Larger certificates are parsed every time.
        const MAX_DER: usize = 16 << 10;
        thread_local! {
            static SEEN: RefCell<VecDeque<(Box<[u8]>, CertInfo)>> = const { RefCell::new(VecDeque::new()) };
        }
        if der.len() > MAX_DER {
            return CertInfo::from_der(der);
        }
        let hit = SEEN.with_borrow_mut(|seen| {
            let i = seen.iter().position(|(d, _)| **d == *der)?;
            let entry = seen.remove(i)?;
            let info = entry.1.clone();
            seen.push_back(entry);
            Some(info)
        });
        if let Some(info) = hit {
            return Ok(info);
        }
        let info = CertInfo::from_der(der)?;
        SEEN.with_borrow_mut(|seen| {
            if seen.len() >= REMEMBERED {
                seen.pop_front();
            }
            seen.push_back((der.into(), info.clone()));
        });
        Ok(info)
    }

    /// Valid, expired or not yet valid at `unix_secs` (e.g. the capture time of the handshake).
    pub fn validity_at(&self, unix_secs: i64) -> Validity {
        if unix_secs < self.not_before {
            Validity::NotYetValid
        } else if unix_secs > self.not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// Whether the certificate is for `host_or_ip` (RFC 6125 §6.4): an IP address against the
    /// iPAddress SANs; a host name against the dNSName SANs, or the common names when there are
    /// no DNS SANs; a `*` left-most label matches exactly one label. Case-insensitive, a
    /// trailing dot ignored.
    pub fn matches_name(&self, host_or_ip: &str) -> bool {
        let host = host_or_ip.trim_end_matches('.');
        if let Ok(ip) = host.parse::<IpAddr>() {
            if self.san_ip.contains(&ip) {
                return true;
            }
            // Legacy certificates (RDP's self-signed ones among them) may name an IP in the CN.
            return self.san_dns.is_empty()
                && self.san_ip.is_empty()
                && self.common_names.iter().any(|cn| cn.trim() == host);
        }
        let names = if self.san_dns.is_empty() {
            &self.common_names
        } else {
            &self.san_dns
        };
        names.iter().any(|pattern| dns_name_matches(pattern, host))
    }
}

/// RFC 6125 §6.4.3 matching, full-label wildcard only in the left-most label.
fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if host.is_empty() || pattern.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            // At least two labels after the wildcard (no `*.com`).
            if !suffix.contains('.') {
                return false;
            }
            match host.split_once('.') {
                Some((first, rest)) => !first.is_empty() && rest == suffix,
                None => false,
            }
        }
        None => pattern == host,
    }
}

fn summarise(cert: &X509Certificate<'_>) -> CertInfo {
    let tbs = &cert.tbs_certificate;
    let mut san_dns = Vec::new();
    let mut san_ip = Vec::new();
    let mut ski: Option<&[u8]> = None;
    let mut aki: Option<&[u8]> = None;
    for ext in tbs.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    match name {
                        GeneralName::DNSName(d) => san_dns.push((*d).to_string()),
                        GeneralName::IPAddress(b) => {
                            if let Some(ip) = ip_from_bytes(b) {
                                san_ip.push(ip);
                            }
                        }
                        _ => {}
                    }
                }
            }
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| k.0);
            }
            _ => {}
        }
    }
    let (key_type, key_bits) = key_info(cert);
    let same_name = tbs.subject.as_raw() == tbs.issuer.as_raw();
    let ids_agree = match (aki, ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    };
    CertInfo {
        subject: dn_string(&tbs.subject),
        issuer: dn_string(&tbs.issuer),
        serial: serial_hex(tbs.raw_serial()),
        not_before: tbs.validity.not_before.timestamp(),
        not_after: tbs.validity.not_after.timestamp(),
        common_names: tbs
            .subject
            .iter_common_name()
            .map(|a| attr_text(a.attr_value()))
            .collect(),
        san_dns,
        san_ip,
        key_type,
        key_bits,
        signature_algorithm: sig_alg_name(&cert.signature_algorithm.algorithm.to_id_string()),
        self_signed: same_name && ids_agree,
    }
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(b).ok().map(IpAddr::from)
}

fn key_info(cert: &X509Certificate<'_>) -> (KeyType, u32) {
    let spki = &cert.tbs_certificate.subject_pki;
    let oid = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => (KeyType::Rsa, bit_length(rsa.modulus)),
        Ok(PublicKey::EC(ec)) => (KeyType::Ecdsa, u32::try_from(ec.key_size()).unwrap_or(0)),
        Ok(PublicKey::DSA(y)) => (KeyType::Dsa, bit_length(y)),
        Ok(PublicKey::Unknown(raw)) => match oid.as_str() {
            "1.3.101.112" => (KeyType::Ed25519, 256),
            "1.3.101.113" => (KeyType::Ed448, 456),
            // RDP's proprietary chains label RSA keys with a signature OID
            // (md5WithRSAEncryption); the key is still an RSAPublicKey, as OpenSSL reads it.
            o if o.starts_with("1.2.840.113549.1.1.") => match RSAPublicKey::from_der(raw) {
                Ok((_, rsa)) => (KeyType::Rsa, bit_length(rsa.modulus)),
                Err(_) => (KeyType::Other(oid), 0),
            },
            _ => (KeyType::Other(oid), bit_length(raw)),
        },
        _ => (KeyType::Other(oid), 0),
    }
}

/// The RSA modulus of a DER certificate's public key (RFC 8017 §A.1.1), big-endian without
/// leading zeros; `None` when the certificate does not parse or its key is not RSA.
pub fn rsa_modulus(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let modulus = match cert.tbs_certificate.subject_pki.parsed().ok()? {
        PublicKey::RSA(rsa) => rsa.modulus.to_vec(),
        _ => return None,
    };
    Some(modulus.into_iter().skip_while(|b| *b == 0).collect())
}

/// Bits in a big-endian unsigned integer, ignoring leading zeros.
fn bit_length(bytes: &[u8]) -> u32 {
    let mut it = bytes.iter().skip_while(|b| **b == 0);
    match it.next() {
        Some(first) => {
            let rest = u32::try_from(it.count()).unwrap_or(0);
            rest.saturating_mul(8) + (8 - first.leading_zeros())
        }
        None => 0,
    }
}

fn serial_hex(raw: &[u8]) -> String {
    let trimmed: Vec<u8> = raw.iter().copied().skip_while(|b| *b == 0).collect();
    if trimmed.is_empty() {
        return "00".to_string();
    }
    trimmed.iter().map(|b| format!("{b:02X}")).collect()
}

/// OpenSSL long names (what Zeek prints) for common signature algorithms.
fn sig_alg_name(oid: &str) -> String {
    let n = match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.3.14.3.2.29" => "sha1WithRSA",
        "1.3.14.3.2.3" => "md5WithRSA",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        _ => return oid.to_string(),
    };
    n.to_string()
}

/// OpenSSL short names of DN attribute types; the dotted OID otherwise.
fn attr_short_name(oid: &str) -> String {
    let n = match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        _ => return oid.to_string(),
    };
    n.to_string()
}

/// The characters of a directory string, whatever its ASN.1 string type.
fn attr_chars(v: &Any<'_>) -> Option<Vec<char>> {
    let d = v.data;
    match v.header.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => Some(String::from_utf8_lossy(d).chars().collect()),
        // T.61 as Latin-1, as OpenSSL does.
        Tag::T61String => Some(d.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString => Some(
            char::decode_utf16(d.chunks(2).map(|c| {
                u16::from_be_bytes([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            }))
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        ),
        Tag::UniversalString => Some(
            d.chunks(4)
                .map(|c| {
                    let mut b = [0u8; 4];
                    for (dst, src) in b.iter_mut().zip(c) {
                        *dst = *src;
                    }
                    char::from_u32(u32::from_be_bytes(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Plain text of an attribute value (for name matching).
fn attr_text(v: &Any<'_>) -> String {
    match attr_chars(v) {
        Some(c) => c.into_iter().collect(),
        None => String::new(),
    }
}

/// An attribute value escaped as OpenSSL's `ASN1_STRFLGS_RFC2253` does.
fn attr_escaped(v: &Any<'_>) -> String {
    let Some(chars) = attr_chars(v) else {
        // Not a string type: `#` and the hex of the contents (OpenSSL dumps the DER).
        let mut s = String::from("#");
        for b in v.data {
            s.push_str(&format!("{b:02X}"));
        }
        return s;
    };
    let mut out = String::new();
    let last = chars.len().saturating_sub(1);
    for (i, c) in chars.iter().enumerate() {
        let c = *c;
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ')
        {
            out.push('\\');
            out.push(c);
        } else if (c as u32) < 0x20 || c as u32 == 0x7f {
            out.push_str(&format!("\\{:02X}", c as u32));
        } else if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02X}"));
            }
        }
    }
    out
}

/// A distinguished name as Zeek logs it (see the module documentation).
pub fn dn_string(name: &X509Name<'_>) -> String {
    let mut attrs = Vec::new();
    for (rdn_idx, rdn) in name.iter_rdn().enumerate() {
        for a in rdn.iter() {
            attrs.push((rdn_idx, a));
        }
    }
    let mut out = String::new();
    let mut prev: Option<usize> = None;
    for (rdn_idx, a) in attrs.iter().rev() {
        if let Some(p) = prev {
            out.push(if p == *rdn_idx { '+' } else { ',' });
        }
        out.push_str(&attr_short_name(&a.attr_type().to_id_string()));
        out.push('=');
        out.push_str(&attr_escaped(a.attr_value()));
        prev = Some(*rdn_idx);
    }
    out
}

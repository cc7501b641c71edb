//! Byte-level readers shared by the RDP dissectors (TPKT, X.224, MCS, GCC, RDP share layer, MS-RDPEUDP).
//!
//! Thin wrappers over nom 8's *streaming* number parsers: running out of bytes is always
//! [`ProtoError::Incomplete`] (with the number of missing bytes), never a malformed error, so a
//! prefix of a valid PDU is never reported as damage. [`Cursor`] reads optional trailing fields
//! (GCC user data blocks) and stops quietly at the end of the bytes.

use super::{PResult, ProtoError};
use nom::number::streaming as ns;

type NomRes<'a, T> = nom::IResult<&'a [u8], T, nom::error::Error<&'a [u8]>>;

/// Turns a streaming nom result into a [`PResult`]: running out of input becomes `Incomplete`.
fn lift<T>(r: NomRes<'_, T>) -> PResult<'_, T> {
    match r {
        Ok(v) => Ok(v),
        Err(nom::Err::Incomplete(nom::Needed::Size(n))) => {
            Err(ProtoError::Incomplete(Some(n.get())))
        }
        Err(_) => Err(ProtoError::Incomplete(None)),
    }
}

/// One byte.
pub(crate) fn u8(i: &[u8]) -> PResult<'_, u8> {
    lift(ns::u8(i))
}

/// Big-endian u16 (network order: TPKT, MCS PER, MS-RDPEUDP).
pub(crate) fn be16(i: &[u8]) -> PResult<'_, u16> {
    lift(ns::be_u16(i))
}

/// Big-endian u32.
pub(crate) fn be32(i: &[u8]) -> PResult<'_, u32> {
    lift(ns::be_u32(i))
}

/// Little-endian u16 (RDP structures: MS-RDPBCGR integers are little-endian unless stated).
pub(crate) fn le16(i: &[u8]) -> PResult<'_, u16> {
    lift(ns::le_u16(i))
}

/// Little-endian u32.
pub(crate) fn le32(i: &[u8]) -> PResult<'_, u32> {
    lift(ns::le_u32(i))
}

/// Exactly `n` bytes.
pub(crate) fn take(i: &[u8], n: usize) -> PResult<'_, &[u8]> {
    lift(nom::bytes::streaming::take::<
        usize,
        &[u8],
        nom::error::Error<&[u8]>,
    >(n)(i))
}

/// A lenient reader for structures whose trailing fields are optional (MS-RDPBCGR 2.2.1.3.2):
/// each read returns `None` once the bytes run out, and remembers that the block was cut short.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    rest: &'a [u8],
    short: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(rest: &'a [u8]) -> Self {
        Cursor { rest, short: false }
    }

    /// Bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// True when a read asked for more bytes than were left (a truncated structure).
    pub(crate) fn short(&self) -> bool {
        self.short
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            if !self.rest.is_empty() {
                self.short = true;
            }
            self.rest = &[];
            return None;
        }
        let (h, r) = self.rest.split_at(n);
        self.rest = r;
        Some(h)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.bytes(1).and_then(|b| b.first().copied())
    }

    pub(crate) fn le16(&mut self) -> Option<u16> {
        self.bytes(2)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_le_bytes)
    }

    pub(crate) fn le32(&mut self) -> Option<u32> {
        self.bytes(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    }

    pub(crate) fn be16(&mut self) -> Option<u16> {
        self.bytes(2)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_be_bytes)
    }

    pub(crate) fn be32(&mut self) -> Option<u32> {
        self.bytes(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
    }
}

/// Decodes a UTF-16LE string up to the first NUL, at most `max_units` code units.
pub(crate) fn utf16z(b: &[u8], max_units: usize) -> String {
    let units = b
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .take_while(|&u| u != 0)
        .take(max_units);
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Decodes an 8-bit (ANSI) string up to the first NUL, lossily.
pub(crate) fn ansiz(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or_default()).into_owned()
}

/// Names of the set bits of `bits` from `table` (bit, name), then each unknown bit as `unknown (0x..)`.
pub(crate) fn flag_names<T>(bits: T, table: &[(T, &'static str)]) -> Vec<String>
where
    T: Copy
        + PartialEq
        + std::ops::BitAnd<Output = T>
        + std::ops::BitOr<Output = T>
        + std::ops::Not<Output = T>
        + Default
        + std::fmt::LowerHex,
{
    let mut out = Vec::new();
    let mut known = T::default();
    for &(bit, name) in table {
        known = known | bit;
        if bits & bit != T::default() {
            out.push(name.to_string());
        }
    }
    let unknown = bits & !known;
    if unknown != T::default() {
        out.push(format!("unknown ({unknown:#x})"));
    }
    out
}

/// Test helper: bytes from a hex string (whitespace ignored).
#[cfg(test)]
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|k| u8::from_str_radix(&s[k..k + 2], 16).unwrap())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_reads_report_missing_bytes() {
        assert_eq!(be16(&[1]), Err(ProtoError::Incomplete(Some(1))));
        assert_eq!(le32(&[1, 2, 3, 4, 5]), Ok((&[5u8][..], 0x0403_0201)));
        assert_eq!(take(&[1, 2], 3), Err(ProtoError::Incomplete(Some(1))));
    }

    #[test]
    fn cursor_stops_and_remembers_truncation() {
        let mut c = Cursor::new(&[1, 0, 2]);
        assert_eq!(c.le16(), Some(1));
        assert_eq!(c.le16(), None);
        assert!(c.short());
        assert_eq!(c.u8(), None);
    }

    #[test]
    fn strings() {
        assert_eq!(utf16z(b"A\0B\0\0\0C\0", 16), "AB");
        assert_eq!(ansiz(b"rdpdr\0\0\0"), "rdpdr");
        assert_eq!(
            flag_names(0x0bu8, &[(1, "a"), (2, "b")]),
            vec!["a", "b", "unknown (0x8)"]
        );
    }
}

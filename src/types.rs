//! Small types shared by every stage: frame numbers, timestamps, directions.

use serde::Serialize;
use std::fmt;

/// A frame number, 1-based in file order, exactly as Wireshark numbers frames.
pub type FrameNo = u64;

/// A capture timestamp: nanoseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From seconds and nanoseconds.
    pub fn from_parts(secs: i64, nanos: u32) -> Self {
        Timestamp(
            secs.saturating_mul(1_000_000_000)
                .saturating_add(i64::from(nanos)),
        )
    }

    /// Whole seconds since the epoch.
    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }

    /// Seconds as a float (for durations and charts).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Seconds elapsed from `earlier` to `self` (negative if `self` is earlier).
    pub fn since(self, earlier: Timestamp) -> f64 {
        (self.0.saturating_sub(earlier.0)) as f64 / 1e9
    }

    /// Nanoseconds elapsed from `earlier` to `self` (negative if `self` is earlier; saturating).
    pub fn nanos_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// RFC 3339 in UTC with microseconds, e.g. `2024-07-26T10:15:02.123456Z` (CONTRACT.md).
    pub fn rfc3339(self) -> String {
        self.with_rfc3339(str::to_owned)
    }

    /// Calls `f` with [`Timestamp::rfc3339`]'s text, laid out in a stack array (the calendar
    /// from the `time` crate): a session's JSON holds several, and `format!` cost 20 times as
    /// much. A time the calendar cannot place (none a nanosecond count holds: they lie in
    /// 1677–2262) is written as `@seconds.micros`.
    fn with_rfc3339<R>(self, f: impl FnOnce(&str) -> R) -> R {
        let micros = self.0.div_euclid(1_000);
        let secs = micros.div_euclid(1_000_000);
        let frac = micros.rem_euclid(1_000_000) as u32;
        match rfc3339_ascii(secs, frac) {
            Some(text) => f(std::str::from_utf8(&text).unwrap_or_default()),
            None => f(&format!("@{secs}.{frac:06}")),
        }
    }
}

/// The RFC 3339 text of `secs` and `frac` microseconds; `None` outside years 0–9999.
fn rfc3339_ascii(secs: i64, frac: u32) -> Option<[u8; 27]> {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let mut text = *b"0000-00-00T00:00:00.000000Z";
    let fields = [
        (0, 4, year),
        (5, 2, u32::from(u8::from(t.month()))),
        (8, 2, u32::from(t.day())),
        (11, 2, u32::from(t.hour())),
        (14, 2, u32::from(t.minute())),
        (17, 2, u32::from(t.second())),
        (20, 6, frac),
    ];
    for (at, width, mut value) in fields {
        for digit in text.get_mut(at..at + width)?.iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    Some(text)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_rfc3339(|text| f.write_str(text))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_rfc3339(|text| s.serialize_str(text))
    }
}

/// Which way a packet travels within a connection.
///
/// The client is the side that sent the SYN, or the non-3389 side when the capture starts mid-stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Direction {
    /// From the client (connection originator) to the server.
    #[serde(rename = "client")]
    ClientToServer,
    /// From the server (responder) to the client.
    #[serde(rename = "server")]
    ServerToClient,
}

impl Direction {
    /// The direction of a packet sent by the client (`true`) or by the server (`false`).
    pub fn from_client(from_client: bool) -> Self {
        if from_client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }

    /// The other direction.
    pub fn reverse(self) -> Self {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }

    /// Index 0 for the client's direction, 1 for the server's: for `[T; 2]` per-direction state.
    pub fn idx(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }

    /// Who sends in this direction: `"client"` or `"server"`.
    pub fn sender(self) -> &'static str {
        match self {
            Direction::ClientToServer => "client",
            Direction::ServerToClient => "server",
        }
    }
}

/// A value per direction (per side): the client's and the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PerDir<T> {
    /// The client's (originator's) value.
    pub client: T,
    /// The server's (responder's) value.
    pub server: T,
}

impl<T> PerDir<T> {
    /// The value of the side sending in direction `d`.
    pub fn get(&self, d: Direction) -> &T {
        match d {
            Direction::ClientToServer => &self.client,
            Direction::ServerToClient => &self.server,
        }
    }

    /// The value of the side sending in direction `d`, mutably.
    pub fn get_mut(&mut self, d: Direction) -> &mut T {
        match d {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_microseconds_and_z() {
        let t = Timestamp::from_parts(1_721_988_902, 123_456_789);
        assert_eq!(t.rfc3339(), "2024-07-26T10:15:02.123456Z");
    }

    #[test]
    fn rfc3339_laid_out_in_place_equals_the_formatted_text() {
        // Every field's width and padding, leap days, the epoch and both ends of what a
        // nanosecond count holds (years 1677 to 2262).
        let secs = [
            0i64,
            1,
            59,
            86_399,
            951_782_400, // 2000-02-29
            1_721_988_902,
            4_102_444_800, // 2100-01-01
            9_223_372_035,
            -1,
            -86_401,
            -9_223_372_035,
        ];
        let mut stamps: Vec<Timestamp> = secs
            .iter()
            .flat_map(|&s| {
                [0, 999, 1_000, 5_000, 123_456_789, 999_999_999]
                    .map(|nanos| Timestamp::from_parts(s, nanos))
            })
            .collect();
        stamps.extend([Timestamp(i64::MIN), Timestamp(i64::MAX)]);
        // The text as `format!` writes it (the earlier implementation).
        let formatted = |t: Timestamp| {
            let micros = t.0.div_euclid(1_000);
            let secs = micros.div_euclid(1_000_000);
            let d = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute(),
                d.second(),
                micros.rem_euclid(1_000_000)
            )
        };
        for t in stamps {
            let formatted = formatted(t);
            assert_eq!(t.rfc3339(), formatted);
            assert_eq!(t.to_string(), formatted);
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{formatted}\"")
            );
        }
        // Past year 9999 the calendar has no place (the `@seconds.micros` fallback).
        assert!(rfc3339_ascii(253_402_300_800, 0).is_none());
        assert_eq!(Timestamp(i64::MIN).rfc3339(), "1677-09-21T00:12:43.145224Z");
        assert_eq!(Timestamp(i64::MAX).rfc3339(), "2262-04-11T23:47:16.854775Z");
    }

    #[test]
    fn rfc3339_before_epoch() {
        let t = Timestamp(-1_000);
        assert_eq!(t.rfc3339(), "1969-12-31T23:59:59.999999Z");
    }
}

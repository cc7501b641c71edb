//! The JSON report of CONTRACT.md: one object per input file, one per line.

use super::FileReport;
use crate::decode::Transport;
use crate::diagnose::Verdict;
use crate::flow::tcp::TcpSummary;
use crate::timeline::{RdpSummary, Session, TlsSummary};
use crate::types::Timestamp;
use serde::Serialize;
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};

/// `{"ip": ..., "port": ...}`.
#[derive(Serialize)]
struct Endpoint {
    /// Written as text straight into the output (no `String` per address).
    #[serde(serialize_with = "as_text")]
    ip: IpAddr,
    port: u16,
}

impl From<SocketAddr> for Endpoint {
    fn from(a: SocketAddr) -> Self {
        Endpoint {
            ip: a.ip(),
            port: a.port(),
        }
    }
}

fn as_text<S: serde::Serializer>(ip: &IpAddr, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(ip)
}

/// `{"client": n, "server": n}`.
#[derive(Serialize)]
struct PerSide {
    client: u64,
    server: u64,
}

/// One SESSION object.
#[derive(Serialize)]
struct SessionJson<'a> {
    id: u64,
    transport: Transport,
    client: Endpoint,
    server: Endpoint,
    first_frame: u64,
    last_frame: u64,
    start: Timestamp,
    end: Timestamp,
    duration_s: f64,
    packets: PerSide,
    bytes: PerSide,
    conn_state: &'a str,
    history: &'a str,
    tcp: Option<TcpJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp_session: Option<u64>,
    rdp: Option<Cow<'a, RdpSummary>>,
    tls: Option<Cow<'a, TlsSummary>>,
    verdict: &'a Verdict,
}

/// The `tcp` object: [`TcpSummary`]'s fields in alphabetical order, as the report has always
/// written them (once through `serde_json::Value`, whose map sorts its keys).
#[derive(Serialize)]
struct TcpJson<'a> {
    acked_unseen: u64,
    capture_duplicates: u64,
    close: &'a Option<crate::flow::tcp::CloseKind>,
    closed_by: &'a Option<crate::types::Direction>,
    dup_acks: u64,
    fast_retransmissions: u64,
    lost_segments: u64,
    retransmissions: u64,
    rtt_ms: Option<f64>,
    zero_windows: u64,
}

impl<'a> From<&'a TcpSummary> for TcpJson<'a> {
    fn from(t: &'a TcpSummary) -> Self {
        let TcpSummary {
            retransmissions,
            fast_retransmissions,
            lost_segments,
            acked_unseen,
            dup_acks,
            zero_windows,
            capture_duplicates,
            rtt_ms,
            close,
            closed_by,
        } = t;
        TcpJson {
            acked_unseen: *acked_unseen,
            capture_duplicates: *capture_duplicates,
            close,
            closed_by,
            dup_acks: *dup_acks,
            fast_retransmissions: *fast_retransmissions,
            lost_segments: *lost_segments,
            retransmissions: *retransmissions,
            rtt_ms: *rtt_ms,
            zero_windows: *zero_windows,
        }
    }
}

/// The file object. `sessions` comes before the counts and warnings, which are known only at
/// the end of the file: [`super::stream`] writes the same bytes while the file is read.
#[derive(Serialize)]
struct FileJson<'a> {
    file: &'a str,
    sessions: Vec<SessionJson<'a>>,
    format: Option<crate::capture::Format>,
    frames: u64,
    warnings: &'a [String],
}

fn session_json<'a>(s: &'a Session, v: &'a Verdict) -> SessionJson<'a> {
    SessionJson {
        id: s.id,
        transport: s.transport,
        client: s.client.into(),
        server: s.server.into(),
        first_frame: s.first_frame,
        last_frame: s.last_frame,
        start: s.start,
        end: s.end,
        duration_s: (s.duration_s() * 1e6).round() / 1e6,
        packets: PerSide {
            client: s.packets[0],
            server: s.packets[1],
        },
        bytes: PerSide {
            client: s.bytes[0],
            server: s.bytes[1],
        },
        conn_state: &s.conn_state,
        history: &s.history,
        tcp: s.tcp.as_ref().map(TcpJson::from),
        tcp_session: s.tcp_session,
        // A compacted session keeps its summaries: borrowed, not rebuilt.
        rdp: if s.compacted {
            s.rdp_summary.as_deref().map(Cow::Borrowed)
        } else {
            RdpSummary::of(s).map(Cow::Owned)
        },
        tls: if s.compacted {
            s.tls_summary.as_deref().map(Cow::Borrowed)
        } else {
            TlsSummary::of(s).map(Cow::Owned)
        },
        verdict: v,
    }
}

/// The SESSION object of one session as a JSON line (without the trailing newline): what
/// `live --json` streams, the same object as in `report --json`'s `sessions`.
pub fn session_line(s: &Session, v: &Verdict) -> String {
    serde_json::to_string(&session_json(s, v))
        .unwrap_or_else(|e| format!("{{\"id\":{},\"error\":{:?}}}", s.id, e.to_string()))
}

/// The SESSION object of one session, appended to `out`.
pub fn write_session(out: &mut Vec<u8>, s: &Session, v: &Verdict) -> serde_json::Result<()> {
    serde_json::to_writer(out, &session_json(s, v))
}

/// What comes after the sessions of a file's line: `],"format":..,"frames":..,"warnings":[..]}`
/// (without the newline).
pub fn file_trailer(
    format: Option<crate::capture::Format>,
    frames: u64,
    warnings: &[String],
) -> String {
    format!(
        "],\"format\":{},\"frames\":{frames},\"warnings\":{}}}",
        serde_json::to_string(&format).unwrap_or_else(|_| "null".into()),
        serde_json::to_string(warnings).unwrap_or_else(|_| "[]".into())
    )
}

/// What comes before the sessions of a file's line: `{"file":..,"sessions":[`.
pub fn file_header(file: &str) -> String {
    format!(
        "{{\"file\":{},\"sessions\":[",
        serde_json::to_string(file).unwrap_or_else(|_| "\"\"".into())
    )
}

/// The JSON line for one file (without the trailing newline).
pub fn file_line(r: &FileReport) -> String {
    let j = FileJson {
        file: &r.file,
        sessions: r.sessions.iter().map(|(s, v)| session_json(s, v)).collect(),
        format: r.read.format,
        frames: r.read.frames,
        warnings: &r.warnings,
    };
    serde_json::to_string(&j)
        .unwrap_or_else(|e| format!("{{\"file\":{:?},\"error\":{:?}}}", r.file, e.to_string()))
}

//! Warning lines for what the analysis bounded: sessions summarised or dropped, connections
//! evicted, timeline events, reassembly buffers and IP fragments capped. One line per kind, with
//! the count (and the first frame where known), never one per packet.

use crate::flow::reassembly::{MAX_BUFFERED_BYTES, MAX_BUFFERED_SEGMENTS};
use crate::pipeline::Skipped;
use crate::timeline::store::MAX_SESSIONS;
use crate::timeline::{MAX_BULK_EVENTS, MAX_EVENTS};

/// Append the lines for `skipped.limits` and fragment eviction to `out`; returns how many items
/// (sessions, events, holes, segments, connections, fragments) they account for.
pub fn warnings(file: &str, skipped: &Skipped, out: &mut Vec<String>) -> u64 {
    let l = &skipped.limits;
    let mut items = 0;
    if l.attempts_summarised > 0 {
        items += l.attempts_summarised;
        out.push(format!(
            "{file}: {}{} connection attempts without payload (a SYN flood or a scan?) counted but not reported one by one: more than {MAX_SESSIONS} sessions",
            first(l.first_summarised),
            l.attempts_summarised
        ));
    }
    if l.sessions_dropped > 0 {
        items += l.sessions_dropped;
        out.push(format!(
            "{file}: {}{} sessions with payload not reported: more than {MAX_SESSIONS} sessions",
            first(l.first_dropped),
            l.sessions_dropped
        ));
    }
    if l.sessions_unordered > 0 {
        items += l.sessions_unordered;
        let waiting = match (l.waiting_bound, l.waiting_whole_bound) {
            (0, flows) => format!("{flows} UDP flows"),
            (all, 0) => all.to_string(),
            (all, flows) => format!("{all} sessions, or {flows} UDP flows,"),
        };
        out.push(format!(
            "{file}: {}{} sessions written before an earlier session that was still open: more than {waiting} were waiting for it (from there on sessions are numbered in the order written, not by first frame)",
            first(l.first_unordered),
            l.sessions_unordered,
        ));
    }
    if l.events_dropped > 0 {
        items += l.events_dropped;
        out.push(format!(
            "{file}: timeline: {} not kept in {} (at most {MAX_EVENTS} per session, {MAX_BULK_EVENTS} of them data and TCP notes)",
            count(l.events_dropped, "event"),
            count(l.sessions_capped, "session")
        ));
    }
    if l.reassembly_overflows > 0 {
        items += l.reassembly_overflows;
        out.push(format!(
            "{file}: TCP: {} given up because an out-of-order buffer was full ({MAX_BUFFERED_SEGMENTS} segments or {} KiB per direction)",
            count(l.reassembly_overflows, "hole"),
            MAX_BUFFERED_BYTES / 1024
        ));
    }
    if l.segments_dropped > 0 {
        items += l.segments_dropped;
        out.push(format!(
            "{file}: TCP: {} segments not reassembled (more than 1 GiB ahead of the stream, or after its end)",
            l.segments_dropped
        ));
    }
    if l.inconsistent_bytes > 0 {
        items += l.inconsistent_sessions;
        out.push(format!(
            "{file}: TCP: {} of retransmissions differed from the first copy in {} (the first copy was analysed)",
            count(l.inconsistent_bytes, "byte"),
            count(l.inconsistent_sessions, "connection")
        ));
    }
    if skipped.frags_evicted > 0 {
        items += skipped.frags_evicted;
        out.push(format!(
            "{file}: IP: {} fragmented datagrams never completed or dropped by the fragment bounds",
            skipped.frags_evicted
        ));
    }
    items
}

/// `1 event`, `2 events`.
fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("{n} {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn first(frame: Option<u64>) -> String {
    frame.map(|f| format!("frame {f}: ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_written_early_name_the_bound_that_was_reached() {
        let line = |all: u64, flows: u64| {
            let mut skipped = Skipped::default();
            let l = &mut skipped.limits;
            l.sessions_unordered = 5;
            l.first_unordered = Some(7);
            l.waiting_bound = all;
            l.waiting_whole_bound = flows;
            let mut out = Vec::new();
            assert_eq!(warnings("f.pcap", &skipped, &mut out), 5);
            out.concat()
        };
        let tail = "were waiting for it (from there on sessions are numbered in the order written, \
                    not by first frame)";
        let head = "f.pcap: frame 7: 5 sessions written before an earlier session that was still \
                    open: more than";
        assert_eq!(line(32_768, 0), format!("{head} 32768 {tail}"));
        assert_eq!(line(0, 4_096), format!("{head} 4096 UDP flows {tail}"));
        assert_eq!(
            line(32_768, 4_096),
            format!("{head} 32768 sessions, or 4096 UDP flows, {tail}")
        );
    }
}

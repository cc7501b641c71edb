//! The JSON report written while the capture is read: sessions leave the analysis in order
//! ([`crate::pipeline::order`]) and go straight out, so memory does not grow with the file.
//! The bytes are exactly those of [`super::json::file_line`] over the in-memory analysis.
//!
//! A session that must wait for an earlier, still open one waits as its serialised JSON in a
//! [`Spool`]: memory up to [`super::spool::IN_MEMORY`], then an unlinked temporary file, its
//! space reused as sessions leave.

use super::SessionNotes;
use super::json;
use super::spool::{Spool, Ticket};
use crate::capture::ReadSummary;
use crate::diagnose;
use crate::pipeline::Skipped;
use crate::pipeline::order::Emit;
use crate::timeline::store::{Limits, MAX_SESSIONS};
use crate::timeline::{Damage, Session};
use std::io::{self, Write};

/// Sessions that may wait (as their JSON in the spool, and an index entry of a few hundred bytes
/// in memory each) for an earlier one still open: see [`Emit::max_waiting`].
pub const MAX_WAITING: usize = 32_768;

/// The serialised session objects start with this placeholder id (`id` is the first field).
const UNNUMBERED: &[u8] = b"{\"id\":0,";

/// A session waiting for its turn: where its JSON is, and what its turn adds to the warnings.
pub struct Held {
    /// Its JSON in the spool; `None` if spooling failed (the error is kept).
    ticket: Option<Ticket>,
    damage: Vec<Damage>,
    rsa_mismatch: bool,
    payload: bool,
    first_frame: u64,
}

/// One file's JSON line, written as its sessions come.
pub struct JsonStream<W: Write + Send> {
    file: String,
    out: W,
    started: bool,
    written: u64,
    notes: SessionNotes,
    limits: Limits,
    spool: Spool,
    scratch: Vec<u8>,
    /// The numbered session object being written.
    line: Vec<u8>,
    error: Option<io::Error>,
}

impl<W: Write + Send> JsonStream<W> {
    /// The line of `file` (as shown), written to `out`.
    pub fn new(file: String, out: W) -> Self {
        JsonStream {
            file,
            out,
            started: false,
            written: 0,
            notes: SessionNotes::default(),
            limits: Limits::default(),
            spool: Spool::default(),
            scratch: Vec::new(),
            line: Vec::new(),
            error: None,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let r = if self.started {
            self.out.write_all(b",")
        } else {
            self.started = true;
            self.out.write_all(json::file_header(&self.file).as_bytes())
        }
        .and_then(|_| self.out.write_all(bytes));
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    /// Write one numbered session, unless it is an attempt past [`MAX_SESSIONS`] (counted).
    fn session(&mut self, id: u64, unnumbered: &[u8], payload: bool, first_frame: u64) {
        if !self.listed(payload) {
            self.limits.attempts_summarised += 1;
            let f = self.limits.first_summarised.get_or_insert(first_frame);
            *f = (*f).min(first_frame);
            return;
        }
        self.written += 1;
        let rest = unnumbered.strip_prefix(UNNUMBERED).unwrap_or(unnumbered);
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        // Writing to a Vec cannot fail.
        let _ = write!(line, "{{\"id\":{id},");
        line.extend_from_slice(rest);
        self.put(&line);
        self.line = line;
    }

    /// Whether a session with(out) payload written now or later is listed: past
    /// [`MAX_SESSIONS`] written, attempts without payload are only counted. What is written only
    /// grows, so an attempt not listed now never is (its JSON need not be made).
    fn listed(&self, payload: bool) -> bool {
        payload || self.written < MAX_SESSIONS as u64
    }

    /// End the line: the counts and warnings of the file. Returns the warnings (for stderr),
    /// how many problems they stand for, and the first write error if writing failed.
    pub fn finish(
        &mut self,
        read: &ReadSummary,
        skipped: &Skipped,
    ) -> (Vec<String>, u64, Option<io::Error>) {
        let mut skipped = skipped.clone();
        skipped.limits.merge(&self.limits);
        let (warnings, problems) = super::file_warnings(&self.file, read, &skipped, &self.notes);
        if !self.started {
            self.started = true;
            let header = json::file_header(&self.file);
            if let Err(e) = self.out.write_all(header.as_bytes()) {
                self.error.get_or_insert(e);
            }
        }
        let tail = json::file_trailer(read.format, read.frames, &warnings);
        if self.error.is_none() {
            if let Err(e) = writeln!(self.out, "{tail}").and_then(|_| self.out.flush()) {
                self.error = Some(e);
            }
        }
        (warnings, problems, self.error.take())
    }

    /// The writer, once finished.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The session's object with the placeholder id ([`UNNUMBERED`]).
    fn serialise(&mut self, s: &mut Session) -> Vec<u8> {
        s.id = 0;
        let s = &*s;
        let computed;
        let v = match s.verdict.as_deref() {
            Some(v) => v,
            None => {
                computed = diagnose::diagnose(s);
                &computed
            }
        };
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        if let Err(e) = json::write_session(&mut buf, s, v) {
            buf = format!("{{\"id\":0,\"error\":{:?}}}", e.to_string()).into_bytes();
        }
        buf
    }
}

impl<W: Write + Send> Emit for JsonStream<W> {
    type Held = Held;

    fn hold(&mut self, mut s: Session) -> Held {
        let payload = s.has_payload();
        let mut ticket = None;
        if self.listed(payload) {
            let bytes = self.serialise(&mut s);
            ticket = self
                .spool
                .put(&bytes)
                .map_err(|e| self.error.get_or_insert(e))
                .ok();
            self.scratch = bytes;
        }
        Held {
            ticket,
            damage: Damage::of(&s),
            rsa_mismatch: s.rsa_key_mismatch,
            payload,
            first_frame: s.first_frame,
        }
    }

    fn emit_held(&mut self, id: u64, h: Held) {
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        if let Some(t) = h.ticket {
            if let Err(e) = self.spool.take(t, &mut bytes) {
                self.error.get_or_insert(e);
            }
        }
        self.notes.add_parts(id, &h.damage, h.rsa_mismatch);
        self.session(id, &bytes, h.payload, h.first_frame);
        self.scratch = bytes;
    }

    fn emit_now(&mut self, id: u64, mut s: Session) {
        s.id = id;
        self.emit(s);
    }

    fn emit(&mut self, mut s: Session) {
        let id = s.id;
        self.notes.add(&s);
        let payload = s.has_payload();
        if !self.listed(payload) {
            self.session(id, &[], payload, s.first_frame);
            return;
        }
        let bytes = self.serialise(&mut s);
        self.session(id, &bytes, payload, s.first_frame);
        self.scratch = bytes;
    }

    fn peek(&self, _held: &Held) -> Option<std::sync::Arc<Session>> {
        None
    }

    fn take(&mut self) -> (Vec<std::sync::Arc<Session>>, Limits) {
        (Vec::new(), Limits::default())
    }

    fn emitted(&self) -> Vec<std::sync::Arc<Session>> {
        Vec::new()
    }

    fn limits(&mut self) -> &mut Limits {
        &mut self.limits
    }

    fn max_waiting(&self) -> usize {
        MAX_WAITING
    }
}

/// A file's JSON line written: its warnings (for stderr), how many problems they stand for,
/// and the writer.
pub struct Written<W> {
    /// Warning lines, one per kind.
    pub warnings: Vec<String>,
    /// Damaged, skipped or capped items in all.
    pub problems: u64,
    /// The writer the line went to.
    pub out: W,
    /// Writing failed (e.g. the reader of a pipe went away): the line is incomplete.
    pub write_error: Option<io::Error>,
}

/// Analyse `path` with `threads` workers and write its JSON line to `out` while reading it
/// (`options.compact` is forced on: the report needs no timelines).
pub fn analyse_to_json<W: Write + Send + 'static>(
    path: &std::path::Path,
    mut options: crate::pipeline::Options,
    progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    threads: usize,
    out: W,
) -> Result<Written<W>, crate::capture::OpenError> {
    use crate::pipeline::order::{Ordered, Sessions};
    use std::sync::{Arc, Mutex, PoisonError};
    options.compact = true;
    let ordered = Arc::new(Mutex::new(Ordered::new(
        JsonStream::new(path.display().to_string(), out),
        true,
    )));
    let shared: crate::pipeline::Output = ordered.clone();
    let (read, mut analysis) =
        crate::pipeline::analyze_file_into(path, options, progress, threads, shared)?;
    let ordered = match Arc::try_unwrap(ordered) {
        Ok(m) => m.into_inner().unwrap_or_else(PoisonError::into_inner),
        // Every analyzer is gone by now; nothing else holds the output.
        Err(_) => {
            return Err(crate::capture::OpenError::Io(io::Error::other(
                "the JSON output is still in use",
            )));
        }
    };
    let mut ordered = ordered;
    let (_, kept) = ordered.take();
    analysis.skipped.limits.merge(&kept);
    let mut stream = ordered.into_emitter();
    let (warnings, problems, write_error) = stream.finish(&read, &analysis.skipped);
    Ok(Written {
        warnings,
        problems,
        out: stream.into_inner(),
        write_error,
    })
}

//! `rdpscope live`: capture on an interface and diagnose RDP sessions as they happen.
//!
//! On a terminal, the TUI updated as packets arrive. With `--json`, or when standard output is
//! not a terminal, one SESSION object per line (CONTRACT.md) as each session ends, and the
//! sessions still open when capture stops (SIGINT/SIGTERM) with `"in_progress": true`.
//! `-w FILE` also writes every captured packet to a pcapng, atomically (renamed at the end).

use crate::capture::live::{LiveCapture, LiveError};
use crate::capture::writer::AtomicPcapNg;
use crate::diagnose;
use crate::pipeline::{Analyzer, Options};
use crate::report::json;
use crate::timeline::Session;
use crate::tui::app::SessionKey;
use crate::tui::{self, App, Feed, Update};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The options of `rdpscope live`.
#[derive(Debug, Clone)]
pub struct LiveArgs {
    /// Interface name (`any` for all).
    pub interface: String,
    /// BPF capture filter.
    pub filter: String,
    /// Also write the packets here (pcapng).
    pub write: Option<PathBuf>,
    /// JSON lines instead of the UI.
    pub json: bool,
}

/// How often sessions are re-examined (JSON: ended sessions printed; UI: a snapshot sent).
const TICK: Duration = Duration::from_millis(250);

/// Capture, analysis and the optional pcapng output, driven in ticks.
struct Engine {
    cap: LiveCapture,
    analyzer: Analyzer,
    out: Option<AtomicPcapNg>,
    write_error: Option<String>,
}

impl Engine {
    /// Read packets for one tick (or until `stop`).
    fn tick(&mut self, stop: &AtomicBool) -> Result<(), LiveError> {
        let start = Instant::now();
        let Engine {
            cap,
            analyzer,
            out,
            write_error,
        } = self;
        while start.elapsed() < TICK && !stop.load(Ordering::Relaxed) {
            cap.next(&mut |f| {
                analyzer.frame(f);
                if let Some(w) = out.as_mut() {
                    if let Err(e) = w.write_frame(f) {
                        *write_error = Some(e.to_string());
                        *out = None;
                    }
                }
            })?;
        }
        Ok(())
    }

    /// Finish the pcapng file; an error message if it could not be written.
    fn close(self, path: Option<&PathBuf>) -> Option<String> {
        let name = path.map(|p| p.display().to_string()).unwrap_or_default();
        if let Some(e) = self.write_error {
            return Some(format!("{name}: {e}"));
        }
        match self.out.map(AtomicPcapNg::commit) {
            Some(Err(e)) => Some(format!("{name}: {e}")),
            _ => None,
        }
    }
}

/// Run `rdpscope live`. Exit status 3 when capture cannot start.
pub fn run(args: &LiveArgs) -> ExitCode {
    let cap = match LiveCapture::open(&args.interface, &args.filter) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rdpscope: {e}");
            return ExitCode::from(3);
        }
    };
    // The device is open: the rest (parsing untrusted traffic, writing -w) runs as the user.
    if let Some(note) = crate::capture::privilege::drop_to_invoking_user() {
        eprintln!("rdpscope: {note}");
    }
    let out = match &args.write {
        Some(p) => match AtomicPcapNg::create(p) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("rdpscope: {}: {e}", p.display());
                return ExitCode::from(3);
            }
        },
        None => None,
    };
    let engine = Engine {
        cap,
        analyzer: Analyzer::new(Options::default()),
        out,
        write_error: None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, stop.clone()) {
            eprintln!("rdpscope: cannot handle signal {sig}: {e}");
        }
    }
    if args.json || !std::io::stdout().is_terminal() {
        run_json(engine, args, &stop)
    } else {
        run_tui(engine, args, stop)
    }
}

/// Print one session as a JSON line, numbered `id`: live sessions are numbered in the order
/// they are printed (a session still waiting in the analysis has no final number yet).
fn emit(out: &mut impl Write, s: &Session, id: usize, in_progress: bool) -> bool {
    let mut v = diagnose::diagnose(s);
    v.in_progress = in_progress && s.open_at_end;
    let mut s = s.clone();
    s.id = id as u64;
    writeln!(out, "{}", json::session_line(&s, &v))
        .and_then(|_| out.flush())
        .is_ok()
}

fn run_json(mut engine: Engine, args: &LiveArgs, stop: &AtomicBool) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut printed: HashSet<SessionKey> = HashSet::new();
    eprintln!(
        "rdpscope: capturing on {} ({}); Ctrl-C stops",
        args.interface, args.filter
    );
    let mut status = ExitCode::SUCCESS;
    while !stop.load(Ordering::Relaxed) {
        if let Err(e) = engine.tick(stop) {
            eprintln!("rdpscope: {e}");
            status = ExitCode::from(3);
            break;
        }
        for s in engine.analyzer.snapshot() {
            if !s.open_at_end
                && printed.insert(SessionKey::of(&s))
                && !emit(&mut out, &s, printed.len(), false)
            {
                // stdout closed (the reader went away): stop like on SIGPIPE.
                stop.store(true, Ordering::Relaxed);
            }
        }
    }
    for s in engine.analyzer.snapshot() {
        if printed.insert(SessionKey::of(&s)) {
            emit(&mut out, &s, printed.len(), true);
        }
    }
    let frames = engine.cap.frames();
    if let Some(e) = engine.close(args.write.as_ref()) {
        eprintln!("rdpscope: {e}");
        status = ExitCode::from(3);
    }
    eprintln!(
        "rdpscope: {frames} packets captured, {} sessions",
        printed.len()
    );
    status
}

fn run_tui(mut engine: Engine, args: &LiveArgs, stop: Arc<AtomicBool>) -> ExitCode {
    let (feed, tx) = Feed::channel();
    let worker_stop = stop.clone();
    let path = args.write.clone();
    // Set once the -w file is committed: a hangup of the terminal waits for it.
    let saved = Arc::new(AtomicBool::new(false));
    let worker_saved = saved.clone();
    let worker = std::thread::spawn(move || {
        while !worker_stop.load(Ordering::Relaxed) {
            if let Err(e) = engine.tick(&worker_stop) {
                let _ = tx.send(Update::Failed(e.to_string()));
                break;
            }
            let update = Update::Live {
                frames: engine.cap.frames(),
                sessions: engine.analyzer.snapshot(),
            };
            if tx.send(update).is_err() {
                break;
            }
        }
        let closed = engine.close(path.as_ref());
        worker_saved.store(true, Ordering::Relaxed);
        closed
    });
    let app = App::new(format!("live: {} ({})", args.interface, args.filter), true);
    let on_hangup = tui::OnHangup::ExitWhenSet(saved);
    let ui = tui::run(app, feed, tui::Source::Live, stop.clone(), on_hangup);
    stop.store(true, Ordering::Relaxed);
    let closed = worker.join();
    let mut status = ExitCode::SUCCESS;
    if let Err(e) = ui {
        eprintln!("rdpscope: terminal UI: {e}");
        status = ExitCode::from(2);
    }
    match closed {
        Ok(Some(e)) => {
            eprintln!("rdpscope: {e}");
            status = ExitCode::from(3);
        }
        Ok(None) => {
            if let Some(p) = &args.write {
                eprintln!("rdpscope: packets written to {}", p.display());
            }
        }
        Err(_) => eprintln!("rdpscope: the capture thread failed"),
    }
    status
}

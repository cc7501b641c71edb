//! The terminal UI (`rdpscope tui FILE`, and `rdpscope live` on a terminal): sessions, a ladder
//! diagram of the selected session's timeline down to the drop point, the decoded event and the
//! verdict, and a throughput chart.
//!
//! * [`app`]: the state and what each key does (no I/O, no drawing).
//! * [`feed`]: background reading/analysis threads and their updates.
//! * [`ui`] and the panes ([`sessions`], [`ladder`], [`detail`], [`chart`], [`help`]): drawing.
//! * [`export`]: `e`, the selected session's packets to a pcapng.
//!
//! The terminal is restored on every exit path: normal return, errors (a guard's `Drop`),
//! panics (a panic hook), SIGTERM (a flag checked by the loop); SIGHUP ends the process (the
//! terminal is gone), once what the caller must save is saved ([`OnHangup`]). An export still
//! running ([`Exports`]) is waited for after the terminal is restored, or for up to
//! [`HANGUP_GRACE`] on a hangup.

pub mod app;
pub mod chart;
pub mod detail;
mod detail_proto;
pub mod export;
pub mod feed;
pub mod help;
pub mod ladder;
pub mod sessions;
pub mod theme;
pub mod ui;

pub use app::App;
pub use detail::event_detail;
pub use feed::{Feed, Update};

use app::Action;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, IsTerminal, Stdout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Put the terminal back: leave the alternate screen, stop mouse capture, cooked mode, cursor on.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal when dropped (early returns, errors).
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn setup() -> io::Result<(Terminal<CrosstermBackend<Stdout>>, Guard)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode()?;
    let guard = Guard;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((terminal, guard))
}

/// What the UI is showing, for `e`.
#[derive(Debug, Clone)]
pub enum Source {
    /// A capture file, re-read on export.
    File(PathBuf),
    /// A live capture (nothing to re-read).
    Live,
}

/// What ending on a hangup (SIGHUP: the terminal is gone) waits for, besides exports still
/// running ([`Exports`]).
#[derive(Debug, Clone)]
pub enum OnHangup {
    /// Nothing else to save.
    Exit,
    /// `stop` is set; end once this flag is set too (a live capture's `-w` file committed), or
    /// after [`HANGUP_GRACE`] at most.
    ExitWhenSet(Arc<AtomicBool>),
}

/// Exports (`e`) running in the background. Each writes its file whole or not at all
/// ([`crate::capture::writer::AtomicPcapNg`]): ending the process under one loses it (and
/// leaves its temporary file), so quitting waits for them and a hangup waits up to
/// [`HANGUP_GRACE`].
#[derive(Debug, Clone, Default)]
struct Exports(Arc<AtomicUsize>);

/// One running export; dropping it (at the end of the export thread, or on its panic) counts
/// it done.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Exports {
    fn start(&self) -> Running {
        self.0.fetch_add(1, Ordering::SeqCst);
        Running(Arc::clone(&self.0))
    }

    fn running(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Wait until none runs, or until `deadline`.
    fn wait(&self, deadline: Option<Instant>) {
        while self.running() > 0 && deadline.is_none_or(|d| Instant::now() < d) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The longest a hangup waits for [`OnHangup::ExitWhenSet`] and running exports.
pub const HANGUP_GRACE: Duration = Duration::from_secs(5);

/// Run the UI until the user quits (or `stop` is set by a signal). Returns when the terminal
/// has been restored.
pub fn run(
    mut app: App,
    feed: Feed,
    source: Source,
    stop: Arc<AtomicBool>,
    on_hangup: OnHangup,
) -> io::Result<()> {
    if !io::stdout().is_terminal() {
        return Err(io::Error::other("standard output is not a terminal"));
    }
    let (mut terminal, guard) = setup()?;
    // SIGTERM: leave the loop and restore the terminal; a second one ends the process at once.
    let term = signal_hook::consts::SIGTERM;
    let _ = signal_hook::flag::register_conditional_shutdown(term, 128 + term, stop.clone());
    let _ = signal_hook::flag::register(term, stop.clone());
    let exports = Exports::default();
    let hangup = watch_hangup(stop.clone(), on_hangup, exports.clone())?;
    let result = ui_loop(&mut terminal, &mut app, &feed, &source, &stop, &exports);
    hangup.close();
    drop(terminal);
    drop(guard);
    if exports.running() > 0 {
        eprintln!("rdpscope: finishing the export…");
        exports.wait(None);
    }
    result
}

/// On SIGHUP the terminal is gone: there is nothing to restore, and crossterm's reader spins on
/// the dead tty (its read loop never ends on EOF or EIO, so the UI loop never gets to look at a
/// flag). A thread waiting for the signal sets `stop`, waits for what `then` says and for the
/// running exports (at most [`HANGUP_GRACE`] in all), and ends the process with SIGHUP's
/// status (129). Closing the returned handle ends that thread.
fn watch_hangup(
    stop: Arc<AtomicBool>,
    then: OnHangup,
    exports: Exports,
) -> io::Result<signal_hook::iterator::Handle> {
    let hup = signal_hook::consts::SIGHUP;
    let mut signals = signal_hook::iterator::Signals::new([hup])?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        if signals.forever().next().is_none() {
            return;
        }
        stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + HANGUP_GRACE;
        if let OnHangup::ExitWhenSet(saved) = then {
            while !saved.load(Ordering::Relaxed) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        exports.wait(Some(deadline));
        // `_exit`: other threads may hold locks (the UI thread spins inside crossterm), and
        // everything to keep is already written.
        signal_hook::low_level::exit(128 + hup);
    });
    Ok(handle)
}

fn ui_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    feed: &Feed,
    source: &Source,
    stop: &AtomicBool,
    exports: &Exports,
) -> io::Result<()> {
    let mut dirty = true;
    let mut drawn = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match feed.drain(app) {
            feed::Drained::Content => dirty = true,
            // The progress bar alone is redrawn at most every `WHILE_IDLE`: each draw costs the
            // terminal too, on the cores that read the file.
            feed::Drained::Progress => dirty |= drawn.elapsed() >= WHILE_IDLE,
            feed::Drained::Nothing => {}
        }
        if dirty {
            terminal.draw(|f| ui::draw(f, app))?;
            drawn = Instant::now();
            dirty = false;
        }
        if !event::poll(wait_for_input(app))? {
            continue;
        }
        dirty = true;
        match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release => match app.on_key(k) {
                Action::Quit => break,
                Action::Export => start_export(app, feed, source, exports),
                Action::None => {}
            },
            Event::Mouse(m) => app.on_mouse(m),
            _ => {}
        }
    }
    Ok(())
}

/// How long the event loop waits for a key before looking at the feed again: a file still being
/// read is looked at every [`WHILE_READING`], so that its first sessions and its end show as they
/// arrive (a snapshot or the final sessions wait at most that long), otherwise every
/// [`WHILE_IDLE`] (live snapshots come every 250 ms or slower; keys wake the loop at once). The
/// progress bar is redrawn at most every [`WHILE_IDLE`].
fn wait_for_input(app: &App) -> Duration {
    match app.progress {
        app::Progress::Starting | app::Progress::Reading { .. } => WHILE_READING,
        _ => WHILE_IDLE,
    }
}

/// See [`wait_for_input`].
pub const WHILE_READING: Duration = Duration::from_millis(20);
/// See [`wait_for_input`].
pub const WHILE_IDLE: Duration = Duration::from_millis(100);

fn start_export(app: &mut App, feed: &Feed, source: &Source, exports: &Exports) {
    let Some(row) = app.selected() else {
        app.status = Some("no session selected".into());
        return;
    };
    let Source::File(src) = source else {
        app.status = Some(
            "export works on capture files: run live with -w FILE, then rdpscope tui FILE".into(),
        );
        return;
    };
    let session = row.session.clone();
    let out = export::default_name(src, &session);
    app.status = Some(format!(
        "exporting session {} to {}…",
        session.id,
        out.display()
    ));
    let tx = feed.tx.clone();
    let src = src.clone();
    let running = exports.start();
    std::thread::spawn(move || {
        let _running = running;
        let msg = match export::session(&src, &session, &out) {
            Ok(n) => format!(
                "exported session {}: {n} packets to {}",
                session.id,
                std::fs::canonicalize(&out).unwrap_or(out).display()
            ),
            Err(e) => format!("export failed: {e}"),
        };
        let _ = tx.send(Update::Status(msg));
    });
}

/// `rdpscope tui FILE`: open the UI at once and analyse the file in the background (TLS
/// decrypted with the capture's own pcapng secrets, if any).
pub fn run_file(path: &Path) -> ExitCode {
    run_file_with_keys(path, None)
}

/// `rdpscope tui [--keylog FILE] [--rsa-key FILE] FILE`: as [`run_file`], decrypting TLS with
/// `keylog` (which may carry an RSA key) merged with the capture's own secrets.
pub fn run_file_with_keys(path: &Path, keylog: Option<&crate::proto::keylog::KeyLog>) -> ExitCode {
    // Fail fast, before the screen switches, on a file that cannot be a capture at all.
    if let Err(e) = looks_like_capture(path) {
        eprintln!("rdpscope: {}: {e}", path.display());
        return ExitCode::from(3);
    }
    let title = path.display().to_string();
    let feed = Feed::file_with_keys(path.to_path_buf(), crate::pipeline::keys_for(path, keylog));
    let app = App::new(title, false);
    match run(
        app,
        feed,
        Source::File(path.to_path_buf()),
        Arc::new(AtomicBool::new(false)),
        OnHangup::Exit,
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rdpscope: terminal UI: {e}");
            ExitCode::from(2)
        }
    }
}

/// Whether a file starts with a pcap, pcapng or gzip magic number (the reader decides the rest).
fn looks_like_capture(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map_err(|e| e.to_string())?;
    match magic {
        [0xa1, 0xb2, 0xc3, 0xd4]
        | [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0x0a, 0x0d, 0x0d, 0x0a]
        | [0x1f, 0x8b, _, _] => Ok(()),
        m => Err(format!(
            "not a pcap or pcapng capture (magic {:02x}{:02x}{:02x}{:02x})",
            m[0], m[1], m[2], m[3]
        )),
    }
}

//! Where the sessions come from: a background thread that reads and analyses the input and
//! sends snapshots, so the UI never waits on the analysis. A file is analysed on all cores
//! (as `report` does; `RDPSCOPE_THREADS=1` for one), the snapshots joining the finished
//! sessions to those the analyzers last published as open ([`crate::pipeline::watch`]).

use super::app::{App, Progress};
use crate::capture;
use crate::pipeline::watch::{Watch, pace};
use crate::pipeline::{Analyzer, Options};
use crate::proto::keylog::KeyLog;
use crate::timeline::Session;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

/// How often a reading thread sends a snapshot of the sessions found so far.
pub const SNAPSHOT_EVERY: Duration = Duration::from_millis(250);

/// When the first snapshot is sent: soon, so that a big file's first sessions are on screen
/// while it is read (a snapshot this early copies few sessions).
pub const FIRST_SNAPSHOT: Duration = Duration::from_millis(40);

/// A message from a background thread to the UI.
#[derive(Debug)]
pub enum Update {
    /// The sessions so far (open ones are still running), shared with the analysis.
    Snapshot(Vec<Arc<Session>>),
    /// The file was read to the end: the final sessions.
    Finished {
        /// Every session, ids final (those already sent in snapshots are the same, shared).
        sessions: Vec<Arc<Session>>,
        /// Frames in the file.
        frames: u64,
        /// Reader warnings (damage), one line each.
        warnings: Vec<String>,
    },
    /// Live capture: packets so far and the sessions.
    Live {
        /// Frames captured.
        frames: u64,
        /// The sessions (finished and in progress).
        sessions: Vec<Arc<Session>>,
    },
    /// Reading stopped with an error.
    Failed(String),
    /// A message for the status line (export result).
    Status(String),
}

/// The receiving end, plus the progress counter of a file being read.
pub struct Feed {
    /// Updates from the background thread.
    pub rx: Receiver<Update>,
    /// Sender for helper threads (export) that report back.
    pub tx: Sender<Update>,
    /// Bytes read so far and the file size.
    pub progress: Option<(Arc<AtomicU64>, u64)>,
}

impl Feed {
    /// A feed fed by the caller (live capture).
    pub fn channel() -> (Feed, Sender<Update>) {
        let (tx, rx) = mpsc::channel();
        (
            Feed {
                rx,
                tx: tx.clone(),
                progress: None,
            },
            tx,
        )
    }

    /// Start reading and analysing `path` on a background thread, decrypting TLS with the
    /// capture's own pcapng Decryption Secrets Blocks if it has any.
    pub fn file(path: PathBuf) -> Feed {
        let keys = crate::pipeline::keys_for(&path, None);
        Self::file_with_keys(path, keys)
    }

    /// Start reading and analysing `path` on a background thread, decrypting TLS with `keys`
    /// (see [`crate::pipeline::keys_for`]: a key log, an RSA key and the capture's secrets).
    pub fn file_with_keys(path: PathBuf, keys: Option<Arc<KeyLog>>) -> Feed {
        Self::file_on(path, keys, crate::pipeline::threads_from_env())
    }

    /// [`Feed::file_with_keys`] on `threads` analyzers.
    pub fn file_on(path: PathBuf, keys: Option<Arc<KeyLog>>, threads: usize) -> Feed {
        let (tx, rx) = mpsc::channel();
        let total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let counter = Arc::new(AtomicU64::new(0));
        let progress = Some((counter.clone(), total));
        let out = tx.clone();
        if threads > 1 {
            std::thread::spawn(move || {
                let msg = analyse_parallel(&path, keys, counter, threads, &out);
                let _ = out.send(msg);
            });
            return Feed { rx, tx, progress };
        }
        std::thread::spawn(move || {
            let mut analyzer = Analyzer::new(Options {
                keys,
                ..Options::default()
            });
            let mut last = Instant::now();
            let mut every = FIRST_SNAPSHOT;
            let res = capture::read_file(&path, Some(counter), &mut |f| {
                analyzer.frame(f);
                if f.number % 1024 == 0 && last.elapsed() >= every {
                    let t = Instant::now();
                    let _ = out.send(Update::Snapshot(analyzer.snapshot()));
                    // A snapshot copies every session so far: on a big capture keep that under a
                    // tenth of the reading time.
                    every = pace(SNAPSHOT_EVERY, t.elapsed());
                    last = Instant::now();
                }
            });
            let msg = match res {
                Ok(summary) => {
                    let sessions = analyzer.finish().sessions.into_iter().map(Arc::new);
                    finished(summary, sessions.collect())
                }
                Err(e) => Update::Failed(e.to_string()),
            };
            let _ = out.send(msg);
        });
        Feed { rx, tx, progress }
    }

    /// Apply everything that arrived to the app, and say what changed.
    pub fn drain(&self, app: &mut App) -> Drained {
        let mut changed = false;
        let mut read_on = false;
        if let Some((counter, total)) = &self.progress {
            if matches!(app.progress, Progress::Starting | Progress::Reading { .. }) {
                let p = Progress::Reading {
                    done: counter.load(Ordering::Relaxed),
                    total: *total,
                };
                read_on = p != app.progress;
                app.progress = p;
            }
        }
        // Only the newest snapshot matters; older ones are skipped.
        let mut newest: Option<(Vec<Arc<Session>>, bool)> = None;
        while let Ok(u) = self.rx.try_recv() {
            changed = true;
            match u {
                Update::Snapshot(s) => newest = Some((s, true)),
                Update::Finished {
                    sessions,
                    frames,
                    warnings,
                } => {
                    newest = Some((sessions, false));
                    app.progress = Progress::Done { frames };
                    if let Some(w) = warnings.first() {
                        app.status = Some(format!("warning: {w}"));
                    }
                }
                Update::Live { frames, sessions } => {
                    app.progress = Progress::Live { frames };
                    newest = Some((sessions, true));
                }
                Update::Failed(why) => app.progress = Progress::Failed(why),
                Update::Status(msg) => app.status = Some(msg),
            }
        }
        if let Some((sessions, in_progress)) = newest {
            app.set_sessions(sessions, in_progress);
        }
        if changed {
            Drained::Content
        } else if read_on {
            Drained::Progress
        } else {
            Drained::Nothing
        }
    }
}

/// What [`Feed::drain`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Nothing arrived.
    Nothing,
    /// Only the share of the file read moved on.
    Progress,
    /// Sessions, the end of the file, a failure or a status message arrived.
    Content,
}

/// The last update of a file read to the end.
fn finished(summary: capture::ReadSummary, sessions: Vec<Arc<Session>>) -> Update {
    let mut warnings = summary.warnings;
    warnings.extend(sessions.iter().filter(|s| s.rsa_key_mismatch).map(|s| {
        format!(
            "the RSA key does not match the server certificate of session {}",
            s.id
        )
    }));
    Update::Finished {
        sessions,
        frames: summary.frames,
        warnings,
    }
}

/// Analyse `path` on `threads` analyzers; meanwhile a thread sends snapshots: the finished
/// sessions of the shared output joined to the open ones the analyzers last published.
fn analyse_parallel(
    path: &std::path::Path,
    keys: Option<Arc<KeyLog>>,
    counter: Arc<AtomicU64>,
    threads: usize,
    out: &Sender<Update>,
) -> Update {
    let watch = Arc::new(Watch::default());
    let options = Options {
        keys,
        watch: Some(Arc::clone(&watch)),
        ..Options::default()
    };
    let shared = crate::pipeline::collecting(&options);
    let (stop, stopped) = mpsc::channel::<()>();
    let snapshots = {
        let (shared, out) = (Arc::clone(&shared), out.clone());
        std::thread::spawn(move || {
            let mut every = FIRST_SNAPSHOT;
            // Until the analysis ends (the sender is dropped).
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                let t = Instant::now();
                let finished = shared
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .snapshot();
                let _ = out.send(Update::Snapshot(watch.join(finished)));
                every = pace(SNAPSHOT_EVERY, t.elapsed());
            }
        })
    };
    let res = crate::pipeline::parallel::analyze_file_shared(
        path,
        options,
        Some(counter),
        threads,
        shared,
    );
    drop(stop);
    let _ = snapshots.join();
    match res {
        Ok((summary, _, sessions)) => finished(summary, sessions),
        Err(e) => Update::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event loop redraws at once for content and throttles a moving progress bar, so
    /// `drain` must tell the two apart, and say when nothing moved.
    #[test]
    fn drain_tells_progress_from_content() {
        let (mut feed, tx) = Feed::channel();
        let counter = Arc::new(AtomicU64::new(0));
        feed.progress = Some((Arc::clone(&counter), 1000));
        let mut app = App::new("t", false);
        assert_eq!(
            feed.drain(&mut app),
            Drained::Progress,
            "starting → reading 0 %"
        );
        assert_eq!(feed.drain(&mut app), Drained::Nothing);
        counter.store(500, Ordering::Relaxed);
        assert_eq!(feed.drain(&mut app), Drained::Progress);
        assert_eq!(
            app.progress,
            Progress::Reading {
                done: 500,
                total: 1000
            }
        );
        tx.send(Update::Snapshot(Vec::new())).unwrap();
        assert_eq!(feed.drain(&mut app), Drained::Content);
        counter.store(600, Ordering::Relaxed);
        tx.send(Update::Status("exported".into())).unwrap();
        assert_eq!(feed.drain(&mut app), Drained::Content, "content wins");
        tx.send(Update::Finished {
            sessions: Vec::new(),
            frames: 7,
            warnings: Vec::new(),
        })
        .unwrap();
        assert_eq!(feed.drain(&mut app), Drained::Content);
        counter.store(1000, Ordering::Relaxed);
        assert_eq!(
            feed.drain(&mut app),
            Drained::Nothing,
            "read to the end: the counter is no longer shown"
        );
        assert_eq!(app.progress, Progress::Done { frames: 7 });
    }
}

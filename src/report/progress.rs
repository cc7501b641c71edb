//! A progress line on stderr while long files are read (only on a terminal).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Inputs smaller than this in total finish too fast to need a progress line.
const MIN_BYTES: u64 = 32 << 20;

/// Bytes read so far, shared with the readers, and the thread that draws the line.
pub struct Progress {
    /// Bytes read, added to by every reader.
    pub bytes: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Start drawing when `enabled` (stderr is a terminal) and the inputs are large.
    pub fn start(total: u64, enabled: bool) -> Progress {
        let bytes = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = (enabled && total >= MIN_BYTES).then(|| {
            let (bytes, stop) = (bytes.clone(), stop.clone());
            std::thread::spawn(move || draw(total, &bytes, &stop))
        });
        Progress {
            bytes,
            stop,
            thread,
        }
    }

    /// Stop and erase the line.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn draw(total: u64, bytes: &AtomicU64, stop: &AtomicBool) {
    let start = Instant::now();
    let mut err = std::io::stderr();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
        let done = bytes.load(Ordering::Relaxed).min(total);
        let secs = start.elapsed().as_secs_f64().max(1e-3);
        let _ = write!(
            err,
            "\r\x1b[Krdpscope: {:>3}%  {} / {} MB  {:.0} MB/s",
            done * 100 / total.max(1),
            done >> 20,
            total >> 20,
            done as f64 / secs / 1e6
        );
        let _ = err.flush();
    }
    let _ = write!(err, "\r\x1b[K");
    let _ = err.flush();
}

//! Multi-core analysis of one capture: N flow-sharded analyzers; analyzers 1.. each on a
//! worker thread, analyzer 0 on whichever thread is free.
//!
//! ```text
//! reader (this thread): pcap → peek (shard.rs) ─┬─ batch[0] ─▶ floating queue ─▶ Analyzer 0
//!        ▲                                      │     (analysed by the reader when it cannot
//!        │                                      │      hand on, by a worker when it is idle)
//!        │                                      └─ batch[k] ─▶ worker k: Analyzer k ──┐
//!        └──────────────── emptied batches come back for reuse ◀─────────────────────┘
//! ```
//!
//! With as many threads as cores nothing is oversubscribed: the reading thread reads the file
//! and hands out frames, and analyses analyzer 0's batches ([`Floating`]) whenever the workers
//! are behind (it would otherwise wait for an emptied batch); a worker whose own queue is empty
//! analyses them too. Which side is slower differs with the capture (the read copy costs per
//! byte, analysis per frame) and from one part of a file to the next; analyzer 0's share of
//! the flows ([`FLOATING_SHARE`] to each worker's [`WORKER_SHARE`]) goes to whichever side has
//! time. Measured on 2 cores against analyzer 0 inline on the reading thread: 1 GB bench file
//! 0.41 → 0.32 s (median of 8 alternating rounds, 8/8 faster), with `--mss 536` 0.60 → 0.49 s
//! (7/8); with the lag bound ([`FLOATING_LAG`]) median ratios 0.88 and 0.90 (6 rounds each, 4/6).
//! Share 1:2 against 1:3 not consistently better (median ratio 0.86 on the default file, 1.02
//! with `--mss 536`); 1:1 and 2:1 slower (analyzer 0's state then moves between cores more
//! often).
//!
//! Every frame of a connection (both directions, its IP fragments, ICMP errors quoting it) goes
//! to the same analyzer, an ordinary [`Analyzer`]; the analyzers' results are merged in
//! frame order, so the output is the single-threaded one. The table's periodic sweep, which
//! depends on the global frame count, is replayed in every analyzer at the same frames.
//!
//! Frames of a plain pcap file travel as offsets into the reader's chunk of the file, which the
//! batch holds (shared, so not copied; the reader reuses a chunk once no batch holds it). Frames
//! from other readers (pcapng, gzip) are copied into the batch's own buffer. Batches are recycled
//! through a return channel, so steady state allocates nothing per packet.
//!
//! The result equals the single-threaded run's except where a per-analyzer bound is reached
//! (more than 8,192 connections open at once, or thousands of IP fragments pending): each
//! worker then applies its share of the bound to its own connections. An ICMP error carried in IP fragments is keyed
//! by its outer addresses, not by the packet it quotes.

use super::{Analysis, Analyzer, Options, Output, SWEEP_EVERY, Skipped};
use super::{shard, trim};
use crate::capture::{self, Chunk, Frame, InFile, LinkType, OpenError, ReadSummary, Reread};
use crate::types::{FrameNo, Timestamp};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

/// A batch is handed on once its bytes reach this.
const BATCH_BYTES: usize = 2 << 20;
/// A batch of copied frames (not from a shared chunk) is handed on once its bytes reach this: its
/// buffer is the batch's own, kept for reuse.
const COPIED_BATCH_BYTES: usize = 256 << 10;
/// Or once it holds this many frames (its frame table grows to fit, at most this: about
/// 0.5 MiB, for 2 MiB of minimum-size frames).
const BATCH_FRAMES: usize = 8_192;
/// Batches in flight per worker (one filling, one queued, one being analysed, one spare).
const BATCHES_PER_WORKER: usize = 4;
/// Analyzer 0's batches that may wait (beyond them the reading thread analyses some before
/// reading on).
const FLOATING_BATCHES: usize = 4;
/// Frames analyzer 0 may be behind the reading, at most: sessions the other analyzers finish
/// wait for its mark, and more than [`super::order`]'s bound may not wait (a SYN flood
/// finishes a session every frame). A worker is held back by its queue's length.
const FLOATING_LAG: u64 = 2 * BATCH_FRAMES as u64;
/// Analyzer 0's batch is handed on once it spans this many frames read (it takes a quarter of
/// them, or less).
const FLOATING_SPAN: u64 = BATCH_FRAMES as u64 / 2;
/// A worker's batch is handed on once it spans this many frames read, on two analyzers
/// ([`worker_span`] on more): the analyzers then stay within a few such spans of each other in
/// the file, and sessions finished by those ahead wait in [`super::order`] for the marks of the
/// one behind no longer than that (under a flood, a session finishes every frame).
const WORKER_SPAN: u64 = BATCH_FRAMES as u64;

/// [`WORKER_SPAN`] for `n` analyzers: `2 / n` of it (at least an eighth), so that on more
/// analyzers each waits as long in frames read, not longer: with more threads than cores, one
/// that is not running holds the others' finished sessions back for as many spans as it has
/// batches. A million RDP-UDP flows (`udpflood`) on 8 analyzers peaked at 68 MB with
/// [`WORKER_SPAN`], at 54 MB with this; on 4, 63 → 57 MB (with [`super::trim`]).
fn worker_span(n: usize) -> u64 {
    let n = (n as u64).max(2);
    (WORKER_SPAN * 2 / n).max(WORKER_SPAN / 8)
}

/// Most workers: beyond this the single reader is the bottleneck.
pub const MAX_THREADS: usize = 8;

/// The worker count: `RDPSCOPE_THREADS` when set (1 = the plain single-threaded path), else the
/// available cores, at most [`MAX_THREADS`].
pub fn threads_from_env() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    match std::env::var("RDPSCOPE_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        Some(n) => n.clamp(1, MAX_THREADS),
        None => cores.clamp(1, MAX_THREADS),
    }
}

/// Analyse a whole file with `threads` workers (1 or 0: on this thread), keeping the sessions
/// in memory. The result is the single-threaded one.
pub fn analyze_file_parallel(
    path: &Path,
    options: Options,
    progress: Option<Arc<AtomicU64>>,
    threads: usize,
) -> Result<(ReadSummary, Analysis), OpenError> {
    let out = super::collecting(&options);
    analyze_file_collected(path, options, progress, threads, out)
}

/// [`analyze_file_parallel`] into `out`, an output from [`super::collecting`] that the caller
/// may look at while the file is read (a frontend's snapshots).
pub fn analyze_file_collected(
    path: &Path,
    options: Options,
    progress: Option<Arc<AtomicU64>>,
    threads: usize,
    out: Output,
) -> Result<(ReadSummary, Analysis), OpenError> {
    let (read, mut analysis, sessions) =
        analyze_file_shared(path, options, progress, threads, out)?;
    analysis.sessions = sessions.into_iter().map(Arc::unwrap_or_clone).collect();
    Ok((read, analysis))
}

/// [`analyze_file_collected`] for a frontend that holds some of the sessions already (from
/// snapshots of `out` while the file was read): the sessions are returned shared, beside an
/// [`Analysis`] that holds none, so that none is copied.
pub fn analyze_file_shared(
    path: &Path,
    options: Options,
    progress: Option<Arc<AtomicU64>>,
    threads: usize,
    out: Output,
) -> Result<(ReadSummary, Analysis, Vec<Arc<crate::timeline::Session>>), OpenError> {
    let (read, mut analysis) = analyze_file_into(path, options, progress, threads, out.clone())?;
    let (sessions, kept) = super::lock(&out).take();
    analysis.skipped.limits.merge(&kept);
    Ok((read, analysis, sessions))
}

/// Analyse a whole file with `threads` workers, sending the sessions to `out` in order of
/// first frame as they can be (see [`super::order`]); the [`Analysis`] returned holds no
/// sessions, only the counts. `out` is told the number of sources here.
pub fn analyze_file_into(
    path: &Path,
    options: Options,
    progress: Option<Arc<AtomicU64>>,
    threads: usize,
    out: Output,
) -> Result<(ReadSummary, Analysis), OpenError> {
    if threads <= 1 {
        super::lock(&out).sources(1);
        let mut analyzer = Analyzer::with_output(options, out, 0);
        let summary = capture::read_file(path, progress, &mut |f| analyzer.frame(f))?;
        return Ok((summary, analyzer.finish()));
    }
    run(threads, options, out, |on_frame| {
        capture::read_file_shared(path, progress, on_frame)
    })
}

/// Where one frame's bytes sit in its batch.
#[derive(Debug, Clone, Copy)]
struct Slot {
    number: FrameNo,
    ts: Timestamp,
    link: LinkType,
    orig_len: u32,
    /// The frame's bytes in the batch's bytes (a chunk of the file, at most 16 MiB, or copies).
    start: u32,
    end: u32,
    /// The low bits of the frame's shard key, if it may be analysed out of file order among
    /// frames of other keys (never 0); 0 if it keeps its place. See [`Regroup`].
    group: u32,
    /// Where the frame lies in the batch's file, if it can be read again.
    at: Option<u64>,
    /// Frames fed before this one, across all workers (how far behind analyzer 0 is).
    fed_before: u64,
}

/// The bytes the slots of a batch point into: a shared chunk of the file, or copies.
#[derive(Default)]
struct Bytes {
    shared: Option<Chunk>,
    owned: Vec<u8>,
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.shared {
            Some(c) => c,
            None => &self.owned,
        }
    }
}

/// Frames for one worker, in file order.
struct Batch {
    data: Bytes,
    /// Frame bytes in the batch (the shared chunk holds more).
    bytes: usize,
    slots: Vec<Slot>,
    /// Sweep points: (before slot index, capture time, the frame that triggered it).
    sweeps: Vec<(usize, Timestamp, FrameNo)>,
    /// The capture file the slots' offsets are in.
    reread: Option<Reread>,
}

impl Batch {
    fn new() -> Self {
        Batch {
            data: Bytes::default(),
            bytes: 0,
            slots: Vec::new(),
            sweeps: Vec::with_capacity(4),
            reread: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.sweeps.is_empty()
    }

    fn clear(&mut self) {
        self.data.shared = None;
        self.data.owned.clear();
        self.bytes = 0;
        self.slots.clear();
        self.sweeps.clear();
    }
}

/// Feed one batch to an analyzer, with the sweeps it carries. Between two sweeps, runs of
/// frames that may be reordered are analysed grouped by address pair ([`Regroup`]).
fn feed(a: &mut Analyzer, batch: &Batch, regroup: &mut Regroup) {
    let slots = batch.slots.as_slice();
    let mut sweeps = batch.sweeps.iter().peekable();
    let mut i = 0;
    while let Some(first) = slots.get(i) {
        while let Some((_, ts, at)) = sweeps.next_if(|(at, _, _)| *at <= i) {
            a.sweep_at(*ts, *at);
        }
        // The run of reorderable frames from here, up to the next sweep.
        let limit = sweeps.peek().map_or(slots.len(), |(at, _, _)| *at);
        let run = slots.get(i..limit).unwrap_or_default();
        let len = run.iter().take_while(|s| s.group != 0).count();
        let run = run.get(..len).unwrap_or_default();
        if run.len() >= 2 && a.has_room_for(run.len()) {
            let order = regroup.order(run);
            for (j, &k) in order.iter().enumerate() {
                // Out of file order the hardware cannot see which frame comes next: say so.
                if let Some(ahead) = order.get(j + PREFETCH_AHEAD) {
                    if let Some(s) = run.get(*ahead as usize) {
                        prefetch(batch.data.get(s.start as usize..).unwrap_or_default());
                    }
                }
                if let Some(s) = run.get(k as usize) {
                    analyse(a, batch, s);
                }
            }
            i += len;
        } else {
            // In file order: the run, or the one frame that keeps its place.
            let n = len.max(1);
            for s in slots.get(i..i + n).unwrap_or(std::slice::from_ref(first)) {
                analyse(a, batch, s);
            }
            i += n;
        }
    }
    for (_, ts, at) in sweeps {
        a.sweep_at(*ts, *at);
    }
}

/// Frames ahead of the one analysed whose first bytes are prefetched, in regrouped order.
const PREFETCH_AHEAD: usize = 2;

/// Ask for the first two cache lines of `bytes` (a frame's link, IP and TCP headers).
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        for line in [bytes.first(), bytes.get(64)].into_iter().flatten() {
            // SAFETY: a prefetch is a hint that never faults (SSE, baseline on x86_64); the
            // address is that of a byte we hold a reference to anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(line).cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// Analyse one frame of a batch.
fn analyse(a: &mut Analyzer, batch: &Batch, s: &Slot) {
    a.frame(&Frame {
        number: s.number,
        ts: s.ts,
        link: s.link,
        data: batch
            .data
            .get(s.start as usize..s.end as usize)
            .unwrap_or_default(),
        orig_len: s.orig_len,
        in_file: s
            .at
            .zip(batch.reread.as_ref())
            .map(|(offset, file)| InFile { file, offset }),
    });
}

/// Puts a run of frames in the order they are analysed: grouped by address pair (the shard
/// key's low bits), each group in file order, the groups in order of their first frame.
///
/// Connections interleave in a capture: analysing frame after frame, each frame loads its
/// connection's state (several kilobytes across the table entry, TCP analysis, reassembly,
/// timeline, dissector) afresh; grouped, it stays in the core's L1 cache for the group's
/// frames. Only frames whose analysis touches nothing but their own connection are grouped
/// ([`shard::Key::reorderable`]), only between sweeps, and only while the connection table
/// cannot fill (which connection it would push out depends on the order): the result is the
/// file-order one. All frames between the same two addresses (every connection between them,
/// their fragments, ICMP errors about them) keep their order whatever happens. Measured on 2
/// cores, 1 GB bench file (64 connections at once; 2 % of frames follow a frame of their own
/// connection): CPU time median ratio 0.96 (8 of 10 alternating rounds less), wall 0.96; with
/// `--mss 536` CPU 0.99 (5 of 6), wall 0.98. A capture of one connection at a time is a quarter faster than
/// one of 64 interleaved (same generator, same size, one thread): most of the rest of that gap
/// is cache misses that grouping a batch cannot avoid.
#[derive(Default)]
struct Regroup {
    /// Open addressing by group: (group, first, last) run positions; group 0 is a free entry.
    table: Vec<(u32, u32, u32)>,
    /// Per run position: the next position of its group (`u32::MAX`: none).
    next: Vec<u32>,
    /// Table entries in use, in order of their group's first frame.
    used: Vec<usize>,
    /// The run's positions in the order found.
    order: Vec<u32>,
}

impl Regroup {
    /// The positions in `run` (every `group` non-zero, at most [`BATCH_FRAMES`] long) in
    /// the order to analyse them.
    fn order(&mut self, run: &[Slot]) -> &[u32] {
        let size = (run.len() * 2).next_power_of_two().max(16);
        if self.table.len() < size {
            self.table.resize(size, (0, 0, 0));
        }
        let mask = size - 1;
        self.next.clear();
        self.next.resize(run.len(), u32::MAX);
        self.used.clear();
        for (k, s) in run.iter().enumerate() {
            let k = k as u32;
            let mut at = s.group as usize & mask;
            while let Some(e) = self.table.get_mut(at) {
                if e.0 == 0 {
                    *e = (s.group, k, k);
                    self.used.push(at);
                    break;
                }
                if e.0 == s.group {
                    if let Some(n) = self.next.get_mut(e.2 as usize) {
                        *n = k;
                    }
                    e.2 = k;
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        self.order.clear();
        for &at in &self.used {
            let Some(e) = self.table.get_mut(at) else {
                continue;
            };
            let mut k = e.1;
            *e = (0, 0, 0);
            while (k as usize) < run.len() {
                self.order.push(k);
                k = self.next.get(k as usize).copied().unwrap_or(u32::MAX);
            }
        }
        &self.order
    }
}

/// Feed a worker's batches to its analyzer until the reader hangs up; while its own queue is
/// empty, analyse the floating analyzer's batches instead of waiting.
fn work(
    options: Options,
    out: Output,
    (source, sources): (usize, usize),
    (rx, back): (Receiver<Batch>, SyncSender<Batch>),
    floating: &Floating,
) -> Analysis {
    let mut a = Analyzer::with_output(options, out, source);
    a.share_table(sources);
    a.sweeps_given();
    let mut regroup = Regroup::default();
    loop {
        let mut batch = match rx.try_recv() {
            Ok(batch) => batch,
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {
                if floating.help(false) {
                    continue;
                }
                match rx.recv() {
                    Ok(batch) => batch,
                    Err(_) => break,
                }
            }
        };
        feed(&mut a, &batch, &mut regroup);
        batch.clear();
        // The reader may already be gone (it keeps no count of returns): nothing to do then.
        let _ = back.send(batch);
    }
    a.finish()
}

/// Analyzer 0, which no thread owns: its batches wait here for whichever thread is free (the
/// reading thread when the workers are behind and it cannot hand on, a worker whose own queue
/// is empty), so that neither side waits for the other while there is analysis to do. Its
/// batches are analysed one at a time, in order.
struct Floating {
    /// `None` once the reading thread has taken it to finish.
    analyzer: Mutex<Option<(Analyzer, Regroup)>>,
    queue: Mutex<VecDeque<Batch>>,
    spares: Mutex<Vec<Batch>>,
    /// Frames read before the last one analyzer 0 has analysed, plus one.
    done: AtomicU64,
}

impl Floating {
    /// Analyse the oldest waiting batch; false when none waits, or (unless `wait`) another
    /// thread is analysing one.
    fn help(&self, wait: bool) -> bool {
        let mut a = match self.analyzer.try_lock() {
            Ok(a) => a,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) if wait => {
                self.analyzer.lock().unwrap_or_else(PoisonError::into_inner)
            }
            Err(TryLockError::WouldBlock) => return false,
        };
        let Some((a, regroup)) = a.as_mut() else {
            return false;
        };
        let Some(mut batch) = locked(&self.queue).pop_front() else {
            return false;
        };
        feed(a, &batch, regroup);
        if let Some(last) = batch.slots.last() {
            self.done.store(last.fed_before + 1, Ordering::Relaxed);
        }
        batch.clear();
        locked(&self.spares).push(batch);
        true
    }

    /// Whether analyzer 0 is as far behind the reading (`fed` frames) as it may be: as many
    /// batches wait as may, or more than [`FLOATING_LAG`] frames have been read since the last
    /// it analysed (sessions finished by the other analyzers wait for its mark).
    fn behind(&self, fed: u64) -> bool {
        locked(&self.queue).len() >= FLOATING_BATCHES
            || fed.saturating_sub(self.done.load(Ordering::Relaxed)) > FLOATING_LAG
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Flows analyzer 0 (the floating one) takes for every [`WORKER_SHARE`] a worker's takes.
const FLOATING_SHARE: u64 = 1;
/// See [`FLOATING_SHARE`].
const WORKER_SHARE: u64 = 3;

/// Which of `n` analyzers a flow's shard hash goes to (0: the floating one).
fn analyzer_for(hash: u64, n: usize) -> usize {
    let workers = n.saturating_sub(1) as u64;
    // `hash` scaled to 0..slots by a multiply (Lemire's reduction): a division by the runtime
    // slot count was a sixth of the hand-out closure's samples.
    let slots = FLOATING_SHARE + WORKER_SHARE * workers;
    let r = ((u128::from(hash) * u128::from(slots)) >> 64) as u64;
    if r < FLOATING_SHARE {
        0
    } else {
        1 + ((r - FLOATING_SHARE) / WORKER_SHARE) as usize
    }
}

/// The reader side: `read` drives a capture reader with the callback it is given; analyzers
/// 1.. run on workers, analyzer 0 wherever there is time (see [`Floating`]).
fn run(
    threads: usize,
    options: Options,
    out: Output,
    read: impl FnOnce(&mut dyn FnMut(&Frame<'_>, Option<&Chunk>)) -> Result<ReadSummary, OpenError>,
) -> Result<(ReadSummary, Analysis), OpenError> {
    let n = threads.clamp(1, MAX_THREADS);
    super::lock(&out).sources(n);
    // Analyzer 0 floats (see `Floating`); analyzers 1.. are worker threads.
    let workers = n - 1;
    let pool_size = workers * BATCHES_PER_WORKER;
    let (back_tx, pool) = sync_channel::<Batch>(pool_size);
    for _ in 0..pool_size.saturating_sub(workers) {
        let _ = back_tx.send(Batch::new());
    }
    let mut here = Analyzer::with_output(options.clone(), out.clone(), 0);
    here.share_table(n);
    here.sweeps_given();
    let floating = Floating {
        analyzer: Mutex::new(Some((here, Regroup::default()))),
        queue: Mutex::new(VecDeque::with_capacity(FLOATING_BATCHES)),
        spares: Mutex::new(Vec::new()),
        done: AtomicU64::new(0),
    };
    std::thread::scope(|scope| {
        let mut txs: Vec<SyncSender<Batch>> = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for k in 1..n {
            let (tx, rx) = sync_channel::<Batch>(1);
            let back = back_tx.clone();
            txs.push(tx);
            let options = options.clone();
            let out = out.clone();
            let floating = &floating;
            handles.push(scope.spawn(move || work(options, out, (k, n), (rx, back), floating)));
        }
        drop(back_tx);
        // current[0]: the floating analyzer's batch; current[k]: worker k's.
        let mut current: Vec<Batch> = (0..n).map(|_| Batch::new()).collect();
        let mut fed: u64 = 0;
        let mut trim = trim::Trim::new();
        let worker_span = worker_span(n);
        let hand_on = |k: usize, current: &mut Vec<Batch>, fed: u64| {
            if k == 0 {
                let fresh = locked(&floating.spares).pop().unwrap_or_else(Batch::new);
                if let Some(slot) = current.get_mut(0) {
                    let full = std::mem::replace(slot, fresh);
                    locked(&floating.queue).push_back(full);
                }
                // Analyse some of analyzer 0's batches here when it is too far behind.
                while floating.behind(fed) && floating.help(true) {}
                return;
            }
            let fresh = loop {
                match pool.try_recv() {
                    Ok(batch) => break batch,
                    Err(TryRecvError::Empty) if floating.help(false) => {}
                    Err(_) => break pool.recv().unwrap_or_else(|_| Batch::new()),
                }
            };
            if let (Some(slot), Some(tx)) = (current.get_mut(k), txs.get(k - 1)) {
                let full = std::mem::replace(slot, fresh);
                // A worker that is gone has failed; its panic is re-raised at join below.
                let _ = tx.send(full);
            }
        };
        let result = read(&mut |f: &Frame<'_>, chunk: Option<&Chunk>| {
            fed += 1;
            if fed % SWEEP_EVERY == 0 {
                // The single analyzer sweeps before this frame: so does every analyzer.
                for b in current.iter_mut() {
                    b.sweeps.push((b.slots.len(), f.ts, f.number));
                }
                trim.tick();
            }
            let key = shard::flow_key(f.link, f.data);
            let k = key.map_or(0, |key| analyzer_for(key.hash, n));
            let group = match key {
                Some(key) if key.reorderable => (key.hash as u32).max(1),
                _ => 0,
            };
            // Where the frame lies in the reader's chunk, if it does.
            let in_chunk = chunk.and_then(|c| {
                let start = (f.data.as_ptr() as usize).checked_sub(c.as_ptr() as usize)?;
                let end = start.checked_add(f.data.len())?;
                (end <= c.len()).then_some((c, start, end))
            });
            let max_bytes = if in_chunk.is_some() {
                BATCH_BYTES
            } else {
                COPIED_BATCH_BYTES
            };
            let needs_room = current.get(k).is_some_and(|b| {
                let other_bytes = match (&b.data.shared, in_chunk) {
                    (Some(held), Some((c, _, _))) => !Arc::ptr_eq(held, c),
                    (None, None) => false,
                    _ => true,
                };
                let span = if k == 0 { FLOATING_SPAN } else { worker_span };
                let spans_long = |first: &Slot| fed - first.fed_before > span;
                !b.slots.is_empty()
                    && (other_bytes
                        || b.bytes + f.data.len() > max_bytes
                        || b.slots.len() >= BATCH_FRAMES
                        || b.slots.first().is_some_and(spans_long))
            });
            if needs_room {
                hand_on(k, &mut current, fed - 1);
            }
            let Some(b) = current.get_mut(k) else { return };
            let (start, end) = match in_chunk {
                Some((c, start, end)) => {
                    if b.data
                        .shared
                        .as_ref()
                        .is_none_or(|held| !Arc::ptr_eq(held, c))
                    {
                        b.data.shared = Some(Arc::clone(c));
                    }
                    (start, end)
                }
                None => {
                    b.data.shared = None;
                    let start = b.data.owned.len();
                    b.data.owned.extend_from_slice(f.data);
                    (start, b.data.owned.len())
                }
            };
            b.bytes += f.data.len();
            if let Some(i) = f.in_file {
                if b.reread.as_ref().is_none_or(|held| !held.same(i.file)) {
                    b.reread = Some(i.file.clone());
                }
            }
            b.slots.push(Slot {
                number: f.number,
                ts: f.ts,
                link: f.link,
                orig_len: f.orig_len,
                // A chunk is at most 16 MiB, copies a few hundred KiB: never out of range.
                start: u32::try_from(start).unwrap_or(u32::MAX),
                end: u32::try_from(end).unwrap_or(u32::MAX),
                group,
                at: f.in_file.map(|i| i.offset),
                fed_before: fed - 1,
            });
        });
        for k in 0..n {
            if current.get(k).is_some_and(|b| !b.is_empty()) {
                hand_on(k, &mut current, fed);
            }
        }
        drop(txs);
        while floating.help(true) {}
        let here = locked(&floating.analyzer).take();
        let mut parts = Vec::with_capacity(n);
        parts.extend(here.map(|(a, _)| a.finish()));
        for h in handles {
            match h.join() {
                Ok(a) => parts.push(a),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        let summary = result?;
        Ok((summary, merge(parts, fed)))
    })
}

/// Merge the workers' counts into those a single analyzer would have produced (their sessions
/// went to the shared output, which orders, numbers and links them).
fn merge(parts: Vec<Analysis>, frames: u64) -> Analysis {
    let mut skipped = Skipped::default();
    for p in parts {
        let s = p.skipped;
        for (link, count) in s.unknown_links {
            match skipped.unknown_links.iter_mut().find(|(l, _)| *l == link) {
                Some((_, c)) => *c += count,
                None => skipped.unknown_links.push((link, count)),
            }
        }
        skipped.malformed += s.malformed;
        skipped.first_malformed = match (skipped.first_malformed, s.first_malformed) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
        skipped.evicted += s.evicted;
        skipped.first_evicted = skipped
            .first_evicted
            .into_iter()
            .chain(s.first_evicted)
            .min();
        skipped.frags_evicted += s.frags_evicted;
        skipped.limits.merge(&s.limits);
    }
    Analysis {
        sessions: Vec::new(),
        frames,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Ethernet/IPv4/TCP frame from 10.0.<host>.1:<port> to 10.0.0.2:3389.
    fn seg(host: u8, port: u16, flags: &str) -> Vec<u8> {
        let mut t = etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([10, 0, host, 1], [10, 0, 0, 2], 64)
            .tcp(port, 3389, 1000, 64000);
        if flags.contains('S') {
            t = t.syn();
        }
        if flags.contains('A') {
            t = t.ack(1);
        }
        let mut v = Vec::new();
        t.write(&mut v, &[]).unwrap();
        v
    }

    fn frames_of(stream: &[(i64, Vec<u8>)]) -> Vec<Frame<'_>> {
        stream
            .iter()
            .enumerate()
            .map(|(i, (ts, d))| Frame {
                number: i as u64 + 1,
                ts: Timestamp(*ts),
                link: 1,
                data: d,
                orig_len: d.len() as u32,
                in_file: None,
            })
            .collect()
    }

    fn single(frames: &[Frame<'_>]) -> Analysis {
        let mut a = Analyzer::new(Options {
            all: true,
            ..Default::default()
        });
        for f in frames {
            a.frame(f);
        }
        a.finish()
    }

    fn sharded(frames: &[Frame<'_>], n: usize) -> Analysis {
        let options = Options {
            all: true,
            ..Default::default()
        };
        let out = crate::pipeline::collecting(&options);
        let mut a = run(n, options, out.clone(), |on_frame| {
            for f in frames {
                on_frame(f, None);
            }
            Ok(ReadSummary::default())
        })
        .unwrap()
        .1;
        let (sessions, kept) = out.lock().unwrap().take();
        a.sessions = sessions.into_iter().map(Arc::unwrap_or_clone).collect();
        a.skipped.limits.merge(&kept);
        a
    }

    #[test]
    fn analyzer_0_takes_a_smaller_share_of_the_flows() {
        for n in 1..=MAX_THREADS {
            let mut counts = vec![0u32; n];
            for h in 0..6_000u64 {
                let k = analyzer_for(h.wrapping_mul(0x9e37_79b9_7f4a_7c15), n);
                counts[k] += 1;
            }
            let total = FLOATING_SHARE + WORKER_SHARE * (n as u64 - 1);
            for (k, c) in counts.iter().enumerate() {
                let share = if k == 0 { FLOATING_SHARE } else { WORKER_SHARE };
                let expected = 6_000 * share / total;
                assert!(
                    u64::from(*c).abs_diff(expected) <= expected / 10,
                    "{n} analyzers: analyzer {k} got {c}, expected about {expected}"
                );
            }
        }
    }

    #[test]
    fn sweeps_fall_on_the_same_frames_in_every_worker() {
        // Connection A opens at t=0 and goes quiet. Filler traffic on other hosts brings the
        // frame count to the sweep point two hours later: A is finished there (idle > 1 h), and
        // A's next packet starts a new session. Every worker must sweep at that frame, not only
        // the one receiving it.
        const HOUR: i64 = 3_600_000_000_000;
        let mut stream = vec![(0, seg(0, 40000, "S"))];
        let n = SWEEP_EVERY as usize;
        for i in 1..n + 8 {
            let ts = if i + 1 >= n { 2 * HOUR } else { i as i64 };
            stream.push((ts, seg(1 + (i % 200) as u8, 50000 + (i % 7) as u16, "A")));
        }
        stream.push((2 * HOUR + 1, seg(0, 40000, "A")));
        let frames = frames_of(&stream);
        let one = single(&frames);
        let a_sessions = one
            .sessions
            .iter()
            .filter(|s| s.client.port() == 40000)
            .count();
        assert_eq!(a_sessions, 2, "the sweep split connection A");
        for n in [2, 3, 8] {
            let many = sharded(&frames, n);
            assert_eq!(
                format!("{:?}", many.sessions),
                format!("{:?}", one.sessions),
                "{n} workers"
            );
            assert_eq!(many.frames, one.frames);
        }
    }

    #[test]
    fn floating_batches_are_analysed_in_order_whichever_thread_takes_them() {
        // Connections hashing to analyzer 0 and to the worker's. The reading thread pauses
        // twice after handing the worker a batch, with analyzer 0's batches waiting: the worker,
        // done with its own, takes those. Elsewhere most frames go to analyzer 0 and the reading
        // thread takes some itself when it falls too far behind. Whoever analyses them, the
        // result is the single analyzer's.
        let mut hosts = [Vec::new(), Vec::new()];
        for h in 1..=250u8 {
            if let Some(x) = shard::flow_hash(1, &seg(h, 40000, "S")) {
                let k = analyzer_for(x, 2);
                if hosts[k].len() < 6 {
                    hosts[k].push(h);
                }
            }
        }
        assert!(hosts.iter().all(|h| h.len() == 6), "hosts: {hosts:?}");
        let mut stream = Vec::new();
        for (i, &h) in hosts.concat().iter().enumerate() {
            stream.push((i as i64, seg(h, 40000, "S")));
        }
        let per_batch = COPIED_BATCH_BYTES / stream[0].1.len();
        let mut pauses = Vec::new();
        for phase in 0..3 {
            // A worker batch, with analyzer 0's batches alongside.
            for i in 0..3 * per_batch {
                let h = hosts[usize::from(i % 3 == 0)][i % 6];
                stream.push((stream.len() as i64, seg(h, 40000, "A")));
            }
            if phase < 2 {
                pauses.push(stream.len());
            }
        }
        // Then mostly analyzer 0's: more batches than may wait.
        for i in 0..(FLOATING_BATCHES + 2) * per_batch {
            let h = hosts[usize::from(i % 8 == 7)][i % 6];
            stream.push((stream.len() as i64, seg(h, 40000, "A")));
        }
        let frames = frames_of(&stream);
        let one = single(&frames);
        assert_eq!(one.sessions.len(), 12);
        let options = Options {
            all: true,
            ..Default::default()
        };
        let out = crate::pipeline::collecting(&options);
        let mut many = run(2, options, out.clone(), |on_frame| {
            for (i, f) in frames.iter().enumerate() {
                if pauses.contains(&i) {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
                on_frame(f, None);
            }
            Ok(ReadSummary::default())
        })
        .unwrap()
        .1;
        many.sessions = out
            .lock()
            .unwrap()
            .take()
            .0
            .into_iter()
            .map(Arc::unwrap_or_clone)
            .collect();
        assert_eq!(
            format!("{:?}", many.sessions),
            format!("{:?}", one.sessions)
        );
        assert_eq!(many.frames, one.frames);
    }

    #[test]
    fn non_ip_and_malformed_frames_merge_like_one_analyzer() {
        let mut stream: Vec<(i64, Vec<u8>)> = Vec::new();
        for i in 0..50u16 {
            stream.push((i64::from(i), seg((i % 5) as u8, 40000 + i % 3, "A")));
            if i % 7 == 0 {
                // Truncated IPv4 header: malformed, whichever worker gets it.
                let mut bad = seg(9, 1, "A");
                bad.truncate(14 + 12 + usize::from(i % 9));
                stream.push((i64::from(i), bad));
            }
        }
        let mut frames = frames_of(&stream);
        // A few frames of a link type nobody decodes.
        for f in frames.iter_mut().skip(3).step_by(11) {
            f.link = 147;
        }
        let one = single(&frames);
        assert!(one.skipped.malformed > 0 && !one.skipped.unknown_links.is_empty());
        for n in [2, 4] {
            let many = sharded(&frames, n);
            assert_eq!(
                format!("{:?}", many.sessions),
                format!("{:?}", one.sessions)
            );
            assert_eq!(format!("{:?}", many.skipped), format!("{:?}", one.skipped));
        }
    }

    /// A slot of group `group` (frame number `number`), for [`Regroup`] alone.
    fn slot(number: FrameNo, group: u32) -> Slot {
        Slot {
            number,
            ts: Timestamp(0),
            link: 1,
            orig_len: 0,
            start: 0,
            end: 0,
            group,
            at: None,
            fed_before: number - 1,
        }
    }

    #[test]
    fn regroup_groups_in_file_order_and_starts_clean_each_run() {
        let mut r = Regroup::default();
        let mut order = |run: &[Slot]| -> Vec<u64> {
            r.order(run)
                .iter()
                .map(|&k| run[k as usize].number)
                .collect()
        };
        // Groups 7, 9 and 2048 + 7 (the same table entry as 7 in a small table), interleaved.
        let run: Vec<Slot> = [7, 9, 7, 2055, 9, 7, 2055]
            .iter()
            .enumerate()
            .map(|(i, &g)| slot(i as u64 + 1, g))
            .collect();
        assert_eq!(order(&run), vec![1, 3, 6, 2, 5, 4, 7]);
        // A second run sees nothing of the first.
        let run: Vec<Slot> = [9, 3, 9]
            .iter()
            .enumerate()
            .map(|(i, &g)| slot(i as u64 + 10, g))
            .collect();
        assert_eq!(order(&run), vec![10, 12, 11]);
        // Every frame exactly once in a long run of many groups.
        let run: Vec<Slot> = (0..BATCH_FRAMES as u64)
            .map(|i| slot(i + 1, (i % 331) as u32 * 0x9e37 + 1))
            .collect();
        let got = order(&run);
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=BATCH_FRAMES as u64).collect::<Vec<_>>());
        assert_eq!(got.first(), Some(&1));
        assert_eq!(got.get(1), Some(&332), "frame 1's group next");
    }

    /// An IPv4 packet from 10.0.<host>.1 to 10.0.0.2 with the given protocol, IP ID, flags and
    /// fragment offset word, and payload.
    fn ip4(host: u8, proto: u8, id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];
        let total = (20 + payload.len()) as u16;
        v.extend_from_slice(&[0x45, 0]);
        v.extend_from_slice(&total.to_be_bytes());
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&frag.to_be_bytes());
        v.extend_from_slice(&[64, proto, 0, 0, 10, 0, host, 1, 10, 0, 0, 2]);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn regrouped_frames_give_the_single_analyzers_result() {
        // Hosts whose frames all go to one analyzer (analyzer 1 of 2), so that their frames
        // are regrouped against each other.
        let hosts: Vec<u8> = (1..=250u8)
            .filter(|&h| {
                shard::flow_hash(1, &seg(h, 40000, "S")).map(|x| analyzer_for(x, 2)) == Some(1)
            })
            .take(5)
            .collect();
        assert_eq!(hosts.len(), 5);
        let mut stream: Vec<(i64, Vec<u8>)> = Vec::new();
        let mut push = |f: Vec<u8>| {
            let t = stream.len() as i64 * 1_000;
            stream.push((t, f));
        };
        for &h in &hosts {
            push(seg(h, 40000, "S"));
        }
        for round in 0..40u16 {
            for (i, &h) in hosts.iter().enumerate() {
                push(seg(h, 40000 + round % 2, "A"));
                match (round + i as u16) % 9 {
                    // A UDP datagram in two IP fragments between the same hosts (they share
                    // the decoder's reassembly pool: they keep their place).
                    0 => {
                        let mut udp = vec![0x13, 0x88, 0x0d, 0x3d, 0, 24, 0, 0];
                        udp.extend_from_slice(&[0xab; 16]);
                        push(ip4(h, 17, round, 0x2000, &udp[..16]));
                        push(ip4(h, 17, round, 0x0002, &udp[16..]));
                    }
                    // A truncated TCP header: malformed, yet reorderable (the earliest is
                    // reported, whatever order the analyzer saw them in).
                    4 => push(ip4(h, 6, round, 0, &[0x9c, 0x40, 0x0d, 0x3d, 0, 0])),
                    // An ICMP error about the host's connection (keeps its place).
                    7 => {
                        let syn = seg(h, 40000, "S");
                        let mut icmp = Vec::new();
                        etherparse::PacketBuilder::ethernet2([3; 6], [1; 6])
                            .ipv4([192, 0, 2, 254], [10, 0, h, 1], 255)
                            .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
                                etherparse::icmpv4::DestUnreachableHeader::FilterProhibited,
                            ))
                            .write(&mut icmp, &syn[14..14 + 28])
                            .unwrap();
                        push(icmp);
                    }
                    _ => {}
                }
            }
        }
        let frames = frames_of(&stream);
        let one = single(&frames);
        assert!(one.skipped.malformed > 0);
        assert!(
            one.sessions
                .iter()
                .any(|s| s.transport == crate::decode::Transport::Udp)
        );
        for n in [2, 3] {
            let many = sharded(&frames, n);
            assert_eq!(
                format!("{:?}", many.sessions),
                format!("{:?}", one.sessions),
                "{n} analyzers"
            );
            assert_eq!(format!("{:?}", many.skipped), format!("{:?}", one.skipped));
        }
    }

    #[test]
    fn workers_span_less_of_the_file_on_more_analyzers() {
        assert_eq!(worker_span(2), WORKER_SPAN);
        let spans: Vec<u64> = (2..=MAX_THREADS).map(worker_span).collect();
        assert_eq!(spans, [8_192, 5_461, 4_096, 3_276, 2_730, 2_340, 2_048]);
        assert_eq!(worker_span(1), WORKER_SPAN);
        assert_eq!(worker_span(64), WORKER_SPAN / 8);
    }

    #[test]
    fn threads_env_is_clamped() {
        // Only reads the variable; the default path depends on the machine.
        let n = threads_from_env();
        assert!((1..=MAX_THREADS).contains(&n));
    }

    #[test]
    fn merge_sums_the_counts_and_keeps_the_earliest_malformed_and_evicting_frames() {
        let a = Analysis {
            sessions: Vec::new(),
            frames: 0,
            skipped: Skipped {
                malformed: 2,
                first_malformed: Some((9, "late")),
                unknown_links: vec![(147, 3)],
                evicted: 4,
                first_evicted: Some(30),
                ..Skipped::default()
            },
        };
        let b = Analysis {
            sessions: Vec::new(),
            frames: 0,
            skipped: Skipped {
                malformed: 1,
                first_malformed: Some((5, "early")),
                unknown_links: vec![(147, 1), (148, 2)],
                evicted: 1,
                first_evicted: Some(20),
                ..Skipped::default()
            },
        };
        let m = merge(vec![a, b], 10);
        assert_eq!(m.frames, 10);
        assert_eq!(m.skipped.malformed, 3);
        assert_eq!(m.skipped.first_malformed, Some((5, "early")));
        assert_eq!(m.skipped.unknown_links, vec![(147, 4), (148, 2)]);
        assert_eq!(m.skipped.evicted, 5);
        assert_eq!(m.skipped.first_evicted, Some(20));
        let c = merge(vec![m, Analysis::default()], 10);
        assert_eq!(
            c.skipped.first_evicted,
            Some(20),
            "an analyzer that evicted nothing"
        );
    }
}

//! The `rdpscope` command line.

use clap::{Parser, Subcommand};
use rdpscope::capture::OpenError;
use rdpscope::pipeline::{self, Options};
use rdpscope::proto::keylog::KeyLog;
use rdpscope::proto::tls::rsa_kx::RsaKey;
use rdpscope::report::{self, FileReport};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Why did the RDP session die? rdpscope reads a packet capture, follows every RDP connection
/// (TCP and UDP 3389, or any port that speaks X.224), and names the cause, the drop point and
/// the fix.
#[derive(Parser, Debug)]
#[command(
    name = "rdpscope",
    version,
    about,
    after_help = "Examples:\n  rdpscope report customer.pcapng            why each RDP session in the capture ended\n  rdpscope report --json captures/ > out.jsonl one JSON object per file (see CONTRACT.md)\n  rdpscope tui customer.pcapng               the sessions, timeline and verdict in a terminal UI\n  sudo rdpscope live -i tun0                 watch RDP sessions on a VPN link as they happen\n\nExit status: 0 analysed (whatever the verdicts), 2 bad usage, 3 an input is not a readable capture."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse capture files and report why each RDP session ended.
    ///
    /// FILE is a pcap (either byte order, µs or ns), a pcapng, or either gzip-compressed; the format
    /// is read from the magic number. A directory means every capture in it. Frame numbers are
    /// Wireshark's; times are UTC.
    Report {
        /// JSON output: one object per input file, one per line (fields in CONTRACT.md).
        #[arg(long)]
        json: bool,
        /// Report every connection, not only the ones that touch RDP.
        #[arg(long)]
        all: bool,
        /// Text report: also print each session's timeline (frame, time, direction, event).
        #[arg(long, conflicts_with = "json")]
        timeline: bool,
        #[command(flatten)]
        secrets: SecretArgs,
        /// Capture files or directories.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Open a capture in the terminal UI: sessions, timeline ladder, verdict.
    Tui {
        #[command(flatten)]
        secrets: SecretArgs,
        /// The capture file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Capture live from an interface (e.g. a VPN's tun0) and diagnose sessions as they end.
    Live {
        /// Interface to capture on (`any` for all).
        #[arg(short = 'i', long = "interface", value_name = "IFACE")]
        interface: String,
        /// BPF capture filter.
        #[arg(
            short = 'f',
            long = "filter",
            default_value = "tcp port 3389 or udp port 3389"
        )]
        filter: String,
        /// Also write the packets to this pcapng file.
        #[arg(short = 'w', value_name = "OUT.pcapng")]
        write: Option<PathBuf>,
        /// One JSON session object per line as each session ends, instead of the UI.
        #[arg(long)]
        json: bool,
    },
}

/// TLS secrets to decrypt with (a pcapng capture's own Decryption Secrets Blocks are always
/// used).
#[derive(clap::Args, Debug)]
struct SecretArgs {
    /// NSS key log file (SSLKEYLOGFILE) to decrypt TLS.
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// The server's RSA private key (PEM, PKCS#1 or PKCS#8), for TLS_RSA_* sessions.
    #[arg(long, value_name = "FILE")]
    rsa_key: Option<PathBuf>,
}

impl SecretArgs {
    /// The key log and RSA key given, read; `None` when neither was given.
    fn load(&self) -> Result<Option<KeyLog>, String> {
        let mut keys = match &self.keylog {
            None => None,
            Some(p) => Some(KeyLog::from_file(p).map_err(|e| format!("--keylog: {e}"))?),
        };
        if let Some(p) = &self.rsa_key {
            let key = RsaKey::from_file(p).map_err(|e| format!("--rsa-key: {e}"))?;
            keys.get_or_insert_with(KeyLog::new).set_rsa_key(key);
        }
        Ok(keys)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Report {
            json,
            all,
            timeline,
            files,
            secrets,
        } => match secrets.load() {
            Ok(keys) => run_report(&files, json, all, timeline, keys.as_ref()),
            Err(e) => {
                eprintln!("rdpscope: {e}");
                ExitCode::from(2)
            }
        },
        Command::Tui { file, secrets } => match secrets.load() {
            Ok(keys) => rdpscope::tui::run_file_with_keys(&file, keys.as_ref()),
            Err(e) => {
                eprintln!("rdpscope: {e}");
                ExitCode::from(2)
            }
        },
        Command::Live {
            interface,
            filter,
            write,
            json,
        } => rdpscope::live::run(&rdpscope::live::LiveArgs {
            interface,
            filter,
            write,
            json,
        }),
    }
}

/// Expand directories into the files they hold (sorted), keeping plain files as given.
fn expand(inputs: &[PathBuf]) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|rd| {
                    rd.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file())
                        .collect()
                })
                .unwrap_or_default();
            entries.sort();
            out.extend(entries.into_iter().map(|e| (e, true)));
        } else {
            out.push((p.clone(), false));
        }
    }
    out
}

fn analyse(
    path: &Path,
    options: Options,
    progress: &Arc<AtomicU64>,
    threads: usize,
) -> Result<FileReport, OpenError> {
    let (read, analysis) =
        pipeline::analyze_file_parallel(path, options, Some(progress.clone()), threads)?;
    Ok(FileReport::new(path.display().to_string(), read, analysis))
}

/// Where one file's JSON line goes while it is read: straight to stdout when it is the only
/// file, else a spool (memory, then a temporary file) copied out in input order at the end.
enum JsonOut {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    Spool(tempfile::SpooledTempFile),
}

impl Write for JsonOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            JsonOut::Stdout(w) => w.write(buf),
            JsonOut::Spool(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            JsonOut::Stdout(w) => w.flush(),
            JsonOut::Spool(w) => w.flush(),
        }
    }
}

/// A file analysed: what to print for it.
enum Done {
    Text(FileReport),
    Json(report::stream::Written<JsonOut>),
}

impl Done {
    /// The file's warning lines and how many problems they stand for.
    fn warnings(&self) -> (&[String], u64) {
        match self {
            Done::Text(r) => (&r.warnings, r.problems),
            Done::Json(w) => (&w.warnings, w.problems),
        }
    }
}

fn run_report(
    inputs: &[PathBuf],
    json: bool,
    all: bool,
    timeline: bool,
    keylog: Option<&KeyLog>,
) -> ExitCode {
    let files = expand(inputs);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len().max(1));
    let total: u64 = files
        .iter()
        .map(|(p, _)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let progress = report::progress::Progress::start(total, std::io::stderr().is_terminal());
    // One file: shard it over the cores (RDPSCOPE_THREADS); several: one core per file.
    let threads = if files.len() == 1 {
        pipeline::threads_from_env()
    } else {
        1
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let single = files.len() == 1;
    let mut results: Vec<Option<Result<Done, OpenError>>> =
        (0..files.len()).map(|_| None).collect();
    let slots = std::sync::Mutex::new(&mut results);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((path, _)) = files.get(i) else { break };
                    // Timelines are printed only with --timeline: otherwise keep memory flat.
                    let options = Options {
                        all,
                        compact: !timeline,
                        keys: pipeline::keys_for(path, keylog),
                        watch: None,
                    };
                    let r = if json {
                        let out = if single {
                            JsonOut::Stdout(std::io::BufWriter::with_capacity(
                                1 << 16,
                                std::io::stdout(),
                            ))
                        } else {
                            JsonOut::Spool(tempfile::spooled_tempfile(4 << 20))
                        };
                        report::stream::analyse_to_json(
                            path,
                            options,
                            Some(progress.bytes.clone()),
                            threads,
                            out,
                        )
                        .map(Done::Json)
                    } else {
                        analyse(path, options, &progress.bytes, threads).map(Done::Text)
                    };
                    if let Ok(mut s) = slots.lock() {
                        if let Some(slot) = s.get_mut(i) {
                            *slot = Some(r);
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    let mut status = ExitCode::SUCCESS;
    let mut reports = Vec::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for ((path, from_dir), r) in files.iter().zip(results) {
        match r {
            Some(Ok(done)) => {
                let (warnings, problems) = done.warnings();
                for w in warnings {
                    eprintln!("rdpscope: {w}");
                }
                if warnings.len() > 1 || problems > warnings.len() as u64 {
                    let n = problems.max(warnings.len() as u64);
                    eprintln!(
                        "rdpscope: {}: {n} problem{} in all, {} kind{} listed above",
                        path.display(),
                        if n == 1 { "" } else { "s" },
                        warnings.len(),
                        if warnings.len() == 1 { "" } else { "s" }
                    );
                }
                match done {
                    Done::Text(rep) => reports.push(rep),
                    Done::Json(w) => {
                        if let JsonOut::Spool(mut spool) = w.out {
                            use std::io::Seek;
                            let copied = spool
                                .seek(std::io::SeekFrom::Start(0))
                                .and_then(|_| std::io::copy(&mut spool, &mut out));
                            if let Err(e) = copied {
                                eprintln!("rdpscope: {}: {e}", path.display());
                            }
                        }
                    }
                }
            }
            Some(Err(OpenError::NotACapture(why))) if *from_dir => {
                eprintln!(
                    "rdpscope: {}: skipped, {}",
                    path.display(),
                    OpenError::NotACapture(why)
                );
            }
            Some(Err(e)) => {
                eprintln!("rdpscope: {}: {e}", path.display());
                status = ExitCode::from(3);
            }
            None => {}
        }
    }
    if !json {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let _ = write!(
            out,
            "{}",
            report::text::render(&reports, report::text::Style { color, timeline })
        );
    }
    status
}

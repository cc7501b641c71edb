//! Decryption Secrets Blocks at the start of a pcapng (pcapng §4.7), read before the
//! analysis so that TLS sessions can be decrypted as their records arrive. Wireshark's
//! `editcap --inject-secrets` writes them right after the section header; blocks after the
//! first packet are still collected by the full read ([`super::ReadSummary::secrets`]) but
//! come too late for this pass.

use super::Secrets;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{Block, PcapBlockOwned, PcapError, PcapNGReader};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Most blocks looked at before giving up (a pcapng may start with many interface blocks).
const MAX_LEADING_BLOCKS: usize = 1024;
/// Most secrets bytes kept (a DSB is user input).
const MAX_SECRETS_BYTES: usize = 64 << 20;

/// The Decryption Secrets Blocks before the first packet of a pcapng file (plain or gzip).
/// Anything else (pcap, unreadable) gives none: the full read reports errors.
pub fn leading_secrets(path: &Path) -> Vec<Secrets> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    let mut buffered = BufReader::new(file);
    let gzip = buffered
        .fill_buf()
        .map(|b| b.starts_with(&[0x1f, 0x8b]))
        .unwrap_or(false);
    if gzip {
        scan(flate2::read::MultiGzDecoder::new(buffered))
    } else {
        scan(buffered)
    }
}

fn scan<R: Read>(reader: R) -> Vec<Secrets> {
    let mut out = Vec::new();
    let Ok(mut r) = PcapNGReader::new(1 << 16, reader) else {
        return out;
    };
    let mut total = 0usize;
    for _ in 0..MAX_LEADING_BLOCKS {
        match r.next() {
            Ok((offset, block)) => {
                let stop = match block {
                    PcapBlockOwned::NG(Block::DecryptionSecrets(dsb)) => {
                        let len = (dsb.secrets_len as usize).min(dsb.data.len());
                        total += len;
                        if total <= MAX_SECRETS_BYTES {
                            out.push(Secrets {
                                kind: dsb.secrets_type.0,
                                data: dsb.data.get(..len).unwrap_or(dsb.data).to_vec(),
                            });
                        }
                        false
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(_) | Block::SimplePacket(_)) => true,
                    _ => false,
                };
                r.consume(offset);
                if stop {
                    break;
                }
            }
            Err(PcapError::Incomplete(_)) => {
                if r.refill().is_err() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    out
}

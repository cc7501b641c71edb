#!/usr/bin/env bash
# Run every fuzz target for SECS seconds (default 120), after seeding the corpora.
# Usage: fuzz/run.sh [SECS] [TARGET...]
# Stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly flags (-Zsanitizer=address).
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-120}"; shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=($(cargo fuzz list))
[ -d corpus ] || python3 seed.py
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  case "$t" in
    pipeline|pcap|pcapng) max_len=262144 ;;
    tls_session|dissector|x509) max_len=65536 ;;
    *) max_len=8192 ;;
  esac
  echo "== $t (${secs}s, max_len $max_len)"
  cargo fuzz run -O "$t" -- -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=1024 \
    -timeout=10 -print_final_stats=1 2>&1 | tail -25 | grep -E "^(stat::|#[0-9]+|==|SUMMARY|Done)" | tail -8
done

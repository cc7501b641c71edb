#!/usr/bin/env bash
# The terminal UI's target of issue 7: how soon the first sessions are on screen, and when the file
# is fully analysed, driving the real binary in tmux as a user would.
#
#   benches/tui.sh [FILE] [RUNS]     e.g. benches/tui.sh /tmp/rdpscope-bench-1G-seed1.pcap 3
#
# FILE defaults to run.sh's 1 GB file (generated first if missing: benches/run.sh makes it with
# TSHARK=0). Each run warms the page cache, starts `rdpscope tui FILE` under /usr/bin/time -v in a
# private 160x45 tmux session, and polls the screen (`tmux capture-pane`) until
#   first sessions: the sessions pane's title counts at least one session (" Sessions N ", N > 0)
#   fully analysed: the title bar shows the frame count (" · N frames"), which the UI writes only
#                   once every frame was read and every analyzer has finished
# then quits with `q` and reads the peak RSS. The screen is read every 10 ms until the first
# sessions show, then every 50 ms: each read runs a tmux client and makes the server render the
# screen, on the same two cores as the UI (reading every 10 ms throughout made the 1 GB file's
# analysis 0.1 s slower), so "fully analysed" is late by up to 50 ms. Times are from just before
# tmux starts (tmux's own start-up, a few ms, is included). RDPSCOPE_BIN=PATH times another build.
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=${1:-${BENCH_DIR:-/tmp}/rdpscope-bench-1G-seed1.pcap}
RUNS=${2:-3}
command -v tmux >/dev/null || { echo "tmux is needed (apt-get install tmux)"; exit 2; }
cargo build --release --quiet --bin rdpscope --bin rdpscope-gen
BIN=${RDPSCOPE_BIN:-$PWD/target/release/rdpscope}   # RDPSCOPE_BIN: another build, to compare
if [ ! -s "$FILE" ]; then
  case "$FILE" in
    */rdpscope-bench-1G-seed1.pcap) target/release/rdpscope-gen --size 1G --seed 1 -o "$FILE" ;;
    *) echo "no such file: $FILE"; exit 2 ;;
  esac
fi

TMP=$(mktemp -d)
SOCK="rdpscope-bench-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$TMP"' EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

for i in $(seq 1 "$RUNS"); do
  cat "$FILE" >/dev/null
  rm -f "$TMP/time.txt"
  t0=$(now_ms)
  tmux -L "$SOCK" new-session -d -s bench -x 160 -y 45 \
    "TERM=xterm-256color /usr/bin/time -v -o '$TMP/time.txt' '$BIN' tui '$FILE' 2>'$TMP/stderr.txt'"
  first="" done_at="" sessions=""
  while :; do
    screen=$(tmux -L "$SOCK" capture-pane -p -t bench 2>/dev/null || true)
    t=$(now_ms)
    if [ -z "$first" ] && grep -Eq ' Sessions [1-9][0-9]* ' <<<"$screen"; then first=$((t - t0)); fi
    if grep -Eq ' · [0-9]+ frames' <<<"$screen"; then
      done_at=$((t - t0))
      [ -z "$first" ] && first=$done_at
      sessions=$(grep -Eo ' Sessions [0-9]+' <<<"$screen" | head -1 | grep -Eo '[0-9]+$' || true)
      break
    fi
    # rdpscope gone (e.g. not a capture: it exits before the UI starts), or the title bar showing
    # neither the progress bar ("reading"), "opening" nor the frame count: reading failed.
    if [ -s "$TMP/time.txt" ]; then
      echo "rdpscope exited before the file was analysed:"; cat "$TMP/stderr.txt"; exit 1
    fi
    title=$(head -1 <<<"$screen")
    if [ -n "$title" ] && ! grep -Eq 'reading|opening' <<<"$title"; then
      echo "reading failed:$title"; exit 1
    fi
    if [ $((t - t0)) -gt 600000 ]; then echo "not analysed within 10 minutes"; exit 1; fi
    if [ -z "$first" ]; then sleep 0.01; else sleep 0.05; fi
  done
  tmux -L "$SOCK" send-keys -t bench q
  for _ in $(seq 1 500); do [ -s "$TMP/time.txt" ] && break; sleep 0.01; done
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$TMP/time.txt" 2>/dev/null || echo "?")
  tmux -L "$SOCK" kill-server 2>/dev/null || true
  printf 'run %d: first sessions %5.2f s, fully analysed %5.2f s (%s sessions), peak RSS %s MB\n' \
    "$i" "$(echo "$first / 1000" | bc -l)" "$(echo "$done_at / 1000" | bc -l)" "${sessions:-?}" "$rss"
done
echo "file: $FILE ($(stat -c %s "$FILE") bytes); $(nproc) cores: $(lscpu | sed -n 's/^Model name: *//p')"

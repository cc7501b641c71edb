#!/usr/bin/env bash
# Adversarial captures at full size: time and peak memory of `rdpscope report --json` on each.
# Usage: benches/hostile.sh [SCALE]     (SCALE 1 = full size: a million-flow SYN flood etc.)
# Needs python3 and GNU time (/usr/bin/time -v). Writes the captures to $TMPDIR/rdpscope-hostile.
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-1}"
out="${TMPDIR:-/tmp}/rdpscope-hostile"
rm -rf "$out"
python3 benches/hostile_gen.py "$out" "$scale"
cargo build --release --quiet
bin=target/release/rdpscope
printf '| capture | size | frames | sessions | wall | peak RSS | warnings |\n|---|---:|---:|---:|---:|---:|---|\n'
for f in "$out"/*.pcap; do
  /usr/bin/time -v "$bin" report --json "$f" > "$out/out.json" 2> "$out/err.txt" || true
  rss_kb=$(grep 'Maximum resident set size' "$out/err.txt" | awk '{print $NF}')
  wall=$(grep 'Elapsed (wall clock)' "$out/err.txt" | awk '{print $NF}')
  # Counted in the text: the heldflood output is over a gigabyte of JSON.
  read -r frames sessions < <(python3 -c '
import re,sys
t=open(sys.argv[1]).readline()
print(re.findall(r"\"frames\":(\d+)", t)[-1], t.count("\"first_frame\":"))' "$out/out.json")
  warns=$( (grep '^rdpscope: ' "$out/err.txt" || true) | sed "s|^rdpscope: $f: ||" | tr '\n' ';' | sed 's/;$//; s/;/; /g; s/|/\\|/g')
  size=$(du -m "$f" | cut -f1)
  printf '| %s | %s MB | %s | %s | %s | %s MB | %s |\n' "$(basename "$f")" "$size" "$frames" "$sessions" "$wall" "$((rss_kb / 1024))" "$warns"
done

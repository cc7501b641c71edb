#!/usr/bin/env bash
# Whole-pipeline benchmark: rdpscope against tshark on one generated capture (issue 7).
#
#   benches/run.sh [SIZE] [RUNS]        e.g. benches/run.sh 1G 3
#
# Generates a deterministic RDP-heavy pcap once (rdpscope-gen, seed 1; kept in $BENCH_DIR,
# default /tmp), then runs alternately, RUNS times each, the page cache warmed before each:
#   rdpscope report --json FILE      with RDPSCOPE_THREADS=1 and with the default thread count
#   tshark -q -z conv,tcp -r FILE
#   tshark -r FILE -d tcp.port==3389,tls -Y 'tls.alert_message || tcp.flags.reset==1'
# under /usr/bin/time -v, and prints MB/s, packets/s, peak RSS and the speed ratio to
# `tshark -q -z conv,tcp` (best of RUNS for times, largest peak RSS), then that ratio round by
# round and its median.
# TSHARK=0 skips tshark (e.g. for a 4G memory check). GEN_ARGS passes more generator options
# (e.g. GEN_ARGS="--mss 536" for smaller packets; the file name then says so). Output of the
# commands goes to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-1G}
RUNS=${2:-3}
BENCH_DIR=${BENCH_DIR:-/tmp}
TSHARK=${TSHARK:-1}
GEN_ARGS=${GEN_ARGS:-}
SLUG=$(echo "$GEN_ARGS" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-' | sed 's/^-//; s/-$//')
FILE="$BENCH_DIR/rdpscope-bench-$SIZE-seed1${SLUG:+-$SLUG}.pcap"

if [ "$TSHARK" = 1 ] && ! command -v tshark >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get install -y -qq tshark >/dev/null
fi

cargo build --release --quiet --bin rdpscope --bin rdpscope-gen
BIN=target/release/rdpscope
if [ ! -s "$FILE" ]; then
  echo "generating $FILE ..."
  # shellcheck disable=SC2086 # GEN_ARGS is a list of options
  target/release/rdpscope-gen --size "$SIZE" --seed 1 $GEN_ARGS -o "$FILE"
fi
BYTES=$(stat -c %s "$FILE")
cat "$FILE" >/dev/null   # warm page cache
FRAMES=$(RDPSCOPE_THREADS=1 "$BIN" report --json "$FILE" | grep -o '"frames":[0-9]*' | head -1 | cut -d: -f2)
NPROC=$(nproc)

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run NAME CMD...: one timed run, appends "seconds rss_kb" to $TMP/NAME. The file is read
# just before: this kernel reclaims cold page-cache pages within minutes (DAMON; `fincore` found
# 39 MB of the 1 GB file still cached after a run of this script), which otherwise puts disk
# reads into whichever command follows a long one.
run() {
  local name=$1; shift
  cat "$FILE" >/dev/null
  /usr/bin/time -v -o "$TMP/time.txt" "$@" >/dev/null 2>"$TMP/stderr.txt" || {
    echo "$name failed:"; cat "$TMP/stderr.txt"; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$TMP/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time.txt")
  echo "$wall $rss" >>"$TMP/$name"
  printf '  %-16s %8.2f s  %8.1f MB RSS\n' "$name" "$wall" "$(echo "$rss / 1024" | bc -l)"
}

NAMES=(rdpscope-1 "rdpscope-$NPROC")
for i in $(seq 1 "$RUNS"); do
  echo "round $i/$RUNS"
  run rdpscope-1 env RDPSCOPE_THREADS=1 "$BIN" report --json "$FILE"
  run "rdpscope-$NPROC" env -u RDPSCOPE_THREADS "$BIN" report --json "$FILE"
  if [ "$TSHARK" = 1 ]; then
    run tshark-conv tshark -q -z conv,tcp -r "$FILE"
    run tshark-alerts tshark -r "$FILE" -d tcp.port==3389,tls -Y 'tls.alert_message || tcp.flags.reset==1'
  fi
done
[ "$TSHARK" = 1 ] && NAMES+=(tshark-conv tshark-alerts)

best() { sort -n "$TMP/$1" | head -1 | cut -d' ' -f1; }
peak() { cut -d' ' -f2 "$TMP/$1" | sort -n | tail -1; }

echo
echo "file: $FILE ($BYTES bytes, $FRAMES frames); $NPROC cores: $(lscpu | sed -n 's/^Model name: *//p')"
echo "best of $RUNS runs, warm page cache"
printf '%-16s %9s %10s %12s %10s %12s\n' command seconds MB/s packets/s "peak RSS" "x tshark-conv"
REF=""
[ "$TSHARK" = 1 ] && REF=$(best tshark-conv)
for n in "${NAMES[@]}"; do
  s=$(best "$n"); r=$(peak "$n")
  ratio="-"
  [ -n "$REF" ] && ratio=$(printf '%.1f' "$(echo "$REF / $s" | bc -l)")
  printf '%-16s %9.2f %10.0f %12.0f %7.1f MB %12s\n' "$n" "$s" \
    "$(echo "$BYTES / 1000000 / $s" | bc -l)" "$(echo "$FRAMES / $s" | bc -l)" \
    "$(echo "$r / 1024" | bc -l)" "$ratio"
done
# The same ratio within each round (the two commands ran a few seconds apart): this machine's
# speed changes from minute to minute, and the best of each column may come from different rounds.
if [ "$TSHARK" = 1 ]; then
  for n in "${NAMES[@]:0:2}"; do
    paste -d' ' "$TMP/tshark-conv" "$TMP/$n" | awk -v n="$n" '
      { r[NR] = $1 / $3; line = line sprintf(" %.1f", r[NR]) }
      END {
        # median: sort the NR ratios (insertion sort: a handful of rounds)
        for (i = 2; i <= NR; i++) { v = r[i]; j = i - 1; while (j > 0 && r[j] > v) { r[j+1] = r[j]; j-- } r[j+1] = v }
        m = (NR % 2) ? r[(NR+1)/2] : (r[NR/2] + r[NR/2+1]) / 2
        printf "%-16s x tshark-conv round by round:%s (median %.1f)\n", n, line, m }'
  done
fi

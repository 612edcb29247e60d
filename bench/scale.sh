#!/usr/bin/env bash
# Scaling and memory: one long durable /v1/batch ingest into one Seam
# server, sampled once a second, so that time per event, RSS and bytes on
# disk can be read at 10^5, 10^6 and 10^7 events (and profiles) of one
# growing store. See bench/README.md ("Scaling and memory").
#
# usage: bench/scale.sh [options]
#   --events N        events to send in all (default 10000000)
#   --pool N          users the traffic draws from (default 1000000)
#   --bodies N        distinct pre-generated batches (default 4096: enough
#                     user draws for ~1M people; ~1 GB in the load generator)
#   --connections C   keep-alive connections (default 16)
#   --max-minutes M   stop the load after M minutes even if N is not reached
#                     (default 30); the report covers what was reached
#   --cpus LIST       cores for server and load generator (default 0,1)
#   --build-dir DIR   CMake build dir (default ./build)
#   --seam BINARY     measure this seam binary instead of the build dir's
#   --smoke           a few seconds, for checking the script itself
#
# Prints, for each checkpoint reached: microseconds per event over the last
# 10% of events before it (the local rate, not the average since the start),
# server RSS, RocksDB bytes on disk (total, per event, per profile) and the
# profiles that exist then. Samples go to BUILD/bench-results/<time>-scale/.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

EVENTS=10000000
POOL=1000000
BODIES=4096
CONNECTIONS=16
MAX_MINUTES=30
CPUS=0,1
BUILD_DIR="${SEAM_BENCH_BUILD_DIR:-build}"
SEAM_BIN=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) EVENTS="$2"; shift 2 ;;
    --pool) POOL="$2"; shift 2 ;;
    --bodies) BODIES="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --max-minutes) MAX_MINUTES="$2"; shift 2 ;;
    --cpus) CPUS="$2"; shift 2 ;;
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --seam) SEAM_BIN="$2"; shift 2 ;;
    --smoke) EVENTS=200000; POOL=20000; BODIES=64; MAX_MINUTES=1; shift ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done

cmake --build "$BUILD_DIR" --target seam seam_loadgen >/dev/null
SEAM="${SEAM_BIN:-$BUILD_DIR/seam}"
LOADGEN="$BUILD_DIR/bench/seam_loadgen"
PIN="taskset -c $CPUS"
export PIN
RESULTS="$BUILD_DIR/bench-results/$(date +%Y%m%d-%H%M%S)-scale"
mkdir -p "$RESULTS"
DATA="$BUILD_DIR/bench-data/scale"

start_server "$SEAM" "$DATA" 60
trap 'stop_server; rm -rf "$DATA"' EXIT

# metric NAME: the value of a counter or gauge on /metrics (0 when absent).
metric() {
  awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }' "$RESULTS/metrics.txt"
}

requests=$(((EVENTS + 499) / 500))
$PIN "$LOADGEN" batch --url "$SERVER_URL" --requests "$requests" --pool "$POOL" --bodies "$BODIES" \
  --connections "$CONNECTIONS" --threads 2 --duration $((MAX_MINUTES * 60)) --json \
  >"$RESULTS/loadgen.json" 2>"$RESULTS/loadgen.log" &
LOAD_PID=$!

echo "t_s,events,profiles,rss_kb,disk_bytes" >"$RESULTS/samples.csv"
start=$(date +%s.%N)
while kill -0 "$LOAD_PID" 2>/dev/null; do
  sleep 1
  curl -s -H "Authorization: Bearer $SEAM_READ_KEY" "$SERVER_URL/metrics" >"$RESULTS/metrics.txt" || continue
  now=$(date +%s.%N)
  events=$(metric seam_events_ingested_total)
  created=$(metric seam_profiles_created_total)
  merged=$(metric seam_profile_merges_total)
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
  disk=$(du -sb "$DATA" | cut -f1)
  echo "$(awk -v a="$now" -v b="$start" 'BEGIN { printf "%.2f", a - b }'),$events,$((${created%.*} - ${merged%.*})),$rss,$disk" >>"$RESULTS/samples.csv"
done
wait "$LOAD_PID" || true

python3 - "$RESULTS/samples.csv" "$EVENTS" <<'EOF' | tee "$RESULTS/summary.txt"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
pts = [(float(r["t_s"]), float(r["events"]), int(r["profiles"]), int(r["rss_kb"]), int(r["disk_bytes"])) for r in rows]
pts = [p for p in pts if p[1] > 0]
if not pts:
    sys.exit("no samples with events")

def time_at(e):
    # linear interpolation of time over the samples
    prev = (0.0, 0.0)
    for t, ev, *_ in pts:
        if ev >= e:
            t0, e0 = prev
            return t0 + (t - t0) * (e - e0) / (ev - e0) if ev > e0 else t
        prev = (t, ev)
    return None

def sample_at(e):
    return next((p for p in pts if p[1] >= e), None)

print("events sent: up to %d; reached %d in %.0f s" % (int(sys.argv[2]), pts[-1][1], pts[-1][0]))
print("%12s %14s %12s %10s %12s %12s %14s" % ("events", "us/event", "profiles", "RSS MB", "disk MB", "B/event", "B/profile"))
base = None
checkpoints = [c for c in (10**5, 10**6, 10**7) if c <= pts[-1][1]] + [int(pts[-1][1])]
for c in sorted(set(checkpoints)):
    t1, t0 = time_at(c), time_at(0.9 * c)
    s = sample_at(c)
    if t1 is None or t0 is None or s is None:
        continue
    us = (t1 - t0) / (0.1 * c) * 1e6
    base = base or us
    print("%12d %14.1f %12d %10.0f %12.1f %12.1f %14.1f   x%.2f" % (
        c, us, s[2], s[3] / 1024, s[4] / 1e6, s[4] / s[1], s[4] / max(s[2], 1), us / base))
EOF

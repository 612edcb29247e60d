#!/usr/bin/env bash
# Seam against the baseline server, A B A B: baseline, seam, baseline, seam,
# each on a fresh data dir with the same load generator settings, server and
# load generator on the same cores. Prints every run, then medians (min-max)
# and the ratio seam/baseline. See bench/README.md.
#
# usage: bench/run.sh ingest|track|lookup|all|profile [options]
#   ingest    durable POST /v1/batch: events/s and batch latency
#   track     POST /v1/track, one message per request: requests/s and latency
#   lookup    GET /v1/profiles: closed loop at --lookup-connections, then
#             open loop at --rate (latency from the scheduled send time)
#   all       ingest, track and lookup
#   profile   Seam's batch ingest under valgrind --tool=callgrind (instruction
#             counts; no A/B): top functions, inclusive and exclusive
# options
#   --duration S            seconds per measured run (default 15)
#   --long                  60 s per run and 3 pairs (A B A B A B)
#   --repeat N              A B pairs (default 2)
#   --connections C         ingest and track connections (default 16)
#   --batch-size N          messages per batch (default 500)
#   --pool N                users the ingest traffic draws from (default 100000)
#   --users N               users preloaded for lookups (default 20000)
#   --lookup-connections C  closed-loop lookup connections (default 32)
#   --rate R                open-loop lookup rate, requests/s (default 2000)
#   --loadgen-threads T     load generator threads (default 2)
#   --cpus LIST             cores for server and load generator (default 0,1)
#   --profile-requests N    batches measured under callgrind (default 20)
#   --profile-server S      seam (default) or baseline
#   --profile-warmup N      batches sent before measuring, so the profile shows
#                           returning users rather than first sightings (default 0;
#                           use with a small --pool)
#   --idle-min PCT          before each run, wait until the machine is PCT% idle
#                           over a second (default 85; 0 disables)
#   --max-wait S            give up waiting for idle after S s (default 300)
#   --max-other PCT         redo a run in which other processes took more than
#                           PCT% of the machine (default 15), up to --attempts
#                           times in all (default 3); the last one is kept
#   --build-dir DIR         CMake build dir (default ./build; $SEAM_BENCH_BUILD_DIR)
#   --seam BINARY           measure this seam binary (e.g. a saved build of an
#                           older commit) instead of the build dir's
#   --no-build              use the binaries already in the build dir
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/bench/lib.sh"

WHAT="${1:-}"
[[ -n "$WHAT" ]] && shift
DURATION=15
REPEAT=2
CONNECTIONS=16
BATCH_SIZE=500
POOL=100000
USERS=20000
LOOKUP_CONNECTIONS=32
RATE=2000
LOADGEN_THREADS=2
CPUS=0,1
PROFILE_REQUESTS=20
PROFILE_WARMUP=0
PROFILE_SERVER=seam
BUILD_DIR="${SEAM_BENCH_BUILD_DIR:-$ROOT/build}"
BUILD=1
SEAM=""
IDLE_MIN=85
MAX_WAIT=300
MAX_OTHER=15
ATTEMPTS=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --long) DURATION=60; REPEAT=3; shift ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --batch-size) BATCH_SIZE="$2"; shift 2 ;;
    --pool) POOL="$2"; shift 2 ;;
    --users) USERS="$2"; shift 2 ;;
    --lookup-connections) LOOKUP_CONNECTIONS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --loadgen-threads) LOADGEN_THREADS="$2"; shift 2 ;;
    --cpus) CPUS="$2"; shift 2 ;;
    --profile-requests) PROFILE_REQUESTS="$2"; shift 2 ;;
    --profile-warmup) PROFILE_WARMUP="$2"; shift 2 ;;
    --profile-server) PROFILE_SERVER="$2"; shift 2 ;;
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --seam) SEAM="$(readlink -f "$2")"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --idle-min) IDLE_MIN="$2"; shift 2 ;;
    --max-wait) MAX_WAIT="$2"; shift 2 ;;
    --max-other) MAX_OTHER="$2"; shift 2 ;;
    --attempts) ATTEMPTS="$2"; shift 2 ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done
case "$WHAT" in
  ingest | track | lookup | all | profile) ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
BUILD_DIR="$(readlink -m "$BUILD_DIR")"

if [[ "$BUILD" == 1 ]]; then
  if [[ ! -f "$BUILD_DIR/build.ninja" && ! -f "$BUILD_DIR/Makefile" ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  targets=(seam_baseline seam_loadgen)
  [[ -z "$SEAM" ]] && targets+=(seam)
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target "${targets[@]}"
fi
SEAM="${SEAM:-$BUILD_DIR/seam}"
BASELINE="$BUILD_DIR/bench/seam_baseline"
LOADGEN="$BUILD_DIR/bench/seam_loadgen"
for b in "$SEAM" "$BASELINE" "$LOADGEN"; do
  [[ -x "$b" ]] || { echo "missing $b: build first (drop --no-build)" >&2; exit 1; }
done

# Server and load generator share the same cores, and each server runs one
# io thread per core it is given.
PIN=""
if command -v taskset >/dev/null; then PIN="taskset -c $CPUS"; fi
SERVER_THREADS=$(awk -F, '{n=0; for(i=1;i<=NF;i++){ if ($i ~ /-/) { split($i,r,"-"); n+=r[2]-r[1]+1 } else n++ } print n}' <<<"$CPUS")
export SEAM_SERVER_THREADS="$SERVER_THREADS"
export PIN

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BUILD_DIR/bench-results/$STAMP-$WHAT"
DATA="$BUILD_DIR/bench-data"
mkdir -p "$RESULTS" "$DATA"
trap 'stop_server' EXIT
# fsync latency of the data dir's disk: durable ingest waits for it.
sync_ms() {
  local f="$DATA/.sync-probe" t0 t1
  t0=$(date +%s%N)
  dd if=/dev/zero of="$f" bs=4k count=200 oflag=dsync status=none
  t1=$(date +%s%N)
  rm -f "$f"
  awk -v ns="$((t1 - t0))" 'BEGIN { printf "%.2f", ns / 200 / 1e6 }'
}
{
  echo "disk: a synced 4 KB write takes $(sync_ms) ms (dd oflag=dsync, in $DATA)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(date -u +%Y-%m-%d)"
  echo "seam: $SEAM ($(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown) in the tree)"
  echo "settings: duration ${DURATION}s, repeat $REPEAT, cpus $CPUS, server threads $SERVER_THREADS, loadgen threads $LOADGEN_THREADS"
} | tee "$RESULTS/summary.txt"

# Busy and total CPU ticks of the whole machine, from /proc/stat.
machine_ticks() {
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# Waits (up to --max-wait) until the machine is --idle-min % idle: on a shared
# machine another process's build would otherwise be measured with us.
wait_quiet() {
  ((IDLE_MIN > 0)) || return 0
  local waited=0 idle
  while :; do
    read -r b1 t1 < <(machine_ticks)
    sleep 1
    read -r b2 t2 < <(machine_ticks)
    idle=$((100 - 100 * (b2 - b1) / (t2 - t1 > 0 ? t2 - t1 : 1)))
    ((idle >= IDLE_MIN)) && return 0
    if ((waited == 0)); then echo "    waiting for the machine to be ${IDLE_MIN}% idle (now ${idle}%)"; fi
    if ((waited >= MAX_WAIT)); then
      echo "    still only ${idle}% idle after ${MAX_WAIT}s: measuring anyway"
      return 0
    fi
    sleep 4
    waited=$((waited + 5))
  done
}

# loadgen OUT_JSON ARGS...: one measured load. Prints the load generator's
# line and how the machine's CPU was shared during it; "other" is CPU used
# by processes that are neither the server nor the load generator.
loadgen() {
  local out="$1" b1 t1 b2 t2 s1 s2 w1 w2
  shift
  read -r b1 t1 < <(machine_ticks)
  s1=$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat")
  w1=$(date +%s.%N)
  $PIN "$LOADGEN" "$@" --url "$SERVER_URL" --threads "$LOADGEN_THREADS" --json >"$out" 2>"$out.log" || true
  w2=$(date +%s.%N)
  s2=$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat")
  read -r b2 t2 < <(machine_ticks)
  sed 's/^/    /' "$out.log"
  local lg
  lg=$(json_num loadgen_cpu_s "$out")
  awk -v b="$((b2 - b1))" -v t="$((t2 - t1))" -v s="$((s2 - s1))" -v lg="${lg:-0}" -v hz="$(getconf CLK_TCK)" \
    -v wall="$(awk -v a="$w1" -v z="$w2" 'BEGIN { print z - a }')" -v n="$(nproc)" 'BEGIN {
      cap = wall * n
      server = 100 * s / hz / cap; gen = 100 * lg / cap; busy = (t > 0) ? 100 * b / t : 0
      other = busy - server - gen; if (other < 0) other = 0
      printf "    cpu of the machine: server %.0f%%, loadgen %.0f%%, other %.0f%%, idle %.0f%%\n", server, gen, other, 100 - busy
      printf "{\"server_cpu_pct\":%.1f,\"loadgen_cpu_pct\":%.1f,\"other_cpu_pct\":%.1f}\n", server, gen, other > "/dev/stderr"
    }' 2>"$out.cpu"
  RUN_OTHER_MAX=$(awk -v a="$RUN_OTHER_MAX" -v b="$(json_num other_cpu_pct "$out.cpu")" 'BEGIN { print (b > a) ? b : a }')
}

start_kind() {  # KIND DIR [baseline preload users]
  if [[ "$1" == baseline ]]; then
    if [[ -n "${3:-}" ]]; then
      start_server "$BASELINE" "$2" 300 --threads "$SERVER_THREADS" --preload "$3"
    else
      start_server "$BASELINE" "$2" 60 --threads "$SERVER_THREADS"
    fi
  else
    start_server "$SEAM" "$2" 60
  fi
}

# series NAME LOAD_FUNCTION [needs preload]: A B A B over fresh servers.
series() {
  local name="$1" load="$2" preload="${3:-}"
  echo "== $name"
  for ((r = 1; r <= REPEAT; r++)); do
    for kind in baseline seam; do
      local dir="$DATA/$name-$kind-$r"
      for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
        local note=""
        ((attempt > 1)) && note=" (attempt $attempt)"
        echo "  run $r $kind$note"
        wait_quiet
        RUN_OTHER_MAX=0
        start_kind "$kind" "$dir" "$preload"
        "$load" "$kind" "$r"
        stop_server
        awk -v o="$RUN_OTHER_MAX" -v m="$MAX_OTHER" 'BEGIN { exit !(o <= m) }' && break
        if ((attempt < ATTEMPTS)); then
          echo "    other processes took ${RUN_OTHER_MAX}% of the machine (> ${MAX_OTHER}%): measuring again"
        else
          echo "    other processes took ${RUN_OTHER_MAX}% of the machine: kept, but read it with care"
        fi
      done
      rm -rf "$dir" "$dir.out"
      sync
    done
  done
}

load_ingest() {
  loadgen "$RESULTS/ingest-$1-$2.json" batch --connections "$CONNECTIONS" --batch-size "$BATCH_SIZE" \
    --pool "$POOL" --duration "$DURATION"
}
load_track() {
  loadgen "$RESULTS/track-$1-$2.json" track --connections "$CONNECTIONS" --pool "$POOL" --duration "$DURATION"
}
load_lookup() {
  if [[ "$1" == seam ]]; then
    # The same identifies the baseline's --preload stores, through Seam's API.
    $PIN "$LOADGEN" preload --preload "$USERS" --url "$SERVER_URL" --connections 4 --json \
      >"$RESULTS/preload-$2.json" 2>"$RESULTS/preload-$2.json.log" || { cat "$RESULTS/preload-$2.json.log" >&2; return 1; }
    sed 's/^/    /' "$RESULTS/preload-$2.json.log"
  fi
  loadgen "$RESULTS/lookup_closed-$1-$2.json" lookup --pool "$USERS" --connections "$LOOKUP_CONNECTIONS" \
    --duration "$DURATION"
  loadgen "$RESULTS/lookup_open-$1-$2.json" lookup --pool "$USERS" --connections "$LOOKUP_CONNECTIONS" \
    --rate "$RATE" --duration "$DURATION"
}

# stats: "median min max" of the numbers on stdin, one a line.
stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan nan nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[1], v[NR] }'
}

# summarize CASE KEY LABEL [SUFFIX]: medians (min-max) per kind and
# seam/baseline, from the runs' FILE.json (or FILE.json.SUFFIX).
summarize() {
  local case="$1" key="$2" label="$3" suffix="${4:-}" b s
  b=$(for f in "$RESULTS/$case"-baseline-*.json; do json_num "$key" "$f$suffix"; done | stats)
  s=$(for f in "$RESULTS/$case"-seam-*.json; do json_num "$key" "$f$suffix"; done | stats)
  awk -v label="$label" -v b="$b" -v s="$s" 'BEGIN {
    split(b, x, " "); split(s, y, " ")
    ratio = (x[1] + 0 != 0) ? sprintf("%.3f", y[1] / x[1]) : "n/a"
    f = (x[1] >= 100 || y[1] >= 100) ? "%.0f" : "%.3g"
    printf "  %-28s %12s %-17s %12s %-17s %s\n", label, sprintf(f, x[1]), sprintf("(" f "-" f ")", x[2], x[3]),
      sprintf(f, y[1]), sprintf("(" f "-" f ")", y[2], y[3]), ratio }'
}

header() {
  printf "  %-28s %12s %-17s %12s %-17s %s\n" "$1" "baseline" "(min-max)" "seam" "(min-max)" "seam/baseline"
}

report() {
  echo
  echo "summary ($REPEAT runs each; medians, min-max, ratio of medians)"
  if [[ "$WHAT" == ingest || "$WHAT" == all ]]; then
    header "ingest /v1/batch x$BATCH_SIZE, ${CONNECTIONS}c"
    summarize ingest events_per_s "events/s (durable)"
    summarize ingest p50 "batch latency p50 ms"
    summarize ingest p99 "batch latency p99 ms"
    summarize ingest status_429 "429 answers"
    summarize ingest status_503 "503 answers"
    summarize ingest other_cpu_pct "other processes' CPU %" .cpu
  fi
  if [[ "$WHAT" == track || "$WHAT" == all ]]; then
    header "track /v1/track, ${CONNECTIONS}c"
    summarize track requests_per_s "requests/s"
    summarize track p50 "latency p50 ms"
    summarize track p99 "latency p99 ms"
    summarize track other_cpu_pct "other processes' CPU %" .cpu
  fi
  if [[ "$WHAT" == lookup || "$WHAT" == all ]]; then
    header "lookup closed loop, ${LOOKUP_CONNECTIONS}c"
    summarize lookup_closed requests_per_s "lookups/s"
    summarize lookup_closed p50 "latency p50 ms"
    summarize lookup_closed p99 "latency p99 ms"
    summarize lookup_closed status_other "non-200/429/503 answers"
    summarize lookup_closed other_cpu_pct "other processes' CPU %" .cpu
    header "lookup open loop @${RATE}/s"
    summarize lookup_open requests_per_s "achieved lookups/s"
    summarize lookup_open p50 "latency p50 ms"
    summarize lookup_open p99 "latency p99 ms"
    summarize lookup_open p999 "latency p99.9 ms"
    summarize lookup_open missed "missed (never sent)"
    summarize lookup_open other_cpu_pct "other processes' CPU %" .cpu
  fi
  echo "  results: $RESULTS"
}

profile() {
  command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
  local dir="$DATA/profile-$PROFILE_SERVER" out="$RESULTS/callgrind.out" bin="$SEAM"
  [[ "$PROFILE_SERVER" == baseline ]] && bin="$BASELINE"
  echo "== profile: $PROFILE_SERVER batch ingest under callgrind ($PROFILE_REQUESTS batches of $BATCH_SIZE, pool $POOL," \
    "after $PROFILE_WARMUP unmeasured)"
  # Instrumentation starts only for the load: start-up is not what we profile.
  WRAP="valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$out" \
    start_server "$bin" "$dir" 300 || true
  if [[ -z "$SERVER_PID" ]]; then echo "$PROFILE_SERVER did not start under valgrind" >&2; exit 1; fi
  if ((PROFILE_WARMUP > 0)); then
    $PIN "$LOADGEN" batch --url "$SERVER_URL" --connections 4 --threads 1 --batch-size "$BATCH_SIZE" --pool "$POOL" \
      --bodies 16 --requests "$PROFILE_WARMUP" --json >"$RESULTS/profile-warmup.json" 2>"$RESULTS/profile-warmup.log" || true
    sed 's/^/    warm-up: /' "$RESULTS/profile-warmup.log"
  fi
  callgrind_control -i on "$SERVER_PID" >/dev/null
  $PIN "$LOADGEN" batch --url "$SERVER_URL" --connections 4 --threads 1 --batch-size "$BATCH_SIZE" --pool "$POOL" \
    --bodies 16 --requests "$PROFILE_REQUESTS" --json >"$RESULTS/profile-load.json" 2>"$RESULTS/profile-load.log" || true
  sed 's/^/    /' "$RESULTS/profile-load.log"
  callgrind_control -i off "$SERVER_PID" >/dev/null
  stop_server
  rm -rf "$dir"
  callgrind_annotate --inclusive=yes --threshold=100 "$out" >"$RESULTS/callgrind-inclusive.txt"
  callgrind_annotate --threshold=100 "$out" >"$RESULTS/callgrind-exclusive.txt"
  echo "-- inclusive (top 40)"
  grep -m1 -A 45 'Ir' "$RESULTS/callgrind-inclusive.txt" | cut -c1-220 | head -n 45
  echo "-- exclusive (top 40)"
  grep -m1 -A 45 'Ir' "$RESULTS/callgrind-exclusive.txt" | cut -c1-220 | head -n 45
  local total events
  total=$(grep -m1 'PROGRAM TOTALS' "$RESULTS/callgrind-inclusive.txt" | awk '{ gsub(",", "", $1); print $1 }')
  events=$(json_num events "$RESULTS/profile-load.json")
  awk -v t="$total" -v e="$events" 'BEGIN { if (e > 0) printf "-- %.0f instructions per accepted event (%d events, all threads)\n", t / e, e }'
  echo "  full output: $RESULTS/callgrind-{inclusive,exclusive}.txt, raw: $out"
}

case "$WHAT" in
  ingest) series ingest load_ingest ;;
  track) series track load_track ;;
  lookup) series lookup load_lookup "$USERS" ;;
  all)
    series ingest load_ingest
    series track load_track
    series lookup load_lookup "$USERS"
    ;;
  profile) profile; exit 0 ;;
esac
report | tee -a "$RESULTS/summary.txt"

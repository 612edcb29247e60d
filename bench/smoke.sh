#!/usr/bin/env bash
# CI smoke test (ctest -R bench_smoke): starts Seam and the baseline, pushes
# about a second of batches and of lookups through each with the load
# generator, and fails if any of those runs gets no 2xx answer. Not a
# benchmark: the figures it prints mean nothing on a shared CI machine.
# usage: smoke.sh SEAM_BINARY BASELINE_BINARY LOADGEN_BINARY
set -euo pipefail
SEAM="$1" BASELINE="$2" LOADGEN="$3"
source "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/seam-bench-smoke.XXXXXX")
trap 'stop_server; rm -rf "$WORK"' EXIT
USERS=200

check() {  # NAME COMMAND...: run a load and fail loudly if nothing succeeded
  local name="$1"
  shift
  if ! "$@"; then
    echo "bench_smoke: $name: no successful request" >&2
    exit 1
  fi
}

start_server "$BASELINE" "$WORK/baseline" 10 --preload "$USERS"
check "baseline batch" "$LOADGEN" batch --url "$SERVER_URL" --smoke --strict
check "baseline lookup" "$LOADGEN" lookup --url "$SERVER_URL" --smoke --strict --pool "$USERS" --duration 0.5
stop_server

start_server "$SEAM" "$WORK/seam" 10
check "seam batch" "$LOADGEN" batch --url "$SERVER_URL" --smoke --strict
check "seam lookup" "$LOADGEN" lookup --url "$SERVER_URL" --smoke --strict --preload "$USERS" --duration 0.5
stop_server
echo "bench_smoke: ok"

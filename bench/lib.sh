# Shared by bench/run.sh and bench/smoke.sh: start and stop a server (Seam or
# the baseline, same CLI shape) and read numbers out of the load generator's
# one-line JSON. Source it; it defines functions only.

# Keys for benchmark servers only: never a real deployment's.
export SEAM_WRITE_KEY="${SEAM_WRITE_KEY:-bench_write_key_000000}"
export SEAM_READ_KEY="${SEAM_READ_KEY:-bench_read_key_0000000}"
export SEAM_ADMIN_KEY="${SEAM_ADMIN_KEY:-bench_admin_key_000000}"
export SEAM_SECURITY_KEY="${SEAM_SECURITY_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}"
export SEAM_LOG_LEVEL="${SEAM_LOG_LEVEL:-warn}"

SERVER_PID=""
SERVER_URL=""

# start_server BINARY DATA_DIR WAIT_SECONDS [EXTRA ARGS...]
# Starts `BINARY serve --listen 127.0.0.1:0 --data-dir DATA_DIR` (under
# $PIN, e.g. "taskset -c 0,1", and then $WRAP, e.g. valgrind, when set) and
# waits for its
# "listening on http://..." line. Sets SERVER_PID and SERVER_URL.
start_server() {
  local bin dir wait_s="$3"
  bin=$(readlink -f "$1")
  dir=$(readlink -m "$2")
  shift 3
  local out="$dir.out"
  rm -rf "$dir" "$out"
  mkdir -p "$(dirname "$dir")"
  # cwd inside the data dir's parent: anything the server writes relative to
  # its cwd stays with the run.
  (cd "$(dirname "$dir")" && exec ${PIN:-} ${WRAP:-} "$bin" serve --listen 127.0.0.1:0 --data-dir "$dir" "$@") >"$out" 2>&1 &
  SERVER_PID=$!
  local tries=$((wait_s * 20))
  for ((i = 0; i < tries; i++)); do
    if grep -q 'listening on http://' "$out" 2>/dev/null; then
      SERVER_URL=$(grep -o 'http://[0-9.]*:[0-9]*' "$out" | head -n1)
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server $bin exited before listening:" >&2
      cat "$out" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.05
  done
  echo "server $bin did not start listening within ${wait_s}s" >&2
  cat "$out" >&2
  stop_server
  return 1
}

# Stops the server started last (SIGTERM, then SIGKILL after 20 s).
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < 400; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# json_num KEY FILE: the first number stored under "KEY" in FILE (the
# load generator's keys are unique, nested ones included).
json_num() {
  grep -o "\"$1\":[-0-9.eE+]*" "$2" | head -n1 | cut -d: -f2
}

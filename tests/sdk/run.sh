#!/usr/bin/env bash
# Runs the real Segment and RudderStack Node SDKs against a real seam binary.
# Usage: run.sh PATH_TO_SEAM. Installs the pinned npm packages into
# build/sdk-node (never committed) the first time.
set -euo pipefail
SEAM="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(dirname "$SEAM")/sdk-node"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
# @segment/analytics-node 3.x needs Node >= 20; Debian 12's Node 18 runs 2.x.
if (( NODE_MAJOR >= 20 )); then SEGMENT_VERSION=3.1.0; else SEGMENT_VERSION=2.3.0; fi

mkdir -p "$WORK"
cp "$HERE/package.json" "$HERE/sdk_compat.js" "$WORK/"
if [[ ! -d "$WORK/node_modules/@segment/analytics-node" || ! -d "$WORK/node_modules/@rudderstack/rudder-sdk-node" ]]; then
  (cd "$WORK" && npm install --no-audit --no-fund --loglevel=error \
      "@segment/analytics-node@$SEGMENT_VERSION" "@rudderstack/rudder-sdk-node@3.0.13" >/dev/null)
fi

DATA="$(mktemp -d)"
OUT="$DATA/stdout"
export SEAM_WRITE_KEY=seam_write_sdktest000000000001
export SEAM_READ_KEY=seam_read_sdktest0000000000001
export SEAM_ADMIN_KEY=seam_admin_sdktest000000000001
export SEAM_SECURITY_KEY=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
export SEAM_LOG_LEVEL=warn
"$SEAM" serve --listen 127.0.0.1:0 --data-dir "$DATA/data" >"$OUT" &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q "seam listening on" "$OUT" && break
  sleep 0.1
done
URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$OUT" | head -1)"
[[ -n "$URL" ]] || { echo "server did not start"; cat "$OUT"; exit 1; }
cd "$WORK"
SEAM_URL="$URL" node sdk_compat.js

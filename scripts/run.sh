#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running server on the
# embedded default: RocksDB under ./data, http://127.0.0.1:8080. Keys are
# generated and printed once on first start. Extra arguments go to `seam serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target seam
exec ./build/seam serve "$@"

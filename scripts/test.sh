#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a passing test suite: unit,
# integration (real server on 127.0.0.1, real RocksDB in temp dirs),
# durability, and the real Segment/RudderStack SDKs against the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-node
SEAM_WERROR="${SEAM_WERROR:-ON}" scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600

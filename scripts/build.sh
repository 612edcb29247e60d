#!/usr/bin/env bash
# Configures (once) and builds Seam in ./build with Ninja and ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_TYPE="${SEAM_BUILD_TYPE:-RelWithDebInfo}"
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DSEAM_WERROR="${SEAM_WERROR:-OFF}"
fi
cmake --build build -j "$(nproc)" "$@"

#!/usr/bin/env bash
# Installs the Debian 12 packages Seam builds and tests with, when missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev librocksdb-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libsimdjson-dev libphonenumber-dev libicu-dev libssl-dev zlib1g-dev liblz4-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# The SDK compatibility test drives the real Segment and RudderStack npm
# packages; it needs Node.js and npm (any Debian 12 Node works: see
# tests/sdk/README.md for the versions pinned per Node major).
if [[ "${1:-}" == "--with-node" ]]; then
  command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
  command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs the Debian 12 packages Tessera needs to build and run; with --with-test-tools also
# what the tests need (DCMTK's command-line tools, pydicom, Chromium, Node.js packages).
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
with_test_tools=false
[ "${1:-}" = "--with-test-tools" ] && with_test_tools=true

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries
  libdcmtk-dev libboost-dev libssl-dev libsqlite3-dev libjwt-dev libargon2-dev
  nlohmann-json3-dev libtoml11-dev libcli11-dev libspdlog-dev libfmt-dev zlib1g-dev
  libzip-dev libgtest-dev googletest libopenjp2-7-dev libjemalloc-dev
  # the server makes its TLS certificate itself; openssl and curl are handy to check it
  openssl curl
)
test_packages=(
  dcmtk python3 python3-pydicom python3-numpy python3-pytest python3-requests sqlite3 unzip zip
  procps
  # tests/integration: decodes rendered JPEG/PNG images; forges and checks JWTs
  python3-pil python3-jwt python3-cryptography
  # tests/e2e: playwright-core drives Debian's Chromium (/usr/bin/chromium)
  chromium
  # tests/integration/test_service_unit.py: systemd-analyze verifies packaging/tessera.service
  systemd
)
if $with_test_tools; then packages+=("${test_packages[@]}"); fi

scripts/apt-install.sh install-deps "${packages[@]}"

#!/usr/bin/env bash
# Installs the dependencies (also those only the tests need), builds everything and runs every
# test (unit, integration, browser end-to-end) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-test-tools
# playwright-core for the browser tests (the registry is npm's; Chromium is Debian's)
npm ci --prefix tests/e2e --no-audit --no-fund
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_WERROR=ON
cmake --build build
ctest --test-dir build --output-on-failure --timeout 900 -j "$(nproc)" "$@"

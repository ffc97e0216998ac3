#!/usr/bin/env bash
# Installs the dependencies, builds Tessera (release) and starts the server with the default
# configuration: HTTPS on port 8443, DICOM on port 4242, data in ./data. On the first start the
# data folder is initialised (TLS certificate, signing key) and the admin password is printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTESSERA_BUILD_TESTS=OFF
cmake --build build-release --target tessera
exec ./build-release/src/app/tessera serve --data "${TESSERA_DATA_DIR:-./data}" "$@"

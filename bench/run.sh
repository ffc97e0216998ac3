#!/usr/bin/env bash
# The Tessera vs Orthanc benchmark in one command (see bench/README.md):
#   bench/run.sh [--studies 10000] [--quick] [--rounds 2] [--profile] [--servers tessera,orthanc]
# Installs Orthanc and the tools (bench/install.sh), builds Tessera and the load client in
# release mode (build-bench/), generates the data once (bench/out/data/), runs every workload
# against both servers and prints the table. Extra arguments go to bench/bench.py.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TESSERA_BENCH_BUILD_DIR:-$root/build-bench}"

if [ "${TESSERA_BENCH_SKIP_INSTALL:-}" != 1 ]; then
  "$root/bench/install.sh"
fi

# Release flags plus -g: the same code, with symbols for perf.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-g \
      -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_BENCH=ON >/dev/null
ninja -C "$build" tessera tessera-bench

# Debian's python3 has pydicom and numpy (a python3 earlier on PATH may not).
exec /usr/bin/python3 "$root/bench/bench.py" \
  --tessera "$build/src/app/tessera" --client "$build/bench/tessera-bench" "$@"

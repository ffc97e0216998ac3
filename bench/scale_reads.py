#!/usr/bin/env python3
"""The benchmark's read workloads against Tessera data folders that are already filled (for
instance by `bench/run.sh --studies 1000000 --servers tessera --keep`), alternating the folders
round by round, so that one table compares the same queries at two index sizes.

    bench/scale_reads.py --tessera build-bench/src/app/tessera \\
        --client build-bench/bench/tessera-bench --ct bench/out/data/ct-4x2x150-512-s1 \\
        DATA_10K=bench/out/data/index-10000-s1 DATA_1M=bench/out/data/index-1000000-s1

Each FOLDER=INDEX pair is a Tessera data folder and the index set it holds (its sampled
PatientIDs, names and dates drive the queries). Nothing is written to the folders. Rows whose
answer grows with the archive (all studies) and the throughput rows are left out.
"""
import argparse
import json
import os
import sys

import bench
import servers

SKIP = {"qido_all_studies", "frames_per_s", "wado_series_mbps", "qido_rps_c64"}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tessera", required=True)
    p.add_argument("--client", required=True)
    p.add_argument("--ct", required=True, help="the CT set's folder (its series is queried)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--work", default=os.path.join(bench.HERE, "out", "scale"))
    p.add_argument("folders", nargs="+", metavar="FOLDER=INDEX")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    args.quick = False
    b = bench.Bench(args)
    b.ct = bench.load_manifest(args.ct)
    pairs = [f.split("=", 1) for f in args.folders]
    best = {folder: {} for folder, _ in pairs}
    for _ in range(args.rounds):
        for folder, index in pairs:
            b.index = bench.load_manifest(index)
            server = servers.TesseraServer(args.tessera, folder, "auth")
            server.start()
            try:
                for row, paths, accept, c, n, d, key in b.read_workloads():
                    if row in SKIP:
                        continue
                    b.get(server, paths, accept, connections=c, requests=min(len(paths), 20),
                          duration=d)  # warm-up
                    r = b.get(server, paths, accept, connections=c, requests=n, duration=d)
                    value = r[key]
                    higher_is_better = key != "p50_ms"
                    kept = best[folder].get(row)
                    if kept is None or (value > kept if higher_is_better else value < kept):
                        best[folder][row] = value
                    bench.log(f"{os.path.basename(folder)} {row:<26} {value:.2f}")
            finally:
                server.stop()
    first = pairs[0][0]
    header = ["workload (ms p50; req/s)"] + [os.path.basename(f) for f, _ in pairs] + ["vs first"]
    print("| " + " | ".join(header) + " |")
    print("|---" * len(header) + "|")
    for row in best[first]:
        values = [best[f][row] for f, _ in pairs]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        print(f"| {row} | " + " | ".join(f"{v:,.2f}" for v in values) + f" | {ratio:.2f}× |")
    with open(os.path.join(args.work, "scale.json"), "w") as f:
        json.dump(best, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())

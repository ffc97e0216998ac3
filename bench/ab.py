#!/usr/bin/python3
"""Alternating A/B runs of two Tessera builds on one write workload, each round on fresh data
folders: the way to tell whether a change made ingest faster or slower on a machine whose speed
drifts (RESULTS.md). Prints each round and the medians; benchmarks are never asserted.

Usage: bench/ab.py A_BINARY B_BINARY --client build-bench/bench/tessera-bench
                   [--workload small|ct] [--pairs 5] [--variant auth|noauth]
The data comes from gen_data.py (bench/run.sh makes it): --index-list and --ct-list name the
list.txt of the index set and of the CT set.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import servers  # noqa: E402


def run_round(binary, args, work, label):
    server = servers.TesseraServer(binary, os.path.join(work, label), args.variant).create()
    try:
        files = args.index_list if args.workload == "small" else args.ct_list
        per_request = 1 if args.workload == "small" else args.ct_batch
        command = [args.client, "post", "--url", server.base,
                   "--path", server.dicomweb_root + "/studies", "--files", files,
                   "--per-request", str(per_request), "-c", str(args.connections)]
        for header in server.headers():
            command += ["-H", header]
        before = servers.cpu_seconds(server.pid)
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        cpu = servers.cpu_seconds(server.pid) - before
        report = json.loads(result.stdout)
        if report["errors"]:
            raise RuntimeError(f"{label}: {report['errors']} errors: {report['statuses']}")
        instances = report["instances"]
        return report["instances_per_s"], 1000 * cpu / instances
    finally:
        server.wipe()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--client", required=True)
    p.add_argument("--workload", choices=("small", "ct"), default="small")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--ct-batch", type=int, default=50)
    p.add_argument("--variant", choices=("auth", "noauth"), default="auth")
    p.add_argument("--index-list",
                   default=os.path.join(HERE, "out", "data", "index-10000-s1", "list.txt"))
    p.add_argument("--ct-list",
                   default=os.path.join(HERE, "out", "data", "ct-4x2x150-512-s1", "list.txt"))
    args = p.parse_args()
    rates = {"A": [], "B": []}
    cpus = {"A": [], "B": []}
    with tempfile.TemporaryDirectory(prefix="tessera-ab-", dir=os.path.join(HERE, "out")) as work:
        # Wiped folders wait in the trash until the end, as in bench.py (servers.TRASH says
        # why); the temporary folder goes with everything in it after the last round.
        servers.TRASH = os.path.join(work, "trash")
        servers.wait_for_freed_inodes()
        for pair in range(args.pairs):
            # Who goes first alternates too: a drift within a pair favours neither build.
            order = [("A", args.a), ("B", args.b)]
            if pair % 2:
                order.reverse()
            for label, binary in order:
                rate, cpu = run_round(binary, args, work, label)
                rates[label].append(rate)
                cpus[label].append(cpu)
                print(f"pair {pair + 1} {label}: {rate:8.0f} inst/s  {cpu:.3f} ms CPU/instance",
                      flush=True)
        servers.empty_trash()
    for label in ("A", "B"):
        print(f"{label}: median {statistics.median(rates[label]):.0f} inst/s, "
              f"{statistics.median(cpus[label]):.3f} ms CPU/instance")
    ahead = sum(b > a for a, b in zip(rates["A"], rates["B"]))
    print(f"B ahead of A in {ahead} of {args.pairs} pairs; B/A of the medians "
          f"{statistics.median(rates['B']) / statistics.median(rates['A']):.3f}")


if __name__ == "__main__":
    main()

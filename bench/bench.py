#!/usr/bin/python3
"""Tessera vs Orthanc: the reproducible benchmark (run it with bench/run.sh).

Generates (or reuses) the deterministic data, measures the machine's physical limits, starts
Tessera and Orthanc on loopback and runs the same load client against both, alternating
Tessera, Orthanc, Tessera, Orthanc for every workload; prints one table and writes everything
measured to <work>/results.json and the table to <work>/table.md.

Each figure is the best of --rounds (highest throughput, lowest latency percentile): the
machine is shared, and interference only ever makes a run slower.
"""
import argparse
import ctypes
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import servers

HERE = os.path.dirname(os.path.abspath(__file__))
LIBC = ctypes.CDLL(None, use_errno=True)  # syncfs(2): not in the os module
QIDO_ACCEPT = "Accept: application/dicom+json"
DICOM_ACCEPT = 'Accept: multipart/related; type="application/dicom"; transfer-syntax=*'
EXPLORER_PAGE = ("/studies?includefield=00100030&includefield=00100040&includefield=00201206"
                 "&includefield=00201208&includefield=00080061&includefield=00081030"
                 "&orderby=-StudyDate&limit=50&offset=0&count=true")
FRAME_ACCEPT = 'Accept: multipart/related; type="application/octet-stream"; transfer-syntax=*'


def log(message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        self.client = args.client
        self.results = {"rows": {}, "raw": {}, "machine": machine_info(), "args": vars(args),
                        "checks": {}}
        self.quick = args.quick

    # --- client ----------------------------------------------------------------------------

    def client_run(self, *args):
        command = [self.client, *map(str, args)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"client failed: {' '.join(command)}\n{result.stderr}")
        return json.loads(result.stdout)

    def measured(self, server, *args):
        """Runs the client; adds the server's CPU seconds during the run."""
        before = servers.cpu_seconds(server.pid)
        result = self.client_run(*args)
        result["server_cpu_s"] = servers.cpu_seconds(server.pid) - before
        return result

    def get(self, server, paths, accept, connections=1, requests=0, duration=0):
        paths_file = os.path.join(self.work, "paths.txt")
        with open(paths_file, "w") as f:
            f.writelines(server.dicomweb_root + p + "\n" for p in paths)
        args = ["get", "--url", server.base, "--paths", paths_file, "-c", connections,
                "-H", accept]
        for header in server.headers():
            args += ["-H", header]
        if requests:
            args += ["-n", requests]
        if duration:
            args += ["-d", duration]
        return self.measured(server, *args)

    def post(self, server, files_list, per_request, connections):
        args = ["post", "--url", server.base, "--path", server.dicomweb_root + "/studies",
                "--files", files_list, "--per-request", per_request, "-c", connections]
        for header in server.headers():
            args += ["-H", header]
        return self.measured(server, *args)

    # --- servers ---------------------------------------------------------------------------

    def server(self, kind, tag, variant="auth"):
        data_dir = os.path.join(self.work, f"{kind}-{tag}")
        if kind == "tessera":
            return servers.TesseraServer(self.args.tessera, data_dir, variant)
        return servers.OrthancServer(data_dir, self.plugin)

    def kinds(self):
        return [k for k in ("tessera", "orthanc") if k in self.args.servers]

    # --- recording -------------------------------------------------------------------------

    def record(self, row, label, value, raw=None):
        self.results["rows"].setdefault(row, {}).setdefault(label, []).append(value)
        if raw is not None:
            self.results["raw"].setdefault(row, {}).setdefault(label, []).append(raw)
        log(f"  {row:<28} {label:<15} {fmt_value(value)}")

    def save(self):
        with open(os.path.join(self.work, "results.json"), "w") as f:
            json.dump(self.results, f, indent=1)

    # --- data ------------------------------------------------------------------------------

    def generate(self):
        a = self.args
        command = ["/usr/bin/python3", os.path.join(HERE, "gen_data.py"), "--out", a.data,
                   "--ct", a.ct, "--ct-size", str(a.ct_size), "--studies", str(a.studies),
                   "--big-mb", str(a.big_mb), "--seed", str(a.seed)]
        log("data: " + " ".join(command[2:]))
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        folders = json.loads(out)
        self.ct = load_manifest(folders["ct"])
        m = self.ct["manifest"]
        self.results["ct_file_bytes"] = m["file_bytes"] / m["instances"]
        self.index = load_manifest(folders["index"])
        self.big = load_manifest(folders["big"]) if "big" in folders else None
        # Read every file once so STOW measures the servers, not this machine's disk reads.
        for folder in folders.values():
            warm_page_cache(folder)

    # --- physical limits -------------------------------------------------------------------

    def limits(self, when="before"):
        """The physical limits, measured before the workloads and again after them (the
        disk is shared with whatever else runs on this machine; the table shows the best)."""
        log(f"limits ({when}): disk write bandwidth with fsync, loopback TCP, client ceiling")
        scratch = os.path.join(self.work, "disk-probe")
        total_mb = 256 if self.quick else 1024
        limits = self.results.setdefault("limits", {})
        measured = {
            "disk_fsync_mbps": disk_fsync_bandwidth(scratch, total_mb, 512 * 1024, 1),
            "disk_fsync_mbps_4_writers": disk_fsync_bandwidth(scratch, total_mb, 512 * 1024, 4),
            "disk_one_sync_mbps_4_writers": disk_fsync_bandwidth(scratch, total_mb, 512 * 1024, 4,
                                                                 sync_each=False),
            "disk_small_fsyncs_per_s": disk_fsync_rate(scratch, 500 if self.quick else 2000),
        }
        port = servers.free_port()
        null = subprocess.Popen([self.client, "serve", "--port", str(port)],
                                start_new_session=True)
        try:
            time.sleep(0.3)
            url = f"http://127.0.0.1:{port}"
            size = 500_000_000 if self.quick else 2_000_000_000
            measured["loopback_tcp_mbps"] = max(
                self.client_run("get", "--url", url, "--path", f"/bytes/{size}", "-n", 1)["mbps_in"]
                for _ in range(3))
            for c in (4, 64):
                r = self.client_run("get", "--url", url, "--path", "/studies", "-c", c, "-d", 3)
                measured[f"client_null_rps_c{c}"] = r["rps"]
            self.warm(self.ct)
            post = self.client_run("post", "--url", url, "--path", "/studies", "--files",
                                   self.ct["list"], "--per-request", self.args.ct_batch, "-c", 4)
            measured["client_post_ct_mbps"] = post["mbps_out"]
        finally:
            null.send_signal(signal.SIGTERM)
            null.wait()
        servers.discard(scratch)
        measured["sink_ct_c4_mbps"] = self.sink_ct_mbps()
        measured["sink_small_c4_per_s"] = self.sink_small_rate()
        for key, value in measured.items():
            limits.setdefault(key + "_runs", []).append(value)
            limits[key] = max(limits.get(key, 0), value)
            log(f"  {key:<28} {value:,.1f}")

    # --- writes ----------------------------------------------------------------------------

    def warm(self, data):
        """Reads a data set into the page cache right before a workload sends it. This
        machine pages out memory left idle for a minute (RESULTS.md), and the client must
        not be the one waiting for the disk."""
        warm_page_cache(data["folder"])

    def adjacent_disk_probe(self):
        """The 4-writer disk probe, right before a STOW CT run: the disk's bandwidth swings
        by 2x within one run here, so the share of it a server reaches is only meaningful
        against a probe taken next to it."""
        scratch = os.path.join(self.work, "disk-probe")
        return disk_fsync_bandwidth(scratch, 128 if self.quick else 512, 512 * 1024, 4)

    def sink_run(self, data, per_request, file_bytes=0):
        """STOW of `data` at 4 clients into the null server writing what it receives into new
        files (of at most file_bytes; 0: one per request), each fsynced before the answer: the
        loopback, the page cache and the disk together, on the two vCPUs the client shares,
        with no parsing and no index. What a server storing `data` durably, a file per
        instance, can reach here at most (the disk probes have both vCPUs to themselves)."""
        scratch = os.path.join(self.work, "sink-probe")
        servers.discard(scratch)
        port = servers.free_port()
        sink = subprocess.Popen([self.client, "serve", "--port", str(port), "--sink", scratch,
                                 "--sink-file-bytes", str(int(file_bytes))],
                                start_new_session=True)
        try:
            time.sleep(0.3)
            self.warm(data)
            r = self.client_run("post", "--url", f"http://127.0.0.1:{port}", "--path",
                                "/studies", "--files", data["list"], "--per-request",
                                per_request, "-c", 4)
            check(r["errors"] == 0, f"sink probe errors: {r}")
        finally:
            sink.send_signal(signal.SIGTERM)
            sink.wait()
            servers.discard(scratch)
        return r

    def sink_ct_mbps(self):
        """The storing null server's MB/s for the CT set, a file per instance's worth of bytes."""
        return self.sink_run(self.ct, self.args.ct_batch,
                             self.results["ct_file_bytes"])["mbps_out"]

    def sink_small_rate(self):
        """The storing null server's instances/s for the small studies, one per request."""
        return self.sink_run(self.index, 1)["instances_per_s"]

    def stow_ct(self, server, connections):
        self.warm(self.ct)
        r = self.post(server, self.ct["list"], self.args.ct_batch, connections)
        check(r["errors"] == 0, f"{server.label()} STOW CT errors: {r}")
        return r

    def writes(self):
        servers.wait_for_freed_inodes(log)
        rounds = self.args.rounds
        ct_instances = self.ct["manifest"]["instances"]
        index_studies = self.index["manifest"]["studies"]
        self.filled = {}
        for rnd in range(rounds):
            last = rnd == rounds - 1
            log(f"writes: round {rnd + 1}/{rounds}")
            for kind in self.kinds():
                s = self.server(kind, "stow1").create()
                r = self.stow_ct(s, 1)
                self.record("stow_ct_c1", s.label(), r["instances_per_s"], r)
                self.record("stow_ct_c1_mbps", s.label(), r["mbps_out"])
                s.wipe()
            # Tessera as shipped, Orthanc, then Tessera's extra row sets (guard off, HTTPS).
            configurations = [(kind, "auth") for kind in self.kinds()]
            if "tessera" in self.kinds():
                configurations += [("tessera", v) for v in self.args.variants]
            for kind, variant in configurations:
                s = self.server(kind, f"filled-{variant}", variant).create()
                disk = self.adjacent_disk_probe()
                ct_sink = self.sink_ct_mbps()
                r = self.stow_ct(s, 4)
                self.record("stow_ct_c4", s.label(), r["instances_per_s"], r)
                self.record("stow_ct_c4_mbps", s.label(), r["mbps_out"])
                self.record("stow_ct_c4_disk_share", s.label(), 100 * r["mbps_out"] / disk,
                            {"disk_fsync_mbps_4_writers": disk})
                self.record("stow_ct_c4_sink_share", s.label(), 100 * r["mbps_out"] / ct_sink,
                            {"sink_ct_c4_mbps": ct_sink})
                small_sink = self.sink_small_rate()
                self.warm(self.index)
                r = self.post(s, self.index["list"], 1, 4)
                check(r["errors"] == 0, f"{s.label()} STOW small errors: {r['statuses']}")
                self.record("stow_small_c4", s.label(), r["instances_per_s"], r)
                self.record("stow_small_c4_sink_share", s.label(),
                            100 * r["instances_per_s"] / small_sink,
                            {"sink_small_c4_per_s": small_sink})
                count = s.instance_count()
                self.results["checks"][f"{s.label()}_instances"] = count
                check(count == ct_instances + index_studies,
                      f"{s.label()} holds {count} instances, expected "
                      f"{ct_instances + index_studies}")
                if last and variant == "auth":
                    self.filled[kind] = s
                else:
                    s.wipe()
            for kind in self.kinds():
                for associations in (1, 4):
                    s = self.server(kind, "cstore").create()
                    rate = self.cstore(s, associations)
                    self.record(f"cstore_{associations}", s.label(), rate)
                    check(s.instance_count() == ct_instances,
                          f"{s.label()} C-STORE stored {s.instance_count()} of {ct_instances}")
                    s.wipe()
            self.save()
        if self.big:
            for kind in self.kinds():
                self.big_stow(kind)
        self.save()

    def cstore(self, server, associations):
        """storescu from DCMTK: one process per association, the CT studies split between
        them; instances/s over the wall time of the slowest."""
        studies = self.ct["manifest"]["studies"]
        groups = [[] for _ in range(associations)]
        for i, study in enumerate(studies):
            for series in study["series"]:
                groups[i % associations] += [os.path.join(self.ct["folder"], f)
                                             for f in series["files"]]
        if any(not g for g in groups):  # fewer studies than associations: split by file
            files = [f for g in groups for f in g]
            groups = [files[i::associations] for i in range(associations)]
        env = dict(os.environ, TCP_NODELAY="1")
        self.warm(self.ct)
        cpu_before = servers.cpu_seconds(server.pid)
        start = time.monotonic()
        procs = [subprocess.Popen(["storescu", "-aet", "BENCH", "-aec", server.ae_title,
                                   "127.0.0.1", str(server.dicom_port), *g],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for g in groups]
        for p in procs:
            _, err = p.communicate()
            check(p.returncode == 0, f"storescu failed against {server.label()}: {err[-500:]}")
        elapsed = time.monotonic() - start
        files = sum(len(g) for g in groups)
        self.results["raw"].setdefault(f"cstore_{associations}", {}).setdefault(
            server.label(), []).append({"seconds": elapsed, "instances": files,
                                        "server_cpu_s": servers.cpu_seconds(server.pid) -
                                        cpu_before})
        return files / elapsed

    def big_stow(self, kind):
        log(f"writes: one {self.big['manifest']['file_bytes'] / 1e9:.1f} GB STOW body, {kind}")
        s = self.server(kind, "big").create()
        idle = servers.proc_status(s.pid)
        servers.reset_peak_rss(s.pid)
        self.warm(self.big)
        r = self.post(s, self.big["list"], 1, 1)
        peak = servers.proc_status(s.pid)["VmHWM"]
        ok = r["errors"] == 0
        self.record("big_stow_peak_rss_mb", s.label(), peak if ok else None,
                    {"client": r, "idle": idle})
        self.record("big_stow_mbps", s.label(), r["mbps_out"] if ok else None)
        s.wipe()

    # --- reads -----------------------------------------------------------------------------

    def read_workloads(self):
        """(row, paths, accept, connections, requests, duration, value key)."""
        q = self.quick
        sample = self.index["manifest"]["sample"]
        ct_study = self.ct["manifest"]["studies"][0]
        ct_series = ct_study["series"][0]
        series_path = f"/studies/{ct_study['uid']}/series/{ct_series['uid']}"
        instance_paths = [f"{series_path}/instances/{i}" for i in ct_series["instances"]]
        pids = [f"/studies?PatientID={v['patient_id']}" for v in sample]
        names = [f"/studies?PatientName={v['name'][:3]}*" for v in sample]
        dates = [f"/studies?StudyDate={v['study_date'][:6]}01-{v['study_date'][:6]}28"
                 for v in sample]
        years = [f"/studies?StudyDate={v['study_date'][:4]}0101-{v['study_date'][:4]}1231"
                 for v in sample]
        n = 50 if q else 200
        d = 3 if q else 5
        return [
            ("qido_limit100", ["/studies?limit=100"], QIDO_ACCEPT, 1, n, 20, "p50_ms"),
            ("qido_patient_id", pids, QIDO_ACCEPT, 1, n, 20, "p50_ms"),
            ("qido_name_prefix", names, QIDO_ACCEPT, 1, n, 20, "p50_ms"),
            ("qido_date_range", dates, QIDO_ACCEPT, 1, n, 20, "p50_ms"),
            # The same searches as a study list sends them (a page of 100): their cost must
            # not grow with the archive, while the unpaged ones grow with their matches.
            ("qido_name_prefix_page", [p + "&limit=100" for p in names], QIDO_ACCEPT, 1, n, 20,
             "p50_ms"),
            ("qido_date_range_page", [p + "&limit=100" for p in dates], QIDO_ACCEPT, 1, n, 20,
             "p50_ms"),
            # A month matches about 33 studies in 10,000: only a year's range fills the page at
            # every index size, so that the 1M-vs-10k comparison returns the same 100 rows.
            ("qido_date_year_page", [p + "&limit=100" for p in years], QIDO_ACCEPT, 1, n, 20,
             "p50_ms"),
            # The explorer's study list as it asks for its first page (web/explorer/qido-query.js),
            # unfiltered and by a name prefix: ordered, paged and with the total (count=true).
            ("explorer_page", [EXPLORER_PAGE], QIDO_ACCEPT, 1, n, 20, "p50_ms"),
            ("explorer_page_name", [EXPLORER_PAGE + f"&PatientName={v['name'][:3]}*"
                                    for v in sample], QIDO_ACCEPT, 1, n, 20, "p50_ms"),
            ("qido_series_of_study", [f"/studies/{ct_study['uid']}/series"], QIDO_ACCEPT, 1, n,
             20, "p50_ms"),
            ("qido_instances_of_series", [f"{series_path}/instances"], QIDO_ACCEPT, 1, n, 20,
             "p50_ms"),
            ("qido_all_studies", ["/studies"], QIDO_ACCEPT, 1, 5 if q else 10, 40, "p50_ms"),
            ("qido_rps_c4", pids, QIDO_ACCEPT, 4, 0, d, "rps"),
            ("qido_rps_c64", pids, QIDO_ACCEPT, 64, 0, d, "rps"),
            ("wado_instance", instance_paths, DICOM_ACCEPT, 1, n, 20, "p50_ms"),
            ("wado_series_mbps", [series_path], DICOM_ACCEPT, 1, 3 if q else 10, 30, "mbps_in"),
            ("metadata_series", [series_path + "/metadata"], QIDO_ACCEPT, 1, 20 if q else 50, 20,
             "p50_ms"),
            ("metadata_study", [f"/studies/{ct_study['uid']}/metadata"], QIDO_ACCEPT, 1,
             10 if q else 30, 30, "p50_ms"),
            ("frames_per_s", [p + "/frames/1" for p in instance_paths], FRAME_ACCEPT, 4,
             2 * len(instance_paths), 30, "rps"),
        ]

    def verify_reads(self, targets):
        """One request per QIDO workload on each server: the match counts must agree, so both
        do the same work."""
        for row, paths, accept, *_ in self.read_workloads():
            if not row.startswith("qido") or "rps" in row:
                continue
            counts = {}
            for s in targets:
                headers = dict(h.split(": ", 1) for h in [accept, *s.headers()])
                status, _, body = servers.http_request(s.url(s.dicomweb_root + paths[0]),
                                                       headers=headers)
                counts[s.label()] = len(json.loads(body)) if status == 200 and body else (
                    0 if status == 204 else f"HTTP {status}")
            self.results["checks"][f"{row}_matches"] = counts
            log(f"  check {row:<26} matches {counts}")
            if len(set(map(str, counts.values()))) != 1:
                log(f"  WARNING: {row}: the servers return different match counts")

    def reads(self, targets, rounds):
        self.verify_reads(targets)
        for row, paths, accept, c, n, d, key in self.read_workloads():
            for s in targets:  # warm-up: caches, page cache, connection set-up paths
                self.get(s, paths, accept, connections=c, requests=min(len(paths), 20) or 5,
                         duration=d)
            for _ in range(rounds):
                for s in targets:
                    r = self.get(s, paths, accept, connections=c, requests=n, duration=d)
                    if r["errors"]:
                        log(f"  WARNING: {row} {s.label()}: {r['errors']} errors "
                            f"{r['statuses']}")
                    value = r[key] if r["ok"] else None
                    self.record(row, s.label(), value, r)
            self.save()

    def all_reads(self):
        """Tessera (tokens checked), Orthanc, then Tessera guard off and over HTTPS, each on
        its own copy of the filled data folder, alternating for every workload."""
        targets = [self.filled[k] for k in self.kinds()]
        self.variant_servers = []
        if "tessera" in self.filled and self.args.variants:
            tessera = self.filled["tessera"]
            tessera.stop()
            for variant in self.args.variants:
                s = self.server("tessera", f"reads-{variant}", variant)
                clone_data_folder(tessera.data_dir, s.data_dir)
                s.start()
                self.variant_servers.append(s)
            tessera.start()
        log("reads: " + ", ".join(s.label() for s in targets + self.variant_servers))
        self.reads(targets + self.variant_servers, self.args.rounds)
        for s in targets + self.variant_servers:
            self.record("idle_rss_mb", s.label(), servers.proc_status(s.pid)["VmRSS"])

    # --- start-up --------------------------------------------------------------------------

    def startup(self):
        log("start-up time on the filled data folders")
        for kind in self.kinds():
            s = self.filled[kind]
            times = []
            for _ in range(2 if self.quick else 3):
                times.append(s.restart())
            time.sleep(1)
            self.record("startup_s", s.label(), min(times), times)
            self.record("idle_rss_restarted_mb", s.label(), servers.proc_status(s.pid)["VmRSS"])

    # --- profiles --------------------------------------------------------------------------

    def profiles(self):
        """perf (cpu-clock sampling, DWARF call graphs) of Tessera during the main workloads,
        plain HTTP and HTTPS; perf.data and text reports go to <work>/profiles/."""
        if shutil.which("perf") is None:
            log("profiles: perf missing, skipped")
            return
        out = os.path.join(self.work, "profiles")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        targets = [self.filled["tessera"]] + [s for s in self.variant_servers
                                              if s.variant == "tls"]
        wanted = {"qido_rps_c4", "qido_all_studies", "qido_name_prefix", "wado_series_mbps",
                  "metadata_study", "frames_per_s"}
        for tessera in targets:
            for row, paths, accept, c, n, d, _ in self.read_workloads():
                if row not in wanted or (tessera.variant == "tls" and
                                         row not in ("qido_rps_c4", "wado_series_mbps")):
                    continue
                self.profile(out, f"{row}-{tessera.label()}", tessera.pid,
                             lambda: self.get(tessera, paths, accept, connections=c,
                                              requests=n, duration=d))
        s = self.server("tessera", "profile-stow").create()
        self.profile(out, "stow_ct_c4-tessera", s.pid, lambda: self.stow_ct(s, 4))
        self.profile(out, "stow_small_c4-tessera", s.pid,
                     lambda: self.post(s, self.index["list"], 1, 4))
        s.wipe()

    def profile(self, out, name, pid, action):
        data = os.path.join(out, f"{name}.perf.data")
        perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "499",
                                 "--call-graph", "dwarf,32768", "-p", str(pid), "-o", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        result = action()
        perf.send_signal(signal.SIGINT)
        perf.wait()
        perf_reports(data, os.path.join(out, name))
        self.results.setdefault("profiles", {})[name] = {
            "server_cpu_s": result.get("server_cpu_s"), "wall_s": result.get("seconds"),
            "requests": result.get("requests")}
        log(f"  profile {name}: server CPU {result.get('server_cpu_s', 0):.2f}s "
            f"over {result.get('seconds', 0):.2f}s")

    # --- the whole run ---------------------------------------------------------------------

    def run(self):
        os.makedirs(self.work, exist_ok=True)
        servers.TRASH = os.path.join(self.work, "trash")
        servers.empty_trash()  # what an interrupted run left
        self.plugin = servers.find_orthanc_plugin()
        self.results["versions"] = versions(self.args.tessera)
        self.results["load_before"] = os.getloadavg()
        self.generate()
        self.limits("before")
        self.save()
        try:
            self.writes()
            self.all_reads()
            self.startup()
            if self.args.profile and "tessera" in self.kinds():
                self.profiles()
            self.limits("after")
        finally:
            for s in [*getattr(self, "filled", {}).values(), *getattr(self, "variant_servers", [])]:
                s.stop()
            self.results["load_after"] = os.getloadavg()
            self.save()
            servers.empty_trash()
        table = render_table(self.results)
        with open(os.path.join(self.work, "table.md"), "w") as f:
            f.write(table)
        print(table)
        if not self.args.keep:
            for s in [*getattr(self, "filled", {}).values(), *getattr(self, "variant_servers", [])]:
                s.wipe()
        servers.empty_trash()


# --- helpers ---------------------------------------------------------------------------------

def clone_data_folder(source, target):
    """A copy of a stopped Tessera's data folder: blobs hard-linked (read-only workloads never
    change them), everything else copied, so the copy has its own index and WAL."""
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for name in os.listdir(source):
        src, dst = os.path.join(source, name), os.path.join(target, name)
        if name == "server.log":
            continue
        if name == "blobs":
            shutil.copytree(src, dst, copy_function=os.link)
        elif os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


INTERESTING = ("tessera::", "sqlite3_step", "sqlite3_exec", "sqlite3_prepare", "Dcm", "SSL_",
               "ssl3_", "tls_", "EVP_", "aes", "fsync", "sendfile", "ext4_", "tcp_sendmsg",
               "tcp_recvmsg", "futex", "jwt", "spdlog", "malloc", "free", "memcpy", "memmove",
               "nlohmann", "copy_user", "_copy_", "schedule", "mprotect")


def perf_reports(data, prefix):
    """<prefix>.self.txt: where samples land (dso, symbol); <prefix>.inclusive.txt: the share
    of samples under each of our functions and the main library and kernel paths."""
    def report(*args):
        out = subprocess.run(["perf", "report", "-i", data, "--stdio", *args],
                             capture_output=True, text=True).stdout
        lines = []
        for line in out.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            lines.append(" ".join(line.split())[:200])
        return lines

    flat = report("--no-children", "--sort", "dso,sym", "-g", "none", "--percent-limit", "0.5")
    with open(prefix + ".self.txt", "w") as f:
        f.write("# self samples: overhead, dso, symbol\n" + "\n".join(flat) + "\n")
    inclusive = report("--children", "--sort", "sym", "-g", "none", "--percent-limit", "1")
    keep = [line for line in inclusive if any(key in line for key in INTERESTING)]
    with open(prefix + ".inclusive.txt", "w") as f:
        f.write("# inclusive (children, self), our functions and the main library/kernel "
                "paths\n" + "\n".join(keep) + "\n")


def check(condition, message):
    if not condition:
        raise RuntimeError(message)


def load_manifest(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        return {"folder": folder, "list": os.path.join(folder, "list.txt"),
                "manifest": json.load(f)}


def warm_page_cache(folder):
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def disk_fsync_bandwidth(folder, total_mb, file_bytes, writers, sync_each=True):
    """MB/s writing total_mb in files of file_bytes by `writers` threads, each file fsynced and
    its pages then dropped from the page cache (as Tessera does: in this VM, filling fresh
    page-cache pages is slow, and reusing freed ones makes the probe 15-25 % faster), the
    folder fsynced at the end: what an archive that syncs each instance on its own must do.
    With sync_each=False, one syncfs at the end instead: the disk's bandwidth for an archive
    that made a whole batch durable at once (tried for Tessera, not kept: RESULTS.md)."""
    os.makedirs(folder, exist_ok=True)
    block = os.urandom(file_bytes)
    count = total_mb * 1_000_000 // file_bytes

    def write(first):
        for i in range(first, count, writers):
            fd = os.open(os.path.join(folder, f"f{i}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                         0o644)
            os.write(fd, block)
            if sync_each:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)

    start = time.monotonic()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dfd = os.open(folder, os.O_RDONLY)
    if sync_each:
        os.fsync(dfd)
    elif LIBC.syncfs(dfd) != 0:
        raise OSError(ctypes.get_errno(), "syncfs")
    os.close(dfd)
    elapsed = time.monotonic() - start
    servers.discard(folder)
    return count * file_bytes / 1e6 / elapsed


def disk_fsync_rate(folder, count):
    """Serial fsyncs/s of 4 KB files: the ceiling for one-instance requests acknowledged only
    when durable, unless commits are grouped."""
    os.makedirs(folder, exist_ok=True)
    block = os.urandom(4096)
    start = time.monotonic()
    for i in range(count):
        fd = os.open(os.path.join(folder, f"s{i}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, block)
        os.fsync(fd)
        os.close(fd)
    elapsed = time.monotonic() - start
    servers.discard(folder)
    return count / elapsed


def machine_info():
    info = {"kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["memory_gb"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    df = subprocess.run(["df", "-T", "."], capture_output=True, text=True).stdout.splitlines()
    if len(df) > 1:
        info["filesystem"] = " ".join(df[1].split()[:2])
    return info


def versions(tessera):
    def dpkg(package):
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                              text=True).stdout
    out = subprocess.run([tessera, "--version"], capture_output=True, text=True).stdout.strip()
    return {"tessera": out, "orthanc": dpkg("orthanc"), "orthanc-dicomweb": dpkg("orthanc-dicomweb"),
            "dcmtk": dpkg("dcmtk"), "sqlite": dpkg("libsqlite3-0"), "openssl": dpkg("openssl")}


# --- the table -------------------------------------------------------------------------------

# (row, label, unit, higher is better, limit key or None, target text)
ROWS = [
    ("stow_ct_c1", "STOW CT, 1 client", "inst/s", True, "ct1", ""),
    ("stow_ct_c1_mbps", "  (MB/s)", "MB/s", True, "disk1", ""),
    ("stow_ct_c4", "STOW CT, 4 clients", "inst/s", True, "ct4", ">= 90 % of disk"),
    ("stow_ct_c4_mbps", "  (MB/s)", "MB/s", True, "disk4", ""),
    ("stow_ct_c4_disk_share", "  (% of a disk probe right before)", "%", True, None,
     ">= 90 %"),
    ("stow_ct_c4_sink_share", "  (% of loopback + disk, storing null server right before)",
     "%", True, "sink4", ""),
    ("stow_small_c4", "STOW small, 1/request, 4 clients", "inst/s", True, "fsyncs", ">= 4x Orthanc"),
    ("stow_small_c4_sink_share", "  (% of a file per instance, storing null server right before)",
     "%", True, "sink_small", ""),
    ("qido_limit100", "QIDO /studies?limit=100", "ms p50", False, None, "<= 3 ms"),
    ("qido_patient_id", "QIDO by PatientID", "ms p50", False, None, "<= 1 ms"),
    ("qido_name_prefix", "QIDO by name prefix", "ms p50", False, None, "<= 5 ms"),
    ("qido_date_range", "QIDO by date range (1 month)", "ms p50", False, None, "<= 3 ms"),
    ("qido_name_prefix_page", "  same, name prefix, limit=100", "ms p50", False, None, ""),
    ("qido_date_range_page", "  same, date range, limit=100", "ms p50", False, None, ""),
    ("qido_date_year_page", "  same, a year's dates, limit=100", "ms p50", False, None, ""),
    ("explorer_page", "explorer study list, first page + total", "ms p50", False, None, ""),
    ("explorer_page_name", "  same, by name prefix", "ms p50", False, None, ""),
    ("qido_series_of_study", "QIDO series of a study", "ms p50", False, None, ""),
    ("qido_instances_of_series", "QIDO instances of a series", "ms p50", False, None, "<= 5 ms"),
    ("qido_all_studies", "QIDO all studies", "ms p50", False, None, "<= 150 ms"),
    ("qido_rps_c4", "QIDO req/s, 4 connections", "req/s", True, "null_c4", ">= 5,000"),
    ("qido_rps_c64", "QIDO req/s, 64 connections", "req/s", True, "null_c64", ""),
    ("wado_instance", "WADO-RS one instance", "ms p50", False, None, ""),
    ("wado_series_mbps", "WADO-RS series", "MB/s", True, "loopback", ">= 75 % of loopback"),
    ("metadata_series", "series metadata", "ms p50", False, None, "<= 3 ms"),
    ("metadata_study", "study metadata", "ms p50", False, None, "<= 8 ms"),
    ("frames_per_s", "frames of a series, 4 connections", "frames/s", True, None, ""),
    ("cstore_1", "C-STORE CT, 1 association", "inst/s", True, "ct1", ""),
    ("cstore_4", "C-STORE CT, 4 associations", "inst/s", True, "ct4", ">= 2x Orthanc"),
    ("big_stow_peak_rss_mb", "peak RSS, one huge STOW body", "MB", False, None, "<= 100 MB"),
    ("big_stow_mbps", "  huge STOW body (MB/s)", "MB/s", True, "disk1", ""),
    ("idle_rss_mb", "idle RSS after the reads", "MB", False, None, ""),
    ("startup_s", "start-up, filled data folder", "s", False, None, ""),
    ("idle_rss_restarted_mb", "idle RSS after start-up", "MB", False, None, ""),
]


def best(values, higher):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return max(values) if higher else min(values)


def fmt_value(value):
    if value is None:
        return "failed"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def render_table(results):
    rows = results["rows"]
    limits = results.get("limits", {})
    limit_text = {}
    if limits:
        d1, d4 = limits["disk_fsync_mbps"], limits["disk_fsync_mbps_4_writers"]
        ct_mb = results.get("ct_file_bytes", 525_000) / 1e6
        one_sync = limits.get("disk_one_sync_mbps_4_writers")

        def with_one_sync(scale):
            return f"; {one_sync / scale:,.0f} with one sync" if one_sync else ""

        limit_text = {
            "disk1": f"disk {d1:,.0f} MB/s",
            "disk4": f"disk {d4:,.0f} MB/s (4 writers)" + with_one_sync(1),
            "ct1": f"{d1 / ct_mb:,.0f} (disk)",
            "ct4": f"{d4 / ct_mb:,.0f} (disk, 4 writers)" + with_one_sync(ct_mb),
            "fsyncs": f"{limits['disk_small_fsyncs_per_s']:,.0f} serial fsync/s",
            "sink4": (f"storing null server {limits['sink_ct_c4_mbps']:,.0f} MB/s"
                      if "sink_ct_c4_mbps" in limits else ""),
            "sink_small": (f"storing null server {limits['sink_small_c4_per_s']:,.0f} inst/s"
                           if "sink_small_c4_per_s" in limits else ""),
            "loopback": f"loopback {limits['loopback_tcp_mbps']:,.0f} MB/s",
            "null_c4": f"client+null server {limits.get('client_null_rps_c4', 0):,.0f}",
            "null_c64": f"client+null server {limits.get('client_null_rps_c64', 0):,.0f}",
        }
    lines = ["| workload | unit | Tessera | Orthanc | Tessera vs Orthanc | physical limit | "
             "Tessera, guard off | Tessera, HTTPS | target |",
             "|---|---|---:|---:|---:|---|---:|---:|---|"]
    for row, title, unit, higher, limit, target in ROWS:
        if row not in rows:
            continue
        values = {label: best(v, higher) for label, v in rows[row].items()}
        t, o = values.get("tessera"), values.get("orthanc")
        ratio = ""
        if t and o:
            factor = t / o if higher else o / t
            ratio = f"{factor:.1f}× {'better' if factor >= 1 else 'worse'}"
        cells = [fmt_value(values[k]) if k in values else "" for k in
                 ("tessera", "orthanc", "tessera-noauth", "tessera-tls")]
        lines.append(f"| {title} | {unit} | {cells[0]} | {cells[1]} | {ratio} | "
                     f"{limit_text.get(limit, '') if limit else ''} | {cells[2]} | {cells[3]} | "
                     f"{target} |")
    limit_lines = [f"- {key}: {value:,.1f}" for key, value in limits.items()
                   if not key.endswith("_runs")]
    return ("\n".join(lines) + "\n\nLimits (best of the measurements before and after the "
            "workloads):\n" + "\n".join(limit_lines) + "\n")


def main():
    p = argparse.ArgumentParser(description="Tessera vs Orthanc benchmark")
    p.add_argument("--tessera", required=True, help="the tessera binary (release build)")
    p.add_argument("--client", required=True, help="the tessera-bench binary")
    p.add_argument("--work", default=os.path.join(HERE, "out", "run"))
    p.add_argument("--data", default=os.path.join(HERE, "out", "data"))
    p.add_argument("--studies", type=int, default=10000, help="studies in the index set")
    p.add_argument("--ct", default="4x2x150", help="CT set: studies x series x instances")
    p.add_argument("--ct-size", type=int, default=512)
    p.add_argument("--ct-batch", type=int, default=50, help="CT instances per STOW request")
    p.add_argument("--big-mb", type=int, default=2000, help="the huge STOW body (0: skip)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--servers", default="tessera,orthanc")
    p.add_argument("--variants", default="noauth,tls",
                   help="extra Tessera row sets: noauth (guard off), tls (HTTPS)")
    p.add_argument("--profile", action="store_true", help="perf profiles of Tessera")
    p.add_argument("--keep", action="store_true", help="keep the filled data folders")
    p.add_argument("--quick", action="store_true", help="small sizes: checks the pipeline")
    args = p.parse_args()
    if args.quick:
        args.studies = min(args.studies, 500)
        args.ct = "1x2x20"
        args.big_mb = min(args.big_mb, 200)
        args.rounds = min(args.rounds, 2)
        args.ct_batch = min(args.ct_batch, 10)
    args.servers = args.servers.split(",")
    args.variants = [v for v in args.variants.split(",") if v]
    Bench(args).run()


if __name__ == "__main__":
    main()

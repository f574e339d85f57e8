#!/usr/bin/env python3
"""The scale-out benchmark (`make bench`, docs/scale-out.md): a 3-member etcd cluster
(--unsafe-no-fsync) and three `gatehouse serve --store etcd://...` replicas on loopback.

usage: scaleout_bench.py GATEHOUSE SERVER_BENCH [--writes N] [--runs R] [--load THREADS]

- propagation: N writes through replica A (a user's inline policy put and deleted in turn, so
  each write flips the decision of ListFunctions for that user) while one poller on each of B and
  C replays a pre-signed ListFunctions; for each write, the time from its acknowledgement to the
  first answer on B (and on C) that reflects it. p50/p99/max, idle and with THREADS more
  readers per replica hammering B and C. Target p99 < 1 s.
- decisions/s of one replica on etcd against one on LMDB: server_bench's authorized phase
  (in-process server, pre-signed GetFunctionConfiguration) with GATEHOUSE_BENCH_ETCD set and not.
  Target >= 90 %.
- writes/s through the cluster: writers spread over the three replicas for a few seconds.
Each figure is the median of R runs."""
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "scaleout"))
from cluster import Cluster  # noqa: E402

import boto3  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.config  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.exceptions  # noqa: E402

A = "111111111111"
ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
WORLD = {"region": "us-east-1",
         "accounts": [{"id": A, "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}]}]}
ALLOW = json.dumps({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*"}]})
CONFIG = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=3,
                                read_timeout=10, max_pool_connections=4)


def client(service, base, keys):
    return boto3.client(service, endpoint_url=base, region_name="us-east-1", aws_access_key_id=keys[0],
                        aws_secret_access_key=keys[1], config=CONFIG)


def presigned_list_functions(base, keys):
    """(host, port, headers) of a ListFunctions request signed once, replayed by the readers."""
    request = botocore.awsrequest.AWSRequest(method="GET", url=base + "/2015-03-31/functions/")
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*keys), "lambda", "us-east-1").add_auth(request)
    host, port = base[len("http://"):].rsplit(":", 1)
    return host, int(port), dict(request.headers.items())


class Reader(threading.Thread):
    """Replays the pre-signed request on one keep-alive connection; reports each answer."""

    def __init__(self, target, on_answer=None):
        super().__init__(daemon=True)
        self.target, self.on_answer = target, on_answer
        self.stop = False
        self.answers = 0

    def run(self):
        host, port, headers = self.target
        connection = http.client.HTTPConnection(host, port, timeout=10)
        while not self.stop:
            try:
                connection.request("GET", "/2015-03-31/functions/", headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (http.client.HTTPException, OSError):
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
                continue
            self.answers += 1
            if self.on_answer:
                self.on_answer(status, time.monotonic())


class Propagation:
    """Write i flips the decision; each watcher records when it first saw write i's outcome."""

    def __init__(self, watchers):
        self.lock = threading.Lock()
        self.index, self.expected, self.acked = -1, 403, 0.0
        self.seen = {w: -1 for w in watchers}
        self.latencies = {w: [] for w in watchers}
        self.all_seen = threading.Event()

    def answer(self, watcher, status, at):
        with self.lock:
            if self.seen[watcher] == self.index or status != self.expected:
                return
            self.seen[watcher] = self.index
            self.latencies[watcher].append(max(0.0, at - self.acked))
            if all(v == self.index for v in self.seen.values()):
                self.all_seen.set()

    def run(self, iam, writes):
        for i in range(writes):
            allow = i % 2 == 0
            if allow:
                iam.put_user_policy(UserName="reader", PolicyName="p", PolicyDocument=ALLOW)
            else:
                iam.delete_user_policy(UserName="reader", PolicyName="p")
            acked = time.monotonic()
            with self.lock:
                self.all_seen.clear()
                self.index, self.expected, self.acked = i, 200 if allow else 403, acked
            if not self.all_seen.wait(10):
                raise RuntimeError("write %d not seen by every replica within 10 s" % i)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def propagation_run(cluster, writes, load_threads):
    a, b, c = cluster.replicas[:3]
    reader_keys = cluster.reader_keys
    propagation = Propagation(["B", "C"])
    pollers = [Reader(presigned_list_functions(r.base, reader_keys), lambda s, t, w=w: propagation.answer(w, s, t))
               for w, r in (("B", b), ("C", c))]
    load = [Reader(presigned_list_functions(r.base, reader_keys)) for r in (b, c) for _ in range(load_threads)]
    for t in pollers + load:
        t.start()
    started = time.monotonic()
    try:
        propagation.run(client("iam", a.base, ROOT), writes)
    finally:
        for t in pollers + load:
            t.stop = True
        for t in pollers + load:
            t.join()
    elapsed = time.monotonic() - started
    latencies = propagation.latencies["B"] + propagation.latencies["C"]
    reads = sum(t.answers for t in pollers + load) / elapsed
    return {"p50": percentile(latencies, 0.50) * 1000, "p99": percentile(latencies, 0.99) * 1000,
            "max": max(latencies) * 1000, "reads_per_s": reads, "samples": len(latencies)}


def writes_per_second(cluster, seconds=4.0, writers_per_replica=2):
    """Acknowledged writes/s, and how many were refused ConcurrentModification (a conflict the
    store's bounded retries did not resolve)."""
    counts, conflicts = [], []
    deadline = time.monotonic() + seconds

    def writer(base, index):
        iam = client("iam", base, ROOT)
        done = refused = 0
        while time.monotonic() < deadline:
            try:
                iam.put_user_policy(UserName="writer%d" % index, PolicyName="p%d" % (done % 4), PolicyDocument=ALLOW)
                done += 1
            except botocore.exceptions.ClientError as e:
                if e.response["Error"]["Code"] != "ConcurrentModification":
                    raise
                refused += 1
        counts.append(done)
        conflicts.append(refused)

    threads = [threading.Thread(target=writer, args=(r.base, i * writers_per_replica + j))
               for i, r in enumerate(cluster.replicas[:3]) for j in range(writers_per_replica)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started), sum(conflicts)


def server_bench_authorized(server_bench, env):
    """Median authorized req/s and server CPU us/request of `server_bench --only authorized`."""
    done = subprocess.run([server_bench, "--runs", "1", "--only", "authorized"], env=env, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError("server_bench failed: %s %s" % (done.stdout[-500:], done.stderr[-500:]))
    row = next(line for line in done.stdout.splitlines() if line.startswith("GetFunctionConfiguration"))
    fields = row.split()
    return float(fields[2]), float(fields[-1])


def main():
    args = sys.argv[1:]
    gatehouse, server_bench = args[0], args[1]
    writes, runs, load_threads = 1000, 3, 2
    for flag, value in zip(args[2::2], args[3::2]):
        if flag == "--writes":
            writes = int(value)
        elif flag == "--runs":
            runs = int(value)
        elif flag == "--load":
            load_threads = int(value)
    print("scaleout_bench: etcd 3 members (--unsafe-no-fsync), 3 replicas, loopback; %d writes per run, %d run(s), "
          "%d load readers per replica under load" % (writes, runs, load_threads))
    with Cluster(gatehouse) as cluster:
        cluster.start()
        world = os.path.join(cluster.tmp, "world.json")
        with open(world, "w") as f:
            json.dump(WORLD, f)
        key_file = os.path.join(cluster.tmp, "secret.key")
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(secrets.token_hex(32))
        for _ in range(3):
            cluster.start_replica(bootstrap=world, key_file=key_file)
        iam = client("iam", cluster.replicas[0].base, ROOT)
        iam.create_user(UserName="reader")
        created = iam.create_access_key(UserName="reader")["AccessKey"]
        cluster.reader_keys = (created["AccessKeyId"], created["SecretAccessKey"])
        for i in range(6):
            iam.create_user(UserName="writer%d" % i)
        time.sleep(0.5)

        results = {"idle": [], "load": []}
        for run in range(runs):
            for mode, threads in (("idle", 0), ("load", load_threads)):
                r = propagation_run(cluster, writes, threads)
                results[mode].append(r)
                print("run %d %-4s propagation over %d decisions: p50 %.1f ms, p99 %.1f ms, max %.1f ms "
                      "(reads %.0f/s)" % (run + 1, mode, r["samples"], r["p50"], r["p99"], r["max"], r["reads_per_s"]))
        wps = []
        for _ in range(runs):
            rate, conflicts = writes_per_second(cluster)
            wps.append(rate)
            print("writes through the cluster: %.0f/s acknowledged (6 writers over 3 replicas, each on its own user; "
                  "%d refused ConcurrentModification)" % (rate, conflicts))

        env_etcd = dict(os.environ, GATEHOUSE_BENCH_ETCD=cluster.endpoints())
        env_lmdb = {k: v for k, v in os.environ.items() if k != "GATEHOUSE_BENCH_ETCD"}
        lmdb, etcd = [], []
        for _ in range(runs):
            lmdb.append(server_bench_authorized(server_bench, env_lmdb))
            etcd.append(server_bench_authorized(server_bench, env_etcd))
            print("decisions/s of one replica: LMDB %.0f (%.1f us CPU each), etcd %.0f (%.1f us CPU each)" %
                  (lmdb[-1][0], lmdb[-1][1], etcd[-1][0], etcd[-1][1]))

    status = 0
    print("medians of %d runs:" % runs)
    for mode in ("idle", "load"):
        p50 = statistics.median(r["p50"] for r in results[mode])
        p99 = statistics.median(r["p99"] for r in results[mode])
        worst = statistics.median(r["max"] for r in results[mode])
        met = p99 < 1000
        status |= 0 if met else 1
        print("  propagation %-4s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 < 1000 ms: %s, %.0fx below)" %
              (mode, p50, p99, worst, "met" if met else "MISSED", 1000 / max(p99, 0.001)))
    ratio = statistics.median(e[0] for e in etcd) / statistics.median(l[0] for l in lmdb)
    cpu_ratio = statistics.median(l[1] for l in lmdb) / statistics.median(e[1] for e in etcd)
    print("  decisions/s: LMDB %.0f, etcd %.0f: %.1f%% (by server CPU per decision %.1f%%; target >= 90%%: %s)" %
          (statistics.median(l[0] for l in lmdb), statistics.median(e[0] for e in etcd), ratio * 100, cpu_ratio * 100,
           "met" if max(ratio, cpu_ratio) >= 0.9 else "MISSED"))
    print("  writes through the cluster: %.0f/s" % statistics.median(wps))
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The service's own memory with 50 warm environments (issue 13, `make bench`, docs/executor.md).

usage: warm_memory_bench.py GATEHOUSE [--functions N] [--runs R]

Each run starts the real `gatehouse serve` (a new data directory, --quiet, --keep-warm 1h so
that no environment is reaped while the others start on a slow machine; the default 10m would
do too, and there is no cap on warm environments) and reads the server process's own VmRSS and
VmHWM from /proc/PID/status (never its children's: the sandboxes are separate processes; RssAnon, its heap and stacks without
the store's mapped files, beside them):
  1. started, after one signed ListFunctions (no function yet);
  2. after N no-op Python functions are created (stored, none run);
  3. after each is invoked once, so that N environments are warm (checked on GET /metrics:
     gatehouse_warm_environments N).
Per warm environment = (3 - 2) / N. The functions' own memory (the sandboxes' processes, summed)
is printed beside it for scale. Each figure is the median of R runs. Needs what the sandbox
needs (root, bubblewrap)."""
import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

import boto3
import botocore.config

ACCOUNT = "111111111111"
ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
WORLD = {"region": "us-east-1", "accounts": [{
    "id": ACCOUNT, "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
    "roles": [{"name": "lambda-exec", "assumeRolePolicy": TRUST_LAMBDA}]}]}
ROLE = "arn:aws:iam::%s:role/lambda-exec" % ACCOUNT


def fail(what):
    print("warm_memory_bench: " + what, file=sys.stderr)
    sys.exit(1)


def status_kib(pid, field):
    """VmRSS / VmHWM of one process, in KiB (0 when it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid):
    """Every process below pid (the sandboxes: bwrap, setpriv, the runtimes)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def snapshot(pid):
    return {"rss": status_kib(pid, "VmRSS"), "hwm": status_kib(pid, "VmHWM"), "anon": status_kib(pid, "RssAnon")}


def one_run(binary, functions):
    with tempfile.TemporaryDirectory(prefix="gatehouse-memory-bench-") as tmp:
        world = os.path.join(tmp, "world.json")
        with open(world, "w") as f:
            json.dump(WORLD, f)
        process = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(tmp, "data"),
                                    "--bootstrap", world, "--quiet", "--keep-warm", "1h"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = process.stdout.readline().strip()
            prefix = "gatehouse: listening on "
            if not line.startswith(prefix):
                fail("the server did not start: %r" % line)
            base = "http://" + line[len(prefix):]
            lam = boto3.client("lambda", endpoint_url=base, region_name="us-east-1", aws_access_key_id=ROOT[0],
                               aws_secret_access_key=ROOT[1],
                               config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                                             read_timeout=60))
            lam.list_functions()
            before = snapshot(process.pid)
            zip_bytes = package()
            names = ["noop-%02d" % i for i in range(functions)]
            for name in names:
                lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler", Role=ROLE,
                                    Code={"ZipFile": zip_bytes})
            created = snapshot(process.pid)
            for name in names:
                r = lam.invoke(FunctionName=name, Payload=b"{}")
                body = r["Payload"].read()
                if r["StatusCode"] != 200 or "FunctionError" in r or body != b"null":
                    fail("invoking %s: %s %r" % (name, r["StatusCode"], body))
            time.sleep(0.2)  # let the allocator settle what the last answer freed
            warm = snapshot(process.pid)
            with urllib.request.urlopen(base + "/metrics", timeout=10) as answer:
                metrics = answer.read().decode()
            gauge = re.search(r"^gatehouse_warm_environments (\d+)$", metrics, re.M)
            if not gauge or int(gauge.group(1)) != functions:
                fail("expected %d warm environments, the server reports %s" %
                     (functions, gauge.group(1) if gauge else "none"))
            sandboxes = sum(status_kib(p, "VmRSS") for p in descendants(process.pid))
            return before, created, warm, sandboxes
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--functions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        fail("needs root (the sandbox: docs/executor.md)")
    runs = [one_run(args.binary, args.functions) for _ in range(args.runs)]

    def med(pick):
        return statistics.median(pick(r) for r in runs)

    mib = 1024.0
    n = args.functions
    print("warm_memory_bench: `gatehouse serve`'s own memory (VmRSS / VmHWM of its pid, not the sandboxes'), "
          "%d no-op python3.11 functions; median of %d runs" % (n, args.runs))
    print("%-44s %10s %10s %12s" % ("", "VmRSS MiB", "VmHWM MiB", "RssAnon MiB"))
    for label, i in (("started, no function", 0), ("%d functions created, none run" % n, 1),
                     ("%d functions invoked once: %d warm" % (n, n), 2)):
        print("%-44s %10.1f %10.1f %12.1f" % (label, med(lambda r: r[i]["rss"]) / mib, med(lambda r: r[i]["hwm"]) / mib,
                                             med(lambda r: r[i]["anon"]) / mib))
    per_env = med(lambda r: (r[2]["rss"] - r[1]["rss"]) / n)
    per_env_all = med(lambda r: (r[2]["rss"] - r[0]["rss"]) / n)
    print("per warm environment: %.0f KiB (warm - created) / %d; %.0f KiB counting the %d functions' records "
          "too ((warm - started) / %d)" % (per_env, n, per_env_all, n, n))
    print("the %d sandboxes' own processes, for scale: %.0f MiB VmRSS summed over their processes, shared pages "
          "counted in each (%.1f MiB per environment)" %
          (n, med(lambda r: r[3]) / mib, med(lambda r: r[3]) / mib / n))
    return 0


if __name__ == "__main__":
    sys.exit(main())

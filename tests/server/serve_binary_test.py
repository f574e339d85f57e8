#!/usr/bin/env python3
"""Runs the real `gatehouse serve` on a loopback port with a temporary data directory:
reads the bound address from its first line, checks /healthz, an unknown Lambda path and
an unknown IAM action, sends SIGTERM and expects exit status 0. Bounded: 10 s at most."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

DEADLINE = 10


def fail(message, process=None):
    if process is not None and process.poll() is None:
        process.kill()
    print("serve_binary_test: FAILED: " + message)
    print("0 passed, 1 failed")
    sys.exit(1)


def call(url, data=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        process = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data", data],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = process.stdout.readline().strip()
        prefix = "gatehouse: listening on "
        if not line.startswith(prefix):
            fail("first line was %r" % line, process)
        base = "http://" + line[len(prefix):]
        if not os.path.isdir(data):
            fail("the data directory was not created", process)

        status, headers, body = call(base + "/healthz")
        if status != 200 or body != b"ok\n" or "x-amzn-RequestId" not in headers:
            fail("healthz answered %d %r %r" % (status, headers, body), process)

        status, headers, body = call(base + "/2015-03-31/functions/f/nothing")
        error = json.loads(body)
        if status != 404 or headers.get("x-amzn-ErrorType") != "UnknownOperationException" or \
                error.get("message") != "Unknown operation":
            fail("unknown Lambda path answered %d %r %r" % (status, headers, body), process)

        status, headers, body = call(base + "/", b"Action=NoSuchThing&Version=2010-05-08")
        if status != 400 or b"<Code>InvalidAction</Code>" not in body:
            fail("unknown IAM action answered %d %r" % (status, body), process)

        status, _, body = call(base + "/metrics")
        if status != 200 or b'gatehouse_requests_total{operation="healthz",status="200"} 1' not in body:
            fail("metrics answered %d %r" % (status, body[:400]), process)

        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            fail("no exit within %d s of SIGTERM" % DEADLINE, process)
        stderr = process.stderr.read()
        if code != 0:
            fail("exit status %d after SIGTERM; stderr: %s" % (code, stderr))
        if "received SIGTERM" not in stderr:
            fail("stderr did not report the signal: %r" % stderr)
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()

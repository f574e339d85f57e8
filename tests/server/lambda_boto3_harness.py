"""What the boto3 tests of the Lambda API share: pass/fail counting, a Lambda client on the
real binary's ephemeral loopback port, starting and stopping `gatehouse serve`, a package."""
import io
import subprocess
import sys
import zipfile

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:
    print("boto3 is missing (make deps installs python3-boto3)")
    print("0 passed, 1 failed")
    sys.exit(1)

REGION = "us-east-1"
counts = {"passed": 0, "failed": 0}


def check(name, condition, detail=""):
    if condition:
        counts["passed"] += 1
    else:
        counts["failed"] += 1
        print("FAIL %s %s" % (name, detail))


def summary():
    """Prints the tally; the process exit status."""
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]))
    return 1 if counts["failed"] else 0


def error_of(call):
    """(code, message, HTTP status) of the ClientError `call` raises; None when it succeeds."""
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


def client(base, keys):
    """One attempt per call: a refusal is never retried into a different answer."""
    return boto3.client("lambda", endpoint_url=base, region_name=REGION,
                        aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                                      connect_timeout=5, read_timeout=10))


def start(binary, data, world, extra=()):
    """`gatehouse serve` on 127.0.0.1:0 (with `extra` arguments); the process and the base URL it reports.
    With GATEHOUSE_TEST_ETCD set (tests/scaleout/run_e2e.py), three replicas on that etcd cluster behind a
    round-robin proxy instead (tests/scaleout/replica_set.py)."""
    import os
    if os.environ.get("GATEHOUSE_TEST_ETCD"):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scaleout"))
        from replica_set import start_replica_set
        return start_replica_set(binary, data, world, extra)
    process = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data", data, "--bootstrap", world,
                                *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline().strip()
    prefix = "gatehouse: listening on "
    if not line.startswith(prefix):
        process.kill()
        print("server did not start: %r" % line)
        print("0 passed, 1 failed")
        sys.exit(1)
    return process, "http://" + line[len(prefix):]


def start_world(binary, tmp, world, extra=()):
    """`gatehouse serve` on `world` (a bootstrap dict) with its data in tmp/data: (process, base URL, data dir)."""
    import json
    import os
    path = os.path.join(tmp, "world.json")
    with open(path, "w") as f:
        json.dump(world, f)
    data = os.path.join(tmp, "data")
    process, base = start(binary, data, path, extra)
    return process, base, data


def stop(process):
    """SIGTERM; the exit status (-1 when it had to be killed)."""
    process.terminate()
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        return -1


def package(text="def handler(event, context):\n    return event\n"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", text)
    return buffer.getvalue()


def cannot_run(reason):
    """A test that cannot run here says why and counts as failed (exit status 1)."""
    print(reason)
    print("0 passed, 1 failed")
    return 1

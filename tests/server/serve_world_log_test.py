#!/usr/bin/env python3
"""`gatehouse serve` as a newcomer meets it, end to end with boto3 (issue 12, points 2, 3, 8, 10):

- the world file's "region" is the region served (unless --region), and a request signed for
  another region gets a hint on the server's standard error naming the served region and how
  to change it;
- at start, one summary line: created N, already present M, of which K differ (named); an
  edited world is reported, kept with --bootstrap-mode create-only and applied with apply;
- one request log line per request (method, operation, principal, decision, status, ms; the
  reason of a refusal), as text or JSON, none with --quiet;
- --debug-signatures says an access key is unknown instead of "signature mismatch".

usage: serve_world_log_test.py GATEHOUSE_BINARY"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import botocore.config

import lambda_boto3_harness as harness
from lambda_boto3_harness import boto3, check, error_of

ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
ALICE = ("AKIAALICEEXAMPLE0001", "aliceSecretEXAMPLEaliceSecretEXAMPLE0000")


def world(region, actions):
    return {
        "region": region,
        "accounts": [{
            "id": "111111111111",
            "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
            "users": [{
                "name": "alice",
                "accessKeys": [{"accessKeyId": ALICE[0], "secretAccessKey": ALICE[1]}],
                "inlinePolicies": {"read-only-lambda": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}},
            }],
        }],
    }


class Server:
    """gatehouse serve on 127.0.0.1:0, its standard error collected line by line."""

    def __init__(self, binary, data, world_file, *extra):
        self.process = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data", data, "--bootstrap", world_file, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.process.stdout.readline().strip()
        prefix = "gatehouse: listening on "
        if not line.startswith(prefix):
            self.process.kill()
            raise RuntimeError("server did not start: %r %r" % (line, self.lines))
        self.base = "http://" + line[len(prefix):]

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text, timeout=5):
        """The first stderr line containing `text`, waiting a little for it."""
        end = time.time() + timeout
        while time.time() < end:
            for line in list(self.lines):
                if text in line:
                    return line
            time.sleep(0.05)
        return None

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        self.reader.join(timeout=5)
        return self.lines


def client(base, keys, region):
    return boto3.client("lambda", endpoint_url=base, region_name=region, aws_access_key_id=keys[0],
                        aws_secret_access_key=keys[1],
                        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                                      connect_timeout=5, read_timeout=10))


def error_code(call):
    error = error_of(call)
    return error[0] if error else None


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        world_file = os.path.join(tmp, "world.json")
        with open(world_file, "w") as f:
            json.dump(world("eu-west-1", ["lambda:List*", "lambda:Get*"]), f)

        # 1. First start: the world is created, its region served, every request logged.
        server = Server(binary, data, world_file, "--debug-signatures")
        summary = server.wait_for("gatehouse: world ")
        check("summary line at first start",
              summary and summary.startswith("gatehouse: world " + world_file + ": created ") and
              "already present 0, none differs from the file" in summary, repr(summary))
        check("region from the world file", server.wait_for("gatehouse: region eu-west-1 (the world file)"),
              repr(server.lines))

        check("root lists functions in eu-west-1",
              error_code(lambda: client(server.base, ROOT, "eu-west-1").list_functions()) is None)
        line = server.wait_for(" ListFunctions principal=arn:aws:iam::111111111111:root")
        check("request log line of an allowed call",
              line and line.startswith("gatehouse: GET /2015-03-31/functions ListFunctions ") and
              " decision=allowed status=200 " in line and line.endswith("ms"), repr(line))

        code = error_code(lambda: client(server.base, ALICE, "eu-west-1").delete_function(FunctionName="f"))
        check("alice may not delete", code == "AccessDeniedException", repr(code))
        line = server.wait_for(" DeleteFunction principal=arn:aws:iam::111111111111:user/alice")
        check("request log line of a denial, with its reason",
              line and " decision=implicitDeny status=403 " in line and
              'reason="User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:DeleteFunction'
              in line, repr(line))

        code = error_code(lambda: client(server.base, ROOT, "us-east-1").list_functions())
        check("a request signed for another region is refused", code == "InvalidSignatureException", repr(code))
        hint = server.wait_for("gatehouse: hint: ")
        check("the refusal names the served region and how to change it",
              hint == "gatehouse: hint: this server serves region eu-west-1; to serve us-east-1 restart it with "
                      "--region us-east-1 (or set \"region\" in the world file), or sign for eu-west-1 "
                      "(AWS_DEFAULT_REGION, --region of the AWS CLI)", repr(hint))

        unknown = ("AKIAUNKNOWNEXAMPLE00", ALICE[1])
        code = error_code(lambda: client(server.base, unknown, "eu-west-1").list_functions())
        check("an unknown key is refused", code == "UnrecognizedClientException", repr(code))
        debug = server.wait_for("gatehouse: debug: ")
        check("--debug-signatures says the key is unknown",
              debug and debug.startswith("gatehouse: debug: unknown access key AKIAUNKNOWNEXAMPLE00") and
              "mismatch" not in debug, repr(debug))
        server.stop()

        # 2. Restart with an edited world: the difference is named and kept.
        with open(world_file, "w") as f:
            json.dump(world("eu-west-1", ["lambda:*"]), f)
        server = Server(binary, data, world_file, "--region", "us-west-2", "--quiet")
        summary = server.wait_for("gatehouse: world ")
        check("restart with an edited world names the difference",
              summary and summary.endswith(
                  "of which 1 differs from the file (kept; --bootstrap-mode apply updates it): "
                  "user alice: inline policy read-only-lambda") and ", created 0, " not in summary, repr(summary))
        check("--region wins over the world file",
              server.wait_for("gatehouse: region us-west-2 (--region, over the world file's eu-west-1)"),
              repr(server.lines))
        code = error_code(lambda: client(server.base, ALICE, "us-west-2").delete_function(FunctionName="f"))
        check("the kept policy still denies", code == "AccessDeniedException", repr(code))
        lines = server.stop()
        check("--quiet logs no request", not any(" DeleteFunction " in l for l in lines), repr(lines))

        # 3. --bootstrap-mode apply makes the store match the file.
        server = Server(binary, data, world_file, "--bootstrap-mode", "apply", "--log-format", "json")
        summary = server.wait_for("gatehouse: world ")
        check("apply updates the difference",
              summary and summary.endswith("of which 1 differs from the file (updated to the file): "
                                           "user alice: inline policy read-only-lambda"), repr(summary))
        code = error_code(lambda: client(server.base, ALICE, "eu-west-1").delete_function(FunctionName="f"))
        check("the applied policy allows (the function does not exist)", code == "ResourceNotFoundException",
              repr(code))
        line = server.wait_for('"operation":"DeleteFunction"')
        try:
            record = json.loads(line)
        except (TypeError, ValueError):
            record = {}
        check("a JSON request log line", record.get("method") == "DELETE" and record.get("status") == 404 and
              record.get("principal") == "arn:aws:iam::111111111111:user/alice" and
              record.get("decision") == "allowed" and isinstance(record.get("ms"), (int, float)) and
              record.get("reason", "").startswith("Function not found"), repr(line))
        server.stop()

        # 4. Applied once, the store matches the file.
        server = Server(binary, data, world_file, "--quiet")
        summary = server.wait_for("gatehouse: world ")
        check("nothing differs after apply", summary and summary.endswith(
            "created 0, already present %s, none differs from the file" % summary.split("already present ")[1]
            .split(",")[0]), repr(summary))
        server.stop()

    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Compatibility with a runtime interface client AWS publishes: npm aws-lambda-ric (3.x, which
runs on Node 20; `make ric-deps` installs the version tests/ric/package-lock.json pins) serving
a Node.js handler through `gatehouse serve`, as a provided.al2023 function's bootstrap. Its
results, its error payload and the log lines it writes reach the caller as Lambda's would.
Needs what the sandbox needs (root, bubblewrap); loopback only."""
import base64
import io
import json
import os
import sys
import tempfile
import zipfile

from lambda_boto3_harness import cannot_run, check, client, start_world, stop, summary

HERE = os.path.dirname(os.path.abspath(__file__))
RIC = os.path.join(HERE, "..", "ric", "node_modules", "aws-lambda-ric")
ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
ROLE = "arn:aws:iam::111111111111:role/lambda-exec"
WORLD = {"region": "us-east-1", "accounts": [{
    "id": "111111111111", "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
    "roles": [{"name": "lambda-exec", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}]}]}
HANDLER = """export const handler = async (event, context) => {
  if (event.fail) throw new TypeError("ric boom");
  console.log("handled", event.n);
  return { via: "aws-lambda-ric", event, fn: context.functionName, version: context.functionVersion };
};
"""
BOOTSTRAP = "#!/bin/sh\ncd /var/task\nexec /usr/bin/node /var/task/node_modules/aws-lambda-ric/bin/index.mjs index.handler\n"


def package():
    """The handler, a bootstrap that starts AWS's client, and the client itself (its JS and native addon)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.mjs", HANDLER)
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o100755 << 16
        info.create_system = 3
        z.writestr(info, BOOTSTRAP)
        for part in ("bin", "dist", "package.json"):
            top = os.path.join(RIC, part)
            paths = [top] if os.path.isfile(top) else [os.path.join(r, f) for r, _, fs in os.walk(top) for f in fs]
            for path in paths:
                z.write(path, os.path.join("node_modules", "aws-lambda-ric", os.path.relpath(path, RIC)))
    return buffer.getvalue()


def main():
    binary = sys.argv[1]
    if not os.path.exists(os.path.join(RIC, "dist", "rapid-client.node")):
        return cannot_run("aws-lambda-ric is not installed with its native addon: run `make ric-deps`")
    with tempfile.TemporaryDirectory() as tmp:
        process, base, _ = start_world(binary, tmp, WORLD)
        try:
            root = client(base, ROOT)
            root.create_function(FunctionName="ric", Runtime="provided.al2023", Handler="index.handler", Role=ROLE,
                                 Code={"ZipFile": package()})
            r = root.invoke(FunctionName="ric", Payload=b'{"n": 1}', LogType="Tail")
            body = json.loads(r["Payload"].read())
            check("ric: the handler's result", body == {"via": "aws-lambda-ric", "event": {"n": 1}, "fn": "ric",
                                                        "version": "$LATEST"}, body)
            log = base64.b64decode(r["LogResult"]).decode()
            rid = r["ResponseMetadata"]["RequestId"]
            check("ric: its console.log line", ("\t%s\tINFO\thandled 1\n" % rid) in log, log)
            check("ric: START/END/REPORT", log.startswith("START RequestId: %s Version: $LATEST\n" % rid) and
                  ("END RequestId: %s\nREPORT RequestId: %s\t" % (rid, rid)) in log, log)
            r = root.invoke(FunctionName="ric", Payload=b'{"fail": true}')
            error = json.loads(r["Payload"].read())
            check("ric: Unhandled", r.get("FunctionError") == "Unhandled", r)
            check("ric: Node's error shape", list(error) == ["errorType", "errorMessage", "trace"] and
                  error["errorType"] == "TypeError" and error["errorMessage"] == "ric boom", error)
            r = root.invoke(FunctionName="ric", Payload=b'{"n": 2}')
            check("ric: warm again after an error", json.loads(r["Payload"].read())["event"] == {"n": 2})
        finally:
            stop(process)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

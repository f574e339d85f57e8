#!/usr/bin/env python3
"""The AWS SDK for JavaScript v3 inside a Node.js function, unchanged: `new LambdaClient({})`
with the execution role's credentials reaches this service through AWS_ENDPOINT_URL; a call the
role allows succeeds, one it does not is AccessDeniedException naming the assumed-role session.
The SDK is packaged into the function's zip from tests/js/node_modules (the versions
tests/js/package-lock.json pins; `make js-deps` installs them). Needs what the sandbox needs
(root, bubblewrap); loopback only."""
import io
import json
import os
import sys
import tempfile
import zipfile

from lambda_boto3_harness import cannot_run, check, client, package, start_world, stop, summary

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "..", "js", "node_modules")
ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
ACCOUNT = "111111111111"
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
WORLD = {"region": "us-east-1", "accounts": [{
    "id": ACCOUNT, "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
    "roles": [
        {"name": "lambda-exec", "assumeRolePolicy": TRUST_LAMBDA},
        {"name": "lambda-caller", "assumeRolePolicy": TRUST_LAMBDA,
         "inlinePolicies": {"read-echo": {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Action": "lambda:GetFunction",
              "Resource": "arn:aws:lambda:us-east-1:%s:function:echo" % ACCOUNT}]}}}]}]}

# Function code written for Lambda: no endpoint, no credentials, no region in the code.
HANDLER = """import { LambdaClient, GetFunctionCommand, DeleteFunctionCommand } from "@aws-sdk/client-lambda";

export const handler = async () => {
  const lambda = new LambdaClient({});
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: "echo" }));
  let denied = null;
  try {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: "echo" }));
  } catch (e) {
    denied = [e.name, e.message, e.$metadata && e.$metadata.httpStatusCode];
  }
  return { got: got.Configuration.FunctionName, denied, endpoint: process.env.AWS_ENDPOINT_URL };
};
"""


def js_package():
    """index.mjs and the SDK's node_modules."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.mjs", HANDLER)
        for top, _, files in os.walk(NODE_MODULES):
            for name in files:
                path = os.path.join(top, name)
                z.write(path, os.path.join("node_modules", os.path.relpath(path, NODE_MODULES)))
    return buffer.getvalue()


def main():
    binary = sys.argv[1]
    if os.geteuid() != 0:
        return cannot_run("the executor's tests need root (bubblewrap drops to nobody inside)")
    if not os.path.isdir(os.path.join(NODE_MODULES, "@aws-sdk", "client-lambda")):
        return cannot_run("tests/js/node_modules has no @aws-sdk/client-lambda: run make js-deps")
    with tempfile.TemporaryDirectory() as tmp:
        process, base, _ = start_world(binary, tmp, WORLD)
        try:
            root = client(base, ROOT)
            root.create_function(FunctionName="echo", Runtime="python3.11", Handler="app.handler",
                                 Role="arn:aws:iam::%s:role/lambda-exec" % ACCOUNT, Code={"ZipFile": package()})
            root.create_function(FunctionName="jscaller", Runtime="nodejs20.x", Handler="index.handler",
                                 Role="arn:aws:iam::%s:role/lambda-caller" % ACCOUNT, Timeout=30, MemorySize=512,
                                 Code={"ZipFile": js_package()})
            r = root.invoke(FunctionName="jscaller", Payload=b"{}")
            body = r["Payload"].read()
            check("js sdk: no function error", "FunctionError" not in r, body[:2000])
            out = json.loads(body) if "FunctionError" not in r else {}
            check("js sdk: the allowed call succeeds", out.get("got") == "echo", body[:2000])
            denied = out.get("denied") or ["", "", 0]
            check("js sdk: the denied call is AccessDeniedException naming the session",
                  denied[0] == "AccessDeniedException" and denied[2] == 403 and
                  ("User: arn:aws:sts::%s:assumed-role/lambda-caller/jscaller is not authorized to perform: "
                   "lambda:DeleteFunction" % ACCOUNT) in denied[1], denied)
            # The sandbox reaches no other network: the answers above came from this service.
            check("js sdk: AWS_ENDPOINT_URL is this service's",
                  str(out.get("endpoint", "")).startswith("http://127.0.0.1:"), out.get("endpoint"))
            check("js sdk: echo is still there", root.get_function(FunctionName="echo")["Configuration"]["FunctionName"]
                  == "echo")
        finally:
            stop(process)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

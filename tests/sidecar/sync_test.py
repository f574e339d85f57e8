#!/usr/bin/env python3
"""`gatehouse sync`: function policies added and removed at the endpoint the sidecar fronts
(here another `gatehouse serve`, a Lambda-compatible endpoint) reach the sidecar's decisions.
bob (account 222222222222) may GetFunction on account 111111111111's F only through F's function
policy: denied by the sidecar (Envoy's HTTP ext_authz form) until a sync copies the policy (the
sidecar stopped meanwhile: the store is one process's), then allowed, and denied again once the
permission is removed upstream and synced.
Loopback only; bounded in time."""
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from lambda_boto3_harness import check, client, package, start, start_world, stop, summary  # noqa: E402

ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
BOB = ("AKIABOBEXAMPLE000001", "bobSecretEXAMPLEbobSecretEXAMPLEbob00000")
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
WORLD = {"region": "us-east-1", "accounts": [
    {"id": "111111111111", "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
     "roles": [{"name": "exec", "assumeRolePolicy": TRUST}]},
    {"id": "222222222222", "rootAccessKeys": [], "users": [{
        "name": "bob", "accessKeys": [{"accessKeyId": BOB[0], "secretAccessKey": BOB[1]}],
        "inlinePolicies": {"read": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}}}]}]}
TARGET = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3AF"


def sidecar_decision(base):
    """The status the sidecar's HTTP ext_authz form answers for bob's signed GetFunction of F."""
    host = base[len("http://"):]
    request = botocore.awsrequest.AWSRequest(method="GET", url=base + TARGET)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*BOB), "lambda", "us-east-1").add_auth(request)
    headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
    headers["Host"] = host
    try:
        with urllib.request.urlopen(urllib.request.Request(base + "/ext-authz" + TARGET, headers=headers),
                                    timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as upstream_tmp, tempfile.TemporaryDirectory() as sidecar_tmp:
        upstream, upstream_base, _ = start_world(binary, upstream_tmp, WORLD)
        sidecar, sidecar_base, sidecar_data = start_world(binary, sidecar_tmp, WORLD)
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT[0], AWS_SECRET_ACCESS_KEY=ROOT[1])
        env.pop("AWS_SESSION_TOKEN", None)

        def sync():
            """Stops the sidecar, syncs its store, starts it again."""
            nonlocal sidecar, sidecar_base
            stop(sidecar)
            done = subprocess.run([binary, "sync", "--data", sidecar_data, "--endpoint", upstream_base],
                                  capture_output=True, text=True, timeout=60, env=env)
            sidecar, sidecar_base = start(binary, sidecar_data, os.path.join(sidecar_tmp, "world.json"))
            return done
        try:
            root = client(upstream_base, ROOT)
            root.create_function(FunctionName="F", Runtime="python3.11", Handler="app.handler",
                                 Role="arn:aws:iam::111111111111:role/exec", Code={"ZipFile": package()})
            root.add_permission(FunctionName="F", StatementId="bob", Action="lambda:GetFunction",
                                Principal="222222222222")
            check("before sync: the sidecar denies bob", sidecar_decision(sidecar_base) == 403)

            done = sync()
            check("sync: exit 0", done.returncode == 0, (done.stdout, done.stderr))
            check("sync: says what it did", "F: created in the store" in done.stdout and "F: + bob" in done.stdout and
                  "1 function(s) read, 1 created, 1 statement(s) added, 0 removed, 0 failure(s)" in done.stdout,
                  done.stdout)
            check("after sync: the sidecar allows bob",
                  sidecar_decision(sidecar_base) == 200)
            again = sync()
            check("sync again: nothing to change", again.returncode == 0 and
                  "0 created, 0 statement(s) added, 0 removed" in again.stdout, again.stdout)

            root.remove_permission(FunctionName="F", StatementId="bob")
            root.add_permission(FunctionName="F", StatementId="sns", Action="lambda:InvokeFunction",
                                Principal="sns.amazonaws.com",
                                SourceArn="arn:aws:sns:us-east-1:111111111111:topic")
            done = sync()
            check("removed upstream: synced", done.returncode == 0 and "F: - bob" in done.stdout and
                  "F: + sns" in done.stdout, (done.stdout, done.stderr))
            check("removed upstream: the sidecar denies bob again", sidecar_decision(sidecar_base) == 403)
            policy = client(sidecar_base, ROOT).get_policy(FunctionName="F")["Policy"]
            check("the store's policy is the endpoint's", policy == root.get_policy(FunctionName="F")["Policy"],
                  policy)

            busy = subprocess.run([binary, "sync", "--data", sidecar_data, "--endpoint", upstream_base],
                                  capture_output=True, text=True, timeout=60, env=env)
            check("a store a server holds: exit 1, nothing written", busy.returncode == 1 and
                  "in use by another gatehouse store" in busy.stderr, busy.stderr)
            stop(sidecar)
            bad = subprocess.run([binary, "sync", "--data", sidecar_data, "--endpoint", "http://127.0.0.1:1"],
                                 capture_output=True, text=True, timeout=60, env=env)
            check("an unreachable endpoint: exit 1 with the reason", bad.returncode == 1 and
                  "gatehouse sync: GET /2015-03-31/functions/" in bad.stderr, (bad.returncode, bad.stderr))
            check("bad arguments: exit 2", subprocess.run([binary, "sync", "--data", sidecar_data],
                                                          capture_output=True, timeout=30).returncode == 2)
        finally:
            stop(sidecar)
            stop(upstream)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

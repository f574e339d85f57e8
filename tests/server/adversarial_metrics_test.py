"""A third adversarial review's finding: `GET /metrics` on the service port is unauthenticated
and labels the function metrics with the bare function name, whatever the account. The service
port is also the one forwarded into every function's sandbox (docs/executor.md, Network), so the
code of one account's function could read the names of another account's functions and how often
they run: existence of another account's resources, which its API answers only with
AccessDenied. A connection the executor forwards for function code now gets the unknown-path
answer for /metrics; the operator, calling the port directly, still gets the metrics.

Here account B's function `payroll-b` runs once; account A's function code then asks the
endpoint it was given for /metrics.

usage: adversarial_metrics_test.py GATEHOUSE_BINARY"""
import json
import sys
import tempfile
import urllib.request

from lambda_boto3_harness import REGION, check, client, package, start_world, stop, summary

ROOT_A = ("AKIAROOTAEXAMPLE0001", "rootASecretEXAMPLErootASecretEXAMPLE0000")
ROOT_B = ("AKIAROOTBEXAMPLE0002", "rootBSecretEXAMPLErootBSecretEXAMPLE0000")
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
WORLD = {
    "region": REGION,
    "accounts": [
        {"id": "111111111111", "rootAccessKeys": [{"accessKeyId": ROOT_A[0], "secretAccessKey": ROOT_A[1]}],
         "roles": [{"name": "exec", "assumeRolePolicy": TRUST}]},
        {"id": "222222222222", "rootAccessKeys": [{"accessKeyId": ROOT_B[0], "secretAccessKey": ROOT_B[1]}],
         "roles": [{"name": "exec", "assumeRolePolicy": TRUST}]},
    ],
}
PROBE = """
import os, urllib.error, urllib.request
def handler(event, context):
    try:
        with urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"] + "/metrics", timeout=5) as answer:
            return {"status": answer.status, "body": answer.read().decode()}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode()}
"""


def create(lam, account, name, code):
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                        Role="arn:aws:iam::%s:role/exec" % account, Code={"ZipFile": package(code)}, Timeout=20)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        process, base, _ = start_world(sys.argv[1], tmp, WORLD)
        try:
            b = client(base, ROOT_B)
            create(b, "222222222222", "payroll-b", "def handler(event, context):\n    return 1\n")
            b.invoke(FunctionName="payroll-b")
            a = client(base, ROOT_A)
            create(a, "111111111111", "probe", PROBE)
            seen = json.loads(a.invoke(FunctionName="probe")["Payload"].read())
            check("account A's code gets the unknown-path answer for /metrics",
                  isinstance(seen, dict) and seen.get("status") == 404 and "Unknown operation" in seen.get("body", ""),
                  str(seen)[:300])
            check("account A's code does not learn account B's function names",
                  isinstance(seen, dict) and "payroll-b" not in seen.get("body", ""), str(seen)[:300])
            with urllib.request.urlopen(base + "/metrics", timeout=5) as answer:
                operator_view = answer.read().decode()
            check("the operator, on the port itself, still sees every function's metrics",
                  'function="payroll-b"' in operator_view and 'function="probe"' in operator_view,
                  [l for l in operator_view.splitlines() if "invocations" in l][:4])
        finally:
            stop(process)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`gatehouse sign --presign --body` against botocore's SigV4QueryAuth, byte for byte.

botocore presigns a request with a body by moving the body into the query string (a form body
parameter by parameter, a JSON object key by key) and sending no body. For each case this test
signs the same request with botocore (the installed botocore, fixed credentials and time) and
with `gatehouse sign --presign --output json`, and requires the same URL (which carries the
signature, so the canonical requests agree too) and a note on standard error.

usage: sign_presign_body_test.py GATEHOUSE_BINARY
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
from unittest import mock

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE-SESSION/TOKEN+abc=="
TIME = datetime.datetime(2024, 5, 1, 12, 0, 0)
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def botocore_url(case):
    credentials = Credentials(KEY_ID, SECRET, case.get("token"))
    request = AWSRequest(method=case["method"], url=case["url"], headers=dict(case["headers"]), data=case["data"])
    auth = SigV4QueryAuth(credentials, case["service"], case["region"], expires=case["expires"])
    # botocore reads the clock through get_current_datetime (newer) or datetime.datetime.utcnow (older).
    import botocore.auth as botocore_auth
    if hasattr(botocore_auth, "get_current_datetime"):
        with mock.patch.object(botocore_auth, "get_current_datetime", return_value=TIME):
            auth.add_auth(request)
    else:
        with mock.patch.object(botocore_auth.datetime, "datetime", wraps=datetime.datetime) as clock:
            clock.utcnow.return_value = TIME
            auth.add_auth(request)
    assert not request.data, "botocore sent a body"
    return request.url


def gatehouse(binary, case, body):
    with tempfile.NamedTemporaryFile("wb", delete=False) as f:
        f.write(body.encode("utf-8"))
        path = f.name
    try:
        args = [binary, "sign", "--method", case["method"], "--url", case["url"], "--region", case["region"],
                "--service", case["service"], "--time", "20240501T120000Z", "--presign", "--expires",
                str(case["expires"]), "--body", path, "--output", "json",
                "--access-key-id", KEY_ID, "--secret-access-key", SECRET]
        if case.get("token"):
            args += ["--session-token", case["token"]]
        for name, value in case["headers"]:
            args += ["--header", f"{name}: {value}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return subprocess.run(args, capture_output=True, text=True, env=env)
    finally:
        os.unlink(path)


def form_body(pairs):
    from urllib.parse import quote
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


CASES = [
    # The query protocol: botocore's serializer hands the signer a dict; gatehouse reads the form.
    {"name": "sts AssumeRole form", "method": "POST", "url": "https://sts.amazonaws.com/", "service": "sts",
     "region": "us-east-1", "expires": 900, "headers": [("Content-Type", FORM)],
     "pairs": [("Action", "AssumeRole"), ("Version", "2011-06-15"),
               ("RoleArn", "arn:aws:iam::111111111111:role/app/R"), ("RoleSessionName", "s 1+2/3")]},
    {"name": "iam form with a session token and a URL query", "method": "POST",
     "url": "https://iam.amazonaws.com/?Version=2000-01-01&Extra=a%20b", "service": "iam", "region": "us-east-1",
     "expires": 3600, "token": TOKEN, "headers": [("Content-Type", FORM)],
     "pairs": [("Action", "ListUsers"), ("Version", "2010-05-08"), ("PathPrefix", "/team/é~*")]},
    # rest-json: the JSON object's keys become query parameters.
    {"name": "lambda JSON object", "method": "POST", "url": "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/F/invocations",
     "service": "lambda", "region": "us-east-1", "expires": 300, "headers": [("Content-Type", "application/json")],
     "json": '{"key": "value", "n": 42, "neg": -7, "ok": true, "no": false, "none": null, "list": ["a", "b c"], "u": "é/&="}'},
    {"name": "JSON object with a token, an existing query and a duplicate key", "method": "PUT",
     "url": "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/F/aliases/A?Qualifier=1",
     "service": "lambda", "region": "eu-west-1", "expires": 60, "token": TOKEN,
     "headers": [("Content-Type", "application/json"), ("X-Custom", "v")],
     "json": '{"Qualifier": "2", "Description": "d", "Description": "e"}'},
]


def main():
    binary = sys.argv[1]
    failures = 0
    for case in CASES:
        if "pairs" in case:
            case["data"] = dict(case["pairs"])
            body = form_body(case["pairs"])
        else:
            case["data"] = case["json"].encode("utf-8")
            body = case["json"]
        expected = botocore_url(case)
        result = gatehouse(binary, case, body)
        if result.returncode != 0:
            print(f"FAIL {case['name']}: exit {result.returncode}: {result.stderr.strip()}")
            failures += 1
            continue
        got = json.loads(result.stdout)["url"]
        if got != expected:
            print(f"FAIL {case['name']}:\n  botocore  {expected}\n  gatehouse {got}")
            failures += 1
            continue
        if "note: the body was moved into the query string" not in result.stderr:
            print(f"FAIL {case['name']}: no note on standard error: {result.stderr!r}")
            failures += 1
            continue
        print(f"PASS {case['name']}")
    # A body that cannot move is refused, not signed with its hash.
    case = dict(CASES[2], headers=[("Content-Type", "application/json")])
    refused = gatehouse(binary, case, '{"nested": {"a": 1}}')
    if refused.returncode != 2 or "cannot move the body member `nested`" not in refused.stderr:
        print(f"FAIL nested object: exit {refused.returncode}: {refused.stderr.strip()}")
        failures += 1
    else:
        print("PASS nested object refused")
    print(f"{len(CASES) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Invoke running function code, end to end with boto3 against the real `gatehouse serve`
(docs/executor.md): results and Lambda's headers, qualifiers, errors and timeouts, the
execution role's own credentials held to its policies, containment, hostile input.
Needs root and bubblewrap (the sandbox); loopback only; bounded in time."""
import base64
import glob
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import boto3
import botocore.config
import botocore.exceptions

from lambda_boto3_harness import cannot_run, check, client, error_of, package, start, start_world, stop, summary

ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
ACCOUNT = "111111111111"
TRUST_LAMBDA = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EXEC_ROLE = "arn:aws:iam::%s:role/lambda-exec" % ACCOUNT
CALLER_ROLE = "arn:aws:iam::%s:role/lambda-caller" % ACCOUNT
BOB = ("AKIABOBEXAMPLE000001", "bobSecretEXAMPLEbobSecretEXAMPLEbob00000")
WORLD = {
    "region": "us-east-1",
    "accounts": [{"id": "222222222222", "rootAccessKeys": [], "users": [{
        "name": "bob", "accessKeys": [{"accessKeyId": BOB[0], "secretAccessKey": BOB[1]}],
        "inlinePolicies": {"invoke": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}}}]}, {
        "id": ACCOUNT,
        "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
        "roles": [
            {"name": "lambda-exec", "assumeRolePolicy": TRUST_LAMBDA},
            {"name": "lambda-caller", "assumeRolePolicy": TRUST_LAMBDA,
             "inlinePolicies": {"read-echo": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": "lambda:GetFunction",
                  "Resource": "arn:aws:lambda:us-east-1:%s:function:echo" % ACCOUNT}]}}},
            # Its policy allows deleting too; its boundary (read-only Lambda) does not.
            {"name": "lambda-bounded", "assumeRolePolicy": TRUST_LAMBDA,
             "permissionsBoundary": "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess",
             "inlinePolicies": {"all-echo": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": ["lambda:GetFunction", "lambda:DeleteFunction"],
                  "Resource": "arn:aws:lambda:us-east-1:%s:function:echo" % ACCOUNT}]}}}],
    }],
}
MARKER = "GATEHOUSE_SERVER_ONLY_MARKER"

CALLER_CODE = """import boto3, botocore.exceptions
def handler(event, context):
    c = boto3.client("lambda")
    name = c.get_function(FunctionName="echo")["Configuration"]["FunctionName"]
    try:
        c.delete_function(FunctionName="echo")
        denied = None
    except botocore.exceptions.ClientError as e:
        denied = [e.response["Error"]["Code"], e.response["Error"]["Message"]]
    return {"got": name, "denied": denied, "endpoint": c.meta.endpoint_url}
"""

PROBE_CODE = """import os, signal
def attempt(f):
    try:
        return f()
    except Exception as e:
        return type(e).__name__
def handler(event, context):
    return {
        "data": attempt(lambda: os.listdir(event["data"])),
        "pid1_marker": attempt(lambda: %r in open("/proc/1/environ").read()),
        "env_marker": %r in os.environ,
        "keys": sorted(k for k in os.environ if k.startswith("AWS_")),
        "other_code": attempt(lambda: sorted(os.listdir("/var"))),
        "signal_server": attempt(lambda: os.kill(event["server"], signal.SIGTERM)),
    }
""" % (MARKER, MARKER)


def audit_record(path, request_id):
    """The audit record of one request (the server writes it before answering)."""
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("requestID") == request_id:
                return record
    return {}


def invoke(c, name, payload=b"{}", **kwargs):
    r = c.invoke(FunctionName=name, Payload=payload, **kwargs)
    return r, r["Payload"].read()


def main():
    binary = sys.argv[1]
    if os.geteuid() != 0:
        return cannot_run("the executor's tests need root (bubblewrap drops to nobody inside)")
    os.environ[MARKER] = "1"  # the server's environment: must never reach a function
    with tempfile.TemporaryDirectory() as tmp:
        audit_path = os.path.join(tmp, "audit.jsonl")
        process, base, data = start_world(binary, tmp, WORLD, ["--audit-log", audit_path])
        # The server's work directory carries its pid (other tests' servers may run meanwhile).
        mine = set(glob.glob(os.path.join(tempfile.gettempdir(), "gatehouse-executor-%d-*" % process.pid)))
        stopped = None
        try:
            root = client(base, ROOT)
            root.create_function(FunctionName="echo", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Code={"ZipFile": package("def handler(event, context):\n    return event\n")})

            r, body = invoke(root, "echo", b'{"hello": [1, 2]}', LogType="Tail")
            check("returns the event", json.loads(body) == {"hello": [1, 2]}, body)
            check("status 200", r["StatusCode"] == 200, r["StatusCode"])
            check("executed version", r["ExecutedVersion"] == "$LATEST", r.get("ExecutedVersion"))
            check("no function error", "FunctionError" not in r, r)
            log = base64.b64decode(r["LogResult"]).decode()
            rid = r["ResponseMetadata"]["RequestId"]
            check("tail: START", log.startswith("START RequestId: %s Version: $LATEST\n" % rid), log)
            check("tail: END, REPORT", ("END RequestId: %s\nREPORT RequestId: %s\tDuration: " % (rid, rid)) in log, log)
            check("tail: memory size", "\tMemory Size: 128 MB\tMax Memory Used: " in log, log)
            r, body = invoke(root, "echo")
            check("no tail unless asked", "LogResult" not in r, r)

            # gatehouse logs: what the invocations logged, kept per log stream; --follow sees new ones.
            logs = subprocess.run([binary, "logs", "echo", "--data", data], capture_output=True, text=True, timeout=30)
            check("logs: kept", logs.returncode == 0 and ("START RequestId: %s Version: $LATEST\n" % rid) in logs.stdout
                  and ("REPORT RequestId: %s\t" % rid) in logs.stdout, (logs.stdout[-500:], logs.stderr))
            check("logs: unknown function", subprocess.run([binary, "logs", "nope", "--data", data], capture_output=True,
                                                           timeout=30).returncode == 1)
            follower = subprocess.Popen([binary, "logs", "echo", "--data", data, "--follow"], stdout=subprocess.PIPE,
                                        text=True)
            try:
                r, body = invoke(root, "echo", b'"followed"')
                wanted = "START RequestId: %s" % r["ResponseMetadata"]["RequestId"]
                seen = threading.Event()

                def watch():
                    for line in follower.stdout:
                        if wanted in line:
                            seen.set()
                threading.Thread(target=watch, daemon=True).start()
                check("logs --follow: a new invocation appears", seen.wait(10))
            finally:
                follower.terminate()
                follower.wait(timeout=10)

            # Qualifiers: an alias runs the version behind it; the code change retires $LATEST's environment.
            root.publish_version(FunctionName="echo")
            root.create_alias(FunctionName="echo", Name="PROD", FunctionVersion="1")
            root.update_function_code(FunctionName="echo",
                                      ZipFile=package("def handler(event, context):\n    return 'v2'\n"))
            r, body = invoke(root, "echo", b'"x"', Qualifier="PROD")
            check("alias: version 1's code", body == b'"x"' and r["ExecutedVersion"] == "1", (body, r.get("ExecutedVersion")))
            audited = audit_record(audit_path, r["ResponseMetadata"]["RequestId"])
            check("audit: the executed version of an Invoke through the alias",
                  audited.get("additionalEventData") == {"executedVersion": "1"} and
                  audited.get("requestParameters", {}).get("qualifier") == "PROD", audited)
            r, body = invoke(root, "echo", b'"x"')
            check("$LATEST: the new code", body == b'"v2"' and r["ExecutedVersion"] == "$LATEST", body)

            # Cross-account: bob (222222222222) may invoke only once the function policy lets him.
            bob = client(base, BOB)
            echo_arn = "arn:aws:lambda:us-east-1:%s:function:echo" % ACCOUNT
            denied = error_of(lambda: bob.invoke(FunctionName=echo_arn, Payload=b"1"))
            check("cross-account: denied without a function policy", denied is not None and
                  denied[0] == "AccessDeniedException", denied)
            root.add_permission(FunctionName="echo", StatementId="bob", Action="lambda:InvokeFunction",
                                Principal="arn:aws:iam::222222222222:user/bob")
            r, body = invoke(bob, echo_arn, b'"from bob"')
            check("cross-account: runs through the function policy", body == b'"v2"' and r["StatusCode"] == 200, body)

            # The AWS CLI: --payload, --log-type Tail, a qualified invoke through the alias.
            with tempfile.TemporaryDirectory() as out_dir:
                out = os.path.join(out_dir, "out.json")
                env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_ACCESS_KEY_ID": ROOT[0],
                       "AWS_SECRET_ACCESS_KEY": ROOT[1], "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
                version = subprocess.run(["/usr/bin/aws", "--version"], capture_output=True, text=True, env=env)
                raw = ["--cli-binary-format", "raw-in-base64-out"] if "aws-cli/2" in version.stdout else []
                cli = subprocess.run(["/usr/bin/aws", "--endpoint-url", base, "lambda", "invoke", "--function-name",
                                      "echo", "--qualifier", "PROD", "--payload", '{"cli": true}', "--log-type", "Tail",
                                      *raw, out], capture_output=True, text=True, timeout=60, env=env)
                answer = json.loads(cli.stdout) if cli.returncode == 0 else {}
                result = open(out).read() if os.path.exists(out) else ""
                check("aws cli: invoke through the alias", answer.get("StatusCode") == 200 and
                      answer.get("ExecutedVersion") == "1" and json.loads(result or "null") == {"cli": True},
                      (cli.stdout, cli.stderr, result))
                check("aws cli: LogResult", "START RequestId: " in base64.b64decode(answer.get("LogResult", "")).decode(),
                      answer)

            root.create_function(FunctionName="raise", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Code={"ZipFile": package("def handler(event, context):\n    raise Exception('boom')\n")})
            r, body = invoke(root, "raise")
            error = json.loads(body)
            check("raise: Unhandled", r.get("FunctionError") == "Unhandled", r)
            check("raise: Python's shape", list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"] and
                  error["errorType"] == "Exception" and error["errorMessage"] == "boom" and
                  error["requestId"] == r["ResponseMetadata"]["RequestId"], error)
            check("audit: $LATEST ran and failed", audit_record(audit_path, r["ResponseMetadata"]["RequestId"]).get(
                "additionalEventData") == {"executedVersion": "$LATEST", "functionError": "Unhandled"})

            root.create_function(FunctionName="slow", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Timeout=1, Code={"ZipFile": package(
                                     "import time\ndef handler(event, context):\n    time.sleep(20)\n")})
            r, body = invoke(root, "slow", LogType="Tail")
            rid = r["ResponseMetadata"]["RequestId"]
            check("timeout", json.loads(body) == {"errorType": "Sandbox.Timedout", "errorMessage":
                  "RequestId: %s Error: Task timed out after 1.00 seconds" % rid} and
                  r.get("FunctionError") == "Unhandled", body)
            check("timeout: REPORT status", "Status: timeout" in base64.b64decode(r["LogResult"]).decode())

            # The role's own session: allowed calls succeed, others are denied naming the session.
            root.create_function(FunctionName="caller", Runtime="python3.11", Handler="app.handler", Role=CALLER_ROLE,
                                 Timeout=20, Code={"ZipFile": package(CALLER_CODE)})
            r, body = invoke(root, "caller")
            out = json.loads(body)
            check("role: allowed call", out.get("got") == "echo", body)
            check("role: denied call", out.get("denied") is not None and out["denied"][0] == "AccessDeniedException" and
                  ("arn:aws:sts::%s:assumed-role/lambda-caller/caller" % ACCOUNT) in out["denied"][1], body)
            check("role: endpoint from AWS_ENDPOINT_URL", str(out.get("endpoint", "")).startswith("http://127.0.0.1:"),
                  body)

            # A function's name may be 1 character long (STS's RoleSessionName may not): its session is still
            # assumed-role/ROLE/FUNCTION, as Lambda's is.
            root.create_function(FunctionName="x", Runtime="python3.11", Handler="app.handler", Role=CALLER_ROLE,
                                 Timeout=20, Code={"ZipFile": package(CALLER_CODE)})
            try:
                r, body = invoke(root, "x")
                out = json.loads(body)
            except botocore.exceptions.ClientError as e:
                body, out = e.response["Error"], {}
            check("1-character function: allowed call", out.get("got") == "echo", body)
            check("1-character function: denied naming its session", out.get("denied") is not None and
                  out["denied"][0] == "AccessDeniedException" and
                  ("User: arn:aws:sts::%s:assumed-role/lambda-caller/x is not" % ACCOUNT) in out["denied"][1], body)

            # The same with a permissions boundary on the role.
            root.create_function(FunctionName="bounded", Runtime="python3.11", Handler="app.handler",
                                 Role="arn:aws:iam::%s:role/lambda-bounded" % ACCOUNT, Timeout=20,
                                 Code={"ZipFile": package(CALLER_CODE)})
            r, body = invoke(root, "bounded")
            out = json.loads(body)
            check("boundary: allowed call", out.get("got") == "echo", body)
            check("boundary: denied call", out.get("denied") is not None and
                  out["denied"][0] == "AccessDeniedException" and
                  ("arn:aws:sts::%s:assumed-role/lambda-bounded/bounded" % ACCOUNT) in out["denied"][1] and
                  "permissions boundary" in out["denied"][1], body)

            # Node.js: its error shape, through the API.
            node_zip = io.BytesIO()
            with zipfile.ZipFile(node_zip, "w") as z:
                z.writestr("index.mjs", "export const handler = async () => { throw new Error('node boom'); };\n")
            root.create_function(FunctionName="noderaise", Runtime="nodejs20.x", Handler="index.handler",
                                 Role=EXEC_ROLE, Code={"ZipFile": node_zip.getvalue()})
            r, body = invoke(root, "noderaise")
            error = json.loads(body)
            check("node raise: Unhandled", r.get("FunctionError") == "Unhandled", r)
            check("node raise: Node's shape", list(error) == ["errorType", "errorMessage", "trace"] and
                  error["errorType"] == "Error" and error["errorMessage"] == "node boom" and
                  error["trace"][0] == "Error: node boom", error)

            root.create_function(FunctionName="probe", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Code={"ZipFile": package(PROBE_CODE)})
            r, body = invoke(root, "probe", json.dumps({"data": data, "server": process.pid}).encode())
            out = json.loads(body)
            check("contained: data directory", out.get("data") == "FileNotFoundError", body)
            check("contained: /proc/1/environ", out.get("pid1_marker") is False and out.get("env_marker") is False, body)
            check("contained: other functions' code", out.get("other_code") == ["runtime", "task"], body)
            check("contained: cannot signal the server", out.get("signal_server") == "ProcessLookupError" and
                  process.poll() is None, body)
            check("environment: credentials and endpoint", {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API",
                  "AWS_REGION", "AWS_EXECUTION_ENV"} <= set(out.get("keys", [])), body)

            # Hostile input: 4xx, never 5xx.
            for name, call, want in [
                ("not JSON", lambda: root.invoke(FunctionName="echo", Payload=b"{nope"), "InvalidRequestContentException"),
                ("client context not base64", lambda: root.invoke(FunctionName="echo", ClientContext="%%%"),
                 "InvalidRequestContentException"),
                ("client context not JSON", lambda: root.invoke(
                    FunctionName="echo", ClientContext=base64.b64encode(b"[1,").decode()), "InvalidRequestContentException"),
                ("client context too long", lambda: root.invoke(
                    FunctionName="echo", ClientContext=base64.b64encode(b'{"a":"' + b"x" * 3000 + b'"}').decode()),
                 "InvalidRequestContentException"),
                ("unknown invocation type", lambda: root.invoke(FunctionName="echo", InvocationType="Sometimes"),
                 "ValidationException"),
                ("unknown log type", lambda: root.invoke(FunctionName="echo", LogType="All"), "ValidationException"),
                ("oversize payload", lambda: root.invoke(FunctionName="echo", Payload=b'"' + b"x" * 6291456 + b'"'),
                 "RequestEntityTooLargeException"),
            ]:
                got = error_of(call)
                check("hostile: " + name, got is not None and got[0] == want and got[2] < 500, got)
            # A client context reaches the function's context, whatever line breaks it had.
            root.create_function(FunctionName="context", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Code={"ZipFile": package("def handler(event, context):\n"
                                                          "    c = context.client_context\n"
                                                          "    return [c.custom, c.env, c.client.app_title]\n")})
            good_context = base64.b64encode(b'{\r\n"custom":\r\n{"k": "v\\r\\nX-Injected: 1"}, "env": {"e": 1},'
                                            b' "client": {"app_title": "t"}}').decode()
            r, body = invoke(root, "context", ClientContext=good_context)
            check("client context passed", json.loads(body) == [{"k": "v\r\nX-Injected: 1"}, {"e": 1}, "t"], body)

            # A role whose trust no longer admits Lambda fails the next cold start with 502.
            iam = boto3.client("iam", endpoint_url=base, region_name="us-east-1", aws_access_key_id=ROOT[0],
                               aws_secret_access_key=ROOT[1],
                               config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}))
            iam.update_assume_role_policy(RoleName="lambda-exec", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                       "Action": "sts:AssumeRole"}]}))
            got = error_of(lambda: root.invoke(FunctionName="raise", Qualifier="$LATEST", Payload=b'{"cold": 1}'))
            root.update_function_configuration(FunctionName="raise", Description="retire the warm one")
            got = error_of(lambda: root.invoke(FunctionName="raise"))
            check("trust re-checked", got is not None and got[2] == 502 and EXEC_ROLE in got[1], got)
            # Lambda's function metrics on GET /metrics (raise: once, and once more warm after the trust
            # change; echo: five times, bob's and the CLI's).
            import urllib.request
            with urllib.request.urlopen(base + "/metrics", timeout=10) as answer:
                metrics = answer.read().decode()
            for line in ['gatehouse_invocations_total{function="raise"} 2',
                         'gatehouse_invocation_errors_total{function="raise"} 2',
                         'gatehouse_invocation_errors_total{function="slow"} 1',
                         'gatehouse_invocation_duration_seconds_count{function="echo"} 7',
                         'gatehouse_cold_starts_total{runtime="nodejs20.x"} 1',
                         'gatehouse_concurrent_executions 0']:
                check("metrics: " + line, line in metrics, [m for m in metrics.splitlines() if "invocation" in m][:20])
            check("metrics: warm environments", "\ngatehouse_warm_environments " in metrics)
            cgroups = glob.glob("/sys/fs/cgroup/**/gatehouse/env-%d-*" % process.pid, recursive=True)
            check("warm environments have cgroups", len(cgroups) > 0, cgroups)
        finally:
            stopped = stop(process)
        # SIGTERM leaves nothing behind: no sandbox, cgroup or work directory.
        check("stopped cleanly", stopped == 0, stopped)
        check("no cgroup left", glob.glob("/sys/fs/cgroup/**/gatehouse/env-%d-*" % process.pid, recursive=True) == [])
        # This server's own (the name carries its pid): other tests' servers may run meanwhile.
        left = set(glob.glob(os.path.join(tempfile.gettempdir(), "gatehouse-executor-%d-*" % process.pid)))
        check("no work directory left", not left, left)
        check("one work directory while serving", len(mine) == 1, mine)
        sandboxes = [p for p in os.listdir("/proc") if p.isdigit() and any(d in _cmdline(p) for d in mine)]
        check("no sandbox process left", not sandboxes, sandboxes)
    concurrency_limit(binary)
    async_events(binary)
    refuses_without_sandbox(binary)
    with tempfile.TemporaryDirectory() as tmp:
        bad = subprocess.run([binary, "serve", "--data", os.path.join(tmp, "d"), "--runtime", "java21=/usr/bin/java"],
                             capture_output=True, text=True, timeout=30)
        check("--runtime refuses an unserved identifier", bad.returncode == 2 and
              "--runtime must be ID=PATH with a served runtime ID" in bad.stderr, bad.stderr)
        for flag, value, words in [("--keep-warm", "5x", "--keep-warm must be a duration"),
                                   ("--keep-warm", "25h", "--keep-warm must be a duration"),
                                   ("--concurrency", "0", "--concurrency must be 1 to 100000")]:
            bad = subprocess.run([binary, "serve", "--data", os.path.join(tmp, "d"), flag, value],
                                 capture_output=True, text=True, timeout=30)
            check("%s %s refused" % (flag, value), bad.returncode == 2 and words in bad.stderr, bad.stderr)
    return summary()


def metric(base, line_start):
    """The value of the first /metrics line starting with `line_start` (0 when absent)."""
    import urllib.request
    with urllib.request.urlopen(base + "/metrics", timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith(line_start + " "):
                return float(line.split()[-1])
    return 0


def wait_for(condition, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def async_events(binary):
    """Event and InvokeAsync: queued durably (202), run, retried twice, then a dead-letter record
    (or a dead-letter error when the role may not write the target); a SIGKILL after the 202 loses nothing."""
    dlq = "arn:aws:sqs:us-east-1:%s:failures" % ACCOUNT
    send = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq}]}
    world_data = json.loads(json.dumps(WORLD))
    world_data["accounts"][1]["roles"] += [
        {"name": "lambda-dlq", "assumeRolePolicy": TRUST_LAMBDA, "inlinePolicies": {"send": send}},
        {"name": "lambda-dlq-revoked", "assumeRolePolicy": TRUST_LAMBDA, "inlinePolicies": {"send": send}}]
    failing = package("def handler(event, context):\n    raise Exception('async boom')\n")
    with tempfile.TemporaryDirectory() as tmp:
        process, base, data = start_world(binary, tmp, world_data, [
            "--async-retry-delays", "1s,1s", "--event-invoke-config", "once,MaximumRetryAttempts=0",
            "--event-invoke-config", "twice,MaximumRetryAttempts=1"])
        world = os.path.join(tmp, "world.json")
        try:
            root = client(base, ROOT)
            root.create_function(FunctionName="ok", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Code={"ZipFile": package()})
            r = root.invoke(FunctionName="ok", InvocationType="Event", Payload=b'{"e": 1}')
            check("Event: 202", r["StatusCode"] == 202 and r["Payload"].read() == b"", r)
            check("Event: runs", wait_for(lambda: metric(base, 'gatehouse_invocations_total{function="ok"}') == 1))
            r = root.invoke_async(FunctionName="ok", InvokeArgs=b'{"e": 2}')
            check("InvokeAsync: 202", r["Status"] == 202, r)
            check("InvokeAsync: runs", wait_for(lambda: metric(base, 'gatehouse_invocations_total{function="ok"}') == 2))

            root.create_function(FunctionName="fails", Runtime="python3.11", Handler="app.handler",
                                 Role="arn:aws:iam::%s:role/lambda-dlq" % ACCOUNT, DeadLetterConfig={"TargetArn": dlq},
                                 Code={"ZipFile": failing})
            r = root.invoke(FunctionName="fails", InvocationType="Event", Payload=b'{"n": 1}')
            rid = r["ResponseMetadata"]["RequestId"]
            record_path = os.path.join(data, "dead-letters", rid + ".json")
            check("dead letter: written after the last attempt", wait_for(lambda: os.path.exists(record_path)))
            check("dead letter: three attempts",
                  metric(base, 'gatehouse_invocation_errors_total{function="fails"}') == 3 and
                  metric(base, 'gatehouse_invocations_total{function="fails"}') == 3)
            record = json.load(open(record_path)) if os.path.exists(record_path) else {}
            check("dead letter: the record", record.get("TargetArn") == dlq and record.get("Body") == '{"n": 1}' and
                  record.get("MessageAttributes") == {"RequestID": rid, "ErrorCode": "200", "ErrorMessage": "async boom"},
                  record)

            # gatehouse dlq: list, show, and redrive once the function is fixed.
            def dlq_cli(*words):
                return subprocess.run([binary, "dlq", *words, "--data", data], capture_output=True, text=True, timeout=30)
            listed = dlq_cli("list")
            check("dlq list", listed.returncode == 0 and listed.stdout.startswith(rid + "\t" + record.get("FunctionArn", "?") +
                  "\t" + dlq + "\t200\tasync boom"), (listed.stdout, listed.stderr))
            shown = dlq_cli("show", rid)
            check("dlq show", shown.returncode == 0 and json.loads(shown.stdout or "{}") == record, shown.stdout)
            check("dlq show: unknown id", dlq_cli("show", "nope").returncode == 1)
            check("dlq: a path is not an id", dlq_cli("show", "../x").returncode == 2)
            root.update_function_code(FunctionName="fails", ZipFile=package())
            redriven = dlq_cli("redrive", rid)
            check("dlq redrive: record removed", redriven.returncode == 0 and not os.path.exists(record_path),
                  (redriven.stdout, redriven.stderr))
            check("dlq redrive: the event runs again", wait_for(
                lambda: metric(base, 'gatehouse_invocations_total{function="fails"}') == 4))
            check("dlq redrive: and succeeds", metric(base, 'gatehouse_invocation_errors_total{function="fails"}') == 3)

            # Per function (--event-invoke-config): MaximumRetryAttempts 0 and 1 (one and two attempts).
            for name, attempts in (("once", 1), ("twice", 2)):
                root.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                                     Role="arn:aws:iam::%s:role/lambda-dlq" % ACCOUNT,
                                     DeadLetterConfig={"TargetArn": dlq}, Code={"ZipFile": failing})
                r = root.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 0}')
                path = os.path.join(data, "dead-letters", r["ResponseMetadata"]["RequestId"] + ".json")
                check("MaximumRetryAttempts=%d: dead letter written" % (attempts - 1), wait_for(lambda: os.path.exists(path)))
                check("MaximumRetryAttempts=%d: %d attempt(s)" % (attempts - 1, attempts),
                      json.load(open(path)).get("Attempts") == attempts and
                      metric(base, 'gatehouse_invocations_total{function="%s"}' % name) == attempts)

            root.create_function(FunctionName="revoked", Runtime="python3.11", Handler="app.handler",
                                 Role="arn:aws:iam::%s:role/lambda-dlq-revoked" % ACCOUNT,
                                 DeadLetterConfig={"TargetArn": dlq}, Code={"ZipFile": failing})
            iam = boto3.client("iam", endpoint_url=base, region_name="us-east-1", aws_access_key_id=ROOT[0],
                               aws_secret_access_key=ROOT[1])
            iam.delete_role_policy(RoleName="lambda-dlq-revoked", PolicyName="send")
            r = root.invoke(FunctionName="revoked", InvocationType="Event", Payload=b'{"n": 2}')
            rid = r["ResponseMetadata"]["RequestId"]
            check("dead-letter error: counted", wait_for(
                lambda: metric(base, 'gatehouse_dead_letter_errors_total{function="revoked"}') == 1))
            check("dead-letter error: no record", not os.path.exists(os.path.join(data, "dead-letters", rid + ".json")))

            # Durable: SIGKILL right after the 202, then a restart on the same data runs the event.
            root.create_function(FunctionName="later", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Code={"ZipFile": package("import time\ndef handler(event, context):\n"
                                                          "    time.sleep(1)\n    return event\n")})
            r = root.invoke(FunctionName="later", InvocationType="Event", Payload=b'"kept"')
            killed = process.pid
            process.kill()
            process.wait()
            queued = os.listdir(os.path.join(data, "async-events"))
            check("durable: queued on disk at the kill", r["ResponseMetadata"]["RequestId"] + ".json" in queued, queued)
            process, base = start(binary, data, world, ["--async-retry-delays", "1s,1s"])
            check("durable: runs after the restart",
                  wait_for(lambda: metric(base, 'gatehouse_invocations_total{function="later"}') >= 1))
            check("durable: the queue empties", wait_for(lambda: not os.listdir(os.path.join(data, "async-events"))))
            check("the killed server's cgroups are removed at the next start",
                  glob.glob("/sys/fs/cgroup/**/gatehouse/env-%d-*" % killed, recursive=True) == [])
            left = glob.glob(os.path.join(tempfile.gettempdir(), "gatehouse-executor-%d-*" % killed))
            check("the killed server's work directory is removed at the next start", left == [], left)
            mark = "gatehouse-executor-%d-" % killed
            check("no sandbox of the killed server is left",
                  not [p for p in os.listdir("/proc") if p.isdigit() and mark in _cmdline(p)])
        finally:
            stop(process)


def refuses_without_sandbox(binary):
    """A server that cannot sandbox (here: not root) says so at start and runs no code."""
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        world = os.path.join(tmp, "world.json")
        with open(world, "w") as f:
            json.dump(WORLD, f)
        os.chmod(world, 0o644)
        process = subprocess.Popen(["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", binary,
                                    "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(tmp, "data"),
                                    "--bootstrap", world, "--quiet"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            said = []
            line = process.stderr.readline()
            while line and "function code will not run" not in line:
                said.append(line)
                line = process.stderr.readline()
            check("unsandboxed: says why at start", "gatehouse: function code will not run: the server must run as root"
                  in line, said)
            listening = process.stdout.readline().strip()
            base = "http://" + listening[len("gatehouse: listening on "):]
            root = client(base, ROOT)
            root.create_function(FunctionName="echo", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Code={"ZipFile": package()})
            got = error_of(lambda: root.invoke(FunctionName="echo", Payload=b"{}"))
            check("unsandboxed: Invoke refused", got is not None and got[0] == "ServiceException" and
                  got[1].startswith("Function code cannot run on this server: the server must run as root"), got)
            got = error_of(lambda: root.invoke(FunctionName="echo", InvocationType="Event", Payload=b"{}"))
            queue = os.path.join(tmp, "data", "async-events")
            check("unsandboxed: Event refused, nothing queued", got is not None and got[0] == "ServiceException" and
                  (not os.path.exists(queue) or not os.listdir(queue)), got)
            check("unsandboxed: DryRun still answers",
                  root.invoke(FunctionName="echo", InvocationType="DryRun")["StatusCode"] == 204)
        finally:
            stop(process)
        left = glob.glob(os.path.join(tempfile.gettempdir(), "gatehouse-executor-%d-*" % process.pid))
        check("unsandboxed: its work directory is removed at exit", left == [], left)


def concurrency_limit(binary):
    """`serve --concurrency 1`: a second synchronous call while one runs is throttled (429)."""
    with tempfile.TemporaryDirectory() as tmp:
        process, base, _ = start_world(binary, tmp, WORLD, ["--concurrency", "1", "--keep-warm", "1s"])
        try:
            root = client(base, ROOT)
            limits = root.get_account_settings()["AccountLimit"]
            check("GetAccountSettings: the limit the executor enforces", limits["ConcurrentExecutions"] == 1 and
                  limits["UnreservedConcurrentExecutions"] == 1, limits)
            root.create_function(FunctionName="nap", Runtime="python3.11", Handler="app.handler", Role=EXEC_ROLE,
                                 Timeout=10, Code={"ZipFile": package(
                                     "import time\ndef handler(event, context):\n    time.sleep(event)\n"
                                     "    return 'rested'\n")})
            invoke(root, "nap", b"0")  # warm: the next one starts at once
            first = {}
            runner = threading.Thread(target=lambda: first.update(result=invoke(root, "nap", b"6")[1]))
            runner.start()
            threading.Event().wait(2)  # the first one is running
            got = error_of(lambda: root.invoke(FunctionName="nap", Payload=b"0"))
            check("throttled: 429", got is not None and got[0] == "TooManyRequestsException" and got[2] == 429, got)
            runner.join()
            check("throttled: the running one finishes", first.get("result") == b'"rested"', first)
            r, body = invoke(root, "nap", b"0")
            check("throttled: free again", body == b'"rested"', body)
            import urllib.request
            with urllib.request.urlopen(base + "/metrics", timeout=10) as answer:
                metrics = answer.read().decode()
            check("throttled: counted", 'gatehouse_invocation_throttles_total{function="nap"} 1' in metrics)
            # --keep-warm 1s: the idle environment is stopped; the next call is a cold start.
            threading.Event().wait(2)
            r, body = invoke(root, "nap", b"0", LogType="Tail")
            check("keep-warm: reaped, cold again", "Init Duration" in base64.b64decode(r["LogResult"]).decode(), r)
        finally:
            stop(process)


def _cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())

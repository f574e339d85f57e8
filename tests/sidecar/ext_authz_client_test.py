"""Wire compatibility of the sidecar's Check with a gRPC client generated from the test's own
copy of Envoy's ext_authz protocol (tests/sidecar/proto, declared as Envoy declares it), against
the real `gatehouse serve`. Requests are signed by botocore's SigV4 signer, as the AWS SDKs sign
them; the same signed request is also sent to the HTTP front end, whose answer Check must repeat.

usage: ext_authz_client_test.py GATEHOUSE_BINARY   (Debian's python3: python3-grpcio,
python3-grpc-tools, python3-botocore)"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from lambda_boto3_harness import check, client, package, summary  # noqa: E402

try:
    import grpc
    import grpc_tools
    from grpc_tools import protoc
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError as missing:
    print("missing %s (make deps installs python3-grpcio python3-grpc-tools python3-boto3)" % missing)
    print("0 passed, 1 failed")
    sys.exit(1)

REGION = "us-east-1"
ACCOUNT = "111111111111"
ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
ALICE = ("AKIAALICEEXAMPLE0001", "aliceSecretEXAMPLEaliceSecretEXAMPLE0000")
ALICE_ARN = "arn:aws:iam::111111111111:user/alice"
BOB = ("AKIABOBEXAMPLE000001", "bobSecretEXAMPLEbobSecretEXAMPLEbob00000")
F = "arn:aws:lambda:us-east-1:111111111111:function:hello"
WORLD = {
    "region": REGION,
    "accounts": [{
        "id": ACCOUNT,
        "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
        "users": [{"name": "alice",
                   "accessKeys": [{"accessKeyId": ALICE[0], "secretAccessKey": ALICE[1]}],
                   "inlinePolicies": {"read": {"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Action": ["lambda:Get*", "lambda:InvokeFunction"], "Resource": F}]}}}],
        "roles": [{"name": "exec", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}],
    }, {
        "id": "222222222222", "rootAccessKeys": [],
        "users": [{"name": "bob",
                   "accessKeys": [{"accessKeyId": BOB[0], "secretAccessKey": BOB[1]}],
                   "inlinePolicies": {"invoke": {"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": F}]}}}],
    }],
}
OVERWRITE = 2  # OVERWRITE_IF_EXISTS_OR_ADD


def generate(out):
    """Python messages and stubs from the test's own copy of the protocol."""
    protos = []
    for root, _, files in os.walk(os.path.join(HERE, "proto")):
        protos += [os.path.relpath(os.path.join(root, f), os.path.join(HERE, "proto")) for f in files
                   if f.endswith(".proto")]
    os.makedirs(out)
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = ["protoc", "-I", os.path.join(HERE, "proto"), "-I", well_known, "--python_out=" + out,
            "--grpc_python_out=" + out] + sorted(protos)
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")
    # gatehouse's own API, from the repository's proto/ (it is ours: no second copy).
    own = os.path.join(HERE, "..", "..", "proto")
    if protoc.main(["protoc", "-I", own, "--python_out=" + out, "--grpc_python_out=" + out,
                    "gatehouse/v1/authorizer.proto"]) != 0:
        raise RuntimeError("protoc failed on gatehouse/v1/authorizer.proto")
    # No __init__.py: namespace packages, so the generated google/rpc joins google.protobuf.
    sys.path.insert(0, out)


def start(binary, tmp):
    world = os.path.join(tmp, "world.json")
    with open(world, "w") as f:
        json.dump(WORLD, f)
    audit = os.path.join(tmp, "audit.log")
    process = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
                                "--data", os.path.join(tmp, "data"), "--bootstrap", world, "--audit-log", audit],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    http_line = process.stdout.readline().strip()
    grpc_line = process.stdout.readline().strip()
    if not http_line.startswith("gatehouse: listening on ") or not grpc_line.startswith("gatehouse: grpc listening on "):
        process.kill()
        raise RuntimeError("server did not start: %r %r" % (http_line, grpc_line))
    return process, http_line.split()[-1], grpc_line.split()[-1], audit


def sign(method, host, target, body=b"", keys=ALICE, headers=None, when=None):
    """The headers botocore's SigV4 signer gives the request (the Lambda client's way: no
    x-amz-content-sha256, the body hashed into the signature)."""
    request = botocore.awsrequest.AWSRequest(method=method, url="http://" + host + target, data=body,
                                             headers=dict(headers or {}))
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(*keys), "lambda", REGION)
    if when is None:
        signer.add_auth(request)
    else:
        fake = mock.Mock(wraps=datetime)
        fake.datetime.utcnow.return_value = when
        with mock.patch.object(botocore.auth, "datetime", fake):
            signer.add_auth(request)
    signed = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
    if body:
        signed["Content-Length"] = str(len(body))
    return signed


def check_request(pb, method, host, target, headers, body=b"", raw=True, partial=None, forward_body=True):
    """Envoy's CheckRequest: header_map with raw values (encode_raw_headers) or the headers map,
    the body as raw_body (pack_as_bytes) when forwarded."""
    http = pb.AttributeContext.HttpRequest(method=method, path=target, host=host, scheme="http", protocol="HTTP/1.1")
    pairs = [(":authority", host), (":method", method), (":path", target), (":scheme", "http")]
    pairs += [(k.lower(), v) for k, v in headers.items()]
    if body and forward_body or partial is not None:
        pairs.append(("x-envoy-auth-partial-body", "true" if partial else "false"))
    if raw:
        for k, v in pairs:
            http.header_map.headers.add(key=k, raw_value=v if isinstance(v, bytes) else v.encode())
    else:
        for k, v in pairs:
            http.headers[k] = v
    if body and forward_body:
        http.raw_body = body
    attributes = pb.AttributeContext(request=pb.AttributeContext.Request(http=http))
    attributes.source.address.socket_address.address = "127.0.0.1"
    attributes.source.address.socket_address.port_value = 40000
    return pb.CheckRequest(attributes=attributes)


def front_end(base, method, target, headers, body=b""):
    """The HTTP front end's answer to the same signed request: status, error type, body."""
    request = urllib.request.Request("http://" + base + target, data=body or None, method=method,
                                     headers={k: v for k, v in headers.items() if k.lower() != "content-length"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("x-amzn-ErrorType"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("x-amzn-ErrorType"), error.read().decode()


def headers_of(options):
    return {o.header.key: o.header.value for o in options}


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        generate(os.path.join(tmp, "gen"))
        from envoy.service.auth.v3 import external_auth_pb2 as pb
        from envoy.service.auth.v3 import external_auth_pb2_grpc as pb_grpc
        from health.v1 import health_pb2, health_pb2_grpc  # package grpc.health.v1, the test's own copy
        from reflection.v1alpha import reflection_pb2, reflection_pb2_grpc  # grpc.reflection.v1alpha
        from gatehouse.v1 import authorizer_pb2, authorizer_pb2_grpc

        process, base, grpc_address, audit = start(binary, tmp)
        channel = grpc.insecure_channel(grpc_address, options=[("grpc.max_receive_message_length", 16 << 20)])
        stub = pb_grpc.AuthorizationStub(channel)
        try:
            # The fronted endpoint's function need not exist in the store: its policies are the
            # store's (here: alice's identity policy), decided on the ARN the request names.
            target = "/2015-03-31/functions/hello"
            # Allowed: OK, identity headers set with overwrite, the decision id in the metadata.
            headers = sign("GET", base, target, headers={"x-gatehouse-principal-arn": "forged"})
            reply = stub.Check(check_request(pb, "GET", base, target, headers), timeout=10)
            ok = headers_of(reply.ok_response.headers)
            check("allowed: status OK", reply.status.code == 0 and reply.WhichOneof("http_response") == "ok_response",
                  reply)
            check("allowed: principal header", ok.get("x-gatehouse-principal-arn") == ALICE_ARN, ok)
            check("allowed: account header", ok.get("x-gatehouse-account") == ACCOUNT, ok)
            decision = ok.get("x-gatehouse-decision-id", "")
            check("allowed: decision id is a UUID", len(decision) == 36 and uuid.UUID(decision).version == 4, decision)
            check("allowed: every header overwrites",
                  all(o.append_action == OVERWRITE and not o.HasField("append") for o in reply.ok_response.headers))
            check("allowed: decision id in dynamic metadata",
                  reply.dynamic_metadata.fields["decision_id"].string_value == decision, reply.dynamic_metadata)

            # The headers map form (encode_raw_headers false) decides alike.
            reply = stub.Check(check_request(pb, "GET", base, target, headers, raw=False), timeout=10)
            check("allowed through the headers map", reply.status.code == 0, reply)

            # A header that is not UTF-8 (raw bytes in header_map), not signed: still decided.
            odd = dict(headers)
            odd["x-odd"] = b"caf\xe9 \xff"
            reply = stub.Check(check_request(pb, "GET", base, target, odd), timeout=10)
            check("non-UTF-8 unsigned header: allowed", reply.status.code == 0, reply)
            # ... and in a signed header: the signature no longer matches, a clean denial.
            signed_odd = sign("GET", base, target, headers={"x-amz-meta": "cafe"})
            signed_odd["x-amz-meta"] = b"caf\xe9"
            reply = stub.Check(check_request(pb, "GET", base, target, signed_odd), timeout=10)
            check("non-UTF-8 signed header: unauthenticated", reply.status.code == 16, reply)

            # Denied by policy: Lambda's 403 exactly, the same as the front end's.
            headers = sign("DELETE", base, target)
            reply = stub.Check(check_request(pb, "DELETE", base, target, headers), timeout=10)
            denied = reply.denied_response
            message = ("User: " + ALICE_ARN + " is not authorized to perform: lambda:DeleteFunction on resource: " + F +
                       " because no identity-based policy allows the lambda:DeleteFunction action")
            check("denied: PERMISSION_DENIED", reply.status.code == 7, reply)
            check("denied: 403", denied.status.code == 403, denied)
            got = headers_of(denied.headers)
            check("denied: headers exact", set(got) == {"content-type", "x-amzn-errortype", "x-amzn-requestid"} and
                  got["content-type"] == "application/json" and got["x-amzn-errortype"] == "AccessDeniedException" and
                  uuid.UUID(got["x-amzn-requestid"]).version == 4, got)
            check("denied: headers overwrite", all(o.append_action == OVERWRITE for o in denied.headers))
            check("denied: body exact", json.loads(denied.body) == {"Type": "User", "Message": message,
                                                                    "message": message}, denied.body)
            status, error_type, http_body = front_end(base, "DELETE", target, headers)
            check("denied: same as the front end", (status, error_type, http_body) ==
                  (denied.status.code, got["x-amzn-errortype"], denied.body), (status, error_type, http_body))

            # Not authenticated: bad signature, unknown key, clock skew; each as the front end says.
            now = datetime.datetime.utcnow()
            cases = [
                ("bad signature", sign("GET", base, target, keys=(ALICE[0], ROOT[1])), "InvalidSignatureException",
                 "The request signature we calculated does not match"),
                ("unknown key", sign("GET", base, target, keys=("AKIANOBODYEXAMPLE001", ALICE[1])),
                 "UnrecognizedClientException", "The security token included in the request is invalid"),
                ("clock skew", sign("GET", base, target, when=now - datetime.timedelta(minutes=20)),
                 "InvalidSignatureException", "Signature expired"),
            ]
            for name, signed, expected_type, expected_text in cases:
                reply = stub.Check(check_request(pb, "GET", base, target, signed), timeout=10)
                denied = reply.denied_response
                got = headers_of(denied.headers)
                check(name + ": UNAUTHENTICATED", reply.status.code == 16, reply)
                check(name + ": type", got.get("x-amzn-errortype") == expected_type, got)
                check(name + ": message", expected_text in json.loads(denied.body)["Message"], denied.body)
                front = front_end(base, "GET", target, signed)
                check(name + ": same as the front end", front == (denied.status.code, expected_type, denied.body),
                      front)

            # The body the signature covers: missing, partial.
            invoke = target + "/invocations"
            payload = b'{"key":"value"}'
            signed = sign("POST", base, invoke, payload)
            reply = stub.Check(check_request(pb, "POST", base, invoke, signed, payload), timeout=10)
            check("invoke with its body: allowed", reply.status.code == 0, reply)
            reply = stub.Check(check_request(pb, "POST", base, invoke, signed, payload, forward_body=False), timeout=10)
            check("missing body: UNAUTHENTICATED naming the setting", reply.status.code == 16 and
                  "with_request_body" in json.loads(reply.denied_response.body)["Message"], reply)
            cut = check_request(pb, "POST", base, invoke, signed, payload, partial=True)
            cut.attributes.request.http.raw_body = payload[:5]
            reply = stub.Check(cut, timeout=10)
            check("partial body: UNAUTHENTICATED naming the setting", reply.status.code == 16 and
                  "allow_partial_message" in json.loads(reply.denied_response.body)["Message"], reply)

            # A 6 MB Invoke payload fits the message size limit.
            big = b'{"data":"' + b"x" * (6 * 1000 * 1000) + b'"}'
            signed = sign("POST", base, invoke, big)
            reply = stub.Check(check_request(pb, "POST", base, invoke, signed, big), timeout=30)
            check("6 MB invoke: allowed", reply.status.code == 0, reply.status)

            # A path no route knows: Lambda's 404, INVALID_ARGUMENT.
            signed = sign("GET", base, "/2015-03-31/nowhere")
            reply = stub.Check(check_request(pb, "GET", base, "/2015-03-31/nowhere", signed), timeout=10)
            check("unknown path: INVALID_ARGUMENT 404", reply.status.code == 3 and
                  reply.denied_response.status.code == 404 and
                  headers_of(reply.denied_response.headers).get("x-amzn-errortype") == "UnknownOperationException",
                  reply)

            # Health: the standard service says SERVING.
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            check("health: SERVING", health.status == health_pb2.HealthCheckResponse.SERVING, health)

            # Function policies come from the store: administered through gatehouse's own Lambda API
            # (the policy administration point), a change decides the very next check.
            root = client("http://" + base, ROOT)
            root.create_function(FunctionName="hello", Runtime="python3.12", Handler="app.handler",
                                 Role="arn:aws:iam::111111111111:role/exec", Code={"ZipFile": package()})
            bob_invoke = "/2015-03-31/functions/" + urllib.parse.quote(F, safe="") + "/invocations"
            bob_check = check_request(pb, "POST", base, bob_invoke, sign("POST", base, bob_invoke, payload, keys=BOB),
                                      payload)
            check("bob across accounts: denied before the grant", stub.Check(bob_check, timeout=10).status.code == 7)
            root.add_permission(FunctionName="hello", StatementId="bob", Action="lambda:InvokeFunction",
                                Principal="222222222222")
            reply = stub.Check(bob_check, timeout=10)
            check("bob: allowed on the next check after AddPermission", reply.status.code == 0 and
                  headers_of(reply.ok_response.headers).get("x-gatehouse-account") == "222222222222", reply)
            root.remove_permission(FunctionName="hello", StatementId="bob")
            check("bob: denied again on the next check after RemovePermission",
                  stub.Check(bob_check, timeout=10).status.code == 7)

            # Reflection lists the services of the port.
            reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
            answers = list(reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                                                           timeout=10))
            names = sorted(s.name for a in answers for s in a.list_services_response.service)
            check("reflection lists Check, Authorizer and Health",
                  {"envoy.service.auth.v3.Authorization", "gatehouse.v1.Authorizer", "grpc.health.v1.Health"} <=
                  set(names), names)

            # The native decision API on the same port.
            native = authorizer_pb2_grpc.AuthorizerStub(channel)
            answer = native.Authorize(authorizer_pb2.AuthorizeRequest(
                principal_arn=ALICE_ARN, action="lambda:DeleteFunction", resource=F), timeout=10)
            check("Authorize: implicit deny with AWS's reason", answer.decision == authorizer_pb2.IMPLICIT_DENY and
                  answer.reason == "because no identity-based policy allows the lambda:DeleteFunction action", answer)
            answer = native.Authorize(authorizer_pb2.AuthorizeRequest(
                access_key_id=ALICE[0], action="lambda:GetFunction", resource=F), timeout=10)
            check("Authorize: allowed by access key", answer.decision == authorizer_pb2.ALLOWED and
                  answer.matched_statements[0].source_policy_id == "read", answer)

            # Every decision is in the audit log, under its decision id.
            with open(audit) as f:
                records = [json.loads(line) for line in f if line.strip()]
            check("audit: the allowed decision is recorded",
                  any(r.get("requestID") == decision and r.get("eventName", "").startswith("GetFunction")
                      for r in records), [r.get("requestID") for r in records])
            check("audit: Authorize decisions are recorded",
                  any(r.get("eventSource") == "gatehouse" and r.get("eventName") == "Authorize" and
                      r.get("errorCode") == "AccessDenied" for r in records), [r.get("eventName") for r in records])
        finally:
            channel.close()
            process.terminate()
            try:
                code = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                code = -1
            check("SIGTERM stops both ports and exits 0", code == 0, code)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

"""nginx auth_request in front of a Lambda-compatible upstream, gatehouse deciding: nginx from
Debian and a small recording upstream, both started by the test on loopback ports it picks, and
the real `gatehouse serve`. boto3 and the AWS CLI call through nginx: allowed reads reach the
upstream (with the caller's identity header, never a forged one), denied calls never do and the
client sees Lambda's AccessDeniedException; a call with a body is refused with the reason.

usage: nginx_e2e_test.py GATEHOUSE_BINARY   (nginx, python3-boto3 and awscli from Debian)"""
import contextlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from lambda_boto3_harness import check, client, error_of, start, stop, summary  # noqa: E402

ACCOUNT = "111111111111"
ALICE = ("AKIAALICEEXAMPLE0001", "aliceSecretEXAMPLEaliceSecretEXAMPLE0000")
ALICE_ARN = "arn:aws:iam::111111111111:user/alice"
F = "arn:aws:lambda:us-east-1:111111111111:function:hello"
WORLD = {
    "region": "us-east-1",
    "accounts": [{
        "id": ACCOUNT, "rootAccessKeys": [],
        "users": [{"name": "alice",
                   "accessKeys": [{"accessKeyId": ALICE[0], "secretAccessKey": ALICE[1]}],
                   "inlinePolicies": {"read": {"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Action": ["lambda:List*", "lambda:Get*", "lambda:InvokeFunction"],
                        "Resource": "*"}]}}}],
    }],
}

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      auth_request /_gatehouse;
      auth_request_set $gatehouse_type $upstream_http_x_amzn_errortype;
      auth_request_set $gatehouse_body $upstream_http_x_gatehouse_body;
      auth_request_set $gatehouse_principal $upstream_http_x_gatehouse_principal_arn;
      auth_request_set $gatehouse_account $upstream_http_x_gatehouse_account;
      auth_request_set $gatehouse_decision $upstream_http_x_gatehouse_decision_id;
      proxy_set_header X-Gatehouse-Principal-Arn $gatehouse_principal;
      proxy_set_header X-Gatehouse-Account $gatehouse_account;
      proxy_set_header X-Gatehouse-Decision-Id $gatehouse_decision;
      error_page 403 = @denied;
      proxy_pass http://{upstream};
    }}
    location = /_gatehouse {{
      internal;
      proxy_pass http://{gatehouse}/nginx-auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Host $http_host;
      proxy_set_header X-Original-Content-Length $content_length;
    }}
    location @denied {{
      default_type application/json;
      add_header x-amzn-ErrorType $gatehouse_type always;
      return 403 $gatehouse_body;
    }}
  }}
}}
"""


class Upstream(http.server.BaseHTTPRequestHandler):
    """A Lambda-compatible endpoint that records what reaches it."""
    seen = []

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        Upstream.seen.append((self.command, self.path, self.headers.get("X-Gatehouse-Principal-Arn")))
        if self.command == "GET" and self.path.rstrip("/") == "/2015-03-31/functions":
            body = {"Functions": [{"FunctionName": "hello", "FunctionArn": F}]}
        elif self.command == "GET" and self.path == "/2015-03-31/functions/hello":
            body = {"Configuration": {"FunctionName": "hello", "FunctionArn": F}}
        else:
            self.send_response(204)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = answer

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@contextlib.contextmanager
def nginx_in_front(binary, world, handler):
    """gatehouse on `world`, an upstream answering with `handler` and nginx configured as
    docs/sidecar.md says: yields nginx's endpoint and gatehouse's base URL; None when nginx did
    not start (a failed check is counted)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        check("nginx is installed (make deps installs it)", False)
        yield None
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "world.json")
        with open(path, "w") as f:
            json.dump(world, f)
        gatehouse, base = start(binary, os.path.join(tmp, "data"), path)
        upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
        port = free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(tmp=tmp, port=port, upstream="127.0.0.1:%d" % upstream.server_address[1],
                                      gatehouse=base[len("http://"):]))
        proxy = subprocess.Popen([nginx, "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not wait_for(port):
                check("nginx started", False, open(os.path.join(tmp, "error.log")).read())
                yield None
            else:
                yield "http://127.0.0.1:%d" % port, base
        finally:
            proxy.terminate()
            try:
                proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proxy.kill()
            upstream.shutdown()
            stop(gatehouse)


def main():
    with nginx_in_front(sys.argv[1], WORLD, Upstream) as running:
        if running is None:
            return summary()
        endpoint = running[0]
        alice = client(endpoint, ALICE)

        # Allowed reads reach the upstream, carrying the identity gatehouse authenticated.
        names = [f["FunctionName"] for f in alice.list_functions()["Functions"]]
        check("boto3 list-functions through nginx", names == ["hello"], names)
        config = alice.get_function(FunctionName="hello")["Configuration"]
        check("boto3 get-function through nginx", config["FunctionArn"] == F, config)
        check("allowed reads reached the upstream as alice",
              [(m, p.rstrip("/"), who) for m, p, who in Upstream.seen] ==
              [("GET", "/2015-03-31/functions", ALICE_ARN), ("GET", "/2015-03-31/functions/hello", ALICE_ARN)],
              Upstream.seen)

        # Denied: the client sees Lambda's AccessDeniedException; the upstream never sees it.
        before = len(Upstream.seen)
        denied = error_of(lambda: alice.delete_function(FunctionName="hello"))
        check("boto3 delete-function denied with Lambda's error", denied == (
            "AccessDeniedException",
            "User: " + ALICE_ARN + " is not authorized to perform: lambda:DeleteFunction on resource: " + F +
            " because no identity-based policy allows the lambda:DeleteFunction action", 403), denied)
        # A bad secret: InvalidSignatureException.
        forged = error_of(lambda: client(endpoint, (ALICE[0], "x" * 40)).list_functions())
        check("boto3 with a wrong secret: InvalidSignatureException",
              forged is not None and forged[0] == "InvalidSignatureException" and forged[2] == 403, forged)
        # A body nginx cannot forward: refused with the reason, never passed on.
        invoked = error_of(lambda: alice.invoke(FunctionName="hello", Payload=b'{"k":"v"}'))
        check("boto3 invoke (a body) refused with the reason",
              invoked is not None and invoked[0] == "InvalidSignatureException" and
              "nginx auth_request forwards no request body" in invoked[1], invoked)
        check("denied calls never reached the upstream", len(Upstream.seen) == before, Upstream.seen[before:])

        # The AWS CLI, the same way.
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ALICE[0], AWS_SECRET_ACCESS_KEY=ALICE[1],
                   AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        listed = subprocess.run(["aws", "--endpoint-url", endpoint, "lambda", "list-functions"], env=env,
                                capture_output=True, text=True, timeout=60)
        check("aws lambda list-functions through nginx", listed.returncode == 0 and "hello" in listed.stdout,
              (listed.returncode, listed.stdout, listed.stderr))
        deleted = subprocess.run(["aws", "--endpoint-url", endpoint, "lambda", "delete-function",
                                  "--function-name", "hello"], env=env, capture_output=True, text=True, timeout=60)
        check("aws lambda delete-function denied", deleted.returncode != 0 and
              "AccessDeniedException" in deleted.stderr and "lambda:DeleteFunction" in deleted.stderr,
              (deleted.returncode, deleted.stderr))
        check("the CLI's denied call never reached the upstream",
              all(m != "DELETE" for m, _, _ in Upstream.seen), Upstream.seen)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

"""An adversarial review's finding in nginx auth_request mode (docs/sidecar.md): a request whose
body nginx does not announce (HTTP/1.1 chunked: nginx's $content_length is empty, so the
documented configuration sends no X-Original-Content-Length, and nginx drops Transfer-Encoding
from the subrequest) is checked as a bodyless request. A client that signs the empty payload and
sends a body gets a request authorized without it: here an UpdateFunctionConfiguration whose
Role the caller may not pass (no iam:PassRole) reaches the upstream, body and all. gatehouse's own
front end refuses the same request (the signature does not cover the body).

usage: adversarial_nginx_test.py GATEHOUSE_BINARY   (nginx and python3-boto3 from Debian)"""
import copy
import http.client
import http.server
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
sys.path.insert(0, HERE)
from lambda_boto3_harness import check, summary  # noqa: E402
from nginx_e2e_test import ALICE, WORLD, nginx_in_front  # noqa: E402

from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

PATH = "/2015-03-31/functions/hello/configuration"
# nginx_e2e_test's world, alice also allowed UpdateFunctionConfiguration (but not iam:PassRole).
ALICE_WORLD = copy.deepcopy(WORLD)
ALICE_WORLD["accounts"][0]["users"][0]["inlinePolicies"]["read"]["Statement"][0]["Action"].append(
    "lambda:UpdateFunctionConfiguration")
BODY = json.dumps({"Role": "arn:aws:iam::111111111111:role/admin"}).encode()


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records method, path and body of what reaches the upstream."""
    seen = []

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        Recorder.seen.append((self.command, self.path, self.rfile.read(length) if length else b""))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_DELETE = do_PUT = answer

    def log_message(self, *args):
        pass


def chunked_put(host_port, body):
    """PUT PATH signed for an empty payload (no x-amz-content-sha256), `body` sent chunked."""
    request = AWSRequest(method="PUT", url="http://%s%s" % (host_port, PATH), data=b"", headers={"Host": host_port})
    SigV4Auth(Credentials(*ALICE), "lambda", "us-east-1").add_auth(request)
    host, port = host_port.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("PUT", PATH, skip_host=True, skip_accept_encoding=True)
    for name, value in request.headers.items():
        connection.putheader(name, value)
    connection.putheader("Transfer-Encoding", "chunked")
    connection.putheader("Content-Type", "application/json")
    connection.endheaders()
    connection.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    response = connection.getresponse()
    text = response.read()
    connection.close()
    return response.status, text


def main():
    with nginx_in_front(sys.argv[1], ALICE_WORLD, Recorder) as running:
        if running is None:
            return summary()
        endpoint, base = running
        # gatehouse's own front end: the signature does not cover the body.
        status, text = chunked_put(base[len("http://"):], BODY)
        check("the front end refuses a body the signature does not cover", status == 403 and b"signature" in text,
              (status, text))
        # Through nginx: refused too, and never passed on.
        status, text = chunked_put(endpoint[len("http://"):], BODY)
        check("nginx mode refuses a chunked body it cannot verify", status == 403, (status, text))
        check("the unverified body never reached the upstream", Recorder.seen == [], Recorder.seen)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

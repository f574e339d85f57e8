"""A third adversarial review's finding in nginx auth_request mode (docs/sidecar.md): the
documented configuration replaced only X-Gatehouse-Principal-Arn on the request it passes on, so
a client's own X-Gatehouse-Account and X-Gatehouse-Decision-Id reached the upstream unchanged,
next to the authenticated principal. docs/sidecar.md promises that the x-gatehouse-* headers
"overwrite any header of the same name the client sent, so the upstream can trust them" (as
Envoy's modes do). Here alice (account 111111111111) signs a ListFunctions and adds forged
values of all three; the upstream must see gatehouse's.

usage: adversarial_nginx_headers_test.py GATEHOUSE_BINARY   (nginx and python3-boto3 from Debian)"""
import http.server
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
sys.path.insert(0, HERE)
from lambda_boto3_harness import check, client, summary  # noqa: E402
from nginx_e2e_test import ACCOUNT, ALICE, ALICE_ARN, WORLD, nginx_in_front  # noqa: E402

FORGED = {"X-Gatehouse-Principal-Arn": "arn:aws:iam::999999999999:root",
          "X-Gatehouse-Account": "999999999999",
          "X-Gatehouse-Decision-Id": "00000000-0000-0000-0000-000000000000"}


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records the x-gatehouse-* headers of what reaches the upstream (every value of each)."""
    seen = []

    def do_GET(self):
        Recorder.seen.append({name: self.headers.get_all(name) or [] for name in FORGED})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "16")
        self.end_headers()
        self.wfile.write(b'{"Functions":[]}')

    def log_message(self, *args):
        pass


def add_forged_headers(request, **kwargs):
    for name, value in FORGED.items():
        request.headers[name] = value  # not signed: botocore signs before this handler runs


def main():
    with nginx_in_front(sys.argv[1], WORLD, Recorder) as running:
        if running is None:
            return summary()
        alice = client(running[0], ALICE)
        alice.meta.events.register("before-send.lambda.ListFunctions", add_forged_headers)
        alice.list_functions()
        check("the call reached the upstream once", len(Recorder.seen) == 1, Recorder.seen)
        if Recorder.seen:
            seen = Recorder.seen[0]
            check("the upstream sees the principal gatehouse authenticated, only",
                  seen["X-Gatehouse-Principal-Arn"] == [ALICE_ARN], seen)
            check("the upstream sees the caller's account, only", seen["X-Gatehouse-Account"] == [ACCOUNT], seen)
            ids = seen["X-Gatehouse-Decision-Id"]
            check("the upstream sees gatehouse's decision id, only",
                  len(ids) == 1 and ids[0] != FORGED["X-Gatehouse-Decision-Id"] and len(ids[0]) == 36, seen)
    return summary()


if __name__ == "__main__":
    sys.exit(main())

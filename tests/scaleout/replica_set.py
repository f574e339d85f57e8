"""The existing real-client end-to-end tests against a replica set instead of one server: when
GATEHOUSE_TEST_ETCD names an etcd cluster (host:port,...), tests/server/lambda_boto3_harness's
start() calls start_replica_set(), which starts three `gatehouse serve --store etcd://...`
replicas on a prefix of their own and a round-robin HTTP proxy in front of them. The proxy
sends each request to the next replica and carries session consistency the way a client
library would: it remembers the highest x-gatehouse-revision it has seen and sends it as
x-gatehouse-min-revision (an unsigned header, so signatures still verify)."""
import hashlib
import http.client
import http.server
import os
import secrets
import subprocess
import threading

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


class RoundRobinProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstreams):
        self.upstreams = upstreams  # [(host, port)]
        self.next = 0
        self.revision = 0
        self.lock = threading.Lock()
        self.local = threading.local()
        super().__init__(("127.0.0.1", 0), _Handler)

    def pick(self):
        with self.lock:
            upstream = self.upstreams[self.next % len(self.upstreams)]
            self.next += 1
            return upstream, self.revision

    def saw(self, revision):
        with self.lock:
            self.revision = max(self.revision, revision)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        (host, port), revision = self.server.pick()
        connections = getattr(self.server.local, "connections", None)
        if connections is None:
            connections = self.server.local.connections = {}
        for attempt in range(2):  # a kept-alive connection the replica closed: once more, fresh
            connection = connections.get((host, port))
            if connection is None:
                connection = connections[(host, port)] = http.client.HTTPConnection(host, port, timeout=60)
            try:
                connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                named = False
                for name, value in self.headers.items():
                    if name.lower() in HOP_BY_HOP:
                        continue
                    named = named or name.lower() == "x-gatehouse-min-revision"
                    connection.putheader(name, value)
                if revision and not named:
                    connection.putheader("x-gatehouse-min-revision", str(revision))
                if body and "Content-Length" not in self.headers:
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body if body else None)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                connection.close()
                connections.pop((host, port), None)
                if attempt == 1:
                    raise
        committed = response.getheader("x-gatehouse-revision")
        if committed and committed.isdigit():
            self.server.saw(int(committed))
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                continue
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward


class ReplicaSet:
    """Three replicas and the proxy; quacks like the Popen that stop() expects."""

    def __init__(self, binary, data, world, extra, endpoints, count=3):
        # One prefix per data directory: a restart on the same directory finds the same world.
        prefix = "/e2e-" + hashlib.sha256(os.path.abspath(data).encode()).hexdigest()[:16] + "/"
        os.makedirs(data, exist_ok=True)
        key_file = os.path.join(data, "shared-secret.key")
        if not os.path.exists(key_file):
            with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write(secrets.token_hex(32))
        self.processes, upstreams = [], []
        for i in range(count):
            command = [binary, "serve", "--store", "etcd://%s%s" % (endpoints, prefix),
                       "--local-dir", os.path.join(data, "replica-%d" % i), "--key-file", key_file,
                       "--listen", "127.0.0.1:0"]
            if world:
                command += ["--bootstrap", world]
            process = subprocess.Popen(command + list(extra), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       text=True)
            self.processes.append(process)
            line = process.stdout.readline().strip()
            if not line.startswith("gatehouse: listening on "):
                self.kill()
                raise RuntimeError("replica %d did not start: %r" % (i, line))
            host, port = line.rsplit(" ", 1)[1].rsplit(":", 1)
            upstreams.append((host, int(port)))
        self.proxy = RoundRobinProxy(upstreams)
        self.thread = threading.Thread(target=self.proxy.serve_forever, daemon=True)
        self.thread.start()
        self.base = "http://127.0.0.1:%d" % self.proxy.server_address[1]

    def terminate(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()

    def kill(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
        self._stop_proxy()

    def wait(self, timeout=None):
        statuses = [process.wait(timeout=timeout) for process in self.processes]
        self._stop_proxy()
        for process in self.processes:
            if process.stdout:
                process.stdout.close()
        return next((s for s in statuses if s != 0), 0)

    def _stop_proxy(self):
        if getattr(self, "proxy", None):
            self.proxy.shutdown()
            self.proxy.server_close()
            self.proxy = None


def start_replica_set(binary, data, world, extra=()):
    replicas = ReplicaSet(binary, data, world, extra, os.environ["GATEHOUSE_TEST_ETCD"])
    return replicas, replicas.base

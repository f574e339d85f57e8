"""A 3-member etcd cluster and N `gatehouse serve --store etcd://...` replicas on free loopback
ports, for the scale-out tests and benchmark (docs/scale-out.md). Each member has its own data
directory and runs with --unsafe-no-fsync (test speed; never the packaged service or its ports).
Everything started here is stopped by close() — call it in a finally, or use the `with` form;
an atexit hook and a SIGTERM handler stop what a crashed test left. etcd is reached through its
own JSON gateway (/v3/...) with the standard library, so no etcdctl is needed."""
import atexit
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

_LIVE = []  # every Cluster not yet closed, for atexit and SIGTERM


def _close_all():
    for cluster in list(_LIVE):
        cluster.close()


atexit.register(_close_all)


def _on_term(signum, frame):
    _close_all()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_term)


def free_ports(count):
    """`count` distinct loopback ports that were free a moment ago."""
    sockets, ports = [], []
    while len(ports) < count:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def etcd_binary():
    found = shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)
    if not found:
        print("etcd is missing (make deps installs etcd-server)")
        print("0 passed, 1 failed")
        sys.exit(1)
    return found


def b64(text):
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


class Member:
    def __init__(self, name, client_port, peer_port, data_dir):
        self.name, self.client_port, self.peer_port, self.data_dir = name, client_port, peer_port, data_dir
        self.process = None
        self.stopped = False  # SIGSTOPped

    @property
    def endpoint(self):
        return "127.0.0.1:%d" % self.client_port

    def alive(self):
        return self.process is not None and self.process.poll() is None


class Replica:
    def __init__(self, process, base, grpc, local_dir, log_path):
        self.process, self.base, self.grpc, self.local_dir, self.log_path = process, base, grpc, local_dir, log_path
        self.stopped = False

    def alive(self):
        return self.process.poll() is None


class Cluster:
    """`members` etcd members and, on request, gatehouse replicas sharing `prefix`."""

    def __init__(self, gatehouse=None, members=3, prefix="/gatehouse-test", tmp=None):
        self.gatehouse = gatehouse
        self.prefix = prefix
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="gatehouse-scaleout-")
        self.members = []
        self.replicas = []
        ports = free_ports(2 * members)
        for i in range(members):
            self.members.append(Member("m%d" % i, ports[2 * i], ports[2 * i + 1],
                                       os.path.join(self.tmp, "etcd-m%d" % i)))
        _LIVE.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- etcd -----------------------------------------------------------------------------

    def initial_cluster(self):
        return ",".join("%s=http://127.0.0.1:%d" % (m.name, m.peer_port) for m in self.members)

    def start_member(self, member, state="new"):
        log = open(os.path.join(self.tmp, member.name + ".log"), "ab")
        member.process = subprocess.Popen(
            [etcd_binary(), "--name", member.name, "--data-dir", member.data_dir,
             "--listen-client-urls", "http://127.0.0.1:%d" % member.client_port,
             "--advertise-client-urls", "http://127.0.0.1:%d" % member.client_port,
             "--listen-peer-urls", "http://127.0.0.1:%d" % member.peer_port,
             "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % member.peer_port,
             "--initial-cluster", self.initial_cluster(), "--initial-cluster-token", "gatehouse-test",
             "--initial-cluster-state", state, "--unsafe-no-fsync",
             "--heartbeat-interval", "50", "--election-timeout", "500", "--logger", "zap"],
            stdout=log, stderr=log, start_new_session=True)
        log.close()
        member.stopped = False

    def start(self, timeout=20):
        for member in self.members:
            self.start_member(member)
        self.wait_healthy(timeout)
        return self

    def endpoints(self, members=None):
        return ",".join(m.endpoint for m in (members or self.members))

    def store_url(self, prefix=None):
        return "etcd://%s%s" % (self.endpoints(), prefix or self.prefix)

    def call(self, path, body, member=None, timeout=2.0):
        """POST etcd's JSON gateway (`/v3/...`) on `member` (else the first live one); the JSON answer."""
        candidates = [member] if member else [m for m in self.members if m.alive() and not m.stopped]
        last = None
        for m in candidates:
            request = urllib.request.Request("http://%s%s" % (m.endpoint, path), data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return json.loads(response.read() or b"{}")
            except (urllib.error.URLError, OSError, ValueError) as e:
                last = e
        raise RuntimeError("etcd %s failed: %s" % (path, last))

    def healthy(self, member):
        try:
            with urllib.request.urlopen("http://%s/health" % member.endpoint, timeout=1) as response:
                return json.loads(response.read()).get("health") == "true"
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def wait_healthy(self, timeout=20, members=None):
        deadline = time.time() + timeout
        waiting = [m for m in (members or self.members) if m.alive() and not m.stopped]
        while waiting and time.time() < deadline:
            waiting = [m for m in waiting if not self.healthy(m)]
            if waiting:
                time.sleep(0.1)
        if waiting:
            raise RuntimeError("etcd members not healthy: %s (logs in %s)" % ([m.name for m in waiting], self.tmp))

    def status(self, member):
        return self.call("/v3/maintenance/status", {}, member=member)

    def leader(self):
        """The member that leads now (by its member id)."""
        for m in self.members:
            if not m.alive() or m.stopped:
                continue
            try:
                status = self.status(m)
            except RuntimeError:
                continue
            if status.get("leader") and status.get("header", {}).get("member_id") == status.get("leader"):
                return m
        return None

    def wait_leader(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            leader = self.leader()
            if leader:
                return leader
            time.sleep(0.05)
        raise RuntimeError("no etcd leader within %ss" % timeout)

    def revision(self):
        return int(self.call("/v3/kv/range", {"key": b64(self.prefix + "/")})["header"]["revision"])

    def compact(self, revision=None):
        self.call("/v3/kv/compaction", {"revision": str(revision or self.revision()), "physical": True})

    def keys(self):
        """Every key under the prefix, decoded, with its value (bytes)."""
        start = self.prefix + "/"
        end = self.prefix + "0"  # '/' + 1
        answer = self.call("/v3/kv/range", {"key": b64(start), "range_end": b64(end)})
        return {base64.b64decode(kv["key"]).decode(errors="replace"): base64.b64decode(kv.get("value", ""))
                for kv in answer.get("kvs", [])}

    @staticmethod
    def signal(target, sig):
        """SIGKILL (waited for), SIGSTOP or SIGCONT to a member or a replica."""
        if target.alive():
            os.kill(target.process.pid, sig)
        target.stopped = sig == signal.SIGSTOP
        if sig == signal.SIGKILL:
            target.process.wait(timeout=10)

    # --- gatehouse replicas ------------------------------------------------------------------

    def start_replica(self, bootstrap=None, extra=(), members=None, key_file=None):
        """`gatehouse serve --store etcd://...` on free ports; waits for its listening line."""
        index = len(self.replicas)
        local_dir = os.path.join(self.tmp, "replica-%d" % index)
        os.makedirs(local_dir, exist_ok=True)
        log_path = os.path.join(self.tmp, "replica-%d.log" % index)
        command = [self.gatehouse, "serve", "--store", "etcd://%s%s" % (self.endpoints(members), self.prefix),
                   "--local-dir", local_dir, "--listen", "127.0.0.1:0", "--quiet"]
        if key_file:
            command += ["--key-file", key_file]
        if bootstrap:
            command += ["--bootstrap", bootstrap]
        command += list(extra)
        log = open(log_path, "ab")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        log.close()
        line = process.stdout.readline().strip()
        grpc_line = process.stdout.readline().strip()
        prefix = "gatehouse: listening on "
        if not line.startswith(prefix):
            process.kill()
            process.wait()
            with open(log_path, errors="replace") as f:
                raise RuntimeError("replica did not start: %r\n%s" % (line, f.read()[-2000:]))
        replica = Replica(process, "http://" + line[len(prefix):], grpc_line.rsplit(" ", 1)[-1], local_dir, log_path)
        self.replicas.append(replica)
        return replica

    def close(self):
        """Stops every replica and member (SIGCONT first, so a stopped one can die), removes the files."""
        for proc in [r.process for r in self.replicas] + [m.process for m in self.members if m.process]:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGCONT)
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            if proc.stdout:
                proc.stdout.close()
        if self in _LIVE:
            _LIVE.remove(self)
            if self.own_tmp and not os.environ.get("GATEHOUSE_KEEP_SCALEOUT"):
                shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    """`cluster.py GATEHOUSE`: the cluster comes up healthy with a leader and is gone after close()."""
    with Cluster(sys.argv[1] if len(sys.argv) > 1 else None) as cluster:
        cluster.start()
        leader = cluster.wait_leader()
        print("etcd up: %s, leader %s, revision %d" % (cluster.endpoints(), leader.name, cluster.revision()))
        pids = [m.process.pid for m in cluster.members]
    for pid in pids:
        try:
            os.kill(pid, 0)
            print("FAIL member %d still running" % pid)
            return 1
        except ProcessLookupError:
            pass
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

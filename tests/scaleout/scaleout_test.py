#!/usr/bin/env python3
"""Scale-out on a real 3-member etcd cluster with three `gatehouse serve --store etcd://...`
replicas, all on loopback (docs/scale-out.md; spec scale-out.md section 5).

usage: scaleout_test.py GATEHOUSE [propagation|faults|large|NAME...]

propagation: an IAM change through replica A decides the next request on B and C (with
  x-gatehouse-min-revision at once, without it within 1 s); a key deleted on A is refused on B.
faults: follower SIGKILLed (writes go on); leader SIGKILLed (writes resume after the election,
  nothing acknowledged lost); two members SIGSTOPped (replicas fail closed within 2 s — 503s and
  /healthz not ready — and recover after SIGCONT); a replica SIGSTOPped across writes and a
  compaction (it reloads and converges); a replica SIGKILLed mid-write (each write committed
  whole or not at all).
large: three replicas started at once with a bootstrap file larger than one etcd transaction
  serve the whole world; a large write's fence in etcd makes every replica refuse (503, /healthz
  not ready) until it is gone or a restarted replica takes it over.
Every cluster is stopped at the end of its test, also when the test fails."""
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster, b64  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from lambda_boto3_harness import check, summary  # noqa: E402  (exits when boto3 is missing)

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

A = "111111111111"
ROOT = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
WORLD = {"region": "us-east-1",
         "accounts": [{"id": A, "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}]}]}
LIST_FUNCTIONS = {"Version": "2012-10-17",
                  "Statement": [{"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*"}]}


CONFIG = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=3,
                                read_timeout=10)


def client(service, base, keys, min_revision=None):
    c = boto3.client(service, endpoint_url=base, region_name="us-east-1", aws_access_key_id=keys[0],
                     aws_secret_access_key=keys[1], config=CONFIG)
    if min_revision is not None:
        def add(request, **kwargs):
            request.headers["x-gatehouse-min-revision"] = str(min_revision)
        c.meta.events.register("before-send", add)
    return c


def revision_of(response):
    return int(response["ResponseMetadata"]["HTTPHeaders"].get("x-gatehouse-revision", "0"))


def outcome(call):
    """'ok', or the error code (and status) the call answered."""
    try:
        call()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return "%s/%d" % (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
    except botocore.exceptions.BotoCoreError as e:
        return "transport:%s" % type(e).__name__


def healthz(replica):
    try:
        with urllib.request.urlopen(replica.base + "/healthz", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return 0


def wait_for(predicate, timeout, step=0.01):
    """Seconds until predicate() held, or None when `timeout` passed first."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        time.sleep(step)


class Setup:
    """A cluster, three replicas on the same world, a shared key file."""

    def __init__(self, binary):
        self.cluster = Cluster(binary)
        try:
            self.cluster.start()
            world = os.path.join(self.cluster.tmp, "world.json")
            with open(world, "w") as f:
                json.dump(WORLD, f)
            self.key_file = os.path.join(self.cluster.tmp, "secret.key")
            with open(os.open(self.key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write(secrets.token_hex(32))
            # All three at once with the same bootstrap file: applied once, safely.
            starters = [threading.Thread(target=self.cluster.start_replica,
                                         kwargs={"bootstrap": world, "key_file": self.key_file}) for _ in range(3)]
            for t in starters:
                t.start()
            for t in starters:
                t.join()
            if len(self.cluster.replicas) != 3:
                raise RuntimeError("replicas did not start (logs in %s)" % self.cluster.tmp)
            self.a, self.b, self.c = self.cluster.replicas
        except BaseException:
            self.cluster.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is not None:
            print("(logs of the failed test were in %s)" % self.cluster.tmp)
        self.cluster.close()

    def new_user(self, name, policy=None):
        """A user made through replica A with an access key (and an inline policy); its keys and the
        revision of the last write."""
        iam = client("iam", self.a.base, ROOT)
        iam.create_user(UserName=name)
        created = iam.create_access_key(UserName=name)
        keys = (created["AccessKey"]["AccessKeyId"], created["AccessKey"]["SecretAccessKey"])
        revision = revision_of(created)
        if policy:
            revision = revision_of(iam.put_user_policy(UserName=name, PolicyName="p",
                                                       PolicyDocument=json.dumps(policy)))
        return keys, revision


# --- propagation ---------------------------------------------------------------------------


def test_propagation(binary):
    with Setup(binary) as s:
        iam = client("iam", s.a.base, ROOT)
        created = iam.create_user(UserName="carol")
        r1 = revision_of(created)
        check("a write answers x-gatehouse-revision", r1 > 0, created["ResponseMetadata"]["HTTPHeaders"])
        key = iam.create_access_key(UserName="carol")
        r2 = revision_of(key)
        check("revisions grow", r2 > r1, (r1, r2))
        carol = (key["AccessKey"]["AccessKeyId"], key["AccessKey"]["SecretAccessKey"])
        read = client("iam", s.a.base, ROOT).list_users()
        check("a read answers no revision", "x-gatehouse-revision" not in read["ResponseMetadata"]["HTTPHeaders"])

        # The new key is known on B with the token: carol is authenticated, not yet allowed. B waits
        # for r2 only for a caller it can authenticate (a key it does not know yet is answered 503
        # at once, docs/scale-out.md), so the root's call waits for it first.
        got = outcome(lambda: client("iam", s.b.base, ROOT, r2).list_users())
        check("B with min-revision waits for the revision for a known caller", got == "ok", got)
        got = outcome(lambda: client("lambda", s.b.base, carol, r2).list_functions())
        check("B with min-revision: carol's key is known, the call denied", got == "AccessDeniedException/403", got)

        # A policy attached on A decides the next request on B (with the token) and on C (without).
        r3 = revision_of(iam.put_user_policy(UserName="carol", PolicyName="p", PolicyDocument=json.dumps(LIST_FUNCTIONS)))
        got = outcome(lambda: client("lambda", s.b.base, carol, r3).list_functions())
        check("B with min-revision: the new policy allows at once", got == "ok", got)
        on_c = client("lambda", s.c.base, carol)
        took = wait_for(lambda: outcome(on_c.list_functions) == "ok", 1.0)
        check("C without min-revision: the new policy allows within 1 s", took is not None, took)
        print("policy change: decided on C %.0f ms after the write was acknowledged" % ((took or 0) * 1000))

        # A policy removed on A: denied on B and C.
        r4 = revision_of(iam.delete_user_policy(UserName="carol", PolicyName="p"))
        got = outcome(lambda: client("lambda", s.b.base, carol, r4).list_functions())
        check("B with min-revision: the removed policy no longer allows", got == "AccessDeniedException/403", got)
        took = wait_for(lambda: outcome(on_c.list_functions) == "AccessDeniedException/403", 1.0)
        check("C without min-revision: denied within 1 s", took is not None, took)

        # A key deleted on A is refused on B (with the token) and on C (within 1 s).
        iam.put_user_policy(UserName="carol", PolicyName="p", PolicyDocument=json.dumps(LIST_FUNCTIONS))
        r5 = revision_of(iam.delete_access_key(UserName="carol", AccessKeyId=carol[0]))
        got = outcome(lambda: client("lambda", s.b.base, carol, r5).list_functions())
        check("B with min-revision: a deleted key is refused", got == "UnrecognizedClientException/403", got)
        took = wait_for(lambda: outcome(on_c.list_functions) == "UnrecognizedClientException/403", 1.0)
        check("C without min-revision: the deleted key is refused within 1 s", took is not None, took)

        # A revision no replica has reached yet: 503 + Retry-After after about 1 s.
        started = time.monotonic()
        got = outcome(lambda: client("iam", s.b.base, ROOT, r5 + 1000).list_users())
        waited = time.monotonic() - started
        check("a revision not reached: 503 after ~1 s", got == "ServiceUnavailable/503" and 0.9 <= waited < 3,
              (got, waited))

        # An STS session made on B is usable on C with B's token.
        sts_b = client("sts", s.b.base, ROOT)
        check("GetCallerIdentity through B", outcome(sts_b.get_caller_identity) == "ok")


# --- faults ----------------------------------------------------------------------------------


def write_users(base, names, acknowledged, stop_after=None):
    """Creates each user through `base`; appends (name, revision) of each acknowledged one."""
    iam = client("iam", base, ROOT)
    for name in names:
        try:
            acknowledged.append((name, revision_of(iam.create_user(UserName=name))))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
            pass
        if stop_after and time.monotonic() > stop_after:
            return


def users_on(replica, revision):
    iam = client("iam", replica.base, ROOT, revision)
    names, marker = set(), None
    while True:
        page = iam.list_users(**({"Marker": marker} if marker else {}))
        names.update(u["UserName"] for u in page["Users"])
        if not page.get("IsTruncated"):
            return names
        marker = page["Marker"]


def test_follower_killed(binary):
    with Setup(binary) as s:
        leader = s.cluster.wait_leader()
        follower = next(m for m in s.cluster.members if m is not leader)
        s.cluster.signal(follower, signal.SIGKILL)
        acknowledged = []
        write_users(s.a.base, ["f%02d" % i for i in range(20)], acknowledged)
        check("follower killed: every write goes on", len(acknowledged) == 20, len(acknowledged))
        last = max((r for _, r in acknowledged), default=0)
        for replica in (s.b, s.c):
            seen = users_on(replica, last)
            check("follower killed: every write is seen on the other replicas",
                  all(name in seen for name, _ in acknowledged), sorted(seen))


def test_leader_killed(binary):
    with Setup(binary) as s:
        leader = s.cluster.wait_leader()
        acknowledged = []
        writer = threading.Thread(target=write_users,
                                  args=(s.a.base, ["l%03d" % i for i in range(400)], acknowledged,
                                        time.monotonic() + 8))
        writer.start()
        time.sleep(0.5)
        before = len(acknowledged)
        killed_at = time.monotonic()
        s.cluster.signal(leader, signal.SIGKILL)
        new_leader = s.cluster.wait_leader(timeout=10)
        writer.join()
        check("leader killed: a new leader is elected", new_leader is not leader)
        check("leader killed: writes resume after the election", len(acknowledged) > before + 5,
              (before, len(acknowledged)))
        print("leader killed: %d writes acknowledged before, %d in the %.1f s after" %
              (before, len(acknowledged) - before, time.monotonic() - killed_at))
        last = max((r for _, r in acknowledged), default=0)
        for replica in (s.a, s.b, s.c):
            seen = users_on(replica, last)
            lost = [name for name, _ in acknowledged if name not in seen]
            check("leader killed: nothing acknowledged is lost (%s)" % replica.base, not lost, lost[:5])


def test_quorum_lost(binary):
    with Setup(binary) as s:
        iam_b = client("iam", s.b.base, ROOT)
        check("before: B answers", outcome(iam_b.list_users) == "ok")
        stopped = s.cluster.members[:2]
        for member in stopped:
            s.cluster.signal(member, signal.SIGSTOP)
        closed = wait_for(lambda: all(healthz(r) == 503 for r in (s.a, s.b, s.c)), 4.0, step=0.05)
        check("quorum lost: every replica's /healthz is 503 within 3 s (the 2 s bound, the 200 ms probe, polling slack)",
              closed is not None and closed <= 3.0, closed)
        print("quorum lost: replicas not ready %.2f s after SIGSTOP" % (closed or -1))
        got = outcome(iam_b.list_users)
        check("quorum lost: IAM answers 503 ServiceUnavailable", got == "ServiceUnavailable/503", got)
        got = outcome(client("lambda", s.c.base, ROOT).list_functions)
        check("quorum lost: Lambda answers 503 ServiceException", got == "ServiceException/503", got)
        try:
            urllib.request.urlopen(urllib.request.Request(s.a.base + "/2015-03-31/functions/"), timeout=2)
            retry_after = None
        except urllib.error.HTTPError as e:
            retry_after = e.headers.get("Retry-After")
        check("quorum lost: a refusal says Retry-After", retry_after is not None, retry_after)
        for member in stopped:
            s.cluster.signal(member, signal.SIGCONT)
        back = wait_for(lambda: all(healthz(r) == 200 for r in (s.a, s.b, s.c)), 15.0, step=0.05)
        check("quorum back: every replica is ready again", back is not None, back)
        print("quorum back: replicas ready %.2f s after SIGCONT" % (back or -1))
        got = outcome(iam_b.list_users)
        check("quorum back: B answers again", got == "ok", got)
        acknowledged = []
        write_users(s.a.base, ["q1"], acknowledged)
        check("quorum back: writes go on", len(acknowledged) == 1)


def test_replica_paused_across_compaction(binary):
    with Setup(binary) as s:
        carol, _ = s.new_user("carol", LIST_FUNCTIONS)
        s.cluster.signal(s.c, signal.SIGSTOP)
        acknowledged = []
        write_users(s.a.base, ["p%02d" % i for i in range(30)], acknowledged)
        iam = client("iam", s.a.base, ROOT)
        last = revision_of(iam.delete_access_key(UserName="carol", AccessKeyId=carol[0]))
        s.cluster.compact()
        time.sleep(2.5)  # paused longer than the 2 s freshness bound: it must notice and catch up
        s.cluster.signal(s.c, signal.SIGCONT)
        ready = wait_for(lambda: healthz(s.c) == 200, 10.0, step=0.05)
        check("paused across a compaction: ready again after SIGCONT", ready is not None, ready)
        print("paused across a compaction: ready %.2f s after SIGCONT" % (ready or -1))
        seen = users_on(s.c, last)
        check("paused across a compaction: the replica converges (every user)",
              all(name in seen for name, _ in acknowledged), len(seen))
        got = outcome(lambda: client("lambda", s.c.base, carol, last).list_functions())
        check("paused across a compaction: the key deleted meanwhile is refused", got == "UnrecognizedClientException/403",
              got)
        after = []
        write_users(s.c.base, ["after-compaction"], after)
        check("paused across a compaction: writes through it go on", len(after) == 1)


def test_replica_killed_mid_write(binary):
    with Setup(binary) as s:
        names = ["k%03d" % i for i in range(300)]
        attempted, acknowledged = [], []

        def writer():
            iam = client("iam", s.a.base, ROOT)
            for name in names:
                attempted.append(name)
                try:
                    # One Txn: the role, its unique id, its name, its tags.
                    acknowledged.append(revision_of(iam.create_role(
                        RoleName=name, Path="/kill/", AssumeRolePolicyDocument=json.dumps(
                            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}),
                        Tags=[{"Key": "n", "Value": name}, {"Key": "t", "Value": "x" * 200}])))
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
                    return

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(0.6)
        s.cluster.signal(s.a, signal.SIGKILL)
        thread.join()
        check("killed mid-write: some writes were acknowledged first", len(acknowledged) > 0, len(acknowledged))
        last = max(acknowledged, default=0)
        iam_b = client("iam", s.b.base, ROOT, last)
        present = {r["RoleName"] for r in iam_b.list_roles(PathPrefix="/kill/", MaxItems=1000)["Roles"]}
        check("killed mid-write: every acknowledged write is there", len(present) >= len(acknowledged),
              (len(present), len(acknowledged)))
        # The write in flight when A died: whole (role with its tags) or absent (name free again).
        whole = absent = 0
        for name in attempted:
            got = outcome(lambda: iam_b.get_role(RoleName=name))
            if got == "ok":
                tags = {t["Key"]: t["Value"] for t in iam_b.list_role_tags(RoleName=name)["Tags"]}
                check("killed mid-write: %s is whole" % name, tags == {"n": name, "t": "x" * 200} and name in present,
                      tags)
                whole += 1
            else:
                check("killed mid-write: %s is absent" % name, got == "NoSuchEntity/404" and name not in present, got)
                again = outcome(lambda: client("iam", s.b.base, ROOT).create_role(
                    RoleName=name, AssumeRolePolicyDocument=json.dumps(
                        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]})))
                check("killed mid-write: an absent %s left nothing behind (its name is free)" % name, again == "ok",
                      again)
                absent += 1
        print("killed mid-write: %d acknowledged, %d attempted: %d whole, %d absent" %
              (len(acknowledged), len(attempted), whole, absent))


# --- large writes -------------------------------------------------------------------------


def large_world(n):
    """A world of n users (each with an access key and an inline policy), n roles and n managed
    policies: a few hundred keys, more than one etcd transaction takes (128 operations)."""
    allow = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*"}]}
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    account = dict(WORLD["accounts"][0])
    account["policies"] = [{"name": "p%d" % i, "document": allow} for i in range(n)]
    account["users"] = [{"name": "u%d" % i, "inlinePolicies": {"own": allow}, "tags": {"n": str(i)},
                         "managedPolicies": ["arn:aws:iam::%s:policy/p%d" % (A, i)],
                         "accessKeys": [{"accessKeyId": "AKIALARGEWORLD%06d" % i,
                                         "secretAccessKey": "largeWorldSecretLargeWorldSecretLa%06d" % i}]}
                        for i in range(n)]
    account["roles"] = [{"name": "r%d" % i, "assumeRolePolicy": trust} for i in range(n)]
    return {"region": "us-east-1", "accounts": [account]}


def user_keys(i):
    return ("AKIALARGEWORLD%06d" % i, "largeWorldSecretLargeWorldSecretLa%06d" % i)


def test_large_bootstrap(binary):
    """Three replicas started at once with a bootstrap file larger than one etcd transaction."""
    with Cluster(binary) as cluster:
        cluster.start()
        world = os.path.join(cluster.tmp, "large-world.json")
        with open(world, "w") as f:
            json.dump(large_world(50), f)
        key_file = os.path.join(cluster.tmp, "secret.key")
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(secrets.token_hex(32))
        errors = []

        def start():
            try:
                cluster.start_replica(bootstrap=world, key_file=key_file)
            except RuntimeError as e:
                errors.append(str(e))

        starters = [threading.Thread(target=start) for _ in range(3)]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        check("large bootstrap: three replicas started at once, each with the file", len(cluster.replicas) == 3,
              errors[:1])
        if len(cluster.replicas) != 3:
            return
        for n, replica in enumerate(cluster.replicas):
            ready = wait_for(lambda: healthz(replica) == 200, 5.0, step=0.05)
            check("large bootstrap: replica %d is ready" % n, ready is not None)
            for i in (0, 25, 49):
                got = outcome(client("lambda", replica.base, user_keys(i)).list_functions)
                check("large bootstrap: u%d's key and policy decide on replica %d" % (i, n), got == "ok", got)
            roles = client("iam", replica.base, ROOT).list_roles(MaxItems=1000)["Roles"]
            check("large bootstrap: replica %d has every role" % n, len(roles) == 50, len(roles))
        check("large bootstrap: no fence is left", not any(k.endswith("/_fence") for k in cluster.keys()))


def test_fence_refused(binary):
    """A fence in etcd (a large write in progress or interrupted): every replica refuses to decide,
    and answers again once it is gone, or once a restarted replica takes it over."""
    with Setup(binary) as s:
        keys, _ = s.new_user("fenced", LIST_FUNCTIONS)
        fence = s.cluster.prefix + "/_fence"
        base = s.cluster.revision()
        s.cluster.call("/v3/kv/put", {"key": b64(fence), "value": b64(
            "writer=test:1 token=0 base=%d started=2026-01-01T00:00:00Z" % base)})
        closed = wait_for(lambda: all(healthz(r) == 503 for r in (s.a, s.b, s.c)), 2.0, step=0.05)
        check("fence: every replica's /healthz is 503 within 2 s", closed is not None, closed)
        try:
            urllib.request.urlopen(s.b.base + "/healthz", timeout=2)
            said = ""
        except urllib.error.HTTPError as e:
            said = e.read().decode()
        check("fence: /healthz says a large write is in progress or interrupted", "large write" in said, said)
        got = outcome(client("lambda", s.b.base, keys).list_functions)
        check("fence: Lambda answers 503 ServiceException", got == "ServiceException/503", got)
        try:
            client("iam", s.c.base, ROOT).list_users()
            message = ""
        except botocore.exceptions.ClientError as e:
            message = "%s %s" % (e.response["Error"]["Code"], e.response["Error"]["Message"])
        check("fence: IAM answers ServiceUnavailable naming the large write",
              message.startswith("ServiceUnavailable") and "large write" in message, message)
        s.cluster.call("/v3/kv/deleterange", {"key": b64(fence)})
        back = wait_for(lambda: all(healthz(r) == 200 for r in (s.a, s.b, s.c)), 3.0, step=0.05)
        check("fence removed: every replica is ready again within 1 s", back is not None and back <= 1.0, back)
        got = outcome(client("lambda", s.b.base, keys).list_functions)
        check("fence removed: decisions again", got == "ok", got)

        # Left by a writer that died: a replica started with the bootstrap takes it over after it
        # stood still for 5 s, rolls its pieces back (none here) and the world is served again.
        s.cluster.call("/v3/kv/put", {"key": b64(fence), "value": b64(
            "writer=test:1 token=1 base=%d started=2026-01-01T00:00:00Z" % s.cluster.revision())})
        check("fence again: replicas closed", wait_for(lambda: healthz(s.a) == 503, 2.0, step=0.05) is not None)
        world = os.path.join(s.cluster.tmp, "world.json")
        started = time.monotonic()
        replica = s.cluster.start_replica(bootstrap=world, key_file=s.key_file)
        took = time.monotonic() - started
        print("fence left by a dead writer: a restarted replica took it over in %.1f s" % took)
        back = wait_for(lambda: all(healthz(r) == 200 for r in (s.a, s.b, s.c, replica)), 3.0, step=0.05)
        check("fence taken over: every replica is ready again", back is not None, back)
        got = outcome(client("lambda", replica.base, keys).list_functions)
        check("fence taken over: the world is whole (the user made before it decides)", got == "ok", got)
        check("fence taken over: no fence is left", not any(k.endswith("/_fence") for k in s.cluster.keys()))


TESTS = {
    "propagation": [test_propagation],
    "faults": [test_follower_killed, test_leader_killed, test_quorum_lost, test_replica_paused_across_compaction,
               test_replica_killed_mid_write],
    "large": [test_large_bootstrap, test_fence_refused],
}


def main():
    binary = sys.argv[1]
    chosen = []
    for name in sys.argv[2:] or ["propagation", "faults"]:
        chosen += TESTS.get(name) or [globals()["test_" + name]]
    for test in chosen:
        started = time.monotonic()
        try:
            test(binary)
        except Exception as e:  # noqa: BLE001 - any failure of a test is a failure, the next still runs
            check(test.__name__, False, "%s: %s" % (type(e).__name__, e))
        print("%s: %.1f s" % (test.__name__, time.monotonic() - started))
    return summary()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""run_e2e.py GATEHOUSE TEST_SCRIPT [ARGS...]: an existing real-client end-to-end test (AWS CLI,
boto3) against a replica set — a 3-member etcd cluster started here, GATEHOUSE_TEST_ETCD naming
it, so the test's start() brings up three replicas behind a round-robin proxy
(replica_set.py). The cluster is stopped at the end whatever happens; the exit status is the
test's."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster  # noqa: E402


def main():
    binary, script, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    with Cluster(binary) as cluster:
        cluster.start()
        env = dict(os.environ, GATEHOUSE_TEST_ETCD=cluster.endpoints())
        done = subprocess.run([sys.executable, script, binary] + rest, env=env, timeout=900)
        return done.returncode


if __name__ == "__main__":
    sys.exit(main())

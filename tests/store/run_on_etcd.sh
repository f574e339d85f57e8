#!/bin/sh
# Runs the store test suite (all but the LMDB-only and the etcd-specific tests, which start
# their own) against a single-member etcd of its own: free loopback ports, a temporary data
# directory, stopped and removed at the end. Usage: run_on_etcd.sh TEST_STORE_BINARY
set -eu
binary=$1
command -v etcd >/dev/null || { echo "etcd is missing (make deps installs etcd-server)"; exit 1; }
base=/dev/shm; [ -d "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/gatehouse-store-on-etcd.XXXXXX")
ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
client=${ports% *}; peer=${ports#* }
etcd --name=t --data-dir="$dir/data" --listen-client-urls="http://127.0.0.1:$client" \
  --advertise-client-urls="http://127.0.0.1:$client" --listen-peer-urls="http://127.0.0.1:$peer" \
  --initial-advertise-peer-urls="http://127.0.0.1:$peer" --initial-cluster="t=http://127.0.0.1:$peer" \
  --log-level=error --logger=zap >"$dir/etcd.log" 2>&1 &
pid=$!
stop() { kill -CONT $pid 2>/dev/null || true; kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"; }
trap stop INT TERM
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $client), 0.2)" 2>/dev/null && break
  sleep 0.1
done
status=0
GATEHOUSE_STORE_TEST_ETCD="etcd://127.0.0.1:$client" "$binary" '~[etcd]~[lmdb]' || status=$?
stop
exit $status

#!/usr/bin/env bash
# dagshard.log-format=json: every line a node writes parses as one JSON
# object with time, level, component and msg; the events of a run are
# there (start, a peer that cannot be reached, the leader, each migration
# step, stop); serving requests logs nothing.
# Usage: log_test.sh BUILD_DIR. Ports: 4448 (node), 4449 (a peer never
# started).
set -u
build=$1
source "$(dirname "$0")/test_lib.sh"

has() { # has JQ-LIKE-PYTHON-CONDITION WHAT: some line satisfies it
  python3 - "$work/node.log" "$1" <<'PY' && pass || fail "$2"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if any(eval(sys.argv[2], {}, {"e": e}) for e in lines) else 1)
PY
}

"$build/dagshardd" --dagshard.data-dir="$work/data" --dagshard.port=4448 \
  --dagshard.log-format=json >"$work/node.log" 2>&1 &
pid=$!
procs+=($pid)
for _ in $(seq 1 100); do grep -q '"serving on' "$work/node.log" && break; sleep 0.05; done
ctl() { "$build/dagctl" --node 127.0.0.1:4448 "$@" >/dev/null || fail "dagctl $*"; }
ctl mkdir /d
ctl create /d/a
ctl move /d 1:1 2
before=$(wc -l <"$work/node.log")
for i in $(seq 1 20); do ctl create "/d/f$i"; done
ctl ls /d
after=$(wc -l <"$work/node.log")
[ "$before" = "$after" ] && pass || fail "serving logged $((after - before)) lines"
kill -TERM $pid
wait $pid

# Every line is one JSON object with the four fields.
python3 - "$work/node.log" <<'PY' && pass || fail "lines that are not JSON events: $(cat "$work/node.log")"
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert all(k in e for k in ("time", "level", "component", "msg")), line
    n += 1
assert n >= 5, n
PY
has 'e["component"] == "node" and e["msg"].startswith("serving on 127.0.0.1:4448") and e["shards"] == 4' "serving event"
has 'e["component"] == "raft" and e["msg"] == "metadata leader elected" and e["leader"] == 1' "leader event"
has 'e["component"] == "shard" and e["msg"] == "migration step" and e["step"] == "freeze"' "freeze step"
has 'e["component"] == "shard" and e["msg"] == "migration step" and e["step"] == "activate" and e["shard"] == 2' "activate step"
has 'e["msg"] == "stopped"' "stop event"

# A peer that is never up: logged once as unreachable, not at every retry.
rm -rf "$work/data2"
"$build/dagshardd" --dagshard.data-dir="$work/data2" --dagshard.port=4448 \
  --dagshard.node-id=a '--dagshard.peers=["b@127.0.0.1:4449"]' \
  --dagshard.log-format=json >"$work/node.log" 2>&1 &
pid=$!
procs+=($pid)
for _ in $(seq 1 100); do grep -q '"peer unreachable"' "$work/node.log" && break; sleep 0.05; done
has 'e["component"] == "peers" and e["msg"] == "peer unreachable" and e["peer"] == "b"' "peer unreachable"
# Several back-off rounds (100 ms growing to 2 s) pass within a few seconds.
"$build/dagctl" --node 127.0.0.1:4448 nodes >/dev/null
kill -TERM $pid
wait $pid
[ "$(grep -c '"peer unreachable"' "$work/node.log")" = 1 ] && pass \
  || fail "peer unreachable logged $(grep -c '"peer unreachable"' "$work/node.log") times"

finish

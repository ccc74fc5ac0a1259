#!/usr/bin/env bash
# A 3-node cluster started from configs/cluster-3 (ports 4301-4303), driven
# through every node; one node frozen, then one killed with SIGKILL under
# load and restarted. With REPLICAS=3 (configs/cluster-3's) the directories of
# the node that is down keep serving through the other replicas; with
# REPLICAS=1 (unreplicated shards) they answer EUNAVAILABLE at once. With
# DS_TLS=1 the same over mutual TLS (configs/tls-cluster-3).
# Usage: [DS_TLS=1] cluster_test.sh BUILD_DIR SOURCE_DIR [REPLICAS]
set -u
build=$1
src=$2
replicas=${3:-3}
work=$(mktemp -d /tmp/dagshard-cluster-XXXXXX)
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$src/tests/e2e/cluster_lib.sh"

require_free_ports
start_args=(--dagshard.replicas="$replicas")
# What a request for a part of the node that is down answers: exit 2
# (EUNAVAILABLE) unreplicated, 0 with replicas.
want_rc=0
[ "$replicas" = 1 ] && want_rc=2


start_cluster

# Namespace operations through every node.
for d in $(seq 0 29); do
  ctl $(( d % 3 + 1 )) mkdir "/d$d" || { echo "FAIL: mkdir /d$d"; failures=$((failures + 1)); }
  ctl $(( (d + 1) % 3 + 1 )) create "/d$d/first" >/dev/null \
    || { echo "FAIL: create /d$d/first"; failures=$((failures + 1)); }
done
check "ls / through node3 shows 30 directories" \
  test "$(ctl 3 ls / | wc -l)" = 30
check "stat through node2 of an entry created through node3" ctl 2 stat /d5/first >/dev/null
count_shards() {
  ctl 1 --json shards | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["shards"]))'
}
check "cluster-wide shards lists 12 shards" test "$(count_shards)" = 12
if [ "$replicas" -gt 1 ]; then
  count_replicas() {
    ctl 1 --json shards | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("replicas", [])))'
  }
  check "and 36 replicas, 3 per shard" test "$(count_replicas)" = 36
fi

# Settings through any node, read back through the others.
check "config set through node2" ctl 2 config set psm.threshold 100
check "config get through node3 sees it" bash -c "'$dagctl' --node 127.0.0.1:4303 config get psm.threshold | grep -q '= 100 (version 1)'"
ctl 3 config set psm.threshold 7 --if-version 9 2>/dev/null
check "a stale --if-version is refused" test $? = 1

# Which directories live on node2 and node3?
on2=()
on3=()
others=()
for d in $(seq 0 29); do
  where=$(ctl 1 --json placement "/d$d/first")
  if grep -q '"node":"node3"' <<<"$where"; then on3+=("$d"); else others+=("$d"); fi
  if grep -q '"node":"node2"' <<<"$where"; then on2+=("$d"); fi
done

# A frozen node (SIGSTOP: its connections stay open, so only the heartbeats
# can tell) is noticed; its part then answers EUNAVAILABLE. The times are
# printed, not asserted: they are the heartbeat settings' (about a second
# in configs/cluster-3) plus whatever a loaded machine adds. That an
# unreachable shard answers at once, without waiting for the request
# timeout, is asserted on virtual time in tests/actors/router_test.cpp.
node2_down() { "$dagctl" --node 127.0.0.1:4301 nodes | grep -q 'node2.*UNREACHABLE'; }
kill -STOP "${pids[2]}"
start_ns=$(date +%s%N)
wait_until 15 node2_down
rc=$?
ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
check "the heartbeats notice a frozen node2 (${ms} ms)" test $rc = 0
start_ns=$(date +%s%N)
ctl 1 create "/d${on2[0]}/while-frozen" >/dev/null 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
check "a directory on frozen node2 answers with exit $want_rc (rc $rc, ${ms} ms)" \
  test $rc = $want_rc
kill -CONT "${pids[2]}"
check "node2 rejoins after it thaws" wait_until 15 all_reachable 1
check "some directories live on node3" test ${#on3[@]} -gt 0
check "some directories live elsewhere" test ${#others[@]} -gt 0

# Load through node1: creates in every directory, each acknowledged one logged.
(
  i=0
  while true; do
    for d in $(seq 0 29); do
      "$dagctl" --node 127.0.0.1:4301 create "/d$d/f$i" >/dev/null 2>&1 \
        && echo "/d$d/f$i" >>"$work/acked"
    done
    i=$((i + 1))
  done
) &
load_pid=$!
# Kill node3 in the middle of the load: once 40 creates were acknowledged.
acked_at_least() { [ -f "$work/acked" ] && [ "$(wc -l <"$work/acked")" -ge "$1" ]; }
check "the load gets going" wait_until 60 acked_at_least 40
at_kill=$(wc -l <"$work/acked")
kill -9 "${pids[3]}"
wait "${pids[3]}" 2>/dev/null
unset 'pids[3]'
sleep 0.5

# node3's part answers as want_rc says (time printed); the rest serves.
d=${on3[0]}
start_ns=$(date +%s%N)
ctl 1 create "/d$d/while-down" >/dev/null 2>"$work/err"
rc=$?
ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
check "a directory on node3 answers with exit $want_rc (rc $rc, ${ms} ms)" \
  test $rc = $want_rc
if [ "$replicas" = 1 ]; then
  check "the error names EUNAVAILABLE" grep -q "^EUNAVAILABLE: " "$work/err"
fi
d=${others[0]}
check "a directory elsewhere still takes creates" ctl 2 create "/d$d/while-down"
check "node1 reports node3 unreachable" bash -c "'$dagctl' --node 127.0.0.1:4301 nodes | grep -q 'node3.*UNREACHABLE'"
# The load may have been waiting on a leader of node3 (a pause of up to the
# failover time): give it time, but it must go on.
check "the load goes on after the kill ($at_kill acknowledged before it)" \
  wait_until 15 acked_at_least $((at_kill + 30))
kill "$load_pid"
wait "$load_pid" 2>/dev/null
load_pid=""
acked=$(wc -l <"$work/acked")

# Restart node3 from the same data folder: everything acknowledged is there.
start 3
# Every node must have met the restarted node3 before the check: a router that
# has not reconnected yet answers EUNAVAILABLE (exit 2), which says nothing
# about what the shard holds. Only ENOENT (exit 1) is a lost create.
for n in 1 2 3; do
  check "node$n sees node3 again" wait_until 15 all_reachable $n
done
lost=0
unavailable=0
while read -r p; do
  ctl 2 stat "$p" >/dev/null 2>&1
  rc=$?
  if [ $rc = 2 ]; then
    wait_until 5 ctl 2 stat "$p" >/dev/null 2>&1
    ctl 2 stat "$p" >/dev/null 2>&1
    rc=$?
    [ $rc = 2 ] && unavailable=$((unavailable + 1))
  fi
  [ $rc = 1 ] && { echo "lost: $p"; lost=$((lost + 1)); }
done <"$work/acked"
check "every acknowledged create could be read ($unavailable unavailable)" test $unavailable = 0
check "no acknowledged create was lost ($lost of $acked)" test $lost = 0
check "the directory on node3 takes creates again" ctl 3 create "/d${on3[0]}/after-restart"

for n in "${!pids[@]}"; do kill -TERM "${pids[$n]}"; wait "${pids[$n]}"; done
pids=()
echo "$passes passed, $failures failed"
[ $failures = 0 ]

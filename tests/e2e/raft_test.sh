#!/usr/bin/env bash
# The metadata Raft group under SIGKILL: the 3-node cluster from
# configs/cluster-3 (ports 4301-4303); clients set and read settings through
# every node (tests/e2e/kv_history) while one node at a time is killed with
# SIGKILL and restarted. Checks: the history is linearizable and every
# acknowledged set is visible at the end (kv_history), the majority keeps
# serving while a node is down, and one leader is shown by `dagctl raft status`.
# Usage: raft_test.sh BUILD_DIR SOURCE_DIR [SEED]
set -u
build=$1
src=$2
seed=${3:-${RAFT_E2E_SEED:-$(date +%s)}}
echo "raft_test seed $seed (replay: RAFT_E2E_SEED=$seed)"
RANDOM=$seed
work=$(mktemp -d /tmp/dagshard-raft-XXXXXX)
hist_pid=""
cleanup() {
  [ -n "$hist_pid" ] && kill "$hist_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$src/tests/e2e/cluster_lib.sh"
require_free_ports
one_leader() { # one_leader N: node N's view shows exactly one leader
  [ "$(ctl "$1" --json raft status 2>/dev/null | grep -o '"role":"leader"' | wc -l)" = 1 ]
}
set_through() { ctl "$1" config set "probe.$2" "$3" >/dev/null 2>&1; }

for n in 1 2 3; do start $n; done
check "a leader is elected" wait_until 20 one_leader 1

"$build/kv_history" 127.0.0.1:4301,127.0.0.1:4302,127.0.0.1:4303 6 24 4 "$seed" \
  >"$work/history.out" 2>&1 &
hist_pid=$!
for round in 1 2 3 4; do
  sleep 2
  victim=$(( RANDOM % 3 + 1 ))
  kill -9 "${pids[$victim]}"
  wait "${pids[$victim]}" 2>/dev/null
  live=$(( victim % 3 + 1 ))
  check "round $round: with node$victim down, node$live takes a set" \
    wait_until 10 set_through "$live" "$round" "$victim"
  sleep 1
  start "$victim"
done
wait "$hist_pid"
rc=$?
hist_pid=""
cat "$work/history.out"
check "the history is linearizable and every acknowledged set survived (rc $rc)" test "$rc" = 0
check "after the last restart one leader is seen from every node" \
  wait_until 20 bash -c "$(declare -f ctl one_leader); build='$build'; one_leader 1 && one_leader 2 && one_leader 3"
for r in 1 2 3 4; do
  check "probe.$r is still set" bash -c "'$build/dagctl' --node 127.0.0.1:4302 config get probe.$r >/dev/null"
done
ctl 1 raft status
# SIGTERM stops every node promptly (no actor left holding the system open).
for n in 1 2 3; do kill -TERM "${pids[$n]}"; done
stopped() { ! kill -0 "${pids[1]}" 2>/dev/null && ! kill -0 "${pids[2]}" 2>/dev/null && ! kill -0 "${pids[3]}" 2>/dev/null; }
check "every node exits within 10 s of SIGTERM" wait_until 10 stopped
# Reported, not failed: a node whose actor system did not stop by itself
# (dagshardd exits anyway, 5 s after its stores closed).
grep -l "did not finish stopping" "$work"/node*.log 2>/dev/null |
  sed 's|.*/|note: shutdown watchdog fired in |'
echo "raft_test: $passes passed, $failures failed"
[ "$failures" = 0 ]

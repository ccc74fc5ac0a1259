#!/usr/bin/env bash
# kill -9 of a node under a pipelined, batched create load: every create the
# node acknowledged is there after the restart. Usage: crash_test.sh BUILD SRC
set -u
build=$1
src=$2
work=$(mktemp -d /tmp/dagshard-crash-XXXXXX)
node_pid=""
bench_pid=""
cleanup() {
  [ -n "$bench_pid" ] && kill -9 "$bench_pid" 2>/dev/null
  [ -n "$node_pid" ] && kill -9 "$node_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

start_node() {
  : >"$work/node.log"
  "$build/dagshardd" --config-file="$src/configs/embedded.ini" --dagshard.port=0 \
    --dagshard.data-dir="$work/data" >"$work/node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/node.log")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  cat "$work/node.log"
  fail "node did not start"
}

for round in 1 2 3; do
  start_node
  "$build/dagbench" fill --node "127.0.0.1:$port" --dir "/storm$round" \
    --files 1000000 --outstanding 4 --batch 200 --ack-log "$work/acked$round" \
    >/dev/null 2>&1 &
  bench_pid=$!
  # Kill the node once thousands of creates were acknowledged, at a point
  # that differs from round to round.
  want=$((3000 * round))
  for _ in $(seq 1 600); do
    [ -f "$work/acked$round" ] && [ "$(wc -l <"$work/acked$round")" -ge $want ] && break
    sleep 0.05
  done
  kill -9 "$node_pid"
  wait "$node_pid" 2>/dev/null
  node_pid=""
  kill -9 "$bench_pid"
  wait "$bench_pid" 2>/dev/null
  bench_pid=""
  acked=$(wc -l <"$work/acked$round")
  [ "$acked" -ge $want ] || fail "round $round: only $acked creates acknowledged"
  start_node
  "$build/dagbench" verify --node "127.0.0.1:$port" --dir "/storm$round" \
    --ack-log "$work/acked$round" || fail "round $round: acknowledged creates lost"
  kill -TERM "$node_pid"
  wait "$node_pid"
  node_pid=""
done
# Every earlier round's entries are still there too.
start_node
for round in 1 2 3; do
  "$build/dagbench" verify --node "127.0.0.1:$port" --dir "/storm$round" \
    --ack-log "$work/acked$round" >/dev/null || fail "round $round lost entries later"
done
echo "3 passed, 0 failed"

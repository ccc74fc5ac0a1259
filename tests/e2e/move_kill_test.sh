#!/usr/bin/env bash
# Moves of a part of a directory under a create load, with kill -9 of the
# source's node in one round and of the destination's node in another, on
# the 3-node cluster (configs/cluster-3, ports 4301-4303). Afterwards every
# acknowledged create is there through every node, every part is served,
# and no move is left started.
# Usage: move_kill_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
work=$(mktemp -d /tmp/dagshard-movekill-XXXXXX)
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  if [ "$failures" != 0 ]; then # what the nodes said of the moves
    grep -h -E "router|migration" "$work"/node*.log | grep -v "step=copy\|step=import" | tail -40
  fi
  rm -rf "$work"
}
trap cleanup EXIT
source "$src/tests/e2e/cluster_lib.sh"

require_free_ports
start_cluster

ctl 1 mkdir /big || { echo "FAIL: mkdir /big"; exit 1; }
home=$(ctl 1 --json placement /big/x | grep -o '"shard":[0-9]*' | cut -d: -f2)
dest=$(( (home + 4) % 12 ))   # a shard of the next node
src_node=$(( home / 4 + 1 ))
dst_node=$(( dest / 4 + 1 ))
load_node=$(( 6 - src_node - dst_node ))
echo "home shard $home (node$src_node) -> shard $dest (node$dst_node); load and drivers on node$load_node"

# Creates through the third node, on until the rounds are done.
"$build/dagbench" fill --node "127.0.0.1:430$load_node" --dir /big --files 20000 \
  --outstanding 2 --batch 5 --ack-log "$work/acks" \
  --until-file "$work/done" >"$work/fill.log" 2>&1 &
load_pid=$!
acked() { [ -f "$work/acks" ] && [ "$(wc -l <"$work/acks")" -ge "$1" ]; }
check "the client is creating" wait_until 60 acked 8000

started() { ctl "$load_node" --json migrations 2>/dev/null | grep -q '"state":"started"'; }
none_started() { ! started && ctl "$load_node" --json migrations >/dev/null 2>&1; }

# round PART VICTIM: move PART from the home to `dest` in small chunks,
# kill -9 node VICTIM once the move has started, restart it.
round() {
  ctl "$load_node" move --chunk 50 /big "$1" "$dest" >"$work/move-$1.log" 2>&1 &
  local mover=$!
  check "the move of $1 starts" wait_until 30 started
  kill -9 "${pids[$2]}"
  wait "${pids[$2]}" 2>/dev/null
  wait "$mover"
  echo "move of $1 with node$2 killed: $(tr '\n' ' ' <"$work/move-$1.log")"
  # Every shard is a group of three replicas (configs/cluster-3): a node's
  # death is a failover of its groups, and the move goes on at their new
  # leaders (a copy whose source lost it starts again) and commits.
  check "the move of $1 commits although node$2 was killed" \
    grep -q "^moved: " "$work/move-$1.log"
  start "$2"
  for n in 1 2 3; do
    check "node$n sees the whole cluster again" wait_until 30 all_reachable $n
  done
  # The move ends one way or the other: its driver, or the scans (a move
  # whose driver stopped making progress is aborted after a lease, 15 s).
  check "no move is left started after killing node$2" wait_until 60 none_started
}
round 1:1 "$src_node"
check "the client is still creating" kill -0 "$load_pid"
round 1:0 "$dst_node"
check "the client is still creating" kill -0 "$load_pid"
touch "$work/done"
wait "$load_pid"
load_pid=""
total=$(wc -l <"$work/acks")
echo "$total creates acknowledged ($(tail -1 "$work/fill.log"))"
check "creates were acknowledged across the rounds" test "$total" -ge 8000

# Every part is served and nothing acknowledged is lost: every name,
# through every node.
for n in 1 2 3; do
  check "every acknowledged file is there through node$n" \
    "$build/dagbench" verify --node "127.0.0.1:430$n" --dir /big --ack-log "$work/acks"
done
check "the listing holds each acknowledged name once" \
  test "$(ctl 1 ls /big | sort -u | comm -12 - <(sort -u "$work/acks") | wc -l)" = \
  "$(sort -u "$work/acks" | wc -l)"
ctl "$load_node" migrations
ctl "$load_node" router | grep "not leader"

echo "move_kill: $passes passed, $failures failed"
[ "$failures" = 0 ]

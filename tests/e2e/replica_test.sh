#!/usr/bin/env bash
# Replicated shards on the 3-node cluster of configs/cluster-3 (ports
# 4301-4303) with dagshard.replicas=3: every shard a Raft group of three.
# Checks: each group elects one leader; writes through any node; one node
# killed with SIGKILL, the others keep serving everything written (no
# EUNAVAILABLE) and take new writes; the node restarted catches up; a create
# load through one node while the others are killed and restarted in turn
# loses nothing acknowledged and meets no EUNAVAILABLE (logs compact, so
# restarted nodes catch up from snapshots); at the end the three
# replicas of every shard hold the same rows; a node refuses another's data.
# With DS_TLS=1 the same over mutual TLS (configs/tls-cluster-3).
# Usage: [DS_TLS=1] replica_test.sh BUILD_DIR SOURCE_DIR [SEED]
set -u
build=$1
src=$2
seed=${3:-${REPLICA_E2E_SEED:-$(date +%s)}}
echo "replica_test seed $seed (replay: REPLICA_E2E_SEED=$seed)"
RANDOM=$seed
work=$(mktemp -d /tmp/dagshard-replica-XXXXXX)
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  # A failed run keeps its nodes' logs and data for a look (any run with
  # REPLICA_E2E_KEEP=1).
  if [ "${failures:-0}" = 0 ] && [ -z "${REPLICA_E2E_KEEP:-}" ]; then
    rm -rf "$work"
  else
    echo "kept $work"
  fi
}
trap cleanup EXIT
source "$src/tests/e2e/cluster_lib.sh"
require_free_ports
# Logs compact after 40 entries, so a node killed for a round comes back
# behind its leaders' compacted logs and catches up from streamed snapshots.
start_args=(--dagshard.replicas=3 --dagshard.group-compact-entries=40)

leaders() { # leaders N: the count of groups with a leader, seen from node N
  ctl "$1" --json shards 2>/dev/null |
    python3 -c 'import json,sys
rows = json.load(sys.stdin).get("replicas", [])
print(len({r["shard"] for r in rows if r["role"] == "leader"}))'
}
all_led() { [ "$(leaders "$1")" = 12 ]; }

start_cluster
check "every one of the 12 shard groups has a leader" wait_until 30 all_led 1

# Writes through every node.
bad=0
for d in $(seq 0 11); do
  ctl $(( d % 3 + 1 )) mkdir "/d$d" >/dev/null || bad=$((bad + 1))
  for f in 1 2 3; do
    ctl $(( (d + f) % 3 + 1 )) create "/d$d/f$f" >/dev/null || bad=$((bad + 1))
  done
done
check "48 writes through the three nodes (failed: $bad)" test "$bad" = 0

# SIGKILL of one node; the other two serve everything.
victim=$(( RANDOM % 3 + 1 ))
live=$(( victim % 3 + 1 ))
kill -9 "${pids[$victim]}"
wait "${pids[$victim]}" 2>/dev/null
readable() { # every entry written is found through node $live
  for d in $(seq 0 11); do
    for f in 1 2 3; do
      ctl "$live" stat "/d$d/f$f" >/dev/null 2>&1 || return 1
    done
  done
}
check "with node$victim killed, node$live serves every entry" wait_until 20 readable
unavailable=0
for d in $(seq 0 11); do
  out=$(ctl "$live" create "/d$d/after" 2>&1) || {
    echo "create /d$d/after: $out"
    case "$out" in *EUNAVAILABLE*) unavailable=$((unavailable + 1)) ;; esac
  }
done
check "new writes with a majority up: none EUNAVAILABLE ($unavailable)" test "$unavailable" = 0

# The killed node comes back and catches up.
start "$victim"
check "node$victim sees the whole cluster again" wait_until 20 all_reachable "$victim"
caught_up() { # every group's replicas at the same applied index
  ctl "$live" --json shards 2>/dev/null |
    python3 -c 'import json,sys
rows = json.load(sys.stdin).get("replicas", [])
by = {}
for r in rows: by.setdefault(r["shard"], set()).add(r["applied"])
sys.exit(0 if len(rows) == 36 and all(len(v) == 1 for v in by.values()) else 1)'
}
check "every replica caught up with its group" wait_until 30 caught_up
check "node$victim's replicas serve through their leaders" \
  ctl "$victim" stat /d3/after
ctl "$live" shards | tail -28

# Creates and lookups of acknowledged names through one node while the
# other two are killed with SIGKILL and restarted in turn: a majority is
# always up, so nothing answers EUNAVAILABLE, every lookup finds its name,
# and every acknowledged name is found through every node.
load_node=$(( RANDOM % 3 + 1 ))
"$build/dagbench" fill --node "127.0.0.1:430$load_node" "${console_tls[@]}" --dir /load --files 2000 \
  --outstanding 2 --batch 5 --readers 1 --seed "$seed" --ack-log "$work/acks" \
  --until-file "$work/done" >"$work/fill.log" 2>&1 &
load_pid=$!
acked() { [ -f "$work/acks" ] && [ "$(wc -l <"$work/acks")" -ge "$1" ]; }
check "the client is creating" wait_until 60 acked 200
# REPLICA_E2E_ROUNDS (default 4) sets the kills; each round takes seconds.
for round in $(seq 1 "${REPLICA_E2E_ROUNDS:-4}"); do
  victim=$(( (load_node + RANDOM % 2) % 3 + 1 ))
  before=$(wc -l <"$work/acks")
  echo "$(date -u +%T.%3N) round $round: node$victim killed"
  kill -9 "${pids[$victim]}"
  wait "${pids[$victim]}" 2>/dev/null
  check "round $round: creates go on with node$victim killed" \
    wait_until 20 acked $((before + 200))
  start "$victim"
  check "round $round: node$victim is back" wait_until 20 all_reachable "$victim"
  echo "$(date -u +%T.%3N) round $round: node$victim is back"
done
touch "$work/done"
wait "$load_pid"
load_pid=""
cat "$work/fill.log"
# A router that answered EUNAVAILABLE logged why.
grep -h "answered EUNAVAILABLE" "$work"/node*.log | head -20
check "the client created files" acked 1000
check "the client looked up acknowledged names" grep -q "^looked up [1-9]" "$work/fill.log"
check "no create or lookup answered EUNAVAILABLE" bash -c "! grep -q 'refused EUNAVAILABLE' '$work/fill.log'"
# The router sends a create again when its answer was lost; the group's
# leader answers it from its record, not EEXIST.
check "no create answered EEXIST" bash -c "! grep -q 'refused EEXIST' '$work/fill.log'"
echo "creates sent again and answered from their records: $(ctl "$load_node" --json shards |
  python3 -c 'import json,sys; print(sum(s.get("replayed", 0) for s in json.load(sys.stdin)["shards"]))' 2>/dev/null)"
check "every replica caught up with its group after the kills" wait_until 30 caught_up
check "restarted replicas caught up from streamed snapshots" \
  grep -q "installed a shard group's snapshot" "$work"/node*.log
for n in 1 2 3; do
  check "every acknowledged file is there through node$n" \
    "$build/dagbench" verify --node "127.0.0.1:430$n" "${console_tls[@]}" --dir /load \
    --ack-log "$work/acks"
done

# Stopped, the three replicas of each shard hold the same rows.
for n in 1 2 3; do kill -TERM "${pids[$n]}"; done
stopped() { ! kill -0 "${pids[1]}" 2>/dev/null && ! kill -0 "${pids[2]}" 2>/dev/null && ! kill -0 "${pids[3]}" 2>/dev/null; }
check "every node exits within 10 s of SIGTERM" wait_until 10 stopped
same_rows() {
  python3 - "$work" <<'EOF'
import sqlite3, sys
work = sys.argv[1]
bad = 0
for g in range(12):
    seen = []
    for n in (1, 2, 3):
        db = sqlite3.connect(f"file:{work}/node{n}/group-{g}.db?mode=ro", uri=True)
        rows = []
        for t in ("nodes", "entries", "dead", "parts"):
            rows.append(sorted(db.execute(f"SELECT * FROM {t}").fetchall()))
        seen.append(rows)
        db.close()
    if not (seen[0] == seen[1] == seen[2]):
        print(f"shard {g}: replicas differ")
        bad += 1
sys.exit(1 if bad else 0)
EOF
}
check "the replicas of every shard hold the same rows" same_rows

# A data folder of another member is refused, and left as it was.
cp -r "$work/node2" "$work/foreign"
before=$(cd "$work/foreign" && md5sum group-*.db groups.db | md5sum)
timeout 20 "$build/dagshardd" --config-file="$src/configs/cluster-3/node1.ini" \
  --dagshard.data-dir="$work/foreign" --dagshard.replicas=3 >"$work/foreign.log" 2>&1
rc=$?
after=$(cd "$work/foreign" && md5sum group-*.db groups.db | md5sum)
check "node1 refuses node2's data folder (rc $rc)" test "$rc" != 0
check "the refusal names groups.db" grep -q "groups.db" "$work/foreign.log"
check "the refused folder is unchanged" test "$before" = "$after"
echo "replica_test: $passes passed, $failures failed"
[ "$failures" = 0 ]

#!/usr/bin/env bash
# Replicated shards on the 3-node cluster of configs/cluster-3 (ports
# 4301-4303) with dagshard.replicas=3: every shard a Raft group of three.
# Checks: each group elects one leader; writes through any node; one node
# killed with SIGKILL, the others keep serving everything written (no
# EUNAVAILABLE) and take new writes; the node restarted catches up; at the
# end the three replicas of every shard hold the same rows.
# Usage: replica_test.sh BUILD_DIR SOURCE_DIR [SEED]
set -u
build=$1
src=$2
seed=${3:-${REPLICA_E2E_SEED:-$(date +%s)}}
echo "replica_test seed $seed (replay: REPLICA_E2E_SEED=$seed)"
RANDOM=$seed
work=$(mktemp -d /tmp/dagshard-replica-XXXXXX)
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$src/tests/e2e/cluster_lib.sh"
require_free_ports
start_args=(--dagshard.replicas=3)

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

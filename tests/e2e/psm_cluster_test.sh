#!/usr/bin/env bash
# The Predictive Sharding Manager on the 3-node cluster of configs/cluster-3
# (ports 4301-4303), with one-second slots and a 2 s period given on the
# command line. Under a replayed workload, an imported history in which
# /demo/busy surges every compressed day of 20 s gets it split and spread
# over more than one node before its surge, with no failed request and
# nothing lost. Then the planner's node is killed with SIGKILL in the middle
# of a period: another node's planner takes over and plans the next surge,
# no planning or move is done twice, nothing acknowledged is lost, and the
# killed node comes back with its PSM history.
# Usage: psm_cluster_test.sh BUILD_DIR SOURCE_DIR (KEEP_WORK=1 keeps the
# nodes' folders and logs, the trace and the replay's results)
set -u
build=$1
src=$2
work=$(mktemp -d /tmp/dagshard-psm-cluster-XXXXXX)
bench_pid=""
cleanup() {
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
source "$src/tests/e2e/cluster_lib.sh"
start_args=(--dagshard.psm-policy=predictive --dagshard.psm-slot=1
  --dagshard.psm-period=2s --dagshard.psm-season=20 --dagshard.psm-horizon=20)
t_start=$(date +%s)
phase() { echo "== $(( $(date +%s) - t_start )) s: $*"; }

# py SCRIPT ARGS...: questions about JSON, answered by python3.
py() { python3 -c "$@"; }
# status N FIELD: a field of node N's `psm status --json` ('' if no answer).
status() {
  ctl "$1" --json psm status 2>/dev/null | py "
import json, sys
s = json.load(sys.stdin)
v = s['$2'] if '$2' in s else (s['last_planning'] or {}).get('$2'.replace('last_', ''), '')
print(str(v).lower())" 2>/dev/null
}
# the decisions of DIR (all when '') as JSON through node N
decisions() { ctl "$1" --json psm decisions ${2:+--path "$2"} 2>/dev/null; }
has_split() { # has_split N DIR [SLOT]: a split of DIR is recorded (after SLOT)
  decisions "$1" "$2" | py "
import json, sys
sys.exit(0 if any(d['kind'] == 'split' and d['at'] > ${3:-0}
                  for d in json.load(sys.stdin)['decisions']) else 1)"
}
node_of() { # node_of PATH: the node whose shard holds PATH's entry (1-3)
  ctl 1 --json placement "$1" 2>/dev/null | py "import json,sys; print(json.load(sys.stdin)['node'][4:])"
}
nodes_of_files() { # nodes_of_files DIR: the nodes holding DIR/f0..f15, counted
  for i in $(seq 0 15); do node_of "$1/f$i"; done | sort -u | wc -l
}
moves_committed() { # moves_committed DIR: each move decision of DIR has its migration committed
  local ds ms
  ds=$(decisions 1 "$1") || return 1
  ms=$(ctl 1 --json migrations) || return 1
  py "
import json, sys
ds = [d for d in json.loads(sys.argv[1])['decisions'] if d['kind'] == 'move']
ms = json.loads(sys.argv[2])['migrations']
done = {(m['dir'], int(m['lo'], 16), int(m['hi'], 16), m['to']) for m in ms if m['state'] == 'committed'}
sys.exit(0 if ds and all((d['dir'], d['lo'], d['hi'], d['to']) in done for d in ds) else 1)
" "$ds" "$ms"
}

require_free_ports
start_cluster
check "a metadata leader takes psm.threshold" \
  wait_until 20 ctl 1 config set psm.threshold 100
for d in /demo /demo/busy /demo/calm; do
  ctl 2 mkdir "$d" || { echo "FAIL: mkdir $d"; failures=$((failures + 1)); }
done
# One directory homed on each node, with a little history: the killed node's
# one shows that its psm.db survives (a directory's history is kept by the
# forecaster of its home shard's node, and `psm forecast` asks that node).
declare -A home_dir=()
for k in $(seq 0 40); do
  [ ${#home_dir[@]} = 3 ] && break
  ctl 3 mkdir "/demo/h$k" || continue
  n=$(node_of "/demo/h$k/f0")
  [ -n "$n" ] && [ -z "${home_dir[$n]:-}" ] && home_dir[$n]="/demo/h$k"
done
check "a directory homed on each node" test ${#home_dir[@]} = 3

# The history: six compressed days of 20 s ending now; /demo/busy's next
# surge (400 lookups/s for 4 s) starts `ahead` seconds from now.
ahead=14
t0=$(date +%s)
surge_slot=$((t0 + ahead))
"$src/examples/psm/surge_history.sh" /demo/busy /demo/calm 6 20 $ahead >"$work/history.csv"
{
  echo "time,operation,path"
  for n in 1 2 3; do
    for t in $(seq $((t0 - 10)) $((t0 - 1))); do echo "$t,lookup,${home_dir[$n]}/f$n"; done
  done
} >"$work/homes.csv"

# The workload, a trace replayed through the three nodes: its setup makes
# the files the history names, then for 26 s creates in both directories,
# lookups of them, and /demo/busy's surge when the history says it comes.
seconds=26
awk -v seconds=$seconds -v ahead=$ahead '
BEGIN {
  OFS = "\t"
  print "# dagshard trace v1"
  for (i = 0; i < 64; i++) {
    print 0, "create", 0, "/demo/busy/f" i
  }
  for (i = 0; i < 8; i++) print 0, "create", 0, "/demo/calm/f" i
  c = 0
  for (s = 0; s < seconds; s++) {
    n = 0
    for (j = 0; j < 10; j++) ev[n++] = "create\t/demo/busy/w" s "-" j
    for (j = 0; j < 5; j++) ev[n++] = "create\t/demo/calm/w" s "-" j
    for (j = 0; j < 20; j++) ev[n++] = "lookup\t/demo/busy/f" (s * 20 + j) % 64
    for (j = 0; j < 5; j++) ev[n++] = "lookup\t/demo/calm/f" j
    if (s >= ahead && s < ahead + 4)
      for (j = 0; j < 300; j++) ev[n++] = "lookup\t/demo/busy/f" j % 64
    for (j = 0; j < n; j++) {
      split(ev[j], e, "\t")
      print 1000 + s * 1000000 + int(j * 1000000 / n), e[1], (c++) % 9, e[2]
    }
  }
}' >"$work/trace"
timed=$(grep -vc '^#\|^0	' "$work/trace")
"$build/dagbench" --quiet --json replay --trace "$work/trace" \
  --node 127.0.0.1:4301,127.0.0.1:4302,127.0.0.1:4303 >"$work/replay.json" 2>"$work/replay.err" &
bench_pid=$!
running() { kill -0 "$bench_pid" 2>/dev/null; }

phase "the workload starts"
made() { ctl 3 stat /demo/calm/f7 >/dev/null 2>&1; }
check "the workload's setup made the files" wait_until 20 made
check "the history is imported through node1" ctl 1 psm import "$work/history.csv"
check "the homes' history is imported through node1" ctl 1 psm import "$work/homes.csv"

phase "imported"
# The planning: /demo/busy split and spread before its surge.
check "a split of /demo/busy is recorded" wait_until 25 has_split 1 /demo/busy
split_at=$(decisions 2 /demo/busy | py "
import json, sys
print(min(d['at'] for d in json.load(sys.stdin)['decisions'] if d['kind'] == 'split'))")
check "it was planned before the surge (slot ${split_at:-none} < $surge_slot)" \
  test "${split_at:-$surge_slot}" -lt "$surge_slot"
check "its moves are committed" wait_until 25 moves_committed /demo/busy
check "... while the workload runs" running
spread=$(nodes_of_files /demo/busy)
check "/demo/busy's parts live on more than one node ($spread)" test "$spread" -gt 1
active=()
for n in 1 2 3; do [ "$(status $n active)" = true ] && active+=("$n"); done
check "exactly one planner is active (${active[*]:-none})" test ${#active[@]} = 1
planner=${active[0]:-1}
check "the last planning is node$planner's" test "$(status 2 last_node)" = "node$planner"
ctl 1 psm decisions --path /demo/busy | head -n 3

phase "planned and spread"
# The workload: no failed request, and every create it made is there.
finished() { ! running; }
check "the workload ends" wait_until 40 finished
wait "$bench_pid"
check "the replay succeeded" test $? = 0
bench_pid=""
errors=$(py "import json,sys; r=json.load(open(sys.argv[1])); print(r['errors'], r['ops'])" "$work/replay.json" 2>/dev/null)
check "the workload had no failed request (errors, ops: ${errors:-none}; $timed timed)" \
  test "$errors" = "0 $timed"
created() { # the names the trace created in DIR, sorted
  awk -F'\t' -v d="$1/" '$2 == "create" && index($4, d) == 1 { print substr($4, length(d) + 1) }' "$work/trace" | sort
}
all_there() { # all_there N: every name the trace created is listed through node N
  local d
  for d in /demo/busy /demo/calm; do
    ctl "$1" ls "$d" >"$work/ls" 2>/dev/null || return 1
    [ -z "$(comm -23 <(created $d) <(sort "$work/ls"))" ] || return 1
  done
}
check "every create is listed through node$(( planner % 3 + 1 ))" all_there $(( planner % 3 + 1 ))

phase "workload checked"
# Failover. The killed node's history of its home directory, first.
victim=$planner
vdir=${home_dir[$victim]}
history_of() { ctl "$1" --json psm forecast "$2" 2>/dev/null | py "
import json, sys
for h in json.load(sys.stdin)['history']:
    if h['ops'] > 0 and h['slot'] < $t0: print(h['slot'], h['width'], h['ops'])"; }
has_history() { [ -n "$(history_of "$victim" "$vdir")" ]; }
check "node$victim keeps $vdir's history" wait_until 10 has_history
history_of "$victim" "$vdir" >"$work/history.before"
before_at=$(status 1 last_at)
kill_slot=$(date +%s)
periods=$(status "$victim" periods)
ticked() { [ "$(status "$victim" periods)" != "$periods" ]; }
check "node$victim's planner starts a period" wait_until 10 ticked
phase "killing node$victim"
kill -9 "${pids[$victim]}"
wait "${pids[$victim]}" 2>/dev/null
unset "pids[$victim]"
survivors=()
for n in 1 2 3; do [ "$n" != "$victim" ] && survivors+=("$n"); done
new_active() {
  local n
  for n in "${survivors[@]}"; do [ "$(status $n active)" = true ] && echo "$n" && return 0; done
  return 1
}
check "a surviving node's planner becomes active" wait_until 20 new_active >/dev/null
new=$(new_active)
check "psm status through node${new:-?} names it active" \
  bash -c "'$build/dagctl' --node 127.0.0.1:430${new:-0} psm status | grep -q 'node${new:-?}: planner active'"

phase "node$new plans"
# The killed node comes back with its data and its history.
start "$victim"
for n in 1 2 3; do check "node$n sees node$victim again" wait_until 15 all_reachable $n; done
same_history() { diff <(history_of "$victim" "$vdir") "$work/history.before" >/dev/null; }
check "node$victim still has $vdir's history" wait_until 10 same_history

phase "node$victim is back"
# An import through the node that came back (its placement cache is empty)
# reaches the shards that hold /demo/busy's parts now: nothing skipped.
{
  echo "time,operation,path"
  for t in $(seq $(( $(date +%s) - 10 )) $(( $(date +%s) - 1 ))); do
    for i in $(seq 0 63); do echo "$t,lookup,/demo/busy/f$i"; done
  done
} >"$work/more.csv"
imported=$(ctl "$victim" --json psm import "$work/more.csv" | py "
import json, sys; r = json.load(sys.stdin); print(r['imported'], r['skipped_moved'])")
check "an import through node$victim reaches every part (imported, skipped: ${imported:-none})" \
  test "$imported" = "640 0"

# The new planner plans a new directory's surge, imported through the node
# that came back: a planning of node$new after the kill.
ctl "$victim" mkdir /demo/next
printf '# dagshard trace v1\n' >"$work/next.trace"
for i in $(seq 0 63); do printf '0\tcreate\t0\t/demo/next/f%d\n' $i; done >>"$work/next.trace"
printf '1000\tlookup\t0\t/demo/next/f0\n' >>"$work/next.trace"
fill_next() { "$build/dagbench" --quiet replay --trace "$work/next.trace" --node "127.0.0.1:430$victim" >/dev/null; }
check "/demo/next gets its files" fill_next
"$src/examples/psm/surge_history.sh" /demo/next /demo/calm 6 20 10 >"$work/next.csv"
check "/demo/next's history is imported through node$victim" ctl "$victim" psm import "$work/next.csv"
check "a split of /demo/next is recorded after the kill" \
  wait_until 25 has_split "$victim" /demo/next "$kill_slot"
new_planning() { [ "$(status "$victim" last_node)" = "node$new" ] && [ "$(status "$victim" last_at)" -gt "${before_at:-0}" ]; }
check "the new planner (node$new) recorded it" new_planning
check "/demo/next's moves are committed" wait_until 25 moves_committed /demo/next
spread=$(nodes_of_files /demo/next)
check "/demo/next's parts live on more than one node ($spread)" test "$spread" -gt 1

phase "/demo/next planned"
# Nothing twice, nothing lost: every decision once, every move decision done
# by exactly one committed migration (a planning finished by a new planner
# tries its moves again; those must be refused, not done twice).
decisions 1 >"$work/decisions.json"
ctl 1 --json migrations >"$work/migrations.json"
once=$(py "
import json, sys
ds = json.load(open(sys.argv[1]))['decisions']
ms = json.load(open(sys.argv[2]))['migrations']
keys = [(d['at'], d['kind'], d['dir'], d['lo'], d['hi'], d['to']) for d in ds]
moved = {}
for m in ms:
    if m['state'] == 'committed':
        k = (m['dir'], int(m['lo'], 16), int(m['hi'], 16), m['to'])
        moved[k] = moved.get(k, 0) + 1
moves = [(d['dir'], d['lo'], d['hi'], d['to']) for d in ds if d['kind'] == 'move']
print(len(keys) - len(set(keys)), sum(1 for k in moves if moved.get(k, 0) != 1), len(moves))
" "$work/decisions.json" "$work/migrations.json")
check "no decision recorded twice (duplicates, moves not done once, moves: ${once:-none})" \
  test "${once% *}" = "0 0"
check "every create is listed through node$victim" all_there "$victim"
check "every create is listed through node$new" all_there "$new"
for d in /demo/busy /demo/next; do
  check "$d's 64 files are there" test "$(ctl "$victim" ls $d | grep -c '^f[0-9]*$')" = 64
done

for n in "${!pids[@]}"; do kill -TERM "${pids[$n]}"; wait "${pids[$n]}"; done
pids=()
echo "$passes passed, $failures failed in $(( $(date +%s) - t_start )) s"
for c in "${failed_checks[@]}"; do echo "failed: $c"; done
[ $failures = 0 ]

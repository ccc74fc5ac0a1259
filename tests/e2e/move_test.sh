#!/usr/bin/env bash
# Parts of a directory moved between the nodes of the 3-node cluster
# (configs/cluster-3, ports 4301-4303) while a client keeps creating files
# in it: no create fails, every acknowledged one is found through every
# node, also after the node holding moved parts is killed with SIGKILL and
# restarted.
# Usage: move_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
work=$(mktemp -d /tmp/dagshard-move-XXXXXX)
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$src/tests/e2e/cluster_lib.sh"

require_free_ports
start_cluster

ctl 1 mkdir /hot || { echo "FAIL: mkdir /hot"; exit 1; }
home=$(ctl 1 --json placement /hot/x | grep -o '"shard":[0-9]*' | cut -d: -f2)
a=$(( (home + 4) % 12 )) # shards on the two other nodes
b=$(( (home + 8) % 12 ))
echo "home shard $home, parts go to shards $a and $b"

# A client creates files through node2 while parts move: at least 30,000,
# and on until the moves are done (the load outlasts them however slow the
# machine).
"$build/dagbench" fill --node 127.0.0.1:4302 --dir /hot --files 30000 \
  --outstanding 4 --batch 20 --ack-log "$work/acks" \
  --until-file "$work/moved" >"$work/fill.log" 2>&1 &
load_pid=$!
acked() { [ -f "$work/acks" ] && [ "$(wc -l <"$work/acks")" -ge "$1" ]; }
check "the client is creating" wait_until 30 acked 2000
t_move=$(date +%s%N)
check "quarter 0 moves (through node3)" ctl 3 move /hot 2:0 $a
echo "first move took $(( ($(date +%s%N) - t_move) / 1000000 )) ms"
check "quarter 1 moves (through node1)" ctl 1 move /hot 2:1 $b
check "quarter 2 moves (through node2)" ctl 2 move /hot 2:2 $a
# A part that just moved stays put for move-quiet-time (60 s) unless the
# move is forced.
check "quarter 0 stays within the quiet time" \
  bash -c "'$build/dagctl' --node 127.0.0.1:4303 move /hot 2:0 $b 2>&1 | grep -q 'EBUSY.*move-quiet-time'"
check "quarter 0 moves on, forced" ctl 3 move --force /hot 2:0 $b
check "quarter 1 moves back home, forced" ctl 1 move --force /hot 2:1 $home
check "the client was still creating when the moves ended" kill -0 "$load_pid"
touch "$work/moved"
wait "$load_pid"
check "no create failed while parts moved" test $? = 0
load_pid=""
total=$(wc -l <"$work/acks")
echo "$total creates acknowledged"
check "at least 30,000 creates acknowledged" test "$total" -ge 30000
check "the client's log names each file once" \
  test "$(sort -u "$work/acks" | wc -l)" = "$total"

for n in 1 2 3; do
  check "every acknowledged file is there through node$n" \
    "$build/dagbench" verify --node "127.0.0.1:430$n" --dir /hot --ack-log "$work/acks"
done
check "ls through node1 lists each file once" \
  test "$(ctl 1 ls /hot | sort -u | wc -l)" = "$total"
# Quarters 0 and 2 are away from home (on b and a); 1 came back; 3 never left.
check "shards counts the parts received and given" \
  test "$(ctl 1 --json shards | python3 -c "import json,sys; s=json.load(sys.stdin)['shards']; print(sum(x['parts_in'] for x in s), sum(x['parts_out'] for x in s))")" = "2 2"
check "five migrations committed" \
  test "$(ctl 2 --json migrations | grep -o '"state":"committed"' | wc -l)" = 5
check "the placement epoch is 5" \
  bash -c "'$build/dagctl' --node 127.0.0.1:4303 migrations | tail -1 | grep -q ' 5$'"
# Both shards of each move are done: the scans record it (every 5 s).
all_settled() { test "$(ctl 2 --json migrations | grep -o '"settled":true' | wc -l)" = 5; }
check "the five moves end settled" wait_until 30 all_settled
check "migrations pages: two records after id 2, and where the next page starts" \
  test "$(ctl 1 --json migrations --limit 2 --after 2 | python3 -c "import json,sys; r=json.load(sys.stdin); print([m['id'] for m in r['migrations']], r['next_after'], r['kept'])")" = "[3, 4] 4 5"
# placement names the shard of each name's part: quarters 0 and 2 (on
# shards b and a) and 1 and 3 (home) must all show up among 40 names.
seen=$(for i in $(seq 0 39); do ctl 3 --json placement "/hot/file-$i" | grep -o '"shard":[0-9]*' | cut -d: -f2; done | sort -u | tr '\n' ' ')
echo "placement of 40 names: shards $seen"
check "placement reports exactly the shards home, a and b" \
  test "$seen" = "$(printf '%s\n' $home $a $b | sort -u | tr '\n' ' ')"
check "placement reports the epoch" \
  bash -c "'$build/dagctl' --node 127.0.0.1:4302 --json placement /hot/file-1 | grep -q '\"epoch\":5'"
wrong=$(ctl 2 --json router | grep -o '"wrong_shard":[0-9]*' | cut -d: -f2)
echo "node2's router met $wrong EWRONGSHARD answers"
check "node2's router was corrected during the moves" test "$wrong" -gt 0
check "a bad part is refused" bash -c "! '$build/dagctl' --node 127.0.0.1:4301 move /hot 2:4 $a 2>/dev/null"
check "moving a part where it is is refused" \
  bash -c "'$build/dagctl' --node 127.0.0.1:4301 move /hot 2:2 $a 2>&1 | grep -q EEXIST"

# A replay sees a move that ends while it runs (per-second migrations).
"$build/dagbench" --json run --node 127.0.0.1:4301 --workload uniform --seconds 4 \
  --rate 500 --dirs 4 --files 20 >"$work/run.json" 2>/dev/null &
run_pid=$!
# The run's setup ends with its last file; the run samples from then on.
for _ in $(seq 1 300); do
  ctl 1 stat /lookups/d3/f19 >/dev/null 2>&1 && break
  sleep 0.1
done
check "quarter 3 moves during a replay" ctl 2 move /hot 2:3 $a
wait "$run_pid"
seen_moves=$(python3 -c "
import json,sys
r = json.load(open(sys.argv[1]))
print(sum(s['migrations'] for s in r['per_second']), sum(s['entries_moved'] for s in r['per_second']), r['errors'])
" "$work/run.json" 2>/dev/null)
echo "replay saw migrations, entries moved, errors: $seen_moves"
check "the replay counted the move and the entries it carried" \
  bash -c "[ \"\$(cut -d' ' -f1 <<<'$seen_moves')\" = 1 ] && [ \"\$(cut -d' ' -f2 <<<'$seen_moves')\" -gt 5000 ] && [ \"\$(cut -d' ' -f3 <<<'$seen_moves')\" = 0 ]"

# Kill the node that holds quarters 0 and 2 now; restart it; all is there.
victim=$(( b / 4 + 1 ))
kill -9 "${pids[$victim]}"
wait "${pids[$victim]}" 2>/dev/null
start $victim
for n in 1 2 3; do
  check "node$n sees the whole cluster again" wait_until 15 all_reachable $n
done
for n in 1 2 3; do
  check "after kill -9 of node$victim, every file is there through node$n" \
    "$build/dagbench" verify --node "127.0.0.1:430$n" --dir /hot --ack-log "$work/acks"
done

echo "move: $passes passed, $failures failed"
[ "$failures" = 0 ]

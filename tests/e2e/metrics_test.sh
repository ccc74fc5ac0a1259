#!/usr/bin/env bash
# The metrics port of a node: a scrape matches the operations made through
# dagctl, and the moves of parts with the entries they moved; /ready and
# /health answer 200; /health turns 503 while the
# metadata group has no leader and back to 200 when it has one.
# Every metric the Grafana dashboard plots is in the scrape.
# Usage: metrics_test.sh BUILD_DIR SOURCE_DIR
# Ports: 4442-4447 (metrics on 4443, 4445 and 4447); the single node's
# gateway on any free port.
set -u
build=$1
src=$2
source "$(dirname "$0")/test_lib.sh"

start() { # start NAME METRICS-PORT ARGS...: sets gw_NAME and http_NAME
  local name=$1 metrics=$2
  shift 2
  "$build/dagshardd" --dagshard.data-dir="$work/$name" \
    --dagshard.metrics-port="$metrics" "$@" >"$work/$name.log" 2>&1 &
  procs+=($!)
  local gw="" http=""
  for _ in $(seq 1 100); do
    gw=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.log")
    http=$(sed -n 's/.*metrics on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.log")
    [ -n "$http" ] && [ -n "$gw" ] && break
    sleep 0.05
  done
  [ -n "$http" ] && [ -n "$gw" ] || { cat "$work/$name.log"; echo "$name did not start"; exit 1; }
  eval "gw_$name=$gw http_$name=$http"
}


sum() { # sum NAME [LABEL-FILTER]: sum of the samples of NAME matching it
  awk -v name="$1" -v filter="${2:-}" '
    $1 ~ ("^" name "({|$)") && index($1, filter) { s += $2 }
    END { printf "%d\n", s }' "$work/metrics"
}

# --- One node: the scrape matches what was done. ----------------------------
start one 4443 --dagshard.port=0
wait_status "$http_one" /ready 200 && pass || fail "/ready: $(cat "$work/body")"
check "/health" "$(http_status "$http_one" /health)" 200
ctl() { "$build/dagctl" --node "127.0.0.1:$gw_one" "$@" >/dev/null || fail "dagctl $*"; }
ctl mkdir /m
for i in 1 2 3 4 5 6 7; do ctl create "/m/f$i"; done
ctl rm /m/f1
ctl rm /m/f2
ctl stat /m/f3
ctl config set app.a 1
ctl config set app.b 2
"$build/dagctl" --node "127.0.0.1:$gw_one" create /m/f3 2>/dev/null && fail "create of an existing name"
curl -sf "http://127.0.0.1:$http_one/metrics" >"$work/metrics" || fail "scrape"
check "mkdirs" "$(sum dagshard_shard_ops_total 'op="mkdir"')" 1
# Seven creates plus the refused one: every request that reached a shard.
check "creates" "$(sum dagshard_shard_ops_total 'op="create"')" 8
check "unlinks" "$(sum dagshard_shard_ops_total 'op="unlink"')" 2
check "entries" "$(sum dagshard_shard_entries)" 6   # /m and f3..f7
check "directories" "$(sum dagshard_shard_directories)" 2   # / and /m
check "EWRONGSHARD" "$(sum dagshard_shard_wrong_shard_total)" 0
ops=$(sum dagshard_shard_ops_total)
check "one latency sample per request" \
  "$(sum dagshard_shard_request_duration_seconds_count)" "$ops"
check "latency +Inf bucket" \
  "$(sum dagshard_shard_request_duration_seconds_bucket 'le="+Inf"')" "$ops"
# Changes are durable before they are answered: at least one commit each
# for the mkdir, the 7 creates and 2 unlinks, batched or not.
[ "$(sum dagshard_shard_commit_duration_seconds_count)" -ge 1 ] && pass || fail "no commit timed"
check "commits timed" "$(sum dagshard_shard_commit_duration_seconds_count)" \
  "$(sum dagshard_shard_commits_total)"
check "waiting answers" "$(sum dagshard_shard_waiting_answers)" 0
[ "$(sum dagshard_router_routed_total)" -ge "$ops" ] && pass || fail "router routed < shard ops"
check "leader" "$(sum dagshard_raft_role 'role="leader"')" 1
check "has leader" "$(sum dagshard_raft_has_leader)" 1
# The replica appended what it proposed: every proposal was written in an
# append (several per append when they come together).
props=$(sum dagshard_raft_proposals_total)
[ "$props" -ge 2 ] && pass || fail "proposals: $props, 2 settings set"
[ "$(sum dagshard_raft_append_entries_sum)" -ge "$props" ] && pass || fail "appended entries < proposals"
[ "$(sum dagshard_raft_append_duration_seconds_count)" -ge 1 ] && pass || fail "no append timed"
check "peers" "$(sum dagshard_peers)" 0
# The PSM's planner (policy off on the embedded node: nothing planned).
check "psm plannings" "$(sum dagshard_psm_plannings_total)" 0
check "psm failed steps" "$(sum dagshard_psm_steps_total 'result="failed"')" 0
grep -q '^# TYPE dagshard_psm_planner_active gauge' "$work/metrics" && pass || fail "psm planner gauge"
[ "$(sum dagshard_process_resident_memory_bytes)" -gt 1000000 ] && pass || fail "memory"
# Every family once, as the text format requires.
check "families named once" \
  "$(grep -c '^# TYPE' "$work/metrics")" "$(grep '^# TYPE' "$work/metrics" | sort -u | wc -l)"
for m in $(grep -o 'dagshard_[a-z_]*' "$src/configs/grafana/dagshard.json" | sort -u); do
  base=$(sed 's/_\(bucket\|sum\|count\)$//' <<<"$m")
  grep -q "^# TYPE $base " "$work/metrics" && pass || fail "dashboard plots $m, not in the scrape"
done
check "unknown path" "$(http_status "$http_one" /nothing)" 404
# Both halves of /m (f3..f7: five entries) move away from their shard; the
# records, the moves' answers and the counter each say five entries.
move_half() { # move_half PART: to the first shard that does not hold it
  local s
  for s in 0 1 2 3; do
    "$build/dagctl" --node "127.0.0.1:$gw_one" --json move /m "$1" $s >"$work/mv.json" 2>"$work/mv.err" && return 0
    grep -q EEXIST "$work/mv.err" || return 1
  done
  return 1
}
move_half 1:0 && pass || fail "move 1:0: $(cat "$work/mv.err")"
moved=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['entries'])" "$work/mv.json")
move_half 1:1 && pass || fail "move 1:1: $(cat "$work/mv.err")"
moved=$((moved + $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['entries'])" "$work/mv.json")))
check "the moves' answers count the five entries" "$moved" 5
check "the records count the five entries" \
  "$("$build/dagctl" --node "127.0.0.1:$gw_one" --json migrations | python3 -c "import json,sys; r=json.load(sys.stdin); print(sum(m['entries'] for m in r['migrations']), r['entries_moved'])")" "5 5"
curl -sf "http://127.0.0.1:$http_one/metrics" >"$work/metrics" || fail "scrape"
check "migrations committed" "$(sum dagshard_migrations 'state="committed"')" 2
check "entries of the committed moves" "$(sum dagshard_migration_entries 'state="committed"')" 5
check "entries moved" "$(sum dagshard_migration_entries_moved_total)" 5
grep -q '^# TYPE dagshard_migration_entries_moved_total counter' "$work/metrics" && pass || fail "entries moved is a counter"
check "the shards moved them too" "$(sum dagshard_shard_entries_moved_total 'direction="in"')" 5

# --- Two nodes: no leader without a majority. -------------------------------
start a 4445 --dagshard.node-id=a --dagshard.port=4444 '--dagshard.peers=["b@127.0.0.1:4446"]'
check "/health without a majority" "$(http_status "$http_a" /health)" 503
grep -q "no leader" "$work/body" && pass || fail "reason: $(cat "$work/body")"
start b 4447 --dagshard.node-id=b --dagshard.port=4446 '--dagshard.peers=["a@127.0.0.1:4444"]'
wait_status "$http_a" /health 200 && pass || fail "/health after b started: $(cat "$work/body")"
wait_status "$http_a" /ready 200 && pass || fail "/ready of a"
"$build/dagctl" --node "127.0.0.1:$gw_a" health >"$work/health" && pass || fail "dagctl health"
check "dagctl health lines" "$(grep -c healthy "$work/health")" 2
kill -9 "${procs[-1]}"
wait "${procs[-1]}" 2>/dev/null
wait_status "$http_a" /health 503 && pass || fail "/health after b died: $(cat "$work/body")"
"$build/dagctl" --node "127.0.0.1:$gw_a" health >"$work/health"
check "dagctl health exit" $? 1
# b is asked itself: it is unreachable; a, without a majority, has no leader.
grep -q "^b .*UNREACHABLE" "$work/health" && pass || fail "dagctl health: $(cat "$work/health")"
grep -q "^a .*UNHEALTHY: metadata group has no leader" "$work/health" && pass || fail "dagctl health: $(cat "$work/health")"
start b 4447 --dagshard.node-id=b --dagshard.port=4446 '--dagshard.peers=["a@127.0.0.1:4444"]'
wait_status "$http_a" /health 200 && pass || fail "/health after b came back: $(cat "$work/body")"

finish

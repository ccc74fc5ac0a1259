#!/usr/bin/env bash
# dagctl health asks every member of a 3-node cluster itself: all three are
# healthy and ready (exit 0); with one node stopped, that node is shown
# UNREACHABLE with the reason while the other two are healthy, whichever
# node dagctl talks to, and the exit status is 1; once it is back, 0 again.
# The nodes are configs/cluster-3's, on ports the system picked free.
# Usage: health_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
source "$(dirname "$0")/test_lib.sh"

read -r -a port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
declare -A pid
start() { # start N: node N of configs/cluster-3 on port[N-1]
  local n=$1 peers="" m
  for m in 1 2 3; do
    [ "$m" = "$n" ] && continue
    peers+="${peers:+, }\"node$m@127.0.0.1:${port[m-1]}\""
  done
  "$build/dagshardd" --config-file="$src/configs/cluster-3/node$n.ini" \
    --dagshard.data-dir="$work/node$n" --dagshard.port="${port[n-1]}" \
    "--dagshard.peers=[$peers]" >>"$work/node$n.log" 2>&1 &
  pid[$n]=$!
  procs+=($!)
}
health() { # health N ARGS...: dagctl health through node N; output in $work/out
  "$build/dagctl" --node "127.0.0.1:${port[$1-1]}" "${@:2}" health \
    >"$work/out" 2>"$work/err"
}
all_healthy() { health 1; }
one_down() { # one_down N: via node N, node3 unreachable and the others healthy
  health "$1"
  grep -q '^node1 .* ready *healthy$' "$work/out" &&
    grep -q '^node2 .* ready *healthy$' "$work/out" &&
    grep -q '^node3 .*UNREACHABLE: ' "$work/out"
}

for n in 1 2 3; do start $n; done
wait_until 30 all_healthy && pass || fail "all healthy: $(cat "$work/out" "$work/err")"
check "healthy lines" "$(grep -c ' ready *healthy$' "$work/out")" 3
health 2 --json
check "json: reachable" "$(grep -o '"reachable":true' "$work/out" | wc -l)" 3
check "json: healthy" "$(grep -o '"healthy":true' "$work/out" | wc -l)" 3

# Stop node3: it is unreachable, the other two keep a majority.
kill -TERM "${pid[3]}"
wait "${pid[3]}" 2>/dev/null
wait_until 20 one_down 1 && pass || fail "node3 down, via node1: $(cat "$work/out" "$work/err")"
health 1
check "exit status with node3 down" $? 1
grep -q '^node3 .*UNREACHABLE: .*[Rr]efused' "$work/out" && pass || fail "reason: $(cat "$work/out")"
one_down 2 && pass || fail "node3 down, via node2: $(cat "$work/out" "$work/err")"
health 2 --json
check "json exit status" $? 1
check "json: unreachable" "$(grep -o '"reachable":false' "$work/out" | wc -l)" 1
grep -q '"id":"node3","reachable":false,"ready":false,"reason":"unreachable: ' "$work/out" &&
  pass || fail "json of node3: $(cat "$work/out")"

# Back again: all healthy, exit 0.
start 3
wait_until 30 all_healthy && pass || fail "healthy after node3 came back: $(cat "$work/out")"

finish

#!/usr/bin/env bash
# The node's two faces, end to end: a client asks a node for its internal
# handles, then sends the actor that answers its requests internal
# operations around the gateway (faces_probe). Every one is refused, the
# namespace is as it was, the node counts the refusals on its metrics port
# and logs them (once, rate-limited), and dagctl works as before.
# Usage: faces_test.sh BUILD_DIR. Ports: chosen by the OS.
set -u
build=$1
source "$(dirname "$0")/test_lib.sh"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

metrics=$(free_port)
"$build/dagshardd" --dagshard.data-dir="$work/one" --dagshard.port=0 \
  --dagshard.metrics-port="$metrics" >"$work/one.log" 2>&1 &
procs+=($!)
gw=$(served_port "$work/one.log") || { cat "$work/one.log"; echo "no node"; exit 1; }
wait_status "$metrics" /ready 200 && pass || fail "/ready: $(cat "$work/body")"

"$build/faces_probe" 127.0.0.1 "$gw" >"$work/probe.out" 2>&1
check "probe" "$?" 0
cat "$work/probe.out"
ctl() { "$build/dagctl" --node "127.0.0.1:$gw" "$@"; }
check "ls /probe" "$(ctl ls /probe 2>&1 | grep -c still-a-directory)" 1
check "stat /probe" "$(ctl --json stat /probe 2>&1 | grep -c '"kind":"dir"')" 1
check "nodes" "$(ctl nodes >/dev/null 2>&1; echo $?)" 0

curl -sf "http://127.0.0.1:$metrics/metrics" >"$work/metrics" || fail "scrape"
refused=$(awk '$1 == "dagshard_refused_messages_total" { print int($2) }' "$work/metrics")
# rmdir_commit, the move, the peer message and the exit.
check "refused messages" "$refused" 4
check "undecodable messages" \
  "$(awk '$1 == "dagshard_undecodable_messages_total" { print int($2) }' "$work/metrics")" 0
check "log lines" "$(grep -c 'message from a non-member refused' "$work/one.log")" 1
finish

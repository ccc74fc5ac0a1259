#!/usr/bin/env bash
# The node's two faces, end to end, on a cluster of two: a client asks a
# node for its internal handles, then addresses every actor id of the node
# by hand and sends each internal actor the crafted messages of a review
# (faces_probe). Every one is refused or dropped; afterwards the namespace,
# the moves' parts and the Raft group are as they were, the node counts
# the refusals on its metrics port and logs them (rate-limited), and
# dagctl works as before. With DS_TLS=1 the same over mutual TLS: the
# probe is a console with a certificate of the cluster's CA, which makes it
# no member. Usage: [DS_TLS=1] faces_test.sh BUILD_DIR. Ports: chosen by
# the OS.
set -u
build=$1
source "$(dirname "$0")/test_lib.sh"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
p1=$(free_port)
p2=$(free_port)
metrics=$(free_port)
tls_node=()
ctl_tls=()
if [ "${DS_TLS:-0}" = 1 ]; then
  "$(dirname "$0")/../../tools/make-certs" "$work/certs" n1 n2 >/dev/null || exit 1
  ctl_tls=(--tls-cert "$work/certs/client.pem" --tls-key "$work/certs/client.key"
    --tls-ca "$work/certs/ca.pem")
  export DS_PROBE_TLS="$work/certs/client.pem $work/certs/client.key $work/certs/ca.pem"
fi
node() { # node ID PORT PEER-ID PEER-PORT ARGS...
  [ "${DS_TLS:-0}" = 1 ] && tls_node=(--dagshard.tls
    --openssl.certificate="$work/certs/$1.pem" --openssl.key="$work/certs/$1.key"
    --openssl.cafile="$work/certs/ca.pem")
  "$build/dagshardd" --dagshard.node-id="$1" --dagshard.port="$2" "${tls_node[@]}" \
    --dagshard.bind=127.0.0.1 --dagshard.data-dir="$work/$1" \
    --dagshard.peers="[\"$3@127.0.0.1:$4\"]" --dagshard.shards=2 \
    --dagshard.request-timeout=1500ms --scheduler.max-threads=2 \
    "${@:5}" >"$work/$1.log" 2>&1 &
  procs+=($!)
}
node n1 "$p1" n2 "$p2" --dagshard.metrics-port="$metrics"
node n2 "$p2" n1 "$p1"
ctl() { "$build/dagctl" --node "127.0.0.1:$p1" "${ctl_tls[@]}" "$@"; }
both_reachable() {
  [ "$(ctl --json nodes 2>/dev/null | grep -o '"reachable":true' | wc -l)" = 2 ]
}
wait_until 20 both_reachable && pass || { fail "the members never met"; cat "$work/n1.log" "$work/n2.log"; }

ctl mkdir /probe >/dev/null || fail "mkdir /probe"
ctl create /probe/a >/dev/null || fail "create /probe/a"
terms() { ctl --json raft status 2>/dev/null | grep -o '"term":[0-9]*' | sort | tr '\n' ' '; }
led() { [ "$(ctl --json raft status 2>/dev/null | grep -o '"role":"leader"' | wc -l)" = 1 ]; }
wait_until 20 led && pass || fail "no metadata leader"
before=$(terms)

"$build/faces_probe" 127.0.0.1 "$p1" /probe >"$work/probe.out" 2>&1
check "probe" "$?" 0
cat "$work/probe.out"
guarded=$(sed -n 's/^guarded \([0-9]*\)$/\1/p' "$work/probe.out")
# The shards, the router, the metadata replica and the peer manager talk
# to the other member, so CAF has them in its registry.
[ "${guarded:-0}" -ge 4 ] && pass || fail "internal actors found: '${guarded:-}'"

# Nothing changed: no part frozen, /probe still a directory, the same
# terms in the Raft group, every actor alive.
for i in 1 2 3 4 5 6 7 8; do
  ctl create "/probe/after$i" >/dev/null || fail "create /probe/after$i"
done
check "ls /probe" "$(ctl ls /probe 2>/dev/null | wc -l)" 9
check "raft terms" "$(terms)" "$before"
check "nodes" "$(both_reachable && echo yes)" yes
"$build/dagctl" --node "127.0.0.1:$p2" "${ctl_tls[@]}" stat /probe/after3 >/dev/null || fail "stat through n2"

curl -sf "http://127.0.0.1:$metrics/metrics" >"$work/metrics" || fail "scrape"
metric() { awk -v n="$1" '$1 == n { print int($2) }' "$work/metrics"; }
# Per internal actor: the scan's request, three crafted requests, the Raft
# append and the exit; and the exit sent to the gateway.
check "refused messages" "$(metric dagshard_refused_messages_total)" $((guarded * 6 + 1))
check "undecodable messages" "$(metric dagshard_undecodable_messages_total)" 0
check "log lines" "$(grep -c 'message from a non-member refused' "$work/n1.log")" 1
finish

#!/usr/bin/env bash
# Mutual TLS: a node with dagshard.tls serves consoles with a certificate of
# its CA and refuses plain connections and other CAs' certificates. Usage: tls_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
work=$(mktemp -d /tmp/dagshard-tls-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
passes=0
check() {
  local what=$1
  shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
command -v openssl >/dev/null || { echo "openssl missing"; exit 1; }
"$src/tools/make-certs" "$work/certs" >/dev/null
"$src/tools/make-certs" "$work/rogue" >/dev/null
ssl=(--openssl.certificate="$work/certs/node.pem" --openssl.key="$work/certs/node.key"
     --openssl.cafile="$work/certs/ca.pem")
good=(--tls-cert "$work/certs/client.pem" --tls-key "$work/certs/client.key" --tls-ca "$work/certs/ca.pem")
rogue=(--tls-cert "$work/rogue/client.pem" --tls-key "$work/rogue/client.key" --tls-ca "$work/rogue/ca.pem")

# A TLS node without its certificate settings does not start.
"$build/dagshardd" --config-file="$src/configs/tls-node.ini" --dagshard.data-dir="$work/x" \
  >"$work/out" 2>&1
check "tls without certificates is a configuration error" \
  bash -c "[ $? = 2 ] && grep -q 'openssl' '$work/out'"

"$build/dagshardd" --config-file="$src/configs/tls-node.ini" --dagshard.port=0 \
  --dagshard.data-dir="$work/data" "${ssl[@]}" >"$work/node.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/node.log")
  [ -n "$port" ] && break
  sleep 0.05
done
node=127.0.0.1:$port
check "a console with a certificate of the cluster CA is served" \
  "$build/dagctl" --node "$node" "${good[@]}" mkdir /secure
"$build/dagctl" --node "$node" ls / >/dev/null 2>&1
check "a plain console is refused (exit 2)" test $? = 2
"$build/dagctl" --node "$node" "${rogue[@]}" ls / >/dev/null 2>&1
check "a console with another CA's certificate is refused (exit 2)" test $? = 2
check "the node still serves afterwards" \
  bash -c "'$build/dagctl' --node '$node' ${good[*]} ls / | grep -q secure/"
"$build/dagctl" --node "$node" --tls-cert "$work/certs/client.pem" ls / >/dev/null 2>&1
check "half a TLS setting on the console is a usage error" test $? = 2
kill -TERM "${pids[0]}"
wait "${pids[0]}"
pids=()

# A cluster member needs a certificate that names it: the single node's
# certificate (no member URI) and node2's are refused, with a message.
"$src/tools/make-certs" "$work/members" node1 node2 >/dev/null
member_refused() { # member_refused WHAT WANT CERT KEY: node1 with them exits 2, saying WANT
  "$build/dagshardd" --config-file="$src/configs/tls-cluster-3/node1.ini" \
    --dagshard.data-dir="$work/y" --openssl.certificate="$3" --openssl.key="$4" \
    --openssl.cafile="$work/members/ca.pem" >"$work/out" 2>&1
  check "$1 is a configuration error" bash -c "[ $? = 2 ] && grep -q \"$2\" '$work/out'"
}
m=$work/members
member_refused "a member with a certificate that names no member" "names no member" \
  "$m/node.pem" "$m/node.key"
member_refused "a member with another member's certificate" "names member 'node2'" \
  "$m/node2.pem" "$m/node2.key"
member_refused "a key that is not the certificate's" "is not the key of" \
  "$m/node1.pem" "$m/node2.key"
echo "$passes passed, $failures failed"
[ $failures = 0 ]

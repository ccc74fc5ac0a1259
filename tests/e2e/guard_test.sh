#!/usr/bin/env bash
# No bytes kill a node: hostile bytes on every port a node listens on (its
# published port and its metrics port), in plaintext and in TLS mode, leave
# it alive and serving; the plaintext port's guard counts and logs what it
# refused; plaintext beyond loopback needs dagshard.plaintext-ok; the
# message cap is a checked setting.
# Usage: guard_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
. "$src/tests/e2e/test_lib.sh"
attack="python3 $src/tests/e2e/guard_attack.py"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start() { # start NAME ARGS...: a node on OS-chosen ports; sets pid, port, metrics, log
  local name=$1
  shift
  log=$work/$name.log
  metrics=$(free_port)
  "$build/dagshardd" --dagshard.port=0 --dagshard.data-dir="$work/$name" \
    --dagshard.metrics-port="$metrics" "$@" >"$work/$name.log" 2>&1 &
  pid=$!
  procs+=("$pid")
  port=$(served_port "$work/$name.log") || { cat "$work/$name.log"; echo "node did not start"; exit 1; }
  wait_status "$metrics" /ready 200 || fail "$name: metrics port never ready"
}

lists() { # lists CTL_ARGS...: dagctl ls / answers with the test's directory
  timeout 20 "$build/dagctl" --node "127.0.0.1:$port" "$@" ls / >"$work/ls.out" 2>&1 &&
    grep -q "guarded/" "$work/ls.out"
}

serving() { # serving NAME CTL_ARGS...: the node is alive and answers dagctl
  local name=$1
  shift
  kill -0 "$pid" 2>/dev/null || { fail "$name: the node died ($(tail -3 "$log"))"; return 1; }
  # A TLS node takes ~2.5 ms of CPU per refused connection (CAF builds a TLS
  # context for each): after hundreds, a console may wait out a backlog.
  wait_until 15 lists "$@" && pass || { fail "$name: not serving: $(cat "$work/ls.out")"; return 1; }
}

attack_all() { # attack_all NAME CTL_ARGS...: every attack on every port
  local name=$1
  shift
  local ports
  ports=$($attack ports "$pid")
  check "$name: listens on the published and the metrics port" \
    "$(echo "$ports" | tr ' ' '\n' | grep -cxE "$port|$metrics")" 2
  for p in $ports; do
    for kind in crash48 garbage truncated huge fuzz; do
      $attack "$kind" "$p" 7
      serving "$name after $kind on port $p" "$@" || return
    done
  done
  [ "$(http_status "$metrics" /health)" = 200 ] && pass || fail "$name: unhealthy after the attacks"
}

rss_kb() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
# peak_rss_during N: samples the node's RSS N times, 0.1 s apart, into $rss
# (kB, the peak), then waits for the last job started in the background.
peak_rss_during() {
  local job=$!
  rss=0
  for _ in $(seq "$1"); do
    sleep 0.1
    r=$(rss_kb "$pid")
    [ "${r:-0}" -gt "$rss" ] && rss=$r
  done
  wait "$job"
}

# noread_attack NAME N: a client that sends N requests and never reads an
# answer. Its requests are those of a real dagctl (recorded through a
# relay), each answer a page of a 4,096-entry directory; sets $rss to the
# node's peak RSS (kB) meanwhile.
noread_attack() {
  "$build/dagsh" --node "127.0.0.1:$port" -e 'ns.mkdir("/big") local ops = {}
    for i = 1, 4096 do ops[i] = { op = "create", path = "/big/a-fairly-long-name-for-a-larger-page-" .. i } end
    for _, r in ipairs(ns.batch(ops)) do assert(not r.code) end' || fail "$1: fill /big"
  local relay
  relay=$(free_port)
  rm -f "$work/relay.out"
  $attack record "$relay" "$port" "$work/c2s.bin" >"$work/relay.out" &
  wait_until 5 grep -q ready "$work/relay.out"
  "$build/dagctl" --node "127.0.0.1:$relay" ls /big >/dev/null || fail "$1: ls /big through the relay"
  wait $!
  $attack noread "$work/c2s.bin" "$port" "$2" &
  peak_rss_during 40
}

# --- plaintext ---------------------------------------------------------------
start plain --config-file="$src/configs/embedded.ini" --dagshard.handshake-timeout=1s
"$build/dagctl" --node "127.0.0.1:$port" mkdir /guarded >/dev/null || fail "mkdir"
# One connection claiming a 4 GiB payload: CAF alone allocates all of it.
$attack claim4g "$port" &
peak_rss_during 18
[ "$rss" -lt 524288 ] && pass || fail "a header claiming 4 GiB grew the node to $rss kB"
attack_all plain
# A client that sends requests and never reads the answers: the work it may
# have waiting is capped (max-pending-bytes, readdirs counted by the answer
# they may get).
noread_attack plain 20000
# Unbounded, its 20,000 answers of ~220 kB would take 4.4 GB.
[ "$rss" -lt 1048576 ] && pass || fail "a client that does not read grew the node to $rss kB"
serving "plain after a client that does not read"
# A connection that never completes its handshake is closed at the deadline.
$attack idle "$port" && pass || fail "an idle connection was left open"
serving "plain after an idle connection"
# What the guard refused is counted by reason, and logged at most once a second.
http_status "$metrics" /metrics >/dev/null
for reason in bad_handshake server_handshake oversized no_handshake unknown_operation \
  handshake_timeout; do
  n=$(sed -n "s/^dagshard_guard_refused_total{reason=\"$reason\"} \([0-9]*\).*/\1/p" "$work/body")
  [ "${n:-0}" -gt 0 ] && pass || fail "no refusal counted as $reason"
done
refused=$(sed -n 's/^dagshard_guard_refused_total{[^}]*} \([0-9]*\).*/\1/p' "$work/body" | awk '{s += $1} END {print s + 0}')
logged=$(grep -c "guard: refused a connection" "$work/plain.log")
[ "$logged" -ge 1 ] && [ "$logged" -lt "$refused" ] && pass ||
  fail "refusals logged $logged times for $refused refused connections"
grep -q 'guard: refused a connection.* peer=127.0.0.1 reason=' "$work/plain.log" && pass ||
  fail "the log names no peer or reason"
kill -TERM "$pid"
wait "$pid"
check "the plaintext node stops cleanly" $? 0

# With room for all its requests, the same client's unsent answers pass four
# times max-message-bytes (128 MiB here): its connection is cut off, and
# everyone else is served.
start backlog --config-file="$src/configs/embedded.ini" \
  --dagshard.max-message-bytes=33554432 --dagshard.max-pending-bytes=8589934592
"$build/dagctl" --node "127.0.0.1:$port" mkdir /guarded >/dev/null || fail "backlog mkdir"
noread_attack backlog 3000
serving "after a client whose answers piled up"
http_status "$metrics" /metrics >/dev/null
n=$(sed -n 's/^dagshard_guard_refused_total{reason="backlog"} \([0-9]*\).*/\1/p' "$work/body")
[ "${n:-0}" -gt 0 ] && pass || fail "no connection cut off for its backlog (peak RSS $rss kB)"
kill -TERM "$pid"
wait "$pid"

# --- TLS: the TLS handshake refuses what is not TLS; the node survives it ---
command -v openssl >/dev/null || { echo "openssl missing"; exit 1; }
"$src/tools/make-certs" "$work/certs" >/dev/null
certs=(--tls-cert "$work/certs/client.pem" --tls-key "$work/certs/client.key" --tls-ca "$work/certs/ca.pem")
start tls --config-file="$src/configs/tls-node.ini" --dagshard.handshake-timeout=1s \
  --openssl.certificate="$work/certs/node.pem" --openssl.key="$work/certs/node.key" \
  --openssl.cafile="$work/certs/ca.pem"
"$build/dagctl" --node "127.0.0.1:$port" "${certs[@]}" mkdir /guarded >/dev/null || fail "tls mkdir"
attack_all tls "${certs[@]}"
# Behind TLS, with a console's certificate: the same guard, the same caps.
export DS_ATTACK_TLS="$work/certs/client.pem $work/certs/client.key $work/certs/ca.pem"
$attack claim4g "$port" &
peak_rss_during 18
[ "$rss" -lt 524288 ] && pass || fail "behind TLS, a header claiming 4 GiB grew the node to $rss kB"
for kind in crash48 truncated huge fuzz forged; do
  $attack "$kind" "$port" 11
  serving "tls after $kind behind TLS" "${certs[@]}" || break
done
$attack idle "$port" && pass || fail "behind TLS, an idle connection was left open"
unset DS_ATTACK_TLS
http_status "$metrics" /metrics >/dev/null
for reason in tls_handshake bad_handshake oversized forged_source handshake_timeout; do
  n=$(sed -n "s/^dagshard_guard_refused_total{reason=\"$reason\"} \([0-9]*\).*/\1/p" "$work/body")
  [ "${n:-0}" -gt 0 ] && pass || fail "tls: no refusal counted as $reason"
done
kill -TERM "$pid"
wait "$pid"
check "the TLS node stops cleanly" $? 0

# --- settings ----------------------------------------------------------------
refused_start() { # refused_start WANT ARGS...: exit 2 with WANT in the log
  local want=$1
  shift
  timeout 10 "$build/dagshardd" --dagshard.data-dir="$work/x" --dagshard.port=0 "$@" >"$work/out" 2>&1
  local rc=$?
  [ $rc = 2 ] && grep -qF -- "$want" "$work/out" && pass ||
    fail "dagshardd $* -> rc $rc: $(cat "$work/out")"
}
refused_start "dagshard.bind: 0.0.0.0 is not a loopback address" --dagshard.bind=0.0.0.0
refused_start "dagshard.plaintext-ok" --dagshard.bind=0.0.0.0
refused_start "dagshard.max-message-bytes: must be an integer in 33554432..4294967295" \
  --dagshard.max-message-bytes=65536
refused_start "dagshard.max-message-bytes" --dagshard.max-message-bytes=4294967296
refused_start "dagshard.handshake-timeout: must be a duration" --dagshard.handshake-timeout=5ms
printf '[dagshard]\nmax-message-bytes="big"\n' >"$work/bad.ini"
refused_start "dagshard.max-message-bytes" --config-file="$work/bad.ini"
printf '[dagshard]\nplaintext-ok=1\n' >"$work/bad.ini"
refused_start "dagshard.plaintext-ok" --config-file="$work/bad.ini"
# The explicit opt-in starts, and warns.
"$build/dagshardd" --dagshard.data-dir="$work/open" --dagshard.port=0 \
  --dagshard.bind=0.0.0.0 --dagshard.plaintext-ok >"$work/open.log" 2>&1 &
pid=$!
procs+=("$pid")
wait_until 10 grep -q "serving on" "$work/open.log" && pass || fail "plaintext-ok did not start: $(cat "$work/open.log")"
grep -q "warn.*plaintext" "$work/open.log" && pass || fail "no warning: $(cat "$work/open.log")"
finish

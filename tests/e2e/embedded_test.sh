#!/usr/bin/env bash
# End to end: dagshardd started from configs/embedded.ini, driven by dagctl.
# Usage: embedded_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
work=$(mktemp -d /tmp/dagshard-e2e-XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
passes=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { passes=$((passes + 1)); }

start_node() { # starts dagshardd on a free port; sets pid and NODE
  "$build/dagshardd" --config-file="$src/configs/embedded.ini" \
    --dagshard.port=0 --dagshard.data-dir="$work/data" "$@" >"$work/node.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/node.log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$work/node.log"; echo "node did not start"; exit 1; }
  export DAGSHARD_NODE=127.0.0.1:$port
}

ctl() { "$build/dagctl" "$@" >"$work/out" 2>"$work/err"; echo $? >"$work/rc"; }

expect_ok() { # expect_ok ARGS...
  ctl "$@"
  if [ "$(cat "$work/rc")" = 0 ]; then pass; else fail "dagctl $* -> $(cat "$work/rc") $(cat "$work/err")"; fi
}

expect_err() { # expect_err ERRNAME ARGS...
  local want=$1
  shift
  ctl "$@"
  if [ "$(cat "$work/rc")" = 1 ] && grep -q "^$want: " "$work/err"; then pass
  else fail "dagctl $* -> rc $(cat "$work/rc"), stderr '$(cat "$work/err")', wanted $want"; fi
}

expect_out() { # expect_out TEXT: the last command's stdout contains TEXT
  if grep -qF -- "$1" "$work/out"; then pass; else fail "output lacks '$1': $(cat "$work/out")"; fi
}

start_node
expect_ok mkdir /docs
expect_ok mkdir /docs/reports
expect_ok create /docs/reports/q3.txt
expect_ok create $'/docs/caf\xc3\xa9 menu'
expect_ok --json stat /docs
expect_out '"kind":"dir"'
expect_ok --json stat /docs/reports/q3.txt
expect_out '"kind":"file"'
expect_ok stat /docs/reports/q3.txt
expect_out "kind:    file"
expect_ok ls /docs
expect_out "reports/"
expect_ok --json ls /docs/reports
expect_out '{"entries":[{"ino":'
expect_out '"kind":"file","name":"q3.txt"'
expect_ok ls /

# Every error case of the console.
expect_err EEXIST create /docs/reports/q3.txt
expect_err EEXIST mkdir /docs
expect_err ENOENT stat /nope
expect_err ENOENT create /nope/file
expect_err ENOTDIR create /docs/reports/q3.txt/x
expect_err ENOTDIR stat /docs/reports/q3.txt/x
expect_err ENOTDIR ls /docs/reports/q3.txt
expect_err ENOTDIR rmdir /docs/reports/q3.txt
expect_err EISDIR rm /docs/reports
expect_err ENOTEMPTY rmdir /docs/reports
expect_err EINVAL create relative/path
expect_err EINVAL create /docs//x
expect_err EINVAL create /docs/x/
expect_err EINVAL create /docs/..
expect_err EINVAL create "$(printf '/docs/a\tb')"
expect_err ENAMETOOLONG create "/docs/$(head -c 256 /dev/zero | tr '\0' n)"
expect_err EBUSY rmdir /
expect_err ENOENT rm /docs/absent
expect_ok rm /docs/reports/q3.txt
expect_ok rmdir /docs/reports
expect_err ENOENT stat /docs/reports
ctl --json stat /missing
grep -q '"error":"ENOENT"' "$work/out" && pass || fail "json error output: $(cat "$work/out")"

# Cluster settings (a metadata replica of one on the embedded node).
expect_ok config set psm.threshold 100
expect_out "version 1"
expect_ok config set psm.threshold 150 --if-version 1
expect_out "version 2"
ctl config set psm.threshold 200 --if-version 1
[ "$(cat "$work/rc")" = 1 ] && grep -q "^ECONFLICT: " "$work/err" && pass || fail "stale --if-version"
expect_ok --json config get psm.threshold
expect_out '"value":"150","version":2'
expect_err ENOENT config get psm.missing
expect_err EINVAL config set "bad key" x
# The PSM's settings are checked where they are applied, and named.
expect_err EINVAL config set psm.threshold -3
grep -q "psm.threshold: must be a number" "$work/err" && pass || fail "psm.threshold's reason: $(cat "$work/err")"
expect_err EINVAL config set psm.policy sometimes
expect_err EINVAL config set psm.exit-threshold 150
grep -q "psm.exit-threshold: must keep" "$work/err" && pass || fail "threshold order: $(cat "$work/err")"
expect_ok --json config get psm.threshold
expect_out '"value":"150","version":2'
expect_ok config set app.period 5m --if-version 0
expect_ok --json config list
expect_out '"key":"app.period"'

# Usage errors and shards.
ctl frobnicate /x
[ "$(cat "$work/rc")" = 2 ] && grep -q "frobnicate" "$work/err" && pass || fail "unknown command"
expect_ok shards
expect_out "entries"
expect_ok --json shards
expect_out '"shards":['

# Unreachable nodes: exit 2 with a message; a silent peer is given up on by
# dagctl's own deadlines (2 s), not when the peer closes (after 10 s).
# Times are printed; only the bound that tells the two apart is asserted.
start=$(date +%s%N)
"$build/dagctl" --node 127.0.0.1:1 ls / >/dev/null 2>"$work/err"
rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "refused port: rc $rc after ${elapsed} ms"
[ $rc = 2 ] && grep -q "cannot reach node" "$work/err" && pass \
  || fail "refused port: rc $rc after ${elapsed} ms: $(cat "$work/err")"
# A peer that accepts the connection but never answers.
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0)); s.listen(5); print(s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(10)" >"$work/silent.port" &
silent=$!
for _ in $(seq 1 50); do [ -s "$work/silent.port" ] && break; sleep 0.05; done
start=$(date +%s%N)
"$build/dagctl" --node "127.0.0.1:$(cat "$work/silent.port")" ls / >/dev/null 2>"$work/err"
rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
kill $silent 2>/dev/null
echo "silent peer: rc $rc after ${elapsed} ms"
[ $rc = 2 ] && grep -q "cannot reach node" "$work/err" && [ $elapsed -lt 9000 ] && pass \
  || fail "silent peer: rc $rc after ${elapsed} ms: $(cat "$work/err")"

# Clean stop and restart: everything acknowledged is back.
expect_ok mkdir /keep
for i in $(seq 1 20); do expect_ok create "/keep/f$i"; done
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 0 ] && grep -q "stopped" "$work/node.log" && pass || fail "SIGTERM stop: rc $rc"
pid=""
start_node
expect_ok --json ls /keep
[ "$(grep -o '"name":"f[0-9]*"' "$work/out" | wc -l)" = 20 ] && pass || fail "restart lost entries: $(cat "$work/out")"
expect_ok stat $'/docs/caf\xc3\xa9 menu'
expect_ok --json config get psm.threshold
expect_out '"value":"150","version":2'

# kill -9 in the middle of a stream of creates: every acknowledged one stays.
acked=0
for i in $(seq 1 60); do
  "$build/dagctl" create "/keep/k$i" >/dev/null 2>&1 && acked=$i
  [ $i = 40 ] && kill -9 $pid
done
wait $pid 2>/dev/null || true
pid=""
[ $acked -ge 39 ] && pass || fail "expected about 40 acknowledged creates, got $acked"
start_node
for i in $(seq 1 $acked); do
  "$build/dagctl" stat "/keep/k$i" >/dev/null 2>&1 || fail "acknowledged /keep/k$i lost after kill -9"
done
pass
kill -TERM $pid; wait $pid; pid=""

# A raft.db whose newest metadata command no longer decodes: the node
# refuses to start, naming it (it never runs without its metadata replica).
rm -f "$work/data/raft.db-wal" "$work/data/raft.db-shm"
sqlite3 "$work/data/raft.db" \
  "UPDATE entries SET data = X'93ff0102' WHERE idx = (SELECT max(idx) FROM entries WHERE length(data) > 0)"
"$build/dagshardd" --config-file="$src/configs/embedded.ini" --dagshard.port=0 \
  --dagshard.data-dir="$work/data" >"$work/node.log" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "raft.db is damaged" "$work/node.log" && pass \
  || fail "damaged raft.db: rc $rc: $(cat "$work/node.log")"

# A foreign file where a shard database belongs: refused, left untouched.
echo "not a database, just text that happens to be here" >"$work/data/shard-2.db"
sum=$(md5sum <"$work/data/shard-2.db")
"$build/dagshardd" --config-file="$src/configs/embedded.ini" --dagshard.port=0 \
  --dagshard.data-dir="$work/data" >"$work/node.log" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "shard-2.db: not a dagshard shard file" "$work/node.log" && pass \
  || fail "foreign shard file: rc $rc: $(cat "$work/node.log")"
[ "$(md5sum <"$work/data/shard-2.db")" = "$sum" ] && pass || fail "foreign file was modified"

echo "$passes passed, $failures failed"
[ $failures = 0 ]

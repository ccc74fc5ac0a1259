#!/usr/bin/env bash
# End to end: dagsh against embedded nodes on ports 4401-4403 (its own
# range): the library (dagsh_lib_test.lua), invocation and exit statuses,
# the examples, and a node killed under a running script.
# Usage: dagsh_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
port=4401      # the node of most checks
kill_port=4402 # the node killed under a script
dead_port=4403 # nothing listens here
work=$(mktemp -d /tmp/dagsh-e2e-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
passes=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { passes=$((passes + 1)); }

start_node() { # start_node PORT NAME: sets node_pid
  "$build/dagshardd" --dagshard.port="$1" --dagshard.data-dir="$work/$2" \
    >"$work/$2.log" 2>&1 &
  node_pid=$!
  pids+=("$node_pid")
  for _ in $(seq 1 200); do
    grep -q "serving on" "$work/$2.log" && return
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$work/$2.log"
  echo "node $2 did not start"
  exit 1
}

sh_run() { # sh_run ARGS...: dagsh's stdout, stderr and status in $work
  "$build/dagsh" "$@" >"$work/out" 2>"$work/err" </dev/null
  echo $? >"$work/rc"
}
expect_rc() { # expect_rc N WHAT
  local rc
  rc=$(cat "$work/rc")
  if [ "$rc" = "$1" ]; then pass; else fail "$2: status $rc, wanted $1; stderr: $(cat "$work/err")"; fi
}
expect_out() { # expect_out TEXT WHAT
  if grep -qF -- "$1" "$work/out"; then pass; else fail "$2: stdout lacks '$1': $(cat "$work/out")"; fi
}
expect_err() { # expect_err TEXT WHAT
  if grep -qF -- "$1" "$work/err"; then pass; else fail "$2: stderr lacks '$1': $(cat "$work/err")"; fi
}

start_node $port node
export DAGSHARD_NODE=127.0.0.1:$port

# The library, call by call.
sh_run "$src/tests/e2e/dagsh_lib_test.lua" "$build/dagctl"
expect_rc 0 "library test"
expect_out ", 0 failed" "library test"
[ "$(cat "$work/rc")" = 0 ] || cat "$work/out" "$work/err"

# Scripts with arguments; arg[0] is the script, ... the arguments.
cat >"$work/args.lua" <<'LUA'
local n = select("#", ...)
print(arg[0], n, arg[1], arg[2], (select(2, ...)))
LUA
sh_run "$work/args.lua" one "two words"
expect_rc 0 "script with arguments"
expect_out "$work/args.lua	2	one	two words	two words" "script arguments"

# A #! line, run through PATH.
printf '#!/usr/bin/env dagsh\nprint("shebang", ns.stat("/").kind)\n' >"$work/tool"
chmod +x "$work/tool"
PATH="$build:$PATH" "$work/tool" >"$work/out" 2>"$work/err"
echo $? >"$work/rc"
expect_rc 0 "#! script"
expect_out "shebang	dir" "#! script"

# -e chunks run in order, then the script.
sh_run -e 'x = 20' -e 'print(x + 1)'
expect_rc 0 "-e"
expect_out "21" "-e in order"
sh_run -e 'y = 5' "$work/args.lua"
expect_rc 0 "-e then a script"

# A script on standard input.
echo 'print("from stdin", 6 * 7)' | "$build/dagsh" >"$work/out" 2>"$work/err"
echo $? >"$work/rc"
expect_rc 0 "stdin script"
expect_out "from stdin	42" "stdin script"

# Exit statuses.
sh_run -e 'ns.stat("/no/such")'
expect_rc 1 "uncaught error"
expect_err "dagsh: ENOENT: /no/such" "uncaught error message"
expect_err "stack traceback:" "uncaught error traceback"
sh_run -e 'error("plain")'
expect_rc 1 "a plain error"
expect_err "plain" "a plain error"
sh_run -e 'error({1})'
expect_rc 1 "an error that is a table"
expect_err "(error object is a table value)" "an error that is a table"
sh_run -e 'os.exit(3)'
expect_rc 3 "os.exit"
sh_run -e 'print(pcall(ns.stat, "/no"))'
expect_rc 0 "a caught error"
expect_out "false	ENOENT: /no" "pcall catches"
printf 'print("x"\n' >"$work/syntax.lua"
sh_run "$work/syntax.lua"
expect_rc 1 "syntax error"
sh_run "$work/missing.lua"
expect_rc 1 "missing script"
expect_err "cannot open" "missing script"
sh_run --bogus
expect_rc 1 "unknown option"
expect_err "usage: dagsh" "unknown option"
sh_run --node nonsense -e 'print(1)'
expect_rc 1 "bad --node"

# Nodes: none reachable is status 2; the first that answers is used;
# $DAGSHARD_NODE is the default.
start=$(date +%s%N)
sh_run --node 127.0.0.1:$dead_port -e 'print(1)'
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 2 "unreachable node"
expect_err "cannot reach node 127.0.0.1:$dead_port" "unreachable node"
echo "unreachable node reported in $elapsed ms"
sh_run --node 127.0.0.1:$dead_port,127.0.0.1:$port -e 'print(ns.stat("/").kind)'
expect_rc 0 "the second node of a list"
expect_out "dir" "the second node of a list"
DAGSHARD_NODE=127.0.0.1:$dead_port "$build/dagsh" -e 'print(1)' >"$work/out" 2>"$work/err"
echo $? >"$work/rc"
expect_rc 2 "\$DAGSHARD_NODE"

# The examples, each run as a user would.
"$src/tests/e2e/dagsh_examples.sh" "$build" "$src" "$work" || fail "examples"

# A node killed under a running script: an error within the deadline
# (--timeout 3), status 2.
start_node $kill_port killed
killed_pid=$node_pid
cat >"$work/loop.lua" <<'LUA'
local ready = arg[1]
ns.mkdir("/k")
io.open(ready, "w"):close()
while true do ns.stat("/k") end
LUA
"$build/dagsh" --node 127.0.0.1:$kill_port --timeout 3 "$work/loop.lua" "$work/ready" \
  >"$work/out" 2>"$work/err" &
loop_pid=$!
pids+=("$loop_pid")
for _ in $(seq 1 200); do [ -e "$work/ready" ] && break; sleep 0.05; done
[ -e "$work/ready" ] || fail "the looping script did not start"
kill -9 "$killed_pid"
start=$(date +%s%N)
wait "$loop_pid"
echo $? >"$work/rc"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "killed node noticed by the script in $elapsed ms"
expect_rc 2 "killed node"
expect_err "EUNAVAILABLE" "killed node"
[ "$elapsed" -lt 5000 ] && pass || fail "killed node noticed after $elapsed ms (deadline 3 s)"

# The node restarted under a script that caught the loss: its next calls
# connect again (ns.try gives nil, err meanwhile).
cat >"$work/again.lua" <<'LUA'
local ready, lost = arg[1], arg[2]
assert(ns.stat("/k"))
io.open(ready, "w"):close()
local errors = 0
while ns.try.stat("/k") do end
io.open(lost, "w"):close()
while true do
  local st, err = ns.try.stat("/k")
  if st then break end
  errors = errors + 1
  assert(err.code == "EUNAVAILABLE", tostring(err))
  time.sleep(0.05)
end
print("reconnected after " .. errors .. " failed calls")
LUA
start_node $kill_port killed
killed_pid=$node_pid
"$build/dagsh" --node 127.0.0.1:$kill_port --timeout 3 "$work/again.lua" "$work/ready2" "$work/lost" \
  >"$work/out" 2>"$work/err" &
again_pid=$!
pids+=("$again_pid")
for _ in $(seq 1 200); do [ -e "$work/ready2" ] && break; sleep 0.05; done
kill -9 "$killed_pid"
for _ in $(seq 1 200); do [ -e "$work/lost" ] && break; sleep 0.05; done
[ -e "$work/lost" ] || fail "the script did not notice the killed node"
start_node $kill_port killed
wait "$again_pid"
echo $? >"$work/rc"
expect_rc 0 "reconnect after a restart"
expect_out "reconnected after" "reconnect after a restart"

echo "dagsh e2e: $passes passed, $failures failed"
[ "$failures" = 0 ]

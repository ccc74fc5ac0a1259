#!/usr/bin/env bash
# dagsh's interactive mode through a pseudo-terminal (tmux), against a node
# on port 4404: a chunk and its value, a chunk over several lines, Tab
# completion of names and paths, Ctrl-C at the prompt, in a long call and
# in a call to a stopped node, Ctrl-D, and history across two runs.
# Usage: dagsh_repl_test.sh BUILD_DIR
set -u
build=$1
port=4404
work=$(mktemp -d /tmp/dagsh-repl-XXXXXX)
sock=$work/tmux.sock
node_pid=""
cleanup() {
  [ -n "$node_pid" ] && kill -CONT "$node_pid" 2>/dev/null && kill -9 "$node_pid" 2>/dev/null
  tmux -S "$work/tmux.sock" kill-server 2>/dev/null
  tmux -S "$work/tmux2.sock" kill-server 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
command -v tmux >/dev/null || { echo "tmux is not installed (tools/setup)"; exit 1; }
failures=0
passes=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { passes=$((passes + 1)); }

"$build/dagshardd" --dagshard.port=$port --dagshard.data-dir="$work/data" >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 200); do grep -q "serving on" "$work/node.log" && break; sleep 0.05; done
grep -q "serving on" "$work/node.log" || { cat "$work/node.log"; exit 1; }
export DAGSHARD_NODE=127.0.0.1:$port
"$build/dagsh" -e 'ns.mkdir("/docs"); ns.mkdir("/docs/reports-2026"); ns.create("/docs/notes.txt")'
mkdir -p "$work/home"

screen() { tmux -S "$sock" capture-pane -p -J -S -200; }
# wait_for TEXT WHAT: the screen shows TEXT within 10 s (polled).
wait_for() {
  for _ in $(seq 1 200); do
    screen | grep -qF -- "$1" && { pass; return 0; }
    sleep 0.05
  done
  fail "$2: the screen never showed '$1':"
  screen | grep . | tail -15
  return 1
}
# wait_count TEXT N WHAT: TEXT appears at least N times on the screen.
wait_count() {
  for _ in $(seq 1 200); do
    [ "$(screen | grep -cF -- "$1")" -ge "$2" ] && { pass; return 0; }
    sleep 0.05
  done
  fail "$3: '$1' shown $(screen | grep -cF -- "$1") times, wanted $2"
  screen | grep . | tail -15
  return 1
}
type_text() { tmux -S "$sock" send-keys -l -- "$1"; }
key() { tmux -S "$sock" send-keys "$@"; }
start_shell() {
  tmux -S "$sock" new-session -d -x 160 -y 50 \
    "env HOME=$work/home DAGSHARD_NODE=$DAGSHARD_NODE $build/dagsh; echo dagsh-exited-\$?; sleep 60"
  wait_for "dagsh> " "the prompt"
}

start_shell
# A chunk and its value; a table pretty-printed.
type_text '6 * 7'; key Enter
wait_for "42" "a value typed alone"
type_text '{ n = 1, list = { "a", "b" } }'; key Enter
wait_for '{ list = { "a", "b" }, n = 1 }' "a table printed"
# A chunk over several lines.
type_text 'function sq(x)'; key Enter
wait_for "dagsh>> " "a continuation prompt"
type_text 'return x * x'; key Enter
type_text 'end'; key Enter
type_text 'sq(12)'; key Enter
wait_for "144" "a multi-line chunk"
# Errors are printed, the shell goes on.
type_text 'ns.stat("/missing")'; key Enter
wait_for "dagsh: ENOENT: /missing" "an error"
# A batch in the interactive mode (its call runs on the shell's worker).
type_text 'local r = ns.batch{ { op = "mkdir", path = "/bt" }, { op = "create", path = "/bt/x" }, { op = "create", path = "/bt/x" }, { op = "stat", path = "/bt/x" } } print(#r .. ":" .. r[2].path .. ":" .. r[3].code .. ":" .. r[4].kind)'; key Enter
wait_for "4:/bt/x:EEXIST:file" "a batch answered in order"
# Tab: a field of a library table, then a path inside a string.
type_text 'ns.cre'; key Tab
wait_for "dagsh> ns.create" "Tab completes a field"
key C-u
type_text 'x = "/docs/rep'; key Tab
wait_for 'x = "/docs/reports-2026/' "Tab completes a directory"
key C-u
type_text 'ns.stat("/docs/no'; key Tab
wait_for 'ns.stat("/docs/notes.txt"' "Tab completes a file and closes the string"
type_text ').kind'; key Enter
wait_for '"file"' "the completed file is used"
# Ctrl-C: at the prompt, in a long call, in a Lua loop, in a call to a
# node that does not answer; the shell stays.
type_text 'abandoned line'; key C-c
wait_for "^C" "Ctrl-C at the prompt"
type_text '1 + 1'; key Enter
wait_for "dagsh> 1 + 1" "the prompt after Ctrl-C"
type_text 'time.sleep(60)'; key Enter
sleep 0.2 # let the call begin; the check below waits for its effect
key C-c
wait_count "interrupted!" 1 "Ctrl-C in a long call"
type_text 'for i = 1, 1e15 do end'; key Enter
sleep 0.2
key C-c
wait_count "interrupted!" 2 "Ctrl-C in a Lua loop"
kill -STOP "$node_pid"
type_text 'ns.stat("/docs")'; key Enter
sleep 0.3
key C-c
wait_count "interrupted!" 3 "Ctrl-C in a call to a stopped node"
kill -CONT "$node_pid"
type_text 'ns.stat("/docs").kind'; key Enter
wait_for '"dir"' "calls work after an abandoned one"
# Ctrl-D leaves with status 0.
key C-d
wait_for "dagsh-exited-0" "Ctrl-D leaves"
grep -qxF 'sq(12)' "$work/home/.dagsh_history" && pass || fail "history file lacks sq(12): $(cat "$work/home/.dagsh_history" 2>/dev/null)"
tmux -S "$sock" kill-server
sock=$work/tmux2.sock

# History across runs: Up brings back the last chunk of the first run.
start_shell
key Up
wait_for 'dagsh> ns.stat("/docs").kind' "history from the first run"
key Enter
wait_count '"dir"' 1 "a chunk from history runs"

echo "dagsh interactive: $passes passed, $failures failed"
[ "$failures" = 0 ]

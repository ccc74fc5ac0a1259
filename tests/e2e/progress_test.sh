#!/usr/bin/env bash
# Progress bars: dagpsm forecast on several series, dagbench basic's phases
# and dagctl move draw one on stderr when it is a terminal (script(1) gives
# them one), and write nothing there when it is a pipe or a file, with
# --json, or with --quiet.
# Usage: progress_test.sh BUILD_DIR SOURCE_DIR
# Ports: the node's, chosen by the system.
set -u
build=$1
src=$2
source "$(dirname "$0")/test_lib.sh"
command -v script >/dev/null || { echo "script(1) missing (bsdutils)"; exit 1; }

on_tty() { # on_tty OUT COMMAND...: runs it on a pseudo-terminal, all output in OUT
  local out=$1 cmd="" a
  shift
  for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
  script -qec "$cmd" /dev/null >"$out.raw" </dev/null
  tr -d '\r' <"$out.raw" >"$out"
}

# --- dagpsm forecast on three series. -----------------------------------------
d=$src/tests/data/forecast
series=("$d/train_AirPassengers.txt" "$d/train_USAccDeaths.txt" "$d/train_ldeaths.txt")
fc=("$build/dagpsm" forecast --period 12 --horizon 2)
"${fc[@]}" "${series[@]}" >"$work/fc.out" 2>"$work/fc.err" | cat
check "forecast exit" $? 0
check "forecast: quiet stderr through a pipe" "$(wc -c <"$work/fc.err")" 0
check "forecast: one head per series" "$(grep -c '^==> .* <==$' "$work/fc.out")" 3
check "forecast: two values per series" "$(grep -c '^[0-9.]\+$' "$work/fc.out")" 6
"${fc[@]}" "${series[@]}" 2>&1 | cat >"$work/fc.all"
check "forecast: nothing but the forecasts through a pipe" "$(grep -c 'forecast \[' "$work/fc.all")" 0
on_tty "$work/tty" "${fc[@]}" "${series[@]}"
grep -q 'forecast \[#*\] 100% 3/3' "$work/tty" && pass || fail "no bar on a terminal: $(cat "$work/tty")"
on_tty "$work/tty" "${fc[@]}" --quiet "${series[@]}"
grep -q 'forecast \[' "$work/tty" && fail "a bar with --quiet" || pass
on_tty "$work/tty" "${fc[@]}" --json "${series[@]}"
grep -q 'forecast \[' "$work/tty" && fail "a bar with --json" || pass
on_tty "$work/tty" "${fc[@]}" "${series[0]}"
grep -q 'forecast \[' "$work/tty" && fail "a bar for one series" || pass
# A bad series among good ones: an error naming it, no forecast at all.
echo x >"$work/bad.txt"
"${fc[@]}" "${series[0]}" "$work/bad.txt" >"$work/fc.out" 2>"$work/fc.err"
check "forecast: bad series exit" $? 1
check "forecast: nothing printed" "$(wc -c <"$work/fc.out")" 0
grep -q "bad.txt: line 1" "$work/fc.err" && pass || fail "error: $(cat "$work/fc.err")"

# --- dagbench basic's phases on an in-process node. ---------------------------
bb=("$build/dagbench" basic --files 3000 --dirs 10 --lookups 3000)
"${bb[@]}" >"$work/bb.out" 2>"$work/bb.err"
check "dagbench basic exit" $? 0
check "dagbench: three phases" "$(grep -c '^\(create-one-dir\|create-many-dirs\|lookup-random\) .* ops/s' "$work/bb.out")" 3
grep -q 'create-one-dir \[' "$work/bb.err" "$work/bb.out" && fail "dagbench: a bar through a pipe" || pass
on_tty "$work/tty" "${bb[@]}"
for p in create-one-dir create-many-dirs lookup-random; do
  grep -q "$p \[#*\] 100% 3000/3000" "$work/tty" && pass || fail "dagbench: no bar for $p: $(cat "$work/tty")"
done
on_tty "$work/tty" "${bb[@]}" --quiet
grep -q 'create-one-dir \[' "$work/tty" && fail "dagbench: a bar with --quiet" || pass

# --- dagctl move of a part of a large directory. ------------------------------
"$build/dagshardd" --dagshard.port=0 --dagshard.data-dir="$work/node" >"$work/node.log" 2>&1 &
procs+=($!)
gw=$(served_port "$work/node.log") || { cat "$work/node.log"; echo "the node did not start"; exit 1; }
ctl=("$build/dagctl" --node "127.0.0.1:$gw")
"$build/dagbench" fill --node "127.0.0.1:$gw" --dir /big --files 20000 --outstanding 2 >/dev/null ||
  fail "fill"
# move_to RUN PART ARGS...: moves PART of /big (ARGS before `move`) with RUN
# (plain: output in mv.out and mv.err; tty: on_tty into tty) to the first
# shard that does not hold it already (EEXIST says it does).
move_to() {
  local run=$1 part=$2 s
  shift 2
  for s in 0 1 2 3; do
    if [ "$run" = plain ]; then
      "${ctl[@]}" "$@" move /big "$part" $s >"$work/mv.out" 2>"$work/mv.err"
      local rc=$?
      grep -q EEXIST "$work/mv.err" || return $rc
    else
      on_tty "$work/tty" "${ctl[@]}" "$@" move /big "$part" $s
      grep -q EEXIST "$work/tty" || return 0
    fi
  done
  return 1
}
move_to plain 2:0
check "move exit" $? 0
check "move: quiet stderr through a pipe" "$(wc -c <"$work/mv.err")" 0
grep -q '^moved: migration [0-9]*, placement epoch [0-9]*, [1-9][0-9]* entries$' "$work/mv.out" && pass || fail "move: $(cat "$work/mv.out")"
move_to tty 2:1
grep -q '^moved: migration' "$work/tty" && pass || fail "move on a terminal: $(cat "$work/tty")"
grep -q 'move /big 2:1 -> shard [0-9]*: migration [0-9]* committed at placement epoch [0-9]*, [1-9][0-9]* entries moved, driver renewals [0-9]*' \
  "$work/tty" && pass || fail "no move status on a terminal: $(cat "$work/tty")"
# The entries the status line ends with are those the move printed and
# the record keeps.
shown=$(grep -o '[0-9]* entries moved' "$work/tty" | tail -1 | cut -d' ' -f1)
printed=$(sed -n 's/^moved: migration [0-9]*, placement epoch [0-9]*, \([0-9]*\) entries.*/\1/p' "$work/tty")
check "move on a terminal: the status and the result agree" "$shown" "$printed"
move_to tty 2:2 --json
grep -q 'migration [0-9]* started\|driver renewals\|starting' "$work/tty" && fail "a move status with --json" || pass
grep -q '"migration":[1-9]' "$work/tty" && pass || fail "move --json: $(cat "$work/tty")"

finish

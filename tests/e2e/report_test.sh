#!/usr/bin/env bash
# dagbench's workload outputs end to end: record a trace, replay it against
# an in-process node, and check the summary, JSON, CSV and the HTML report,
# which headless Chromium must render with every chart drawn.
# Usage: report_test.sh BUILD_DIR   (exit 77: skipped, no chromium)
set -u
build=$1
work=$(mktemp -d /tmp/dagshard-report-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0
check() {
  local what=$1
  shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
bench="$build/dagbench"

"$bench" record --workload mixed --seconds 3 --rate 1500 --dirs 6 --files 20 --seed 4 \
  --out "$work/mixed.trace" 2>"$work/record.err"
check "record writes a trace" test -s "$work/mixed.trace"
check "the trace starts with its header" test "$(head -1 "$work/mixed.trace")" = "# dagshard trace v1"
"$bench" record --workload mixed --seconds 3 --rate 1500 --dirs 6 --files 20 --seed 4 \
  --out "$work/again.trace" 2>/dev/null
check "the same seed records the same trace" cmp -s "$work/mixed.trace" "$work/again.trace"
timed=$(grep -vc '^#' "$work/mixed.trace")
setup=$(grep -c $'^0\t\\(mkdir\\|create\\)' "$work/mixed.trace")

"$bench" --json replay --trace "$work/mixed.trace" --shards 4 --csv "$work/r.csv" \
  --report "$work/r.html" >"$work/r.json" 2>"$work/replay.err"
rc=$?
check "replay succeeds without errors (rc $rc)" test $rc = 0
ops=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ops'])" "$work/r.json" 2>/dev/null)
check "every timed operation of the trace was replayed ($ops + $setup setup = $timed)" \
  test "$((ops + setup))" = "$timed"
check "JSON has per-operation latencies" grep -q '"stat"' "$work/r.json"
check "CSV has a header and one row per second" \
  test "$(head -1 "$work/r.csv" | cut -d, -f1-5)" = "second,ops,errors,p50_us,p99_us" -a "$(wc -l <"$work/r.csv")" -ge 3
"$bench" run --workload zipf --seconds 2 --rate 2000 --dirs 4 --files 10 --closed 8 --shards 2 \
  >"$work/closed.out" 2>/dev/null
check "closed-loop clients replay a workload" grep -q "closed loop, 8 clients" "$work/closed.out"
printf '1\tfrobnicate\t0\t/x\n' >"$work/bad.trace"
"$bench" replay --trace "$work/bad.trace" --shards 1 >/dev/null 2>"$work/bad.err"
check "a bad trace is refused with its line number" grep -q "trace line 1: unknown operation" "$work/bad.err"

# The same trace against two sharding policies, side by side.
"$bench" --json compare --trace "$work/mixed.trace" --shards 4 --spread-bits 2 \
  --report "$work/c.html" >"$work/c.json" 2>"$work/compare.err"
rc=$?
check "compare succeeds (rc $rc)" test $rc = 0
summary=$(python3 -c "
import json,sys
runs = json.load(open(sys.argv[1]))['runs']
print(len(runs), ' '.join(r['policy']['policy'] for r in runs),
      sum(r['errors'] for r in runs), runs[0]['ops'] == runs[1]['ops'],
      runs[1]['policy']['moves'] > 0, runs[0]['policy']['moves'] == 0)
" "$work/c.json" 2>/dev/null)
check "compare runs home and hash on the same workload, no errors, hash moved parts ($summary)" \
  test "$summary" = "2 home hash 0 True True True"
"$bench" compare --node 127.0.0.1:1 --workload storm >/dev/null 2>"$work/cnode.err"
rc=$?
# compare takes no --node flag (it runs its own in-process nodes): a usage
# error, exit 2, naming the flag.
check "compare refuses --node (rc $rc)" test $rc = 2
check "the refusal names --node" grep -q -- "--node" "$work/cnode.err"
"$bench" compare --policies home,magic --workload storm >/dev/null 2>"$work/cpol.err"
check "compare refuses an unknown policy" grep -q "unknown policy 'magic'" "$work/cpol.err"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIPPED: the report's rendering (no chromium; apt-get install chromium)"
  echo "report_test: $passes passed, $failures failed"
  [ "$failures" = 0 ] && exit 77 || exit 1
fi
dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
  --user-data-dir="$work/profile" --dump-dom "file://$work/r.html" 2>/dev/null)
drawn=$(grep -o 'charts-drawn: [0-9]* of [0-9]*' <<<"$dom" | head -1)
check "Chromium draws every chart ($drawn)" test "$drawn" = "charts-drawn: 3 of 3"
dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
  --user-data-dir="$work/profile" --dump-dom "file://$work/c.html" 2>/dev/null)
drawn=$(grep -o 'charts-drawn: [0-9]* of [0-9]*' <<<"$dom" | head -1)
# Three charts per policy, and the two that overlay the policies.
check "Chromium draws both policies' charts and the overlays ($drawn)" test "$drawn" = "charts-drawn: 8 of 8"
# The comparison opens with one summary row per policy, and the charts'
# axes carry time ticks and round values.
rows=$(grep -o '<tr><td>policy [a-z]*' "$work/c.html" | wc -l)
check "the summary table has a row per policy ($rows)" test "$rows" = 2
check "the overlay charts come first" grep -q 'p99 latency per second, every run' "$work/c.html"
check "time ticks on the x axis" grep -q 'class="xtick">0 s<' "$work/c.html"
echo "report_test: $passes passed, $failures failed"
[ "$failures" = 0 ]

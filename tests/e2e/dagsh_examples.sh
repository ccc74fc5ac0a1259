#!/usr/bin/env bash
# The examples in examples/, run against the node of $DAGSHARD_NODE with
# their outputs checked. Called by dagsh_test.sh.
# Usage: dagsh_examples.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -u
build=$1
src=$2
work=$3
failures=0
fail() { echo "FAIL: example: $*"; failures=$((failures + 1)); }
example() { # example NAME ARGS...: runs examples/NAME.lua through its #! line
  PATH="$build:$PATH" "$src/examples/$1.lua" "${@:2}" >"$work/ex.out" 2>"$work/ex.err" ||
    fail "$1 ${*:2}: status $?: $(cat "$work/ex.err")"
}
has() { # has TEXT
  grep -qF -- "$1" "$work/ex.out" || fail "output lacks '$1': $(cat "$work/ex.out")"
}

# A tree report over a known tree.
"$build/dagsh" -e 'ns.batch{{op="mkdir",path="/report"},{op="mkdir",path="/report/a"},
  {op="mkdir",path="/report/a/b"},{op="create",path="/report/a/1"},
  {op="create",path="/report/a/2"},{op="create",path="/report/a/3"},
  {op="create",path="/report/a/b/4"},{op="create",path="/report/5"}}'
example tree_report /report
has "total: 5 files, 2 directories below /report"
grep -qE '^ +3 +1  /report/a$' "$work/ex.out" || fail "tree report row of /report/a: $(cat "$work/ex.out")"

# A hot directory: creates, lookups, placement, the PSM's answer.
example hot_directory /hot 2000 1
has "created 2000 files in /hot"
has "placement of a sample of its names"
has "PSM decisions: none (policy off)"

# A settings migration: values converted once, conditionally.
"$build/dagctl" config set mig.threshold 6000 >/dev/null
example settings_migration mig.
has "mig.threshold: 6000 -> 100 (version 1 -> 2)"
has "mig.units: (absent) -> ops/s (version 0 -> 1)"
[ "$("$build/dagctl" --json config get mig.threshold)" = '{"key":"mig.threshold","value":"100","version":2}' ] ||
  fail "settings migration left $("$build/dagctl" --json config get mig.threshold)"
example settings_migration mig.
has "already at schema 2"
# A writer that changes the key between the read and the set: the
# conditional set refuses, the migration reads again.
"$build/dagctl" config set mig2.threshold 6000 >/dev/null
PATH="$build:$PATH" dagsh -e 'local set, once = config.try.set, true
  config.try.set = function(k, v, ver)
    if once and k == "mig2.threshold" then once = false; config.set(k, "12000") end
    return set(k, v, ver)
  end' "$src/examples/settings_migration.lua" mig2. >"$work/ex.out" 2>"$work/ex.err" ||
  fail "settings migration under a concurrent writer: $(cat "$work/ex.err")"
has "mig2.threshold: changed meanwhile (now version 2), attempt 2 again"
has "mig2.threshold: 12000 -> 200 (version 2 -> 3)"

# A small load generator.
example load_generator /load 2 500
has "done: 1000 files made, 0 errors"
[ "$("$build/dagsh" -e 'print(#ns.list("/load"))')" = 1000 ] || fail "load generator's files"

echo "examples: $failures failed"
[ "$failures" = 0 ]

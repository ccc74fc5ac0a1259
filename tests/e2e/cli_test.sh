#!/usr/bin/env bash
# Every tool and each of its commands and subcommands answers --help (exit
# 0); an unknown flag exits 2 with a message naming it. The lists of
# commands are read from each tool's own completion script, so a new
# command is covered without editing this test.
# Usage: cli_test.sh BUILD_DIR
set -u
build=$1
source "$(dirname "$0")/test_lib.sh"

for tool in dagctl dagbench dagpsm; do
  # The completion script's table: '[". config set"]="..."' per command.
  mapfile -t paths < <("$build/$tool" --completion |
    sed -n 's/^ *\["\.\([^"]*\)"\]=.*/\1/p')
  [ "${#paths[@]}" -ge 3 ] && pass || fail "$tool: commands from --completion: ${paths[*]}"
  for p in "${paths[@]}"; do
    # shellcheck disable=SC2086
    out=$("$build/$tool" $p --help 2>&1)
    rc=$?
    [ $rc = 0 ] && grep -q "Usage: $tool" <<<"$out" && pass || fail "$tool$p --help: rc $rc: $out"
    # shellcheck disable=SC2086
    err=$("$build/$tool" $p --no-such-flag 2>&1 >/dev/null)
    rc=$?
    [ $rc = 2 ] && grep -q -- "--no-such-flag" <<<"$err" && pass \
      || fail "$tool$p --no-such-flag: rc $rc: $err"
  done
  "$build/$tool" --man | grep -q "^\.TH" && pass || fail "$tool --man"
done
# dagshardd: --help and a refused unknown option.
"$build/dagshardd" --help | grep -q -- "--dagshard.metrics-port" && pass || fail "dagshardd --help"
err=$("$build/dagshardd" --no-such-flag 2>&1 >/dev/null)
rc=$?
[ $rc = 2 ] && grep -q -- "no-such-flag" <<<"$err" && pass || fail "dagshardd --no-such-flag: rc $rc: $err"
# Shared flags read the same in every tool that talks to a node.
for tool in dagctl dagbench; do
  "$build/$tool" --help >/dev/null
done
"$build/dagctl" --help | grep -q -- "--tls-cert" && pass || fail "dagctl --tls-cert"
"$build/dagctl" --help | grep -q "DAGSHARD_NODE" && pass || fail "dagctl --node env"

finish

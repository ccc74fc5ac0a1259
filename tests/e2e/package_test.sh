#!/usr/bin/env bash
# The Debian package: built by CPack, extracted into a fresh folder with
# dpkg-deb (no systemd needed), its node started from the installed files
# (binary, config, unit's command line) and talked to with the installed
# dagctl; man pages, completion and the unit are where Debian expects them.
# Usage: package_test.sh BUILD_DIR. Ports: 4450 (node), 4451 (metrics).
set -u
build=$1
source "$(dirname "$0")/test_lib.sh"

(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) \
  || { cat "$work/cpack.log"; echo "cpack failed"; exit 1; }
deb=$(ls "$work"/pkg/dagshard_*.deb)
[ -f "$deb" ] && pass || { echo "no .deb"; exit 1; }
dpkg-deb --info "$deb" >"$work/info"
grep -q "Depends:.*libcaf" "$work/info" && pass || fail "Depends lacks CAF: $(grep Depends "$work/info")"
dpkg-deb --ctrl-tarfile "$deb" | tar -t >"$work/control"
for f in postinst prerm postrm conffiles; do
  grep -q "$f\$" "$work/control" && pass || fail "no $f in the control files"
done
root=$work/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/dagshardd usr/bin/dagctl usr/bin/dagbench usr/bin/dagpsm \
  lib/systemd/system/dagshard.service etc/dagshard/dagshard.ini \
  usr/share/man/man1/dagshardd.1.gz usr/share/man/man1/dagctl.1.gz \
  usr/share/man/man1/dagbench.1.gz usr/share/man/man1/dagpsm.1.gz \
  usr/share/bash-completion/completions/dagctl usr/share/doc/dagshard/dagshard.json; do
  [ -e "$root/$f" ] && pass || fail "missing $f"
done
unit=$root/lib/systemd/system/dagshard.service
grep -q '^Type=notify' "$unit" && grep -q '^User=dagshard' "$unit" && pass || fail "unit user/type"
grep -q 'data-dir="/var/lib/dagshard"' "$root/etc/dagshard/dagshard.ini" && pass || fail "config data-dir"
# The man pages render.
for t in dagshardd dagctl; do
  zcat "$root/usr/share/man/man1/$t.1.gz" | grep -q "^\.TH" && pass || fail "$t man page"
done
# Start the node as the unit does (its ExecStart, rooted in the extraction),
# with the data folder and ports moved to this test's own.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
set -- $exec_start
[ "$1" = /usr/bin/dagshardd ] && pass || fail "ExecStart: $exec_start"
"$root$1" "${2/=\//=$root/}" --dagshard.data-dir="$work/data" \
  --dagshard.port=4450 --dagshard.metrics-port=4451 >"$work/node.log" 2>&1 &
pid=$!
procs+=($pid)
wait_status 4451 /ready 200 || fail "/ready: $(cat "$work/node.log")"
ctl="$root/usr/bin/dagctl --node 127.0.0.1:4450"
$ctl mkdir /installed >/dev/null && pass || fail "mkdir: $(cat "$work/node.log")"
$ctl create /installed/f >/dev/null && pass || fail "create"
[ "$($ctl ls /installed)" = f ] && pass || fail "ls"
[ "$(curl -s http://127.0.0.1:4451/health)" = ok ] && pass || fail "health"
kill -TERM $pid
wait $pid && pass || fail "stop"
# Completion offers the commands.
out=$(bash -c "source '$root/usr/share/bash-completion/completions/dagctl'
  COMP_WORDS=(dagctl con); COMP_CWORD=1; _dagctl; echo \${COMPREPLY[*]}")
[ "$out" = config ] && pass || fail "completion: '$out'"
out=$(bash -c "source '$root/usr/share/bash-completion/completions/dagctl'
  COMP_WORDS=(dagctl config s); COMP_CWORD=2; _dagctl; echo \${COMPREPLY[*]}")
[ "$out" = set ] && pass || fail "completion of config: '$out'"

finish

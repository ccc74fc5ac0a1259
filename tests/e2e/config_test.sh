#!/usr/bin/env bash
# dagshardd refuses every bad configuration value with a message naming the
# key, and starts nothing. Usage: config_test.sh BUILD_DIR
set -u
build=$1
work=$(mktemp -d /tmp/dagshard-cfg-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0

refuses() { # refuses 'INI LINES' KEY-TEXT
  printf '%b\n' "$1" >"$work/bad.ini"
  timeout 10 "$build/dagshardd" --config-file="$work/bad.ini" \
    --dagshard.data-dir="$work/data" >"$work/out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -qF -- "$2" "$work/out" && [ ! -e "$work/data" ]; then
    passes=$((passes + 1))
  else
    echo "FAIL: '$1' -> rc $rc: $(cat "$work/out")"
    failures=$((failures + 1))
  fi
}

refuses '[dagshard]\nport="x"' 'dagshard.port'
refuses '[dagshard]\nport=70000' 'dagshard.port'
refuses '[dagshard]\nport=-1' 'dagshard.port'
refuses '[dagshard]\nshards=0' 'dagshard.shards'
refuses '[dagshard]\nshards=2.5' 'dagshard.shards'
refuses '[dagshard]\nreplicas=0' 'dagshard.replicas'
refuses '[dagshard]\nreplicas="three"' 'dagshard.replicas'
refuses '[dagshard]\nreplicas=2' 'dagshard.replicas: 2 replicas need as many members'
refuses '[dagshard]\nreplicas=4\nport=4990\npeers=["b@127.0.0.1:4991", "c@127.0.0.1:4992"]' 'dagshard.replicas: 4 replicas'
refuses '[dagshard]\nlist-capacity=1' 'dagshard.list-capacity'
refuses '[dagshard]\nmax-width-bits=40' 'dagshard.max-width-bits'
refuses '[dagshard]\nmax-width-bits=3\nlevel-bits=4' 'dagshard.level-bits'
refuses '[dagshard]\nsync="fast"' 'dagshard.sync'
refuses '[dagshard]\nsync=1' 'dagshard.sync'
refuses '[dagshard]\nrequest-timeout=5' 'dagshard.request-timeout'
refuses '[dagshard]\nno-merge="yes"' 'dagshard.no-merge'
refuses '[dagshard]\ndata-dir=""' 'dagshard.data-dir'
refuses '[dagshard]\ndir-cache-entries=-1' 'dagshard.dir-cache-entries'
refuses '[dagshard]\ndir-cache-entries=16777217' 'dagshard.dir-cache-entries'
refuses '[dagshard]\ndir-cache-entries="big"' 'dagshard.dir-cache-entries'
refuses '[dagshard]\nprot=4242' 'dagshard.prot: unknown option'
refuses '[dagshard]\npsm-slot=0' 'dagshard.psm-slot'
refuses '[dagshard]\npsm-slot=-0.5' 'dagshard.psm-slot'
refuses '[dagshard]\npsm-slot="10"' 'dagshard.psm-slot'
refuses '[dagshard]\npsm-period=60' 'dagshard.psm-period'
refuses '[dagshard]\npsm-horizon=0' 'dagshard.psm-horizon'
refuses '[dagshard]\npsm-season=1' 'dagshard.psm-season'
refuses '[dagshard]\npsm-threshold=0' 'dagshard.psm-threshold'
refuses '[dagshard]\npsm-count="no"' 'dagshard.psm-count'
refuses '[dagshard]\nshard-capacity=-5' 'dagshard.shard-capacity'
refuses '[dagshard]\nshard-capacity="fast"' 'dagshard.shard-capacity'
refuses '[dagshard]\nmigration-history=0' 'dagshard.migration-history'
refuses '[dagshard]\nmigration-history=1000001' 'dagshard.migration-history'
refuses '[dagshard]\nmigration-history="many"' 'dagshard.migration-history'
refuses '[dagshard]\nmigration-history-age=7' 'dagshard.migration-history-age'
refuses '[dagshard]\nmigration-history-age=500ms' 'dagshard.migration-history-age'
refuses '[dagshard]\nmove-copy-rate=-1' 'dagshard.move-copy-rate'
refuses '[dagshard]\nmove-copy-rate=1000000001' 'dagshard.move-copy-rate'
refuses '[dagshard]\nmove-copy-rate="fast"' 'dagshard.move-copy-rate'
refuses '[dagshrd]\nport=4242' 'unknown section [dagshrd]'
refuses '[scheduler]\npolicy="sharing"' 'scheduler.policy'
refuses "[scheduler]\npolicy='fifo'" 'scheduler.policy'
refuses '[scheduler]\nmax-threads=0' 'scheduler.max-threads'
refuses '[scheduler]\nmax-thread=2' 'scheduler.max-thread: unknown option'
refuses '[middleman]\nworkers=-1' 'middleman.workers'
refuses '[middleman]\nworkers="0"' 'middleman.workers'
refuses '[middleman]\nheartbeat-interval=200' 'middleman.heartbeat-interval'
refuses '[middleman]\nconnection-timeout="1s"' 'middleman.connection-timeout'
refuses '[middleman]\nworker=0' 'middleman.worker: unknown option'
refuses '[dagshard]\nport=4242\nbind=loopback' 'bad.ini'
printf '[dagshard]\nport=1\n' >"$work/ok.ini"
timeout 10 "$build/dagshardd" --config-file="$work/missing.ini" >"$work/out" 2>&1
[ $? = 2 ] && passes=$((passes + 1)) || { echo "FAIL: missing config file accepted"; failures=$((failures + 1)); }
timeout 10 "$build/dagshardd" --dagshard.port=99999 >"$work/out" 2>&1
[ $? = 2 ] && grep -q "dagshard.port" "$work/out" && passes=$((passes + 1)) \
  || { echo "FAIL: CLI port 99999: $(cat "$work/out")"; failures=$((failures + 1)); }

echo "$passes passed, $failures failed"
[ $failures = 0 ]

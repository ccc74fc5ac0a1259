# Shared by the end-to-end tests of the 3-node cluster in configs/cluster-3
# (ports 4301-4303). Source it after setting `build`, `src` and `work`; it
# declares `pids` (node -> process), `failures`, `passes`, `failed_checks`
# (their descriptions), `start_args` (more dagshardd arguments for every node
# `start` starts; none unless a test sets them) and the helpers.
declare -A pids
failures=0
passes=0
failed_checks=()
start_args=()
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    passes=$((passes + 1))
  else
    echo "FAIL: $what"
    failures=$((failures + 1))
    failed_checks+=("$what")
  fi
}
ctl() { "$build/dagctl" --node "127.0.0.1:430$1" "${@:2}"; }
require_free_ports() {
  for port in 4301 4302 4303; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is in use: this test needs 4301-4303 free"
      exit 1
    fi
  done
}
start() { # start N: node N from its config, data in $work/nodeN, then $start_args
  "$build/dagshardd" --config-file="$src/configs/cluster-3/node$1.ini" \
    --dagshard.data-dir="$work/node$1" "${start_args[@]}" >>"$work/node$1.log" 2>&1 &
  pids[$1]=$!
}
wait_until() { # wait_until SECONDS COMMAND...: polls every 0.1 s
  local deadline=$(( $(date +%s) + $1 ))
  shift
  until "$@"; do
    [ "$(date +%s)" -ge $deadline ] && return 1
    sleep 0.1
  done
}
all_reachable() { # all_reachable N: node N sees every member
  [ "$(ctl "$1" --json nodes 2>/dev/null | grep -o '"reachable":true' | wc -l)" = 3 ]
}
start_cluster() { # starts nodes 1-3 and checks that each sees the others
  for n in 1 2 3; do start $n; done
  for n in 1 2 3; do
    check "node$n sees the whole cluster" wait_until 15 all_reachable $n
  done
}

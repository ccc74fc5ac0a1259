# Shared by the end-to-end tests of the 3-node cluster in configs/cluster-3
# (ports 4301-4303). Source it after setting `build`, `src` and `work`; it
# declares `pids` (node -> process), `failures`, `passes`, `failed_checks`
# (their descriptions), `start_args` (more dagshardd arguments for every node
# `start` starts; none unless a test sets them), `dagctl` (the console to
# run) and the helpers. With DS_TLS=1 the nodes run configs/tls-cluster-3
# (mutual TLS, certificates made in $work/certs), `dagctl` presents a
# console certificate of their CA, and `console_tls` holds its flags.
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
config_dir="$src/configs/cluster-3"
dagctl="$build/dagctl"
console_tls=() # a console's TLS flags (dagctl, dagbench), in TLS mode
if [ "${DS_TLS:-0}" = 1 ]; then
  config_dir="$src/configs/tls-cluster-3"
  "$src/tools/make-certs" "$work/certs" node1 node2 node3 >/dev/null || exit 1
  console_tls=(--tls-cert "$work/certs/client.pem" --tls-key "$work/certs/client.key"
    --tls-ca "$work/certs/ca.pem")
  mkdir -p "$work/bin"
  dagctl="$work/bin/dagctl"
  printf '#!/bin/sh\nexec "%s" --tls-cert "%s" --tls-key "%s" --tls-ca "%s" "$@"\n' \
    "$build/dagctl" "$work/certs/client.pem" "$work/certs/client.key" \
    "$work/certs/ca.pem" >"$dagctl"
  chmod +x "$dagctl"
fi
ctl() { "${dagctl:-$build/dagctl}" --node "127.0.0.1:430$1" "${@:2}"; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
require_free_ports() {
  # A node of the test before may still be stopping (up to its 5 s watchdog).
  for port in 4301 4302 4303; do
    local waited=0
    while port_in_use "$port"; do
      if [ $waited -ge 150 ]; then
        echo "port $port is in use: this test needs 4301-4303 free"
        exit 1
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
  done
}
start() { # start N: node N from its config, data in $work/nodeN, then $start_args
  local tls=()
  [ "${DS_TLS:-0}" = 1 ] && tls=(--openssl.certificate="$work/certs/node$1.pem"
    --openssl.key="$work/certs/node$1.key" --openssl.cafile="$work/certs/ca.pem")
  "$build/dagshardd" --config-file="$config_dir/node$1.ini" \
    --dagshard.data-dir="$work/node$1" "${tls[@]}" "${start_args[@]}" >>"$work/node$1.log" 2>&1 &
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

# Shared by the end-to-end tests of the operator's tools (cli, log,
# metrics, package). Source it after setting `build`: it makes `work` (a
# temporary folder removed at exit), keeps `procs` (processes started, killed
# at exit) and counts passes and failures.
work=$(mktemp -d /tmp/dagshard-e2e-XXXXXX)
procs=()
failures=0
passes=0
stop_all() {
  for p in "${procs[@]}"; do
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  procs=()
}
trap 'stop_all; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { passes=$((passes + 1)); }
check() { # check WHAT GOT WANT
  [ "$2" = "$3" ] && pass || fail "$1: got '$2', want '$3'"
}
http_status() { # http_status PORT PATH: the status code; the body in $work/body
  curl -s -o "$work/body" -w '%{http_code}' "http://127.0.0.1:$1$2"
}
wait_status() { # wait_status PORT PATH CODE: until it answers CODE (20 s)
  for _ in $(seq 1 200); do
    [ "$(http_status "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  return 1
}
wait_until() { # wait_until SECONDS COMMAND...: polls every 0.2 s
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -ge $deadline ] && return 1
    sleep 0.2
  done
}
served_port() { # served_port LOG: the gateway port a node logged (5 s at most)
  local p=""
  for _ in $(seq 1 100); do
    p=$(sed -n 's/.*serving on 127.0.0.1:\([0-9]*\).*/\1/p' "$1")
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.05
  done
  return 1
}
finish() {
  echo "$passes passed, $failures failed"
  [ $failures = 0 ]
}

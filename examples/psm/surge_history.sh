#!/usr/bin/env bash
# Prints a CSV access log (time,operation,path) of DAYS compressed days of
# SLOTS_PER_DAY one-second slots, ending now: DIR gets SURGE lookups per
# second during the 4 slots of its daily surge and QUIET otherwise; CALM
# gets QUIET lookups per second all day. The next surge starts AHEAD
# seconds from now. Feed it to `dagctl psm import` to give the PSM a
# history in which one directory gets busy at the same time every day.
#
# usage: surge_history.sh DIR CALM [DAYS] [SLOTS_PER_DAY] [AHEAD] [SURGE] [QUIET]
set -euo pipefail
dir=${1:?usage: surge_history.sh DIR CALM [DAYS] [SLOTS_PER_DAY] [AHEAD] [SURGE] [QUIET]}
calm=${2:?usage: surge_history.sh DIR CALM [DAYS] [SLOTS_PER_DAY] [AHEAD] [SURGE] [QUIET]}
days=${3:-6}
day=${4:-20}
ahead=${5:-8}
surge=${6:-400}
quiet=${7:-5}
now=$(date +%s)
awk -v now="$now" -v days="$days" -v day="$day" -v ahead="$ahead" \
    -v surge="$surge" -v quiet="$quiet" -v dir="$dir" -v calm="$calm" '
BEGIN {
  print "time,operation,path"
  first = now - days * day
  # The surge is the last 4 phases of a day; days start at `origin`, so
  # that the next surge starts at now + ahead.
  origin = now + ahead - (day - 4)
  for (t = first; t < now; t++) {
    phase = ((t - origin) % day + day) % day
    n = phase >= day - 4 ? surge : quiet
    for (i = 0; i < n; i++)
      printf "%d.%03d,lookup,%s/f%d\n", t, int(1000 * i / n), dir, i % 64
    for (i = 0; i < quiet; i++)
      printf "%d.%03d,lookup,%s/f%d\n", t, int(1000 * i / quiet), calm, i
  }
}'

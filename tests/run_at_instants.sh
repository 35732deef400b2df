#!/usr/bin/env bash
# The Qt-free tests (tests/kernel, tests/central, tests/core) with the wall clock of the whole process tree moved by
# libfaketime, so a date-dependent test fails here and not on some day in CI. Monotonic clocks stay real.
#   bash tests/run_at_instants.sh                      the four awkward instants below
#   bash tests/run_at_instants.sh 2028-02-29T23:55+08:00 ...   any instants GNU date reads
# `bash bootstrap.sh calendar [instants...]` installs what it needs first (it uses that .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing faketime"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends faketime
fi

instants=("$@")
if [ ${#instants[@]} = 0 ]; then
  instants=(
    "2027-01-01T00:00:30+08:00"  # New Year just after midnight in the city's zone: an empty "today"
    "2028-02-29T23:55:00+08:00"  # a leap day just before midnight
    "2027-06-21T12:00:00+08:00"  # midsummer
    "2027-01-31T23:50:00+08:00"  # the last day of a 31-day month
  )
fi

for instant in "${instants[@]}"; do
  local_time=$(date -d "$instant" '+%Y-%m-%d %H:%M:%S')  # faketime reads the machine's zone
  echo "== the Qt-free tests at $instant"
  # FAKETIME_DONT_RESET: child processes (the central servers) go on from the parent's faked time
  # instead of starting again at the instant; tests/faketime works around libfaketime's broken sleep.
  PYTHONPATH="$PWD/tests/faketime${PYTHONPATH:+:$PYTHONPATH}" FAKETIME_DONT_RESET=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
    QT_QPA_PLATFORM=offscreen faketime -f "@$local_time" \
    .venv/bin/python -m pytest tests/kernel tests/central tests/core -q -p no:cacheprovider
done

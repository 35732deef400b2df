#!/usr/bin/env bash
# One command from a fresh clone: install what is needed, then run.
#   bash bootstrap.sh run [cockpit args...]   start the cockpit on the embedded simulated Nantong
#   bash bootstrap.sh test [pytest args...]   run the test suite (offscreen)
#   bash bootstrap.sh central [args...]       start only the reference central API
#   bash bootstrap.sh calendar [instants...]  the Qt-free tests with the clock moved (tests/run_at_instants.sh)
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-run}"; shift || true

# Qt's offscreen and xcb platforms need a few system libraries; a fresh Debian lacks some.
debian_packages="libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-image0 libxcb-render-util0 libpulse0"
# The tests also drive a real X server with RandR monitors (screens unplugged and plugged back).
case "$what" in test) debian_packages="$debian_packages xvfb x11-xserver-utils xdotool" ;; esac
if command -v dpkg >/dev/null 2>&1; then
  missing=$(for p in $debian_packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  python3 -c 'import ensurepip' 2>/dev/null || missing="$missing python3-venv"
  if [ -n "${missing// /}" ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing system packages:" $missing
    $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $missing
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
extras="central"; case "$what" in test|calendar) extras="test" ;; esac
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[$extras]"

case "$what" in
  run) exec .venv/bin/cockpit "$@" ;;
  central) exec .venv/bin/cockpit-central "$@" ;;
  calendar) exec bash tests/run_at_instants.sh "$@" ;;
  test) QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: bash bootstrap.sh run|test|central|calendar [args...]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The whole test suite on a fresh machine: makes .venv, installs requirements.txt, installs
# Debian's chromium for the browser test when it can (root), then runs pytest.
# Usage: bash tests/run_all.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
echo "== installing requirements.txt"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
.venv/bin/python -m pip install -q -e . --no-deps
# The emoji font only makes the panels' status icons (✅ ⏳) readable in the test's screenshots.
if { ! command -v chromium >/dev/null 2>&1 || [ ! -d /usr/share/fonts/truetype/noto ]; } \
   && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null) \
    || echo "   (chromium could not be installed; the browser test will be skipped)"
fi
echo "== running the tests"
exec .venv/bin/python -m pytest "$@"

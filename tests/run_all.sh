#!/usr/bin/env bash
# The test suite on a fresh machine: makes .venv, installs requirements.txt (skipped while .venv is
# up to date), then runs pytest in two tiers:
#   quick  the library, the live panels without a browser, every notebook executed by nbval
#   rest   what is marked `heavy`: the notebooks under Colab's widget stack (.venv-colab), the
#          Binder environment (.venv-binder), the offline slides (npm), a real browser (Debian's
#          chromium, installed with apt-get when this runs as root and it is missing)
# Usage: bash tests/run_all.sh [--quick | --rest] [pytest arguments]
#   no option: both tiers, quick first (a failure there stops the run before the slow part)
#   --quick:   only the quick tier (no browser, no extra environments, no apt-get)
#   --rest:    only the rest (what --quick leaves out)
# Set NO_APT_GET=1 to never call apt-get (the browser test is then skipped if chromium is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY=${PYTHON:-python3}

tier=all
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) tier=quick ;;
    --rest) tier=rest ;;
    *) args+=("$arg") ;;
  esac
done
# A -m of your own replaces the tiers' selection: then pytest runs once, with it.
for arg in ${args[@]+"${args[@]}"}; do
  case "$arg" in -m|-m*) [ "$tier" = all ] && tier=own ;; esac
done

say() { printf '== %s\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi

# Skip pip while .venv already holds what requirements.txt and pyproject.toml ask for: the stamp
# is their hash (and the Python version), written after a successful install.
STAMP=.venv/run_all-installed.sha256
wanted=$(.venv/bin/python -c 'import hashlib, sys
h = hashlib.sha256(sys.version.encode())
for name in ("requirements.txt", "pyproject.toml"):
    h.update(open(name, "rb").read())
print(h.hexdigest())')
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  say ".venv is up to date with requirements.txt and pyproject.toml (delete $STAMP to reinstall)"
else
  say "installing requirements.txt and lib into .venv (about 600 MB; 1-3 minutes the first time, ~15 s after a change)"
  rm -f "$STAMP"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check -e . --no-deps
  echo "$wanted" > "$STAMP"
fi

# pytest's "no tests collected" (5) is not a failure when your arguments select only one tier.
run_pytest() {
  local rc=0
  .venv/bin/python -m pytest "$@" || rc=$?
  if [ "$rc" = 5 ] && [ "$tier" = all ]; then
    say "(nothing in this tier matched the arguments)"
    rc=0
  fi
  return "$rc"
}

install_chromium() {
  # Only what is missing, and --no-upgrade: a chromium already installed is left as it is.
  # The emoji font only makes the panels' status icons (✅ ⏳) readable in the screenshots.
  local missing=()
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
  [ -d /usr/share/fonts/truetype/noto ] || missing+=(fonts-noto-color-emoji)
  case " ${args[*]-} " in *" --collect-only "*|*" --co "*) return 0 ;; esac
  if [ ${#missing[@]} = 0 ] || [ "${NO_APT_GET:-0}" != 0 ] || [ "$(id -u)" != 0 ] \
     || ! command -v apt-get >/dev/null 2>&1; then
    return 0
  fi
  say "installing ${missing[*]} with apt-get for the browser test (about 400 MB with what they need, 1-3 minutes; NO_APT_GET=1 skips this)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade "${missing[@]}" >/dev/null) \
    || say "(apt-get could not install ${missing[*]}; the browser test will be skipped if chromium is missing)"
}

quick() {
  say "quick tier: the library, the live panels and every notebook executed by nbval (about 15 minutes on 2 cores)"
  run_pytest -m "not heavy" ${args[@]+"${args[@]}"}
}

rest() {
  install_chromium
  say "the rest: every chapter under Colab's widget stack (.venv-colab), the Binder environment (.venv-binder),"
  say "   chapters 1-3 and the offline slides in a real browser (about 20 minutes, plus 2-5 the first time to build the environments)"
  run_pytest -m heavy ${args[@]+"${args[@]}"}
}

case "$tier" in
  quick) quick ;;
  rest) rest ;;
  own) install_chromium; say "running pytest with your selection"; .venv/bin/python -m pytest "${args[@]}" ;;
  all)
    rc=0
    quick || rc=$?
    if [ "$rc" != 0 ]; then
      say "the quick tier failed (exit status $rc): the rest was not run (bash tests/run_all.sh --rest runs it)"
      exit "$rc"
    fi
    rest
    say "both tiers passed"
    ;;
esac

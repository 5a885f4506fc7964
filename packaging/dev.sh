#!/usr/bin/env bash
# Prepares the development environment when needed (.venv, installed from pyproject.toml) and then either opens
# the app or runs the whole test suite. Safe to run again and again: it reinstalls only when pyproject.toml changed.
#   packaging/dev.sh app [PROJECT]   open Workbench (on the demo project unless PROJECT is given)
#   packaging/dev.sh test [ARGS]     run the whole test suite headless (ARGS go to pytest)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Workbench needs Python 3.11 or newer ('$python' is $("$python" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating the environment in .venv ..." >&2
  "$python" -m venv .venv
fi
stamp=.venv/.workbench-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing Workbench and its dependencies into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$wanted" > "$stamp"
fi

case "${1:-}" in
  app)
    shift
    exec .venv/bin/workbench "$@"
    ;;
  test)
    shift
    export QT_QPA_PLATFORM=offscreen
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: packaging/dev.sh app [PROJECT] | test [PYTEST ARGS]" >&2
    exit 2
    ;;
esac

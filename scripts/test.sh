#!/usr/bin/env bash
# The whole test suite, on the database DATABASE_URL names (SQLite when unset).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "Chromium is missing at /usr/bin/chromium; CI must run the browser tests." >&2
    exit 1
  fi
  echo "NOTE: Chromium is not installed (run as root on Debian to install it); browser tests will be skipped." >&2
fi
echo "Database: ${DATABASE_URL:-sqlite (embedded)}"
# Two processes by default (the machines here have 2 cores); GUOMEN_TEST_WORKERS=0 runs in one.
workers="${GUOMEN_TEST_WORKERS:-2}"
if [ "$workers" = "0" ]; then
  .venv/bin/python -m pytest "$@"
else
  .venv/bin/python -m pytest -n "$workers" "$@"
fi
status=$?
# pytest's 5 means "no tests ran": a failure, never a pass.
exit $status

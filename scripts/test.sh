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
.venv/bin/python -m pytest "$@"
status=$?
# pytest's 5 means "no tests ran": treat it as a failure, never as a pass.
exit $status

#!/usr/bin/env bash
# Start guomen under production settings the way `make run` does (migrate, collectstatic, serve)
# on a scratch SQLite database and check that pages answer 200, not 500. Slow: collectstatic
# compresses the front-end libraries. Usage: bash scripts/production_smoke.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${1:-8765}
SCRATCH=$(mktemp -d)
SERVER=
trap 'if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi; rm -rf "$SCRATCH"' EXIT
export GUOMEN_ENV=production GUOMEN_VAR_DIR="$SCRATCH" GUOMEN_SSL_REDIRECT=0 \
  GUOMEN_ALLOWED_HOSTS=127.0.0.1 GUOMEN_SECRET_KEY=$($PY -c 'import secrets;print(secrets.token_urlsafe(50))') \
  GUOMEN_FIELD_KEYS=$($PY -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())') \
  GUOMEN_HASH_KEY=$($PY -c 'import secrets;print(secrets.token_urlsafe(32))') \
  GUOMEN_EXCHANGE_KEYS=$($PY -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())')
unset DATABASE_URL
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY -m gunicorn guomen.wsgi:application --bind 127.0.0.1:$PORT --workers 1 --log-level warning &
SERVER=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/api/health" && break; sleep 0.2; done
fail=0
for path in /login/ /places/declare/ /api/health; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$PORT$path")
  echo "$path $code"
  [ "$code" = 200 ] || fail=1
done
exit $fail

#!/usr/bin/env bash
# Debian packages guomen needs beyond Python: Chromium for the browser tests, Pango and a CJK
# font for PDFs (WeasyPrint), gettext for translation checks; with "bench", wrk. Installed only when missing,
# only as root on Debian; otherwise say what is missing and carry on.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qi "Noto Sans Myanmar" || need+=(fonts-noto-core)  # Burmese and Lao names
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || need+=(libharfbuzz-subset0)
command -v xgettext >/dev/null || need+=(gettext)
# `make bench` also wants wrk, the HTTP load generator of bench/loop_ingest.py.
if [ "${1:-}" = "bench" ]; then command -v wrk >/dev/null || need+=(wrk); fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "Could not install ${need[*]}; browser tests or PDFs may be skipped."
else
  echo "Missing Debian packages (install them as root): ${need[*]}"
fi
exit 0

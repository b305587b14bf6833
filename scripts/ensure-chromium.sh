#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (never a browser downloaded
# by playwright). Needs root and apt; exits non-zero when Chromium cannot be had, so the browser
# tests fail loudly instead of being skipped.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
echo "Chromium not found at $CHROMIUM; installing Debian's chromium package" >&2
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Cannot install Chromium: need root and apt-get. Install the 'chromium' package by hand." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another process may be installing at the same time (parallel Jest workers, CI); apt has its own locks.
flock /tmp/oversight-registry-chromium.lock sh -c '
  [ -x "'"$CHROMIUM"'" ] && exit 0
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
'
[ -x "$CHROMIUM" ] || { echo "Chromium is still missing at $CHROMIUM" >&2; exit 1; }

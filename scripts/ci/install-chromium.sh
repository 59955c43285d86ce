#!/usr/bin/env bash
# Install Debian's chromium (for the console's browser tests) when /usr/bin/chromium
# is missing. Idempotent; prints the version it finds.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

if [ ! -x /usr/bin/chromium ]; then
  echo "[install-chromium] installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  # Skip the index refresh when another script of ours already did it.
  if [ ! -f /tmp/.tflyte-apt-updated ]; then
    $SUDO apt-get update -qq && touch /tmp/.tflyte-apt-updated
  fi
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/tmp/apt-chromium.log 2>&1 || {
    tail -20 /tmp/apt-chromium.log >&2
    echo "[install-chromium] ERROR: apt-get install chromium failed (log: /tmp/apt-chromium.log)" >&2
    exit 1
  }
fi
echo "[install-chromium] $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium present')"

#!/usr/bin/env bash
# Install Debian's docker-registry (distribution 2.8: the `image build --push` tests push to an
# instance of their own) when it is missing. Only the program: the system service is never used.
# Idempotent; prints the version it finds.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

if ! command -v docker-registry >/dev/null 2>&1; then
  echo "[install-registry] installing Debian's docker-registry"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f /tmp/.tflyte-apt-updated ]; then
    $SUDO apt-get update -qq && touch /tmp/.tflyte-apt-updated
  fi
  $SUDO apt-get install -y -qq --no-install-recommends docker-registry >/tmp/apt-registry.log 2>&1 || {
    tail -20 /tmp/apt-registry.log >&2
    echo "[install-registry] ERROR: apt-get install docker-registry failed (log: /tmp/apt-registry.log)" >&2
    exit 1
  }
  # The package starts its system service where systemd runs: the tests run their own instance.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
fi
echo "[install-registry] $(docker-registry --version 2>/dev/null || echo 'docker-registry present')"

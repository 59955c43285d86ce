#!/usr/bin/env bash
# Make a Docker engine answer on this machine (idempotent).
# - If `docker info` already answers: do nothing.
# - Else install Debian's docker.io when dockerd is missing (apt-get update once),
#   start dockerd in the background (log: /tmp/dockerd.log) and wait, bounded,
#   for /var/run/docker.sock and `docker info`.
# Needs root (CI machines run as root). Exit code != 0 with a clear message on failure.
set -euo pipefail

WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
LOG=/tmp/dockerd.log
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

say() { echo "[install-docker] $*"; }
engine_up() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_up; then
  say "engine already answers: $(docker info --format '{{.ServerVersion}}' 2>/dev/null)"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "dockerd missing: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f /tmp/.tflyte-apt-updated ]; then $SUDO apt-get update -qq && touch /tmp/.tflyte-apt-updated; fi
  $SUDO apt-get install -y -qq docker.io >/tmp/apt-docker.log 2>&1 || {
    tail -20 /tmp/apt-docker.log >&2
    echo "[install-docker] ERROR: apt-get install docker.io failed (log: /tmp/apt-docker.log)" >&2
    exit 1
  }
fi
if ! command -v docker >/dev/null 2>&1; then
  echo "[install-docker] ERROR: docker CLI not found after install" >&2
  exit 1
fi

dockerd_running() {
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -q dockerd "/proc/$pid/comm" 2>/dev/null
}

if ! dockerd_running; then
  say "starting dockerd (log: $LOG)"
  # setsid: detach from this shell's process group so the engine outlives CI steps.
  $SUDO setsid nohup dockerd >"$LOG" 2>&1 </dev/null &
else
  say "dockerd already running; waiting for it to answer"
fi

deadline=$(( $(date +%s) + WAIT_SECONDS ))
until [ -S /var/run/docker.sock ] && engine_up; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "[install-docker] ERROR: Docker engine did not answer within ${WAIT_SECONDS}s" >&2
    echo "[install-docker] last lines of $LOG:" >&2
    tail -30 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.5
done
say "engine up: $(docker info --format '{{.ServerVersion}} ({{.Driver}})')"

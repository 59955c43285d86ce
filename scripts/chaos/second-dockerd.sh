#!/usr/bin/env bash
# A second Docker engine for fault tests, that can be killed and restarted without touching the
# machine's own: its own bridge (created here: `--bridge none` would delete the host's docker0),
# data root, exec root, pidfile and socket, and no iptables changes.
#
#   second-dockerd.sh start DIR   # prints the socket path once `docker info` answers
#   second-dockerd.sh kill DIR    # SIGKILL, as a crash
#   second-dockerd.sh stop DIR    # stops it and removes its bridge
set -euo pipefail
cmd="${1:?start|kill|stop}"
dir="${2:?state directory}"
bridge="tfchaos$(printf '%s' "$dir" | cksum | cut -c1-4)"
sock="$dir/docker.sock"
mkdir -p "$dir"
case "$cmd" in
  start)
    if ! ip link show "$bridge" >/dev/null 2>&1; then
      ip link add "$bridge" type bridge
      # RFC 2544 benchmark range: not a private range, and nothing routes to it.
      ip addr add 198.18.$(( 0x$(printf '%s' "$dir" | md5sum | cut -c1-2) )).1/24 dev "$bridge"
      ip link set "$bridge" up
    fi
    rm -f "$sock"
    nohup dockerd --bridge "$bridge" --iptables=false --ip-masq=false --data-root "$dir/data" --exec-root "$dir/exec" \
      --pidfile "$dir/docker.pid" -H "unix://$sock" >>"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 120); do
      if DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1; then echo "$sock"; exit 0; fi
      sleep 0.5
    done
    echo "second dockerd did not answer; see $dir/dockerd.log" >&2
    exit 1
    ;;
  kill)
    [ -f "$dir/docker.pid" ] && kill -9 "$(cat "$dir/docker.pid")" 2>/dev/null || true
    ;;
  stop)
    if [ -f "$dir/docker.pid" ]; then
      pid="$(cat "$dir/docker.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    ip link del "$bridge" 2>/dev/null || true
    # dockerd bind-mounts its roots onto themselves: undo that so the directory can go.
    for m in $(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

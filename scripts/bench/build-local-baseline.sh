#!/usr/bin/env bash
# Builds the binary of the separate local scheduler that local runs used before they went through
# the engine (issue 11), for `npm run bench -- --local-baseline FILE`.
# Usage: scripts/bench/build-local-baseline.sh [OUT]   (default OUT: ~/.cache/tflyte-bench/local-baseline)
# It checks out the last commit with the scheduler in a temporary worktree, installs its
# dependencies (npm ci, from npm's cache when it can) and runs its own build.
set -euo pipefail
COMMIT=6fffa3a # the parent of 1be2c5b, "Local runs go through the sandbox's engine in-process"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/tflyte-bench/local-baseline}"
if [ -x "$OUT" ]; then echo "$OUT exists"; exit 0; fi
WORK="$(mktemp -d)"
cleanup() { git -C "$ROOT" worktree remove --force "$WORK/src" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
git -C "$ROOT" worktree add --detach "$WORK/src" "$COMMIT" >/dev/null
(cd "$WORK/src" && npm ci --prefer-offline --no-audit --no-fund >"$WORK/npm.log" 2>&1 && npm run build >"$WORK/build.log" 2>&1) || {
  tail -20 "$WORK/npm.log" "$WORK/build.log" 2>/dev/null >&2
  echo "build-local-baseline: building $COMMIT failed (logs above)" >&2
  exit 1
}
mkdir -p "$(dirname "$OUT")"
cp "$WORK/src/dist/tflyte-sandbox" "$OUT"
echo "$OUT"

#!/usr/bin/env bash
# Build SeaweedFS (a real S3-compatible server: the S3 storage suites run against it) from the Go
# module proxy when it is not built yet. The module pinned in tools/seaweedfs/go.mod is built once
# into ~/.cache/tflyte-go/bin/weed (modules cached in ~/.cache/tflyte-go/mod): about 3 minutes of
# downloads and 6 of build on 2 cores the first time, nothing after. Prints the binary's path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${TFLYTE_GO_CACHE:-$HOME/.cache/tflyte-go}"
BIN="$CACHE/bin/weed"
STAMP="$CACHE/bin/weed.gomod"
if [ -x "$BIN" ] && [ -f "$STAMP" ] && cmp -s "$STAMP" "$ROOT/tools/seaweedfs/go.mod"; then
  echo "[install-seaweedfs] $BIN (cached)"
  exit 0
fi
command -v go >/dev/null || { echo "[install-seaweedfs] ERROR: go is missing (the polyglot machine has Go 1.26)" >&2; exit 1; }
mkdir -p "$CACHE/bin"
echo "[install-seaweedfs] building SeaweedFS from the Go module proxy (first time: ~10 minutes)"
cd "$ROOT/tools/seaweedfs"
export GOMODCACHE="$CACHE/mod" GOFLAGS=-mod=mod GOTOOLCHAIN=local
[ -f go.sum ] || go mod download github.com/seaweedfs/seaweedfs
go build -trimpath -ldflags='-s -w' -o "$BIN.tmp" github.com/seaweedfs/seaweedfs/weed
mv "$BIN.tmp" "$BIN"
cp go.mod "$STAMP"
echo "[install-seaweedfs] $BIN"

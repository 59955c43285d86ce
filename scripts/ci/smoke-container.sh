#!/usr/bin/env bash
# Smoke test: run the single binary inside a minimal container image made from it.
#   scripts/ci/smoke-container.sh [BINARY] [ARGS...]     (default: dist/tflyte-sandbox --version)
# Builds a rootfs with only the binary (/usr/local/bin/tflyte-sandbox), the glibc
# libraries `ldd` lists and /tmp (1777), `docker import`s it, runs it the way task
# containers do (read-only root, tmpfs /tmp, HOME=/, TFLYTE_NATIVE_CACHE=/tmp,
# no network, non-root user), prints the output, then removes the image.
set -euo pipefail
BIN="${1:-dist/tflyte-sandbox}"; shift || true
if [ "$#" -eq 0 ]; then set -- --version; fi
[ -x "$BIN" ] || { echo "[smoke-container] ERROR: $BIN is not an executable" >&2; exit 1; }

STAGE="$(mktemp -d /tmp/tflyte-rootfs.XXXXXX)"
TAG="tflyte-smoke:$$-$RANDOM"
cleanup() { rm -rf "$STAGE"; docker rmi -f "$TAG" >/dev/null 2>&1 || true; }
trap cleanup EXIT

mkdir -p "$STAGE/usr/local/bin" "$STAGE/tmp" "$STAGE/etc"
chmod 1777 "$STAGE/tmp"
cp "$BIN" "$STAGE/usr/local/bin/tflyte-sandbox"
# Every library the binary (and better-sqlite3's addon, same set) links against, at its path.
for lib in $(ldd "$BIN" | grep -o '/[^ ]*'); do
  mkdir -p "$STAGE$(dirname "$lib")"
  cp -L "$lib" "$STAGE$lib"
done
echo "nobody:x:65534:65534:nobody:/:/sbin/nologin" > "$STAGE/etc/passwd"

tar -C "$STAGE" -cf - . | docker import - "$TAG" >/dev/null
size=$(docker image inspect "$TAG" --format '{{.Size}}')
echo "[smoke-container] image $TAG: $((size / 1024 / 1024)) MB"
docker run --rm --network none --read-only --tmpfs /tmp:exec,mode=1777 \
  --user 65534:65534 -e HOME=/ -e TFLYTE_NATIVE_CACHE=/tmp \
  --entrypoint /usr/local/bin/tflyte-sandbox "$TAG" "$@"

#!/usr/bin/env bash
# A Python virtualenv with flytekit for the pyflyte suite (test/e2e/pyflyte.e2e.test.ts):
# .build/pyflyte-venv, from PyPI, kept while the pinned version matches.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.build/pyflyte-venv"
FLYTEKIT_VERSION="${FLYTEKIT_VERSION:-1.16.31}"
if [ -x "$VENV/bin/pyflyte" ] && "$VENV/bin/python" -c "import flytekit, sys; sys.exit(flytekit.__version__ != '$FLYTEKIT_VERSION')" 2>/dev/null; then
  echo "flytekit $FLYTEKIT_VERSION already in $VENV"
  exit 0
fi
command -v python3 >/dev/null || { echo "install-flytekit: python3 is missing (the polyglot machine has Python 3.11)" >&2; exit 1; }
rm -rf "$VENV"
if ! python3 -m venv "$VENV"; then
  # Debian's own python3 needs python3-venv for ensurepip.
  rm -rf "$VENV"
  apt-get install -y -q python3-venv
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "flytekit==$FLYTEKIT_VERSION"
echo "flytekit $("$VENV/bin/python" -c 'import flytekit; print(flytekit.__version__)') in $VENV"

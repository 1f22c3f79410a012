#!/usr/bin/env bash
# Install the peers that benchmarks/bench.py compares cardimg with, OUTSIDE the repository.
#
#   benchmarks/setup_peers.sh            # into /tmp/bench-peers
#   BENCH_PEERS=/some/dir benchmarks/setup_peers.sh
#
# Everything comes from the package registries by name, through their ordinary clients
# (npm, pip), using whatever registry those clients are configured for. Nothing of the
# peers is copied into this repository. A peer that fails to install is reported and
# skipped; bench.py then prints "not installed" for it.
#
#   <dir>/node/          npm project: satori, @resvg/resvg-js, @takumi-rs/core
#   <dir>/pictex-venv/   Python venv with pictex
#   <dir>/takumi-venv/   Python venv with takumi-py (takumi's Python binding)
#
# Versions are pinned so that a recorded run can be repeated; override with the
# environment variables below (e.g. SATORI_VERSION=latest).
set -u

DIR="${BENCH_PEERS:-/tmp/bench-peers}"
SATORI_VERSION="${SATORI_VERSION:-0.63.2}"
RESVG_VERSION="${RESVG_VERSION:-2.6.2}"
TAKUMI_VERSION="${TAKUMI_VERSION:-2.16.3}"
PICTEX_VERSION="${PICTEX_VERSION:-2.3.0}"
TAKUMI_PY_VERSION="${TAKUMI_PY_VERSION:-0.3.0}"
PYTHON="${PYTHON:-python3}"

case "$DIR" in
    "$(cd "$(dirname "$0")/.." && pwd)"*) echo "refusing to install peers inside the repository: $DIR" >&2; exit 2 ;;
esac

mkdir -p "$DIR/node"
status=0

echo "== node peers in $DIR/node"
cd "$DIR/node" || exit 1
[ -f package.json ] || printf '{\n  "name": "cardimg-bench-peers",\n  "private": true\n}\n' > package.json
# Satori (layout -> SVG) and resvg (SVG -> PNG) are needed together.
if ! npm install --no-audit --no-fund "satori@$SATORI_VERSION" "@resvg/resvg-js@$RESVG_VERSION"; then
    echo "!! satori / @resvg/resvg-js failed to install" >&2; status=1
fi
# takumi: a Rust renderer with prebuilt native bindings per platform (optional dependencies).
if npm install --no-audit --no-fund "@takumi-rs/core@$TAKUMI_VERSION"; then
    node -e 'require("@takumi-rs/core")' 2>/dev/null \
        || { echo "!! @takumi-rs/core installed but its native binding does not load on $(uname -sm)" >&2; status=1; }
else
    echo "!! @takumi-rs/core failed to install" >&2; status=1
fi

echo "== pictex in $DIR/pictex-venv"
if "$PYTHON" -m venv "$DIR/pictex-venv" \
    && "$DIR/pictex-venv/bin/pip" install --quiet "pictex==$PICTEX_VERSION"; then
    "$DIR/pictex-venv/bin/python" -c 'import pictex' \
        || { echo "!! pictex installed but does not import" >&2; status=1; }
else
    echo "!! pictex failed to install" >&2; status=1
fi

echo "== takumi-py in $DIR/takumi-venv"
if "$PYTHON" -m venv "$DIR/takumi-venv" \
    && "$DIR/takumi-venv/bin/pip" install --quiet "takumi-py==$TAKUMI_PY_VERSION"; then
    "$DIR/takumi-venv/bin/python" -c 'import takumi_py' \
        || { echo "!! takumi-py installed but does not import on $(uname -sm)" >&2; status=1; }
else
    echo "!! takumi-py failed to install" >&2; status=1
fi

echo "== installed"
(cd "$DIR/node" && npm ls --depth=0 2>/dev/null)
"$DIR/pictex-venv/bin/pip" list 2>/dev/null | grep -iE '^(pictex|skia-python|pillow) ' || true
"$DIR/takumi-venv/bin/pip" list 2>/dev/null | grep -iE '^takumi-py ' || true
exit $status

#!/usr/bin/env bash
# Create (once) and print the path of the project's virtual environment.
# The venv lives outside the clone, keyed by the dependency lists, so fresh clones and CI reuse it:
#   $APOLLO_VENV, or ~/.cache/apollo_posenet/venv-<hash of the requirements>.
# Progress goes to stderr; the only line on stdout is the venv path.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[env] $*" >&2; }

# 1. System libraries for headless OpenGL (the synthetic-road renderer): EGL + Mesa's CPU renderer.
if ! ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1' || ! ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1; then
  pkgs="libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri"
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    log "installing $pkgs"
    $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkgs >&2
  else
    log "WARNING: no apt-get; install EGL and Mesa (llvmpipe) by hand to render the synthetic road"
  fi
fi

# 2. The virtual environment.
PY=${PYTHON:-python3}
TORCH_PIN=""
# On Linux x86_64 + Python 3.11 these two lie on the machine's disk (a local wheel store); elsewhere pip picks.
if [ "$(uname -sm)" = "Linux x86_64" ] && $PY -c 'import sys; sys.exit(sys.version_info[:2]!=(3,11))'; then
  TORCH_PIN="torch==2.14.1 torchvision==0.29.1"
fi
KEY=$( { grep -E '^(requirements|dev_requirements) *=' settings.ini; echo "$TORCH_PIN"; $PY -V; } | sha1sum | cut -c1-12)
VENV=${APOLLO_VENV:-$HOME/.cache/apollo_posenet/venv-$KEY}
if [ ! -f "$VENV/.apollo_complete" ]; then
  log "creating $VENV (first time: ~3 minutes)"
  rm -rf "$VENV"; mkdir -p "$(dirname "$VENV")"
  $PY -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip setuptools wheel packaging >&2
  quiet() { grep -v -E "^WARNING: Location|BuildBackendWarning|^ *!!|^ *\*+$|classifiers|SPDX|packaging.python.org|_finalize_license|^ *$" >&2 || true; }
  if [ -n "$TORCH_PIN" ]; then "$VENV/bin/pip" install -q $TORCH_PIN 2>&1 | quiet; fi
  "$VENV/bin/pip" install -q -e ".[dev]" 2>&1 | quiet
  "$VENV/bin/python" -c "import apollo_posenet, fastai, torch, nbdev" || { echo "[env] install failed" >&2; exit 1; }
  touch "$VENV/.apollo_complete"
fi
# 3. This clone, editable (seconds): the venv may have been made by another clone.
if ! out=$("$VENV/bin/pip" install -q --no-deps --no-build-isolation -e . 2>&1); then echo "$out" >&2; exit 1; fi
echo "$VENV"

#!/usr/bin/env bash
# Create (once) and print the path of this clone's virtual environment.
# Two layers, so that a fresh clone is ready in seconds and a clone's commands always run that clone's code:
#   1. the dependencies, shared by every clone and CI, outside the clone, keyed by the dependency lists:
#      $APOLLO_VENV, or ~/.cache/apollo_posenet/deps-<hash of the requirements>  (never holds apollo_posenet itself);
#   2. <clone>/.venv: a small venv that sees layer 1 (a .pth file) and holds this clone, installed editable, with its
#      console scripts (apollo_train, ...). Another clone's commands never import this clone's code, and vice versa.
# Progress goes to stderr; the only line on stdout is the path of <clone>/.venv.
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
KEY=$( { grep -E '^(requirements|dev_requirements) *=' settings.ini; echo "$TORCH_PIN"; $PY -V; echo deps-only; } | sha1sum | cut -c1-12)
VENV=${APOLLO_VENV:-$HOME/.cache/apollo_posenet/deps-$KEY}
if [ ! -f "$VENV/.apollo_complete" ]; then
  log "creating $VENV (first time: ~3 minutes)"
  rm -rf "$VENV"; mkdir -p "$(dirname "$VENV")"
  $PY -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip setuptools wheel packaging >&2
  quiet() { grep -v -E "^WARNING: Location|BuildBackendWarning|^ *!!|^ *\*+$|classifiers|SPDX|packaging.python.org|_finalize_license|^ *$" >&2 || true; }
  if [ -n "$TORCH_PIN" ]; then "$VENV/bin/pip" install -q $TORCH_PIN 2>&1 | quiet; fi
  reqs=$(sed -n -E 's/^(requirements|dev_requirements) *= *//p' settings.ini | tr '\n' ' ')
  "$VENV/bin/pip" install -q $TORCH_PIN $reqs 2>&1 | quiet
  "$VENV/bin/python" -c "import fastai, torch, nbdev, accelerate" || { echo "[env] install failed" >&2; exit 1; }
  touch "$VENV/.apollo_complete"
fi
# 3. This clone: <clone>/.venv on top of the shared dependencies, with the clone installed editable (seconds).
CV="$PWD/.venv"
SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if [ ! -x "$CV/bin/python" ] || [ "$(cat "$CV/.apollo_deps" 2>/dev/null)" != "$VENV $PWD" ]; then  # new deps, or a moved clone
  log "creating $CV (this clone's commands, on the shared dependencies in $VENV)"
  rm -rf "$CV"; "$VENV/bin/python" -m venv --without-pip "$CV"
  CSITE=$("$CV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "import site; site.addsitedir('$SITE')" > "$CSITE/_apollo_posenet_deps.pth"
  if [ -d "$VENV/share/jupyter" ]; then mkdir -p "$CV/share"; ln -sfn "$VENV/share/jupyter" "$CV/share/jupyter"; fi  # nbconvert's templates
  for t in "$VENV"/bin/nbdev_*; do  # nbdev's commands, run by this clone's python (nbdev_docs imports the library)
    if [ -f "$t" ]; then { echo "#!$CV/bin/python"; tail -n +2 "$t"; } > "$CV/bin/$(basename "$t")"; chmod +x "$CV/bin/$(basename "$t")"; fi
  done
  echo "$VENV $PWD" > "$CV/.apollo_deps"
fi
if ! out=$("$CV/bin/python" -m pip install -q --no-deps --no-build-isolation -e . 2>&1); then echo "$out" >&2; exit 1; fi
got=$(cd / && "$CV/bin/python" -c 'import apollo_posenet, os; print(os.path.dirname(os.path.dirname(os.path.abspath(apollo_posenet.__file__))))')
[ "$got" = "$PWD" ] || { echo "[env] $CV imports apollo_posenet from $got, not from this clone ($PWD)" >&2; exit 1; }
echo "$CV"

#!/usr/bin/env bash
# Set up zoogen on a fresh machine.
#
#   bash tools/setup.sh docs     what the site needs: zoogen itself (about a minute; no torch, no mmdet)
#   bash tools/setup.sh test     everything the tests need: the site install, the test tools, the verification
#                                stack (torch CPU build, mmcv 2.1.0 with compiled ops, mmengine, mmdet), headless
#                                Chromium with a CJK font, and a one-node Slurm cluster (started)
#   bash tools/setup.sh verify   the site install and the verification stack only (a GPU runner)
#
# mmcv 2.1.0 exists on PyPI only as a source package; its build takes about 11-16 minutes on 2 cores.
# The wheel is kept in $ZOOGEN_WHEEL_CACHE (default ~/.cache/zoogen/wheels) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PIP=("$PY" -m pip install --disable-pip-version-check --progress-bar off)
MODE=${1:-test}

case "$MODE" in
  docs | test | verify) ;;
  full) MODE=test ;;  # the old name
  *) echo "usage: bash tools/setup.sh [docs|test|verify]" >&2; exit 2 ;;
esac

if [ "$MODE" = docs ]; then
  "${PIP[@]}" -e .
  exit 0
fi

# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build. TORCH_INDEX_URL picks the build
# (e.g. https://download.pytorch.org/whl/cpu, or a CUDA index on a GPU runner: see docs/gpu-runner.md).
if [ -n "${TORCH_INDEX_URL:-}" ]; then
  "${PIP[@]}" "torch==2.13.0" --index-url "$TORCH_INDEX_URL"
fi
"${PIP[@]}" "torch==2.13.0" "setuptools>=77,<81" ninja wheel

if ! "$PY" -c "import mmcv._ext" 2>/dev/null; then
  wheels=${ZOOGEN_WHEEL_CACHE:-$HOME/.cache/zoogen/wheels}
  mkdir -p "$wheels"
  if ! compgen -G "$wheels/mmcv-2.1.0-*.whl" >/dev/null; then
    echo "Building mmcv 2.1.0 with its compiled ops (about 11-16 minutes on 2 cores)..."
    MMCV_WITH_OPS=1 FORCE_CUDA=${FORCE_CUDA:-0} MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "$PY" -m pip wheel --no-deps --no-build-isolation -w "$wheels" "mmcv==2.1.0"
  fi
  # mmdet's wheel declares neither mmcv nor mmengine: install both explicitly.
  "${PIP[@]}" "$(compgen -G "$wheels/mmcv-2.1.0-*.whl" | head -n 1)" "mmengine==0.10.7"
fi

if [ "$MODE" = verify ]; then
  "${PIP[@]}" -e ".[verify]" "torch==2.13.0"
else
  "${PIP[@]}" -e ".[verify,test]" "torch==2.13.0"
fi
"$PY" -c "import mmcv._ext, mmdet, torch; print('verification stack: torch', torch.__version__, 'mmdet', mmdet.__version__)"

if [ "$MODE" = test ]; then
  bash tools/setup-browser.sh   # Debian's chromium, chromium-driver, fonts-noto-cjk; selenium
  bash tools/setup-slurm.sh     # slurmctld, slurmd, munge: a one-node cluster on 127.0.0.1, started
fi

#!/usr/bin/env bash
# Set up zoogen on a fresh machine: the package, its test tools and the verification stack
# (torch CPU build, mmcv 2.1.0 with compiled ops, mmengine, mmdet).
#
#   bash tools/setup.sh          everything (site build, tests, zoogen verify)
#   bash tools/setup.sh docs     the light install: enough to build the site
#
# mmcv 2.1.0 exists on PyPI only as a source package; its build takes about 11 minutes on 2 cores.
# The wheel is kept in $ZOOGEN_WHEEL_CACHE (default ~/.cache/zoogen/wheels) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PIP=("$PY" -m pip install --disable-pip-version-check --progress-bar off)

if [ "${1:-full}" = docs ]; then
  "${PIP[@]}" -e .
  exit 0
fi

# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build. TORCH_INDEX_URL picks the build
# (e.g. https://download.pytorch.org/whl/cpu, or .../cu126 on a GPU runner: see docs/gpu-runner.md).
if [ -n "${TORCH_INDEX_URL:-}" ]; then
  "${PIP[@]}" "torch==2.13.0" --index-url "$TORCH_INDEX_URL"
fi
"${PIP[@]}" "torch==2.13.0" "setuptools<81" ninja wheel

if ! "$PY" -c "import mmcv._ext" 2>/dev/null; then
  wheels=${ZOOGEN_WHEEL_CACHE:-$HOME/.cache/zoogen/wheels}
  mkdir -p "$wheels"
  if ! compgen -G "$wheels/mmcv-2.1.0-*.whl" >/dev/null; then
    echo "Building mmcv 2.1.0 with its compiled ops (about 11 minutes on 2 cores)..."
    MMCV_WITH_OPS=1 FORCE_CUDA=${FORCE_CUDA:-0} MAX_JOBS=${MAX_JOBS:-2} \
      "$PY" -m pip wheel --no-deps --no-build-isolation -w "$wheels" "mmcv==2.1.0"
  fi
  # mmdet's wheel declares neither mmcv nor mmengine: install both explicitly.
  "${PIP[@]}" "$(compgen -G "$wheels/mmcv-2.1.0-*.whl" | head -n 1)" "mmengine==0.10.7"
fi

"${PIP[@]}" -e ".[verify,test]" "torch==2.13.0"
"$PY" -c "import mmcv._ext, mmdet, torch; print('verification stack: torch', torch.__version__, 'mmdet', mmdet.__version__)"

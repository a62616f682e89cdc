#!/usr/bin/env bash
# Set up zoogen on a fresh machine.
#
#   bash tools/setup.sh docs     what the site needs: zoogen itself (about a minute; no torch, no mmdet)
#   bash tools/setup.sh test     everything the tests need: the site install, the test tools, the verification
#                                stack (torch 2.14.1 + torchvision 0.29.1, mmcv 2.1.0 with compiled ops built
#                                against that torch, mmengine, mmdet, mmpretrain, mmsegmentation, mmpose), headless
#                                Chromium with a CJK font, and a one-node Slurm cluster (started)
#   bash tools/setup.sh verify   the site install and the verification stack only (a GPU runner)
#
# mmcv 2.1.0 exists on PyPI only as a source package; its build takes about 12 minutes on 2 quiet cores (732 s
# measured against torch 2.14.1; 38 minutes under a load of 4-8). torch 2.14.1 + torchvision 0.29.1 are 5.5 GB.
# The wheel is kept in $ZOOGEN_WHEEL_CACHE/<key> (default ~/.cache/zoogen/wheels; the key names torch, CUDA,
# the GPU architectures and Python: tools/mmcv_build.py) and reused by the same build only.
# On a GPU host (a CUDA build of torch that sees a GPU, or FORCE_CUDA=1) mmcv is built with CUDA ops for
# TORCH_CUDA_ARCH_LIST, by default the GPUs' own architecture (+PTX); the set-up ends with an op check on it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PIP=("$PY" -m pip install --disable-pip-version-check --progress-bar off)
MODE=${1:-test}
# The family's libraries import torchvision, and PyPI's torchvision loads only beside its own torch: the pair is
# pinned together. torch 2.14.1 from PyPI is a CUDA build that also runs on the CPU (5.5 GB with its NVIDIA
# libraries; about a minute from a local wheel cache); the same stack serves the CPU tests and a GPU runner.
TORCH=("torch==2.14.1" "torchvision==0.29.1")

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
  "${PIP[@]}" "${TORCH[@]}" --index-url "$TORCH_INDEX_URL"
fi
"${PIP[@]}" "${TORCH[@]}" "setuptools>=77,<81" ninja wheel

# mmcv 2.1.0 for this machine (tools/mmcv_build.py plans it): MMCV_MODE=cpu, or cuda for the architectures
# in MMCV_ARCH_LIST (TORCH_CUDA_ARCH_LIST if set, else the visible GPUs' own with +PTX, else 7.0 V100 ... 9.0+PTX),
# its wheel cached under MMCV_KEY = torch, CUDA, architectures and Python: a wheel is only reused by its like.
plan=$("$PY" tools/mmcv_build.py plan) || exit 2
eval "$plan"
if ! "$PY" tools/mmcv_build.py installed; then
  wheels=${ZOOGEN_WHEEL_CACHE:-$HOME/.cache/zoogen/wheels}/$MMCV_KEY
  mkdir -p "$wheels"
  if ! compgen -G "$wheels/mmcv-2.1.0-*.whl" >/dev/null; then
    if [ "$MMCV_MODE" = cuda ]; then
      echo "Building mmcv 2.1.0 with CUDA ops for TORCH_CUDA_ARCH_LIST=$MMCV_ARCH_LIST (nvcc; minutes per architecture)..."
      build_env=(FORCE_CUDA=1 "TORCH_CUDA_ARCH_LIST=$MMCV_ARCH_LIST")
    else
      echo "Building mmcv 2.1.0 with its compiled ops (about 12 minutes on 2 quiet cores)..."
      build_env=(FORCE_CUDA=0 CUDA_VISIBLE_DEVICES=)  # mmcv builds CUDA ops whenever torch sees a GPU
    fi
    # mmcv 2.1.0's source, its C++ standard raised to what this torch's headers need (C++20 from torch 2.10:
    # mmcv hard-codes C++14/17); --no-build-isolation: the build uses this torch and setuptools<81 (mmcv's
    # setup.py imports pkg_resources); --no-cache-dir: pip would otherwise reuse a wheel built against another torch
    source=$(mktemp -d)
    trap 'rm -rf "$source"' EXIT
    "$PY" -m pip download --disable-pip-version-check --no-deps --no-binary :all: --no-cache-dir -d "$source" \
      "mmcv==2.1.0"
    tar -xzf "$source"/mmcv-2.1.0.tar.gz -C "$source"
    "$PY" tools/mmcv_build.py patch "$source/mmcv-2.1.0"
    env "${build_env[@]}" MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "$PY" -m pip wheel --no-deps --no-build-isolation --no-cache-dir -w "$wheels.partial" "$source/mmcv-2.1.0"
    mv "$wheels.partial"/mmcv-2.1.0-*.whl "$wheels"/ && rmdir "$wheels.partial"
  fi
  "$PY" -m pip uninstall -y --disable-pip-version-check mmcv mmcv-full >/dev/null 2>&1 || true
  # mmdet's wheel declares neither mmcv nor mmengine: install both explicitly.
  "${PIP[@]}" "$(compgen -G "$wheels/mmcv-2.1.0-*.whl" | head -n 1)" "mmengine==0.10.7" "${TORCH[@]}"
  "$PY" tools/mmcv_build.py mark
fi

if [ "$MODE" = verify ]; then
  "${PIP[@]}" -e ".[verify]" "${TORCH[@]}"
else
  "${PIP[@]}" -e ".[verify,test]" "${TORCH[@]}"
fi
# MMPose 1.3.2 declares chumpy (an SMPL helper that mmpose's own code never imports, and whose setup.py no
# longer runs under current pip) and xtcocotools, whose wheels are compiled against numpy 1: mmpose goes in
# without its declared dependencies, xtcocotools is built from source against this numpy, and the rest as declared.
"${PIP[@]}" --no-binary xtcocotools "xtcocotools>=1.12,<2" "munkres>=1.1,<2" "json-tricks>=3.17,<4"
"${PIP[@]}" --no-deps "mmpose==1.3.2"
"$PY" -c "import mmcv._ext, mmdet, mmpretrain, mmseg, mmpose, torch, torchvision, xtcocotools.coco
print('verification stack: torch', torch.__version__, 'torchvision', torchvision.__version__, 'mmdet', mmdet.__version__,
      'mmpretrain', mmpretrain.__version__, 'mmseg', mmseg.__version__, 'mmpose', mmpose.__version__)"
# mmcv's ops proven on the device: a convolution, nms and RoIAlign on CUDA device 0 when torch sees a GPU
# (else on the CPU); a CPU-only or wrong-architecture build fails here with the command that fixes it.
"$PY" -m zoogen.verify.preflight --device auto
if [ "$MMCV_MODE" = cuda ] && ! "$PY" -c "import torch, sys; sys.exit(not torch.cuda.is_available())"; then
  echo "note: mmcv was built with CUDA ops for $MMCV_ARCH_LIST, but no GPU is visible here: checked on the CPU only"
fi

if [ "$MODE" = test ]; then
  bash tools/setup-browser.sh   # Debian's chromium, chromium-driver, fonts-noto-cjk; selenium
  bash tools/setup-slurm.sh     # slurmctld, slurmd, munge: a one-node cluster on 127.0.0.1, started
fi

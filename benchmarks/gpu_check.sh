#!/usr/bin/env bash
# The GPU check of `zoogen verify`: one command of at most 10 minutes on a CUDA machine that has PyTorch
# (with CUDA and nvcc) preinstalled and no network.
#
#   bash benchmarks/gpu_check.sh --prepare   here, with network: put in .whl/ what that machine lacks
#                                            (wheels for its Python, the mmcv 2.1.0 source) -- see below
#   bash benchmarks/gpu_check.sh             there (the device tool: carry [".whl"]): build mmcv's ops for
#                                            that GPU only, verify on CUDA, print the records, time both
#                                            harnesses; everything also lands in $OUT (or ./gpu-check-out)
#
# Steps of the check, each logged:
#   1. the machine: nvidia-smi, Python, torch, CUDA, cuDNN, nvcc;
#   2. install the carried wheels into /tmp/site (no index, no dependencies resolved: the list is exact);
#   3. build mmcv 2.1.0 with its CUDA ops for this device's compute capability only
#      (TORCH_CUDA_ARCH_LIST=<major.minor>, MAX_JOBS=all cores). If the build fails (torch 2.11, CUDA 13
#      and numpy 2 are untried with mmcv 2.1.0), its log is the result: the script prints its tail and
#      stops with status 3;
#   4. the tiny detector of tests/verify (synthetic data, trained here) and MMDetection's own
#      faster-rcnn_r50_fpn_1x_coco.py with random weights, both served from 127.0.0.1 and verified with
#      `zoogen verify --gpu` (the second on a tiny synthetic COCO set with COCO class names);
#   5. the records: device name, driver, CUDA, cuDNN, fps, peak CUDA memory;
#   6. benchmarks/bench_verify.py --device cuda: mmdet's InferenceBenchmark against zoogen's timing.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WHEELS=.whl
OUT=${OUT:-$PWD/gpu-check-out}

# What the lent machine (Python 3.12, torch 2.11 + CUDA 13, numpy 2) lacks, pinned. It already has
# click, jinja2, rich, pyyaml, requests, psutil, numpy, scipy, matplotlib, opencv-python-headless,
# pillow, tqdm, six, packaging (KINDS.md of the device tool); the versions below are this project's.
PURE="mmengine==0.10.7 mmdet==3.3.0 addict==2.4.0 yapf==0.43.0 platformdirs==4.14.9 termcolor==3.3.0
      terminaltables==3.1.10 pydantic==2.13.4 annotated-types==0.7.0 typing-inspection==0.4.2 polib==1.2.0
      babel==2.19.0"
BINARY="pydantic-core==2.46.4 pycocotools==2.0.11 faster-coco-eval==1.8.0 shapely==2.2.0"

if [ "${1:-}" = --prepare ]; then
  mkdir -p "$WHEELS"
  grep -qxF "/$WHEELS/" .git/info/exclude 2>/dev/null || echo "/$WHEELS/" >> .git/info/exclude
  platforms=(--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
             --platform manylinux2014_x86_64 --platform manylinux1_x86_64)
  # shellcheck disable=SC2086
  "$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    "${platforms[@]}" -d "$WHEELS" $PURE $BINARY || exit 1
  "$PY" -m pip download --no-deps --no-binary=:all: -d "$WHEELS" "mmcv==2.1.0" || exit 1
  du -sh "$WHEELS"
  exit 0
fi

mkdir -p "$OUT"
log() { printf '\n== %s\n' "$*" | tee -a "$OUT/gpu-check.log"; }
exec > >(tee -a "$OUT/gpu-check.log") 2>&1

log "1. the machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv || true
nvcc --version | tail -n 2 || true
"$PY" - <<'EOF'
import sys, torch
print("python", sys.version.split()[0], "| torch", torch.__version__, "| CUDA", torch.version.cuda,
      "| cuDNN", torch.backends.cudnn.version(), "| available", torch.cuda.is_available())
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(0), "capability", torch.cuda.get_device_capability(0))
EOF

log "2. the carried wheels"
if ! compgen -G "$WHEELS/*.whl" >/dev/null; then
  echo "no wheels in $WHEELS: run 'bash benchmarks/gpu_check.sh --prepare' first, and carry $WHEELS"; exit 2
fi
"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
  "$WHEELS"/*.whl || exit 2
export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}

log "3. mmcv 2.1.0 with CUDA ops for this GPU"
ARCH=$("$PY" -c "import torch; print('%d.%d' % torch.cuda.get_device_capability(0))")
started=$(date +%s)
mkdir -p /tmp/mmcv-wheel
if ! TORCH_CUDA_ARCH_LIST="$ARCH" FORCE_CUDA=1 MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" \
     "$PY" -m pip wheel --no-deps --no-build-isolation --no-index -w /tmp/mmcv-wheel "$WHEELS"/mmcv-2.1.0.tar.gz \
     > "$OUT/mmcv-build.log" 2>&1; then
  echo "mmcv's build FAILED after $(( $(date +%s) - started )) s (arch $ARCH); the end of its log:"
  tail -n 60 "$OUT/mmcv-build.log"
  exit 3
fi
echo "mmcv built in $(( $(date +%s) - started )) s for TORCH_CUDA_ARCH_LIST=$ARCH"
"$PY" -m pip install -q --no-index --no-deps --target /tmp/site /tmp/mmcv-wheel/mmcv-*.whl || exit 3
"$PY" - <<'EOF' || exit 3
import torch
from mmcv.ops import nms
boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10]], dtype=torch.float32, device="cuda")
print("mmcv CUDA nms:", nms(boxes, torch.tensor([0.9, 0.8], device="cuda"), 0.5)[1].tolist())
EOF

log "4-5. zoogen verify --gpu: the tiny detector and faster-rcnn_r50_fpn_1x_coco (random weights)"
timeout 300 "$PY" - "$OUT" <<'EOF'
import hashlib, json, subprocess, sys, tempfile
from pathlib import Path
sys.path.insert(0, "tests/verify")
import torch
import tiny_detector
from checkpoint_server import CheckpointServer
from test_truthful_mmdet import _coco_named_set

out = Path(sys.argv[1])
work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
build = tiny_detector.build_all(work / "tiny")
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmdet.registry import MODELS
from zoogen.verify.runner import default_configs_root

configs = default_configs_root()
init_default_scope("mmdet")
faster = MODELS.build(Config.fromfile(str(configs / "faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py")).model)
raw = work / "faster.pth"
torch.save({"meta": {}, "state_dict": faster.state_dict()}, raw)
faster_name = f"faster-rcnn_r50_fpn_1x_coco_random-{hashlib.sha256(raw.read_bytes()).hexdigest()[:8]}.pth"
named = _coco_named_set(work / "coco-named", images=8)
with CheckpointServer() as server:
    tiny = Path(build["checkpoint"])
    server.add(tiny.name, tiny.read_bytes())
    server.add(faster_name, raw.read_bytes())
    tiny_zoo = tiny_detector.write_tiny_zoo(work / "zoo-tiny", server.url(tiny.name), 0.0)
    faster_zoo = work / "zoo-faster"
    (faster_zoo / "faster_rcnn").mkdir(parents=True)
    (faster_zoo / "model-index.yml").write_text("Import:\n  - faster_rcnn/metafile.yml\n")
    (faster_zoo / "faster_rcnn" / "metafile.yml").write_text(f"""Models:
  - Name: faster-rcnn_r50_fpn_1x_coco_random
    Config: configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: 37.4
    Weights: {server.url(faster_name)}
""")
    runs = [(tiny_zoo, build["data_root"], build["configs_root"]), (faster_zoo, named, configs)]
    for zoo, data, root in runs:
        cmd = [sys.executable, "-m", "zoogen.cli", "verify", "--gpu", "--zoo", str(zoo), "--data-root",
               str(data), "--configs-root", str(root), "--results", str(out / "records"),
               "--cache-dir", str(work / "cache")]
        print("$", " ".join(cmd[2:]), flush=True)
        done = subprocess.run(cmd, text=True, capture_output=True)
        print(done.stdout[-3000:], done.stderr[-2000:], "exit", done.returncode, flush=True)
for path in sorted((out / "records").glob("*/*.json")):
    record = json.loads(path.read_text())
    env, speed, memory = record["environment"], record["speed"] or {}, record["memory"] or {}
    print(f"{record['model']}: status {record['status']} step {record['step']} error {record['error']}")
    print(f"  device {env['device_name']} | driver {env['driver']} | CUDA {env['cuda']} | cuDNN {env['cudnn']}"
          f" | torch {env['torch']} | mmcv {env['mmcv']}")
    print(f"  fps {speed.get('fps')} ({speed.get('images')} images) | peak {memory.get('kind')} memory "
          f"{memory.get('peak_mb')} MiB | metrics {[(m['metric'], m['measured'], m['verdict']) for m in record['metrics']]}")
    print(f"  timings {record.get('timings')}")
EOF
echo "verify step exit $?"

log "6. speed fidelity on CUDA: mmdet InferenceBenchmark vs zoogen"
timeout 200 "$PY" benchmarks/bench_verify.py --skip-a --skip-b --device cuda --images 200 --speed-rounds 5
echo "benchmark exit $?"

#!/usr/bin/env bash
# The GPU check of `zoogen verify` on a CUDA machine that has PyTorch (with CUDA and nvcc) and no network.
# It is split into two device calls of at most 10 minutes each, since building mmcv's CUDA ops alone may take
# most of one; every step runs under `timeout` with the budget below, and each phase ends well inside 600 s.
#
#   bash benchmarks/gpu_check.sh --prepare   here, with network: .whl/ gets what that machine lacks -- pinned
#                                            wheels for its Python (setuptools<81 among them: mmcv 2.1.0's
#                                            setup.py imports pkg_resources and is built --no-build-isolation),
#                                            the mmcv 2.1.0 source, and the tiny detector's and classifier's
#                                            checkpoints trained here (nothing is retrained there)
#   bash benchmarks/gpu_check.sh build       there, call 1 (carry [".whl"]): steps 1-4 (worst case 9 min):
#                                            mmcv built for this GPU's architecture in .gpu-build/ (ignored by
#                                            git, so it stays on the warm machine). A build cut off by its
#                                            budget resumes where it stopped (ninja) when `build` runs again
#   bash benchmarks/gpu_check.sh check       there, call 2, at once (the machine stays warm only briefly):
#                                            steps 2-6 (worst case 9 min) with the wheel built in call 1
#
# Steps (budget in seconds):
#   1. the machine: nvidia-smi, Python, torch, CUDA, cuDNN, nvcc                                   (20 each)
#   2. the carried wheels into /tmp/site, no index, no dependencies resolved: the list is exact          (90)
#   3. mmcv 2.1.0 built with CUDA ops for this GPU's compute capability (+PTX), MAX_JOBS = all cores   (300)
#      and installed into /tmp/site                                                                      (30)
#   4. python -m zoogen.verify.preflight --device cuda:0: conv, nms, RoIAlign on the GPU                 (60)
#   5. `zoogen verify --gpu` on the tiny detector (its AP against MMDetection's Runner.test() on the same
#      GPU), on MMDetection's faster-rcnn_r50_fpn_1x_coco.py with random weights, and on the tiny MMPretrain
#      classifier (the generic mmengine path: its top-1 against MMPretrain's Runner.test() on the same GPU); the
#      records: device, driver, CUDA (torch's and mmcv's), cuDNN, capability, fps, peak CUDA memory, each
#      step's wall share                                                                                (220)
#   6. benchmarks/bench_verify.py --device cuda (c): InferenceBenchmark against zoogen's measured pass,
#      fps and peak CUDA memory on the same GPU                                                        (130)
# Everything is logged to $OUT/gpu-check.log (or ./gpu-check-out); a failed build prints its log's tail.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WHEELS=.whl
BUILD=.gpu-build
OUT=${OUT:-$PWD/gpu-check-out}
PHASE=${1:-}

# What the lent machine (Python 3.12, torch 2.11 + CUDA 13, numpy 2) lacks, pinned. It already has click,
# jinja2, rich, pyyaml, requests, psutil, numpy, scipy, matplotlib, opencv-python-headless, pillow, tqdm, six,
# packaging, nvidia-ml-py (KINDS.md of the device tool); the versions below are this project's.
PURE="mmengine==0.10.7 mmdet==3.3.0 addict==2.4.0 yapf==0.43.0 platformdirs==4.14.9 termcolor==3.3.0
      terminaltables==3.1.10 pydantic==2.13.4 annotated-types==0.7.0 typing-inspection==0.4.2 polib==1.2.0
      babel==2.19.0 setuptools==80.9.0
      mmpretrain==1.2.0 mmsegmentation==1.2.2 einops==0.8.2 mat4py==0.6.0 modelindex==0.0.2 model-index==0.1.11
      ordered-set==4.1.0 prettytable==3.19.0 wcwidth==0.7.0 ftfy==6.3.1 markdown==3.11.3"
BINARY="pydantic-core==2.46.4 pycocotools==2.0.11 faster-coco-eval==1.8.0 shapely==2.2.0 regex==2026.5.9"

if [ "$PHASE" = --prepare ]; then
  mkdir -p "$WHEELS/tiny"
  for ignored in "/$WHEELS/" "/$BUILD/"; do
    grep -qxF "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >> .git/info/exclude
  done
  platforms=(--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
             --platform manylinux2014_x86_64 --platform manylinux1_x86_64)
  # shellcheck disable=SC2086
  "$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    "${platforms[@]}" -d "$WHEELS" $PURE $BINARY || exit 1
  "$PY" -m pip download --no-deps --no-binary=:all: -d "$WHEELS" "mmcv==2.1.0" || exit 1
  # The tiny detector, trained here on the CPU (its data and config are rebuilt there from the same seed).
  PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} "$PY" - "$WHEELS/tiny" <<'EOF' || exit 1
import contextlib, io, shutil, sys, tempfile
from pathlib import Path
sys.path.insert(0, "tests/verify")
import tiny_classifier
import tiny_detector
work = Path(tempfile.mkdtemp(prefix="gpu-check-prepare-"))
data = tiny_detector.make_tiny_coco(work / "coco")
config = tiny_detector.write_tiny_config(work / "mmdet", data)
imagenet = tiny_classifier.make_tiny_imagenet(work / "in1k")
cls_config = tiny_classifier.write_tiny_config(work / "mmpretrain", imagenet)
with contextlib.redirect_stdout(io.StringIO()):
    checkpoint = tiny_detector.train_tiny_detector(config, work / "train", work / "ckpt")
    classifier = tiny_classifier.train_tiny_classifier(cls_config, work / "train-cls", work / "ckpt-cls")
for old in Path(sys.argv[1]).glob("*.pth"):
    old.unlink()
shutil.copy(checkpoint, sys.argv[1])
(Path(sys.argv[1]) / "cls").mkdir(exist_ok=True)
for old in (Path(sys.argv[1]) / "cls").glob("*.pth"):
    old.unlink()
shutil.copy(classifier, Path(sys.argv[1]) / "cls")
print("tiny checkpoints:", checkpoint.name, classifier.name)
EOF
  du -sh "$WHEELS"
  exit 0
fi
case "$PHASE" in
  build | check) ;;
  *) echo "usage: bash benchmarks/gpu_check.sh --prepare | build | check" >&2; exit 2 ;;
esac

mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu-check.log") 2>&1
log() { printf '\n== %s (%s s into the %s call)\n' "$1" "$SECONDS" "$PHASE"; }
# step NAME SECONDS COMMAND...: run COMMAND under its budget; say so when the budget ran out.
step() {
  local name=$1 budget=$2; shift 2
  timeout --kill-after=10 "$budget" "$@"
  local status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "$name: stopped by its time budget of $budget s"
  fi
  return "$status"
}

if ! compgen -G "$WHEELS/*.whl" >/dev/null || ! compgen -G "$WHEELS/tiny/*.pth" >/dev/null; then
  echo "nothing prepared in $WHEELS: run 'bash benchmarks/gpu_check.sh --prepare' here first, and carry $WHEELS"
  exit 2
fi

if [ "$PHASE" = build ]; then
  log "1. the machine"
  step "nvidia-smi" 20 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
  step "nvcc" 20 nvcc --version | tail -n 2
  step "torch" 20 "$PY" - <<'EOF'
import sys, setuptools, torch
print("python", sys.version.split()[0], "| torch", torch.__version__, "| CUDA", torch.version.cuda,
      "| cuDNN", torch.backends.cudnn.version(), "| available", torch.cuda.is_available(),
      "| setuptools", setuptools.__version__)
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(0), "capability", torch.cuda.get_device_capability(0))
EOF
fi

log "2. the carried wheels"
step "install" 90 "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site "$WHEELS"/*.whl || exit 2
export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}  # /tmp/site first: its setuptools<81 for mmcv

if [ "$PHASE" = build ]; then
  log "3. mmcv 2.1.0 with CUDA ops for this GPU"
  ARCH=$("$PY" -c "import torch; print('%d.%d+PTX' % torch.cuda.get_device_capability(0))") || exit 3
  mkdir -p "$BUILD/dist"
  [ -d "$BUILD/src/mmcv-2.1.0" ] || { mkdir -p "$BUILD/src" && tar -xzf "$WHEELS"/mmcv-2.1.0.tar.gz -C "$BUILD/src"; }
  "$PY" tools/mmcv_build.py patch "$BUILD/src/mmcv-2.1.0" || exit 3  # C++20 where this torch's headers need it
  started=$SECONDS
  # In-tree build (a local folder): ninja's objects stay in $BUILD/src, so a build cut off resumes.
  if ! step "mmcv build" 300 env TORCH_CUDA_ARCH_LIST="$ARCH" FORCE_CUDA=1 MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" \
       "$PY" -m pip wheel --no-deps --no-build-isolation --no-index -w "$BUILD/dist" \
       "$BUILD/src/mmcv-2.1.0" > "$OUT/mmcv-build.log" 2>&1; then
    echo "mmcv's build stopped after $(( SECONDS - started )) s (TORCH_CUDA_ARCH_LIST=$ARCH); the end of its log:"
    tail -n 40 "$OUT/mmcv-build.log"
    echo "(if its budget ran out: run 'bash benchmarks/gpu_check.sh build' again at once; it resumes)"
    exit 3
  fi
  echo "mmcv built in $(( SECONDS - started )) s for TORCH_CUDA_ARCH_LIST=$ARCH"
fi

log "3b. mmcv installed, 4. its ops on the GPU"
if ! compgen -G "$BUILD/dist/mmcv-2.1.0-*.whl" >/dev/null; then
  echo "no mmcv wheel in $BUILD/dist: run 'bash benchmarks/gpu_check.sh build' first (same warm machine)"
  exit 3
fi
step "mmcv install" 30 "$PY" -m pip install -q --no-index --no-deps --upgrade --target /tmp/site \
  "$BUILD"/dist/mmcv-2.1.0-*.whl || exit 3
step "op check" 60 "$PY" -m zoogen.verify.preflight --device cuda:0 || exit 4
[ "$PHASE" = build ] && { echo "build done in $SECONDS s: now 'bash benchmarks/gpu_check.sh check'"; exit 0; }

log "5. zoogen verify --gpu: the tiny detector and faster-rcnn_r50_fpn_1x_coco (random weights)"
PYTHONUNBUFFERED=1 step "verify" 220 "$PY" - "$OUT" "$WHEELS/tiny" <<'EOF'
import contextlib, hashlib, io, json, subprocess, sys, tempfile
from pathlib import Path
sys.path.insert(0, "tests/verify")
import torch
import tiny_detector
from checkpoint_server import CheckpointServer
from test_truthful_mmdet import _coco_named_set

out, carried = Path(sys.argv[1]), Path(sys.argv[2])
work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
data = tiny_detector.make_tiny_coco(work / "tiny" / "coco")
config = tiny_detector.write_tiny_config(work / "tiny" / "mmdet", data)
tiny = next(carried.glob("*.pth"))
with contextlib.redirect_stdout(io.StringIO()):
    reference = tiny_detector.reference_metrics(config, tiny, data, work / "ref", device="cuda")
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
    import tiny_classifier  # the generic mmengine path: MMPretrain's test loop on the same GPU
    imagenet = tiny_classifier.make_tiny_imagenet(work / "cls" / "in1k")
    cls_config = tiny_classifier.write_tiny_config(work / "cls" / "mmpretrain", imagenet)
    classifier = next((carried / "cls").glob("*.pth"))
    with contextlib.redirect_stdout(io.StringIO()):
        cls_reference = tiny_classifier.reference_metrics(cls_config, classifier, imagenet, work / "ref-cls",
                                                          device="cuda")
    server.add(classifier.name, classifier.read_bytes())
    cls_zoo = tiny_classifier.write_tiny_zoo(work / "zoo-cls", server.url(classifier.name),
                                             tiny_classifier.published_metrics(cls_reference))
    for zoo, root, configs_root in [(tiny_zoo, data, work / "tiny" / "mmdet"), (faster_zoo, named, configs),
                                    (cls_zoo, imagenet, work / "cls" / "mmpretrain")]:
        cmd = [sys.executable, "-m", "zoogen.cli", "verify", "--gpu", "--zoo", str(zoo), "--data-root",
               str(root), "--configs-root", str(configs_root), "--results", str(out / "records"),
               "--cache-dir", str(work / "cache")]
        print("$", " ".join(cmd[2:]), flush=True)
        done = subprocess.run(cmd, text=True, capture_output=True)
        print(done.stdout[-3000:], done.stderr[-2000:], "exit", done.returncode, flush=True)
for path in sorted((out / "records").glob("*/*.json")):
    record = json.loads(path.read_text())
    env, speed, memory = record["environment"], record["speed"] or {}, record["memory"] or {}
    print(f"{record['model']}: status {record['status']} step {record['step']} error {record['error']}")
    print(f"  device {env['device_name']} (capability {env.get('compute_capability')}, "
          f"{env.get('device_memory_mb')} MiB) | driver {env['driver']} | CUDA torch {env['cuda']} / mmcv "
          f"{env.get('mmcv_cuda')} | cuDNN {env['cudnn']} | torch {env['torch']} | mmcv {env['mmcv']}")
    print(f"  fps {speed.get('fps')} ({speed.get('images')} images, {speed.get('precision')}) | peak "
          f"{memory.get('kind')} memory {memory.get('peak_mb')} MiB | metrics "
          f"{[(m['metric'], m['measured'], m['verdict']) for m in record['metrics']]}")
    timings = record.get("timings") or {}
    total = timings.get("total") or 0
    shares = ", ".join(f"{k} {v:.1f} s ({100 * v / total:.0f}%)" for k, v in timings.items() if k != "total" and total)
    print(f"  wall {total:.1f} s: {shares}")
    if record["model"].startswith("tiny"):
        ours = [m["measured"] for m in record["metrics"] if m["metric"] == "box AP"]
        print(f"  tiny box AP: zoogen {ours} | MMDetection Runner.test() on the same GPU "
              f"{round(100 * reference['coco/bbox_mAP'], 1)}")
    if record["model"] == tiny_classifier.MODEL_NAME:
        print(f"  tiny top-1: zoogen {[m['measured'] for m in record['metrics']]} | MMPretrain Runner.test() on the "
              f"same GPU {cls_reference}")
EOF
echo "verify step exit $?"

log "6. speed fidelity on the GPU: InferenceBenchmark against zoogen's measured pass"
PYTHONUNBUFFERED=1 step "bench" 130 "$PY" benchmarks/bench_verify.py --skip-a --skip-b --device cuda \
  --checkpoint "$(compgen -G "$WHEELS/tiny/*.pth" | head -n 1)" --images 200 --speed-rounds 5
echo "benchmark exit $? after $SECONDS s"

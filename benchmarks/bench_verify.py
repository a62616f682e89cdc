"""Benchmarks of zoogen's verification stage.

(a) Wall time of the whole ``zoogen verify`` pipeline (download from a local server, hash check, safe load,
    evaluation + speed measurement in one DetectorSession, judge, record) for the tiny detector on
    N validation images, against MMDetection's own way: ``Runner.from_cfg(cfg).test()`` (tools/test.py)
    followed by ``InferenceBenchmark`` (tools/analysis_tools/benchmark.py, made to run on the CPU), on
    the same model and data. Target: ratio <= 1.1.
(b) COCO evaluation time of pycocotools vs faster-coco-eval on a synthetic 5000-image detection set,
    the statistics asserted identical.
(c) Speed fidelity: MMDetection's own ``InferenceBenchmark`` (mmdet.utils.benchmark, what
    tools/analysis_tools/benchmark.py runs) and zoogen's measured pass (`DetectorSession.measure_speed`, the
    very method whose figures the records hold) on the same model, device and images, alternating over
    several rounds; both fps (and, on CUDA, peak allocator memory, the idle harness' model moved to the CPU
    meanwhile) printed with their spread and the ratio of the medians (target: within +-3%). On the CPU
    the benchmark's CUDA calls are made no-ops; on CUDA (``--device cuda``) both run as they are.

Both (a) and (c) run MMDetection's side on the device zoogen runs on (``--device``; MMEngine's Runner
would otherwise move the model to CUDA whenever torch sees a GPU).

    python benchmarks/bench_verify.py [--images 200] [--coco-images 5000] [--device cpu|cuda]
                                      [--speed-rounds 5] [--skip-a] [--skip-b] [--skip-c]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "verify"))


# -- (a) ---------------------------------------------------------------------------------------------


def _mmdet_reference(
    config: Path, checkpoint: Path, data_root: Path, work_dir: Path, device: str = "cpu"
) -> tuple[dict, float]:
    """tools/test.py then benchmark.py (InferenceBenchmark, CUDA calls made no-ops on the CPU), both on
    ``device``; wall time."""
    import mmdet.utils.benchmark as mmdet_benchmark
    import tiny_detector
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    start = time.perf_counter()
    cfg = Config.fromfile(str(config))
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    cfg.test_dataloader.dataset.data_root = str(data_root) + "/"
    cfg.test_evaluator.ann_file = str(data_root / "annotations" / "instances_val2017.json")
    cfg.work_dir = str(work_dir)
    cfg.load_from = str(checkpoint)
    with tiny_detector.runner_device(device):
        metrics = Runner.from_cfg(cfg).test()

    bench_cfg = Config.fromfile(str(config))
    bench_cfg.test_dataloader.dataset.data_root = str(data_root) + "/"
    init_default_scope("mmdet")
    with cuda_as_noops(device):
        logger = MMLogger.get_instance(f"bench-mmdet-{time.monotonic_ns()}", log_level="WARNING")
        bench = mmdet_benchmark.InferenceBenchmark(
            bench_cfg, str(checkpoint), False, False, 2000, 50, 5, logger=logger
        )
        bench.run(1)
    return metrics, time.perf_counter() - start


@contextlib.contextmanager
def cuda_as_noops(device: str):
    """On the CPU, make the CUDA calls of mmdet's InferenceBenchmark no-ops (on CUDA: change nothing)."""
    import mmdet.utils.benchmark as mmdet_benchmark
    import torch
    from mmengine.model import BaseModel

    if device != "cpu":
        yield
        return
    patches = [
        (torch.cuda, "synchronize", lambda *a, **k: None),
        (torch.nn.Module, "cuda", lambda self, *a, **k: self),
        (BaseModel, "cuda", lambda self, *a, **k: self),
        (mmdet_benchmark, "get_max_cuda_memory", lambda *a, **k: 0),
    ]
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    for obj, name, value in patches:
        setattr(obj, name, value)
    try:
        yield
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)


def _zoogen(
    config: Path, checkpoint: Path, data_root: Path, work_dir: Path, device_name: str = "cpu"
) -> tuple[dict, dict, float]:
    """The whole `zoogen verify` pipeline for the tiny zoo: download from a local HTTP server into an empty
    cache, hash check, safe load, evaluate, time, judge, write the record."""
    import functools
    import http.server
    import threading

    import tiny_detector

    from zoogen.meta import load_zoo
    from zoogen.records import load_records
    from zoogen.verify.device import resolve_device
    from zoogen.verify.environment import collect_environment
    from zoogen.verify.runner import VerifyOptions, run_verification

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(checkpoint.parent))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{checkpoint.name}"
        zoo = tiny_detector.write_tiny_zoo(work_dir / "zoo", url, box_ap=0.0)
        start = time.perf_counter()
        device = resolve_device(False, device_name)
        models = load_zoo(zoo).zoo.models
        environment = collect_environment(device.describe(), zoo_dir=zoo, command="bench_verify")
        options = VerifyOptions(results_dir=work_dir / "results", data_root=data_root,
                                configs_root=config.parents[2], cache_dir=work_dir / "cache", zoo_dir=zoo)
        summary = run_verification(models, options=options, environment=environment, device=device)
        seconds = time.perf_counter() - start
    finally:
        server.shutdown()
    [record] = summary.records
    assert record.status == "ok", record.error
    [stored] = load_records(work_dir / "results")[record.model]
    metrics = {"coco/bbox_mAP": round(stored.metrics[0].measured / 100, 3)}
    return metrics, {"fps": stored.speed.fps, "timed_images": stored.speed.images}, seconds


def bench_a(images: int, checkpoint: Path | None, rounds: int, device: str = "cpu") -> None:
    import tiny_detector

    tmp = Path(tempfile.mkdtemp(prefix="zoogen-bench-"))
    data_root = tiny_detector.make_tiny_coco(tmp / "coco", val=images)
    config = tiny_detector.write_tiny_config(tmp / "mmdet", data_root)
    if checkpoint is None:
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            checkpoint = tiny_detector.train_tiny_detector(config, tmp / "train", tmp / "ckpt")
        print(f"trained the tiny detector in {time.perf_counter() - t0:.1f} s -> {checkpoint.name}")
    where = "CUDA" if device == "cuda" else f"CPU ({_threads()} threads)"
    print(f"(a) tiny detector, {images} val images, {where}, both harnesses on the same device")
    with contextlib.redirect_stdout(io.StringIO()):  # untimed: imports and lazy registries of both paths
        _mmdet_reference(config, checkpoint, data_root, tmp / "warm-ref", device)
        _zoogen(config, checkpoint, data_root, tmp / "warm-zoo", device)
    ours, theirs = [], []
    for i in range(rounds):
        with contextlib.redirect_stdout(io.StringIO()):
            ref_metrics, ref_s = _mmdet_reference(config, checkpoint, data_root, tmp / f"ref{i}", device)
            metrics, speed, our_s = _zoogen(config, checkpoint, data_root, tmp / f"zoo{i}", device)
        assert metrics["coco/bbox_mAP"] == round(float(ref_metrics["coco/bbox_mAP"]), 3), (metrics, ref_metrics)
        theirs.append(ref_s)
        ours.append(our_s)
        print(
            f"  round {i + 1}: mmdet test loop + benchmark.py {ref_s:6.2f} s | zoogen verify {our_s:6.2f} s"
            f" | ratio {our_s / ref_s:.2f} | bbox_mAP {metrics['coco/bbox_mAP']:.3f} (identical)"
            f" | {speed['fps']:.1f} fps over {speed['timed_images']} timed images"
        )
    print(
        f"  best of {rounds}: mmdet {min(theirs):.2f} s, zoogen {min(ours):.2f} s,"
        f" ratio {min(ours) / min(theirs):.2f} (target <= 1.10)"
    )


def _threads() -> int:
    import torch

    return torch.get_num_threads()


# -- (b) ---------------------------------------------------------------------------------------------


def synthetic_detection_set(n_images: int, seed: int = 0) -> tuple[dict, list[dict]]:
    """A COCO ground truth of ``n_images`` images (80 categories) and noisy detections of it."""
    rng = random.Random(seed)
    categories = [{"id": i + 1, "name": f"c{i + 1}"} for i in range(80)]
    images, anns, dets = [], [], []
    ann_id = 1
    for image_id in range(1, n_images + 1):
        width, height = 640, 480
        images.append({"id": image_id, "width": width, "height": height, "file_name": f"{image_id}.jpg"})
        for _ in range(rng.randint(1, 14)):
            w, h = rng.uniform(8, 300), rng.uniform(8, 300)
            x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
            cat = rng.randint(1, 80)
            anns.append(
                {
                    "id": ann_id,
                    "image_id": image_id,
                    "category_id": cat,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": int(rng.random() < 0.01),
                }
            )
            ann_id += 1
            if rng.random() < 0.85:  # a detection near the object
                jitter = [
                    rng.gauss(0, 0.1 * w),
                    rng.gauss(0, 0.1 * h),
                    rng.gauss(0, 0.1 * w),
                    rng.gauss(0, 0.1 * h),
                ]
                box = [x + jitter[0], y + jitter[1], max(1.0, w + jitter[2]), max(1.0, h + jitter[3])]
                det_cat = cat if rng.random() < 0.9 else rng.randint(1, 80)
                dets.append(
                    {"image_id": image_id, "category_id": det_cat, "bbox": box, "score": rng.random()}
                )
        for _ in range(rng.randint(0, 20)):  # false positives
            w, h = rng.uniform(8, 200), rng.uniform(8, 200)
            box = [rng.uniform(0, width - w), rng.uniform(0, height - h), w, h]
            dets.append(
                {
                    "image_id": image_id,
                    "category_id": rng.randint(1, 80),
                    "bbox": box,
                    "score": 0.6 * rng.random(),
                }
            )
    return {"images": images, "annotations": anns, "categories": categories}, dets


def bench_b(n_images: int) -> None:
    from faster_coco_eval import COCOeval_faster
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt_doc, dets = synthetic_detection_set(n_images)
    print(
        f"(b) COCO bbox evaluation, {n_images} images, {len(gt_doc['annotations'])} objects,"
        f" {len(dets)} detections"
    )
    with tempfile.TemporaryDirectory() as tmp:
        gt_file = Path(tmp) / "gt.json"
        gt_file.write_text(json.dumps(gt_doc))
        stats = {}
        for name, cls in (("pycocotools", COCOeval), ("faster-coco-eval", COCOeval_faster)):
            with contextlib.redirect_stdout(io.StringIO()):
                gt = COCO(str(gt_file))
                dt = gt.loadRes([dict(d) for d in dets])
                start = time.perf_counter()
                coco_eval = cls(gt, dt, "bbox")  # as MMDetection's CocoMetric sets it up
                coco_eval.params.maxDets = [100, 300, 1000]
                coco_eval.evaluate()
                coco_eval.accumulate()
                coco_eval.summarize()
                seconds = time.perf_counter() - start
            stats[name] = [round(float(v), 12) for v in coco_eval.stats[:12]]
            print(f"  {name:17s} {seconds:6.2f} s   mAP {stats[name][0]:.4f}  AR@1000 {stats[name][8]:.4f}")
        assert stats["pycocotools"] == stats["faster-coco-eval"], stats
        print("  the 12 statistics are identical")


# -- (c) ---------------------------------------------------------------------------------------------


def _spread(values: list[float]) -> str:
    med = statistics.median(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return (f"median {med:7.2f} fps  (min {min(values):.2f}, max {max(values):.2f}, "
            f"sd {sd:.2f} = {100 * sd / med:.1f}%)")


def bench_c(images: int, checkpoint: Path | None, rounds: int, device_name: str) -> None:
    """mmdet's InferenceBenchmark vs zoogen's timing: same model, device, images; rounds alternate."""
    import mmdet.utils.benchmark as mmdet_benchmark
    import tiny_detector
    import torch
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope

    from zoogen.verify.checkpoint import load_checkpoint
    from zoogen.verify.detection import DetectorSession
    from zoogen.verify.device import resolve_device

    tmp = Path(tempfile.mkdtemp(prefix="zoogen-bench-c-"))
    data_root = tiny_detector.make_tiny_coco(tmp / "coco", val=images)
    config = tiny_detector.write_tiny_config(tmp / "mmdet", data_root)
    if checkpoint is None:
        with contextlib.redirect_stdout(io.StringIO()):
            checkpoint = tiny_detector.train_tiny_detector(config, tmp / "train", tmp / "ckpt")
    device = resolve_device(device_name == "cuda", None)
    init_default_scope("mmdet")
    with contextlib.redirect_stdout(io.StringIO()), cuda_as_noops(device_name):
        cfg = Config.fromfile(str(config))
        cfg.test_dataloader.dataset.data_root = str(data_root) + "/"
        logger = MMLogger.get_instance(f"bench-c-{time.monotonic_ns()}", log_level="WARNING")
        # max_iter = the images of the set, so run_once computes its fps at the last image
        bench = mmdet_benchmark.InferenceBenchmark(cfg, str(checkpoint), False, False, images, images, 5,
                                                   logger=logger)
        session = DetectorSession(config, load_checkpoint(checkpoint), data_root=data_root, device=device,
                                  work_dir=tmp / "work")
        bench.run_once()  # warm both (lazy registries, allocator)
        session.measure_speed(max_images=images)
    print(f"(c) speed fidelity: tiny detector, {images} images, {device.name} ({torch.get_num_threads()} threads),"
          f" {rounds} alternating rounds, 5 warm-up images excluded by both")
    on_cuda = device_name == "cuda"

    def run_mmdet() -> tuple[float, float]:
        if on_cuda:  # only the timed model on the GPU, as in a run of benchmark.py alone
            session.model.to("cpu")
            bench.model.cuda()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        fps = float(bench.run_once()["fps"])
        peak = torch.cuda.max_memory_allocated() / 2**20 if on_cuda else 0.0
        if on_cuda:
            bench.model.cpu()
            session.model.to(device.torch_device)
        return fps, peak

    def run_zoogen() -> tuple[float, float]:
        measured = session.measure_speed(max_images=images)  # the records' very method
        return float(measured.fps), float(measured.peak_memory_mb) if on_cuda else 0.0

    theirs, ours, their_peaks, our_peaks = [], [], [], []
    for index in range(rounds):  # the order alternates too: neither harness always runs first
        with contextlib.redirect_stdout(io.StringIO()), cuda_as_noops(device_name):
            order = (run_zoogen, run_mmdet) if index % 2 else (run_mmdet, run_zoogen)
            for harness in order:
                fps, peak = harness()
                (ours if harness is run_zoogen else theirs).append(fps)
                (our_peaks if harness is run_zoogen else their_peaks).append(peak)
    print(f"  mmdet InferenceBenchmark  {_spread(theirs)}")
    print(f"  zoogen measure_speed      {_spread(ours)}")
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"  median ratio zoogen/mmdet {ratio:.3f} ({100 * (ratio - 1):+.1f}%; target within +-3%)")
    if on_cuda:
        print(f"  peak CUDA memory (max_memory_allocated): mmdet {max(their_peaks):.1f} MiB, "
              f"zoogen {max(our_peaks):.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=200, help="validation images for (a)")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of (a)")
    parser.add_argument("--checkpoint", type=Path, help="reuse a trained tiny checkpoint for (a)")
    parser.add_argument("--coco-images", type=int, default=5000, help="images of the set in (b)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="device of (a) and (c)")
    parser.add_argument("--speed-rounds", type=int, default=5, help="alternating rounds of (c)")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's); 1 is steadier on a busy CPU")
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    parser.add_argument("--skip-c", action="store_true")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if not args.skip_a:
        bench_a(args.images, args.checkpoint, args.rounds, args.device)
    if not args.skip_b:
        bench_b(args.coco_images)
    if not args.skip_c:
        bench_c(args.images, args.checkpoint, args.speed_rounds, args.device)


if __name__ == "__main__":
    main()

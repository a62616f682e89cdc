"""``zoogen verify`` on each library's tiny model against the library's own ``tools/test.py`` loop.

For MMPretrain (classification), MMSegmentation (semantic segmentation) and MMPose (top-down keypoints), the tiny
model of the tests (tests/verify/tiny_{classifier,segmenter,pose}.py: synthetic data, trained here) is verified
by zoogen's whole pipeline -- download from a 127.0.0.1 server, hash check, safe load, the config's test loop
and evaluator, the measured speed pass, judging, the record -- and evaluated by the library's own way:
``Runner.from_cfg(cfg).test()`` with ``load_from``, which is what each library's ``tools/test.py`` runs.

Printed per library: both wall times (median of ``--rounds``), zoogen's load and evaluation steps (the part that
does what the library's loop does: build the model and data, load the weights, test), their ratio to the
library's loop, and whether every measured number equals the library's. zoogen's
fps is printed too; none of these libraries ships a speed tool in its wheel to compare it with (MMDetection's
``InferenceBenchmark`` comparison is ``bench_verify.py`` (c)).

    python benchmarks/bench_verify_libraries.py [--only mmpretrain,mmseg,mmpose] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "verify"))

FIXTURES = {"mmpretrain": "tiny_classifier", "mmseg": "tiny_segmenter", "mmpose": "tiny_pose"}


def library_loop(config: Path, checkpoint: Path, work_dir: Path) -> tuple[dict[str, float], float]:
    """``tools/test.py``: ``Runner.from_cfg(cfg).test()`` on the CPU without loader workers; its metrics and wall."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    start = time.perf_counter()
    cfg = Config.fromfile(str(config))
    cfg.work_dir, cfg.load_from = str(work_dir), str(checkpoint)
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    with contextlib.redirect_stdout(io.StringIO()):
        metrics = Runner.from_cfg(cfg).test()
    seconds = time.perf_counter() - start
    return {k: float(v) for k, v in metrics.items() if not hasattr(v, "__len__")}, seconds


def zoogen_run(build: dict[str, Any], module: Any, work: Path) -> tuple[Any, float]:
    """The whole ``zoogen verify`` pipeline of the tiny zoo; its record and wall time."""
    from checkpoint_server import CheckpointServer

    from zoogen.meta.loader import load_zoo
    from zoogen.records import Environment
    from zoogen.verify.device import resolve_device
    from zoogen.verify.runner import VerifyOptions, run_verification

    checkpoint = Path(build["checkpoint"])
    with CheckpointServer() as server:
        server.add(checkpoint.name, checkpoint.read_bytes())
        zoo = module.write_tiny_zoo(work / "zoo", server.url(checkpoint.name),
                                    module.published_metrics(build["reference_metrics"]))
        models = load_zoo(zoo).zoo.models
        options = VerifyOptions(results_dir=work / "results", data_root=Path(build["data_root"]),
                                configs_root=Path(build["configs_root"]), cache_dir=work / "cache")
        start = time.perf_counter()
        summary = run_verification(models, options=options, device=resolve_device(False, None),
                                   environment=Environment(tag="cpu-bench", device="cpu"))
        seconds = time.perf_counter() - start
    (record,) = summary.records
    return record, seconds


def bench(library: str, rounds: int, keep: Path | None) -> None:
    module = importlib.import_module(FIXTURES[library])
    base = keep or Path(tempfile.mkdtemp(prefix=f"zoogen-bench-{library}-"))
    built = base / "build"
    start = time.perf_counter()
    if (built / "done").exists():
        build = json.loads((built / "done").read_text(encoding="utf-8"))
    else:
        with contextlib.redirect_stdout(io.StringIO()):
            build = module.build_all(built)
        (built / "done").write_text(json.dumps(build), encoding="utf-8")
    print(f"{library}: tiny model built in {time.perf_counter() - start:.1f} s ({base})")
    theirs, ours, evaluate = [], [], []
    same = True
    record = None
    for round_ in range(rounds):
        metrics, seconds = library_loop(Path(build["config"]), Path(build["checkpoint"]), base / f"lib-{round_}")
        theirs.append(seconds)
        record, seconds = zoogen_run(build, module, base / f"zoogen-{round_}")
        ours.append(seconds)
        # load (checkpoint, model and data built) + evaluate: what the library's loop does
        evaluate.append(record.timings.get("load", float("nan")) + record.timings.get("evaluate", float("nan")))
        for check in record.metrics:
            reference = metrics.get(check.key or "")
            if reference is None or check.measured is None or \
                    abs(check.measured - round(reference, 4)) > 1e-9:  # each reports in its metafiles' unit
                same = False
    assert record is not None
    lib, zoo, ev = statistics.median(theirs), statistics.median(ours), statistics.median(evaluate)
    verdicts = ", ".join(f"{c.metric} {c.verdict}" for c in record.metrics)
    print(f"  {library} tools/test.py loop: {lib:.2f} s | zoogen verify (whole pipeline): {zoo:.2f} s | "
          f"zoogen load + evaluate: {ev:.2f} s | that / library loop: {ev / lib:.2f}")
    speed = f"{record.speed.fps} fps over {record.speed.images} images" if record.speed else "-"
    print(f"  metrics identical to the library's: {'yes' if same else 'NO'} ({verdicts}); "
          f"zoogen speed: {speed} (batch 1, 5 warm-up images excluded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="mmpretrain,mmseg,mmpose", help="comma-separated libraries")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build into DIR/<library> and reuse it on the next run")
    args = parser.parse_args()
    for library in args.only.split(","):
        library = library.strip()
        if library not in FIXTURES:
            parser.error(f"unknown library {library!r} (one of {', '.join(FIXTURES)})")
        bench(library, args.rounds, args.keep / library if args.keep else None)


if __name__ == "__main__":
    main()

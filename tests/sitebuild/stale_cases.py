"""A zoo whose models were all verified, then changed one way each: the stale-record cases of issue 15.

``write_cases(folder)`` writes the zoo (metafile, configs with ``_base_`` files) and a current record per
model, then changes the metafile or a config so that each model but ``same_r50`` stands for one change:

    same_r50       nothing changed: its record is current (✓)
    number_r50     the published box AP was edited (37.4 -> 39.0)
    weights_r50    Weights points at another checkpoint (another hash prefix)
    config_r50     the config file itself changed
    base_r50       a _base_ file of its config changed
    tolerance_r50  the model's Tolerance for box AP changed (0.3 -> 0.5)

Importable from every test folder (``tests/sitebuild`` is on pytest's path).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zoogen.currency import published_numbers
from zoogen.meta import load_zoo
from zoogen.meta.config_chain import config_fingerprint
from zoogen.records import (
    CheckpointInfo,
    Environment,
    Inputs,
    MetricCheck,
    SpeedCheck,
    VerificationRecord,
    write_record,
)

CHANGES = {"number_r50": "number", "weights_r50": "weights", "config_r50": "config", "base_r50": "config",
           "tolerance_r50": "tolerance"}
MODELS = ["same_r50", *CHANGES]
TAG = "cuda-tesla-t4-torch2.13.0-cu121"


def _model(name: str, fps: float, tolerance: float | None = None) -> str:
    extra = f"    Tolerance: {{box AP: {tolerance}}}\n" if tolerance is not None else ""
    return (f"  - Name: {name}\n"
            f"    In Collection: M\n"
            f"    Config: configs/m/{name}.py\n"
            f"    Metadata:\n"
            f"      inference time (ms/im):\n"
            f"        - {{value: {1000 / fps:.1f}, hardware: V100, backend: PyTorch, batch size: 1, mode: FP32}}\n"
            f"    Results:\n"
            f"      - {{Task: Object Detection, Dataset: COCO, Metrics: {{box AP: 37.4}}}}\n"
            f"    Weights: https://download.example.com/m/{name}_20200101-1a2b3c4d.pth\n" + extra)


def _metafile(tolerance: float) -> str:
    models = "".join(_model(name, 10.0 + i, tolerance if name == "tolerance_r50" else None)
                     for i, name in enumerate(MODELS))
    return ("Collections:\n  - Name: M\n    README: configs/m/README.md\n"
            "Models:\n" + models)


@dataclass
class Cases:
    zoo: Path
    results: Path

    def config(self, name: str) -> Path:
        return self.zoo / "configs" / "m" / f"{name}.py"


def write_cases(folder: Path, *, changed: bool = True) -> Cases:
    """The zoo and its records under ``folder``; with ``changed`` the changes are applied after verifying."""
    zoo = folder / "zoo"
    (zoo / "m").mkdir(parents=True, exist_ok=True)
    (zoo / "configs" / "_base_").mkdir(parents=True, exist_ok=True)
    (zoo / "model-index.yml").write_text("Import:\n  - m/metafile.yml\n", encoding="utf-8")
    (zoo / "m" / "metafile.yml").write_text(_metafile(0.3), encoding="utf-8")
    cases = Cases(zoo, folder / "results")
    for name in MODELS:
        (zoo / "configs" / "_base_" / f"{name}_runtime.py").write_text("log_level = 'INFO'\n", encoding="utf-8")
        cases.config(name).parent.mkdir(parents=True, exist_ok=True)
        cases.config(name).write_text(f"_base_ = ['../_base_/{name}_runtime.py']\nmodel = dict(type='M')\n",
                                      encoding="utf-8")
    env = Environment(tag=TAG, device="cuda:0", device_name="Tesla T4", cuda="12.1", cudnn="8.9.2",
                      torch="2.13.0", mmcv="2.1.0", mmengine="0.10.7", mmdet="3.3.0", zoogen="0.2.0",
                      date="2026-11-20T08:00:00Z")
    for model in load_zoo(zoo).zoo.models:
        write_record(cases.results, VerificationRecord(
            model=model.name, images=5000, environment=env, config=model.config,
            checkpoint=CheckpointInfo(url=model.weights, sha256="1a2b3c4d" + "0" * 56),
            metrics=[MetricCheck("Object Detection", "COCO", "box AP", 37.4, 37.38, 0.3, "passed")],
            speed=SpeedCheck(fps=9.5, ms_per_image=105.3, ms_std=2.1, images=2000, batch_size=1,
                             protocol="MMDetection benchmark", published_fps=10.0, published_hardware="V100"),
            inputs=Inputs(config_sha256=config_fingerprint(cases.config(model.name)),
                          published=published_numbers(model), config=model.config),
        ))
    if changed:
        change(cases)
    return cases


def change(cases: Cases) -> None:
    """Apply the change of each model (see the module's docstring)."""
    metafile = cases.zoo / "m" / "metafile.yml"
    text = _metafile(0.5)
    number = _model("number_r50", 11.0)
    text = text.replace(number, number.replace("box AP: 37.4", "box AP: 39.0"))
    text = text.replace("weights_r50_20200101-1a2b3c4d.pth", "weights_r50_20200101-5e6f7a8b.pth")
    metafile.write_text(text, encoding="utf-8")
    cases.config("config_r50").write_text(
        "_base_ = ['../_base_/config_r50_runtime.py']\nmodel = dict(type='M', depth=101)\n", encoding="utf-8")
    (cases.zoo / "configs" / "_base_" / "base_r50_runtime.py").write_text("log_level = 'DEBUG'\n",
                                                                          encoding="utf-8")

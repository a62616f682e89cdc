"""Truthful verdicts with MMDetection's own configs (mmdet 3.3.0): empty detections, misfit checkpoints.

The models are built from the installed mmdet's ``faster-rcnn_r50_fpn_1x_coco.py`` and
``mask-rcnn_r50_fpn_1x_coco.py`` (randomly initialised, nothing downloaded); the data is a tiny synthetic
COCO set whose categories carry COCO names. Only the test resize is shrunk (to keep a CPU run short);
model, evaluator and metric keys are MMDetection's.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
import torch
from checkpoint_server import CheckpointServer
from test_runner_cli import environment, make_model

pytest.importorskip("mmdet")
pytest.importorskip("mmcv._ext")

from zoogen.verify import detection as detection_module  # noqa: E402
from zoogen.verify.detection import DetectorSession  # noqa: E402
from zoogen.verify.device import resolve_device  # noqa: E402
from zoogen.verify.judge import judge_metrics  # noqa: E402
from zoogen.verify.runner import VerifyOptions, default_configs_root, run_verification  # noqa: E402
from zoogen.verify.session import StateDictMismatch  # noqa: E402

CONFIGS = {
    "faster": "faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py",
    "mask": "mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py",
}


def _coco_named_set(root: Path, images: int = 2) -> Path:
    import cv2
    import numpy as np

    (root / "annotations").mkdir(parents=True)
    (root / "val2017").mkdir()
    infos, anns = [], []
    for i in range(images):
        img = np.full((48, 64, 3), 40, np.uint8)
        cv2.rectangle(img, (10, 8), (40, 36), (200, 180, 90), -1)
        name = f"{i + 1:012d}.jpg"
        cv2.imwrite(str(root / "val2017" / name), img)
        infos.append({"id": i + 1, "file_name": name, "width": 64, "height": 48})
        anns.append({"id": i + 1, "image_id": i + 1, "category_id": 1 + 2 * (i % 2), "bbox": [10, 8, 31, 29],
                     "area": 899.0, "iscrowd": 0, "segmentation": [[10, 8, 41, 8, 41, 37, 10, 37]]})
    categories = [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}]
    (root / "annotations" / "instances_val2017.json").write_text(
        json.dumps({"images": infos, "annotations": anns, "categories": categories}), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def coco_named(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _coco_named_set(tmp_path_factory.mktemp("coco-named"))


def _small_config(kind: str):
    from mmengine.config import Config

    cfg = Config.fromfile(str(default_configs_root() / CONFIGS[kind]))
    for step in cfg.test_dataloader.dataset.pipeline:
        if step["type"] == "Resize":
            step["scale"] = (128, 96)
    return cfg


def _blind_state_dict(cfg) -> dict[str, torch.Tensor]:
    """The config's own model, randomly initialised, with a classifier that never scores a class."""
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    init_default_scope("mmdet")
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    classes = cfg.model.roi_head.bbox_head.num_classes
    state["roi_head.bbox_head.fc_cls.weight"].zero_()
    state["roi_head.bbox_head.fc_cls.bias"][:classes] = -1e4  # background (the last logit) always wins
    return state


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["faster", "mask"])
def test_no_detections_are_measured_zero_and_judged_drift(kind: str, coco_named: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _small_config(kind)
    session = DetectorSession(cfg, {"state_dict": _blind_state_dict(cfg)}, data_root=coco_named,
                              device=resolve_device(False, None), work_dir=tmp_path)
    if kind == "faster":  # MMDetection's CocoMetric itself reports nothing at all for empty results
        with monkeypatch.context() as patch:
            patch.setattr(detection_module, "empty_detection_metrics", lambda evaluator: {})
            assert "coco/bbox_mAP" not in session.evaluate().metrics
    evaluation = session.evaluate()
    assert evaluation.metrics["coco/bbox_mAP"] == 0.0 and evaluation.metrics["coco/bbox_mAP_50"] == 0.0
    if kind == "mask":
        assert evaluation.metrics["coco/segm_mAP"] == 0.0
    model = make_model("blind", box_ap=37.4)
    if kind == "mask":
        model.results[0].metrics["mask AP"] = 34.7
    checks = judge_metrics(model, evaluation.metrics, subset=False)
    assert {(c.metric, c.measured, c.verdict) for c in checks} == \
        {("box AP", 0.0, "drift")} | ({("mask AP", 0.0, "drift")} if kind == "mask" else set())


@pytest.mark.slow
def test_checkpoint_that_does_not_fit_is_an_error_at_load(coco_named: Path, tmp_path: Path) -> None:
    cfg = _small_config("faster")
    with pytest.raises(StateDictMismatch, match=r"(\d+) of the model's \1 weights are missing"):
        DetectorSession(cfg, {"state_dict": {"unrelated.weight": torch.zeros(1)}}, data_root=coco_named,
                        device=resolve_device(False, None), work_dir=tmp_path)
    state = _blind_state_dict(cfg)
    del state["roi_head.bbox_head.fc_reg.bias"]  # one missing key: within the documented allowance
    DetectorSession(cfg, {"state_dict": state}, data_root=coco_named, device=resolve_device(False, None),
                    work_dir=tmp_path)

    # Through the whole pipeline, with the real config under the installed mmdet's configs
    buffer = io.BytesIO()
    torch.save({"meta": {}, "state_dict": {"backbone.conv1.weight": torch.zeros(64, 3, 7, 7),
                                           "foo.bar": torch.zeros(2)}}, buffer)
    name = f"faster_20200101-{hashlib.sha256(buffer.getvalue()).hexdigest()[:8]}.pth"
    with CheckpointServer() as server:
        server.add(name, buffer.getvalue())
        options = VerifyOptions(results_dir=tmp_path / "results", data_root=coco_named,
                                configs_root=default_configs_root(), cache_dir=tmp_path / "cache")
        model = make_model("misfit", config=f"configs/{CONFIGS['faster']}", weights=server.url(name))
        (record,) = run_verification([model], options=options, environment=environment(),
                                     device=resolve_device(False, None)).records
    assert (record.status, record.step) == ("error", "load")
    assert "weights are missing from the checkpoint" in record.error and "foo.bar" in record.error
    assert record.metrics == []

"""The COCO detection path (DetectorSession) gives exactly what MMDetection's own test loop gives."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded_checkpoint(tiny_checkpoint: Path) -> dict:
    import torch

    return torch.load(tiny_checkpoint, map_location="cpu", weights_only=True)


def evaluate(config: Path, checkpoint: dict, *, data_root: Path, device, max_images: int | None, work_dir: Path,
             coco_eval: str = "auto"):
    """The evaluation of a freshly built `DetectorSession`."""
    from zoogen.verify.detection import DetectorSession

    return DetectorSession(config, checkpoint, data_root=data_root, device=device, max_images=max_images,
                           work_dir=work_dir, coco_eval=coco_eval).evaluate()


@pytest.fixture(scope="module")
def cpu():
    from zoogen.verify.device import resolve_device

    return resolve_device(False, "cpu")


def test_tiny_detector_learned_something(tiny_reference_metrics: dict[str, float]) -> None:
    assert tiny_reference_metrics["coco/bbox_mAP"] > 0.3


def test_checkpoint_name_and_content(tiny_checkpoint: Path, loaded_checkpoint: dict) -> None:
    import hashlib
    import re

    match = re.fullmatch(r"(?P<name>.+)_(?P<date>\d{8})-(?P<sha>[0-9a-f]{8})\.pth", tiny_checkpoint.name)
    assert match and match["name"] == "tiny-retinanet_coco"
    assert hashlib.sha256(tiny_checkpoint.read_bytes()).hexdigest().startswith(match["sha"])
    assert set(loaded_checkpoint) == {"meta", "state_dict"}


@pytest.mark.parametrize("coco_eval", ["pycocotools", "faster-coco-eval"])
def test_evaluate_equals_mmdetection_test_loop(
    coco_eval: str,
    tiny_config: Path,
    tiny_coco: Path,
    loaded_checkpoint: dict,
    tiny_reference_metrics: dict[str, float],
    cpu,
    tmp_path: Path,
) -> None:
    if coco_eval == "faster-coco-eval":
        pytest.importorskip("faster_coco_eval")
    result = evaluate(
        tiny_config,
        loaded_checkpoint,
        data_root=tiny_coco,
        device=cpu,
        max_images=None,
        work_dir=tmp_path,
        coco_eval=coco_eval,
    )
    assert result.metrics == tiny_reference_metrics
    assert result.metrics["coco/bbox_mAP"] > 0
    assert result.images == 16
    assert result.coco_backend == coco_eval
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_evaluate_does_not_load_the_file_again(
    tiny_config: Path, tiny_coco: Path, loaded_checkpoint: dict, cpu, tmp_path: Path, monkeypatch
) -> None:
    import torch

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load called during the evaluation")

    monkeypatch.setattr(torch, "load", forbidden)
    result = evaluate(
        tiny_config, loaded_checkpoint, data_root=tiny_coco, device=cpu, max_images=4, work_dir=tmp_path
    )
    assert result.images == 4


def test_subset_is_scored_on_its_own_images(
    tiny_config: Path, tiny_coco: Path, loaded_checkpoint: dict, cpu, tmp_path: Path
) -> None:
    """On a subset the metric counts only the evaluated images (not the rest as misses)."""
    full = evaluate(
        tiny_config, loaded_checkpoint, data_root=tiny_coco, device=cpu, max_images=None, work_dir=tmp_path
    )
    half = evaluate(
        tiny_config, loaded_checkpoint, data_root=tiny_coco, device=cpu, max_images=8, work_dir=tmp_path
    )
    assert half.images == 8
    # Scored against all 16 images, 8 unanswered images would roughly halve the recall.
    assert half.metrics["coco/bbox_mAP"] > 0.6 * full.metrics["coco/bbox_mAP"]


def test_random_weights_are_refused_and_score_zero_when_forced(
    tiny_config: Path, tiny_coco: Path, cpu, tmp_path: Path
) -> None:
    from zoogen.verify.detection import DetectorSession
    from zoogen.verify.session import StateDictMismatch

    with pytest.raises(StateDictMismatch, match="120 of the model's 120 weights are missing"):
        evaluate(tiny_config, {"state_dict": {}}, data_root=tiny_coco, device=cpu, max_images=4,
                 work_dir=tmp_path)
    import torch

    torch.manual_seed(0)  # a random model: seeded, so its (tiny) score is the same on every run
    session = DetectorSession(tiny_config, {"state_dict": {}}, data_root=tiny_coco, device=cpu, max_images=4,
                              work_dir=tmp_path, check_fit=False)
    result = session.evaluate()
    assert result.images == 4
    assert result.missing_keys  # nothing was loaded, and the evaluation says so
    assert result.metrics["coco/bbox_mAP"] <= 0.05, result.metrics


def test_prepare_test_config_points_at_data_root(tiny_config: Path, tmp_path: Path) -> None:
    from zoogen.verify.detection import prepare_test_config

    root = tmp_path / "coco"
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "instances_val2017.json").write_text("{}")
    cfg = prepare_test_config(tiny_config, data_root=root, max_images=3, work_dir=tmp_path / "w")
    dataset = cfg.test_dataloader.dataset
    assert dataset.data_root == str(root.resolve())
    assert dataset.ann_file == "annotations/instances_val2017.json"
    assert dataset.data_prefix["img"] == "val2017/"
    assert dataset.indices == 3
    assert cfg.test_dataloader.num_workers == 2  # the config's: evaluation may use loader workers
    assert cfg.test_dataloader.persistent_workers
    none = prepare_test_config(tiny_config, data_root=root, max_images=3, work_dir=tmp_path / "w", loader_workers=0)
    assert none.test_dataloader.num_workers == 0 and not none.test_dataloader.persistent_workers
    assert cfg.test_evaluator.ann_file == str(root.resolve() / "annotations" / "instances_val2017.json")
    assert cfg.load_from is None


def test_prepare_test_config_needs_annotations(tiny_config: Path, tmp_path: Path) -> None:
    from zoogen.verify.detection import prepare_test_config

    with pytest.raises(FileNotFoundError, match="instances_val2017.json"):
        prepare_test_config(tiny_config, data_root=tmp_path, max_images=None, work_dir=tmp_path)


def test_eval_recalls_matches_mmdetection_where_it_works_and_survives_ragged_input() -> None:
    import numpy as np

    pytest.importorskip("mmdet")
    from mmdet.evaluation.functional import eval_recalls

    from zoogen.verify.detection import _eval_recalls

    rng = np.random.default_rng(0)

    def boxes(n: int, scores: bool = False) -> np.ndarray:
        xy = rng.uniform(0, 80, (n, 2))
        out = np.hstack([xy, xy + rng.uniform(5, 40, (n, 2))]).astype(np.float32)
        return np.hstack([out, rng.uniform(0, 1, (n, 1)).astype(np.float32)]) if scores else out

    gts = [boxes(3) for _ in range(4)]
    proposals = [boxes(50, scores=True) for _ in range(4)]
    same = eval_recalls(gts, proposals, [10, 30, 100], 0.5)  # equal shapes: mmdet's own works
    assert np.array_equal(_eval_recalls(gts, proposals, [10, 30, 100], 0.5), same)
    ragged_gts = [boxes(n) for n in (1, 4, 0, 2)]
    ragged = _eval_recalls(ragged_gts, proposals, [10, 30, 100], [0.5, 0.7])
    assert ragged.shape == (3, 2) and np.all((ragged >= 0) & (ragged <= 1))

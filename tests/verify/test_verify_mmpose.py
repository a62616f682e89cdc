"""``zoogen verify`` on MMPose models, through zoogen's generic mmengine path (tests/verify/tiny_pose.py).

* The tiny top-down pose estimator trained here (``tiny_pose_build``): verify, with its checkpoint served over
  real HTTP on 127.0.0.1, reproduces MMPose's own test loop (``Runner.from_cfg(cfg).test()``) and its
  tampered twin drifts; once through the run loop (`run_verification`), once through one model's pipeline
  (`verify_model`), once through the CLI.
* MMPose's shipped ``td-hm_res50_8xb64-210e_coco-256x192.py`` with random weights on a few synthetic images
  (read through the config's own ``bbox_file`` of person detections): zoogen's `TestSession` gives exactly
  the metrics MMPose's test loop gives, which lie strictly between 0 and 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("mmpose")
pytest.importorskip("mmcv._ext")
pytest.importorskip("xtcocotools")

import tiny_pose  # noqa: E402
from checkpoint_server import CheckpointServer  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from tiny_detector import runner_device, save_checkpoint  # noqa: E402

from zoogen.cli.verify import verify_command  # noqa: E402
from zoogen.meta.loader import load_zoo  # noqa: E402
from zoogen.records import Environment, VerificationRecord, load_records  # noqa: E402
from zoogen.verify.backends import MMEngineBackend  # noqa: E402
from zoogen.verify.device import resolve_device  # noqa: E402
from zoogen.verify.inputs import DataRoot  # noqa: E402
from zoogen.verify.libraries import configs_root_of  # noqa: E402
from zoogen.verify.options import VerifyOptions  # noqa: E402
from zoogen.verify.pipeline import verify_model  # noqa: E402
from zoogen.verify.runner import run_verification  # noqa: E402

SHIPPED = "body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py"

def test_synthetic_keypoints_read_by_mmpose(tmp_path: Path) -> None:
    """MMPose's own CocoDataset reads the synthetic layout: every person, 17 keypoints, boxes around them;
    with ``detections``, the shipped configs' ``bbox_file`` too."""
    import numpy as np
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    data_root = tiny_pose.make_tiny_coco_keypoints(tmp_path / "coco", val=2, detections=True)
    init_default_scope("mmpose")
    common = dict(type="CocoDataset", data_root=str(data_root), data_mode="topdown", pipeline=[])
    train = DATASETS.build(dict(common, ann_file="annotations/person_keypoints_train2017.json",
                                data_prefix=dict(img="train2017/")))
    assert len(train) == tiny_pose.TRAIN_IMAGES
    for index in range(len(train)):
        info = train.get_data_info(index)
        assert info["keypoints"].shape == (1, 17, 2) and info["num_keypoints"] >= 10
        x0, y0, x1, y1 = info["bbox"][0]
        labelled = info["keypoints"][0][info["keypoints_visible"][0] > 0]
        assert np.all((labelled >= [x0, y0]) & (labelled <= [x1, y1]))
        assert Path(info["img_path"]).is_file()
    detected = DATASETS.build(dict(common, ann_file="annotations/person_keypoints_val2017.json",
                                   bbox_file=str(data_root / tiny_pose.DETECTIONS_REL),
                                   data_prefix=dict(img="val2017/"), test_mode=True))
    assert len(detected) == 2 and detected.get_data_info(0)["bbox_score"][0] == pytest.approx(0.9)


def test_a_missing_bbox_file_is_named_before_any_download(tmp_path: Path) -> None:
    data_root = tiny_pose.make_tiny_coco_keypoints(tmp_path / "coco", train=0, val=2)  # no detections
    prepared = MMEngineBackend().inspect(configs_root_of("mmpose") / SHIPPED, data_root)
    assert (prepared.library, prepared.dataset_type, prepared.path) == ("mmpose", "CocoDataset", "generic")
    assert any("bbox_file" in what for what in prepared.missing), prepared.missing


def _environment() -> Environment:
    return Environment(tag="cpu-test", device="cpu", device_name="Test CPU")


@pytest.fixture
def pose_server(tiny_pose_checkpoint: Path) -> Iterator[tuple[CheckpointServer, str]]:
    with CheckpointServer() as server:
        server.add(tiny_pose_checkpoint.name, tiny_pose_checkpoint.read_bytes())
        yield server, server.url(tiny_pose_checkpoint.name)


def _through_run_loop(zoo: Path, options: VerifyOptions) -> VerificationRecord:
    models = load_zoo(zoo).zoo.models
    summary = run_verification(models, options=options, environment=_environment(),
                               device=resolve_device(False, None))
    (record,) = summary.records
    assert load_records(options.results_dir)[record.model][0].status == record.status  # written
    return record


def _through_pipeline(zoo: Path, options: VerifyOptions) -> VerificationRecord:
    (model,) = load_zoo(zoo).zoo.models
    return verify_model(model, options=options, environment=_environment(), device=resolve_device(False, None),
                        data=DataRoot(root=options.data_root), backend=MMEngineBackend())


THROUGH = [
    pytest.param(_through_run_loop, id="run_verification"),
    pytest.param(_through_pipeline, id="verify_model"),
]


def _options(tmp_path: Path, data_root: Path, configs_root: Path) -> VerifyOptions:
    return VerifyOptions(results_dir=tmp_path / "results", data_root=data_root, configs_root=configs_root,
                         cache_dir=tmp_path / "cache")


@pytest.mark.slow
@pytest.mark.parametrize("through", THROUGH)
def test_verify_reproduces_mmpose_test_loop(
    through: Callable[[Path, VerifyOptions], VerificationRecord], tiny_pose_zoo, pose_server, tiny_pose_coco: Path,
    tiny_pose_configs_root: Path, tiny_pose_reference_metrics: dict[str, float], tiny_pose_checkpoint: Path,
    tmp_path: Path,
) -> None:
    _, url = pose_server
    record = through(tiny_pose_zoo(url), _options(tmp_path, tiny_pose_coco, tiny_pose_configs_root))
    assert tiny_pose_reference_metrics["coco/AP"] > 0.3  # it learned (0.636 when built here)
    assert (record.status, record.error) == ("ok", None)
    assert record.environment.library == "mmpose" and record.environment.library_version
    assert record.config == tiny_pose.CONFIG_REL and record.images == tiny_pose.VAL_IMAGES and not record.subset
    assert record.checkpoint.sha256.startswith(tiny_pose_checkpoint.stem.rsplit("-", 1)[1])
    measured = {check.key: check for check in record.metrics}
    assert sorted(measured) == sorted(tiny_pose.METRIC_NAMES)  # every published metric judged, by its key
    for key, check in measured.items():
        assert (check.task, check.dataset, check.verdict) == ("Body 2D Keypoint", "COCO", "passed")
        assert check.measured == round(tiny_pose_reference_metrics[key], 4)  # what MMPose's test loop gave
        assert check.published == round(tiny_pose_reference_metrics[key], 3)
    assert record.speed is not None and record.speed.fps > 0


@pytest.mark.slow
@pytest.mark.parametrize("through", THROUGH)
def test_tampered_pose_ap_drifts(
    through: Callable[[Path, VerifyOptions], VerificationRecord], tiny_pose_zoo, pose_server, tiny_pose_coco: Path,
    tiny_pose_configs_root: Path, tiny_pose_published: dict[str, float], tmp_path: Path,
) -> None:
    _, url = pose_server
    tampered = dict(tiny_pose_published, AP=round(tiny_pose_published["AP"] + 0.05, 3))
    record = through(tiny_pose_zoo(url, published=tampered),
                     _options(tmp_path, tiny_pose_coco, tiny_pose_configs_root))
    assert record.status == "ok" and record.drifted
    verdicts = {check.metric: check.verdict for check in record.metrics}
    assert verdicts.pop("AP (pose)") == "drift"
    assert set(verdicts.values()) == {"passed"}  # the untouched numbers still pass


@pytest.mark.slow
def test_cli_verifies_the_tiny_pose_zoo(tiny_pose_zoo, pose_server, tiny_pose_coco: Path,
                                        tiny_pose_configs_root: Path, tmp_path: Path) -> None:
    _, url = pose_server
    args = ["--zoo", str(tiny_pose_zoo(url)), "--data-root", str(tiny_pose_coco), "--configs-root",
            str(tiny_pose_configs_root), "--results", str(tmp_path / "results"), "--cache-dir", str(tmp_path / "c")]
    result = CliRunner().invoke(verify_command, args)
    assert result.exit_code == 0, result.output
    assert "AP (pose) passed (0.6" in " ".join(result.output.split())  # a fraction shown with its decimals
    ((record,),) = load_records(tmp_path / "results").values()
    assert record.status == "ok" and record.environment.library == "mmpose"
    assert {check.verdict for check in record.metrics} == {"passed"}


# -- MMPose's own shipped config, random weights ---------------------------------------------------------


def _shipped_config() -> Any:
    from mmengine.config import Config

    root = configs_root_of("mmpose")
    assert root is not None
    return Config.fromfile(str(root / SHIPPED))


def _random_checkpoint(directory: Path) -> Path:
    """The shipped config's model, randomly initialised (seeded; no pretrained backbone is fetched)."""
    import torch
    from mmengine.registry import MODELS, init_default_scope

    init_default_scope("mmpose")
    torch.manual_seed(0)
    model = MODELS.build(_shipped_config().model)
    state = {key: value.clone() for key, value in model.state_dict().items()}
    return save_checkpoint(state, {"config": Path(SHIPPED).name}, directory, "td-hm_res50_random")


def _pointed_by_hand(cfg: Any, data_root: Path) -> Any:
    """The shipped config's test set moved to ``data_root`` as a user of ``tools/test.py`` would (by hand)."""
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = str(data_root)
    dataset.bbox_file = str(data_root / tiny_pose.DETECTIONS_REL)
    cfg.test_evaluator.ann_file = str(data_root / "annotations" / "person_keypoints_val2017.json")
    return cfg


def _ground_truth_near_predictions(data_root: Path, checkpoint: Path) -> None:
    """Rewrite the validation keypoints as the random model's own predictions (MMPose's ``inference_topdown``
    on the detected boxes) moved by 0, 2, 4... pixels: a few persons found, a few missed, so that the metrics
    lie strictly between 0 and 1 and an evaluation that differs in anything shows."""
    import numpy as np
    from mmpose.apis import inference_topdown, init_model

    model = init_model(_pointed_by_hand(_shipped_config(), data_root), str(checkpoint), device="cpu")
    detections = json.loads((data_root / tiny_pose.DETECTIONS_REL).read_text(encoding="utf-8"))
    ann_path = data_root / "annotations" / "person_keypoints_val2017.json"
    doc = json.loads(ann_path.read_text(encoding="utf-8"))
    boxes = {det["image_id"]: det["bbox"] for det in detections}
    images = {image["id"]: image for image in doc["images"]}
    for index, ann in enumerate(doc["annotations"]):
        image = images[ann["image_id"]]
        (sample,) = inference_topdown(model, str(data_root / "val2017" / image["file_name"]),
                                      np.array([boxes[ann["image_id"]]]), bbox_format="xywh")
        points = sample.pred_instances.keypoints[0] + 2.0 * index * np.array([0.6, 0.8])
        points = np.clip(points, 0, [image["width"] - 1, image["height"] - 1])
        ann["keypoints"] = [round(float(v), 2) for point in points for v in (*point, 2)]
        ann["num_keypoints"] = len(points)
    ann_path.write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.slow
def test_shipped_config_session_equals_mmpose_test_loop(tmp_path: Path) -> None:
    from mmengine.runner import Runner

    from zoogen.verify.checkpoint import load_checkpoint
    from zoogen.verify.eval_config import load_config, point_test_data
    from zoogen.verify.session import TestSession

    data_root = tiny_pose.make_tiny_coco_keypoints(tmp_path / "coco", train=0, val=4, seed=1, detections=True)
    checkpoint = _random_checkpoint(tmp_path / "checkpoints")
    _ground_truth_near_predictions(data_root, checkpoint)

    reference_cfg = _pointed_by_hand(_shipped_config(), data_root)
    reference_cfg.work_dir = str(tmp_path / "reference")
    reference_cfg.load_from = str(checkpoint)
    with runner_device("cpu"):
        reference = {k: float(v) for k, v in Runner.from_cfg(reference_cfg).test().items()}

    cfg = point_test_data(load_config(configs_root_of("mmpose") / SHIPPED), data_root)
    assert cfg.test_dataloader.dataset.bbox_file == str(data_root / tiny_pose.DETECTIONS_REL)
    session = TestSession(cfg, load_checkpoint(checkpoint), device=resolve_device(False, None),
                          work_dir=tmp_path / "zoogen")
    evaluation = session.evaluate()

    assert evaluation.metrics == reference
    assert evaluation.images == 4 and evaluation.evaluator == ["CocoMetric"]
    assert 0 < reference["coco/AP"] < 1 and 0 < reference["coco/AR"] < 1

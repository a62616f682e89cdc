"""The generic mmengine path's parts: a config's test set moved to --data-root, the data it needs, the zoo's
library, evaluator keys per library and the datasets a config measures (no model is built here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoogen.errors import Location
from zoogen.meta.registry import load_registry
from zoogen.meta.schema import Model, Result
from zoogen.verify.judge import judge_metrics, judged_datasets, unjudged_metrics
from zoogen.verify.libraries import LibraryMissing, configs_root_of, zoo_library
from zoogen.verify.selection import evaluator_gap

HERE = Location(Path("metafile.yml"), 1)


def model(results: list[Result], config: str | None = "configs/x/x.py") -> Model:
    return Model(name="m", method="x", collection=None, config=config, metadata={}, results=results, weights=None,
                 log=None, speed=[], paper=None, code=None, readme=None, alias=[], converted_from=None, tolerances={},
                 location=HERE)


# --- evaluator keys, units and datasets ----------------------------------------------------------------------

def test_classification_keys_are_mmpretrains_and_already_in_percent() -> None:
    cls = model([Result("Image Classification", "ImageNet-1k", {"Top 1 Accuracy": 76.1, "Top 5 Accuracy": 92.9},
                        HERE)])
    checks = judge_metrics(cls, {"accuracy/top1": 76.2, "accuracy/top5": 91.0}, subset=False,
                           datasets=("ImageNet-1k",), library="mmpretrain")
    assert [(c.metric, c.measured, c.verdict, c.key) for c in checks] == [
        ("Top 1 Accuracy", 76.2, "passed", "accuracy/top1"), ("Top 5 Accuracy", 91.0, "drift", "accuracy/top5")]
    # MMDetection's evaluator has no key for them: nothing is guessed
    assert judge_metrics(cls, {"accuracy/top1": 76.2}, subset=False, datasets=None, library="mmdet") == []
    assert unjudged_metrics(cls, "mmdet", None) == ["Top 1 Accuracy (Image Classification on ImageNet-1k)",
                                                    "Top 5 Accuracy (Image Classification on ImageNet-1k)"]


def test_detection_fractions_are_scaled_and_segmentation_keys_map() -> None:
    det = model([Result("Object Detection", "COCO", {"box AP": 37.4}, HERE)])
    (check,) = judge_metrics(det, {"coco/bbox_mAP": 0.374}, subset=False, library="mmdet")
    assert (check.measured, check.verdict, check.key) == (37.4, "passed", "coco/bbox_mAP")
    seg = model([Result("Semantic Segmentation", "ADE20K", {"mIoU": 37.4, "mIoU(ms+flip)": 38.0}, HERE)])
    (check,) = judge_metrics(seg, {"mIoU": 36.0, "aAcc": 80.0}, subset=False, datasets=("ADE20K",), library="mmseg")
    assert (check.metric, check.measured, check.verdict) == ("mIoU", 36.0, "drift")
    assert unjudged_metrics(seg, "mmseg", ("ADE20K",)) == ["mIoU(ms+flip) (Semantic Segmentation on ADE20K)"]


def test_the_config_dataset_class_picks_the_judged_results() -> None:
    both = model([Result("Semantic Segmentation", "ADE20K", {"mIoU": 40.0}, HERE),
                  Result("Semantic Segmentation", "Cityscapes", {"mIoU": 70.0}, HERE)])
    assert judged_datasets(both, "ADE20KDataset") == ("ADE20K",)
    assert judged_datasets(both, "CityscapesDataset") == ("Cityscapes",)
    assert judged_datasets(both, "PascalVOCDataset") == ()  # known class, not published
    assert judged_datasets(both, "MyOwnDataset") == ()  # unknown class, two candidates: nothing is guessed
    one = model([Result("Image Classification", "ImageNet-1k", {"Top 1 Accuracy": 70.0}, HERE)])
    assert judged_datasets(one, "MyOwnDataset") == ("ImageNet-1k",)  # the metafile pairs the config with it
    assert load_registry().dataset_of_type("mmpretrain.ImageNet") == "ImageNet-1k"


def test_what_zoogen_can_remeasure_before_any_config_is_read() -> None:
    assert evaluator_gap(model([Result("Image Classification", "ImageNet-1k", {"Top 1 Accuracy": 1.0}, HERE)])) \
        is None
    assert evaluator_gap(model([Result("Semantic Segmentation", "Cityscapes", {"mIoU": 1.0}, HERE)])) is None
    assert evaluator_gap(model([Result("Text Recognition", "IIIT5K", {"word accuracy": 0.9}, HERE)])) == \
        "Text Recognition on IIIT5K"


# --- the zoo's library --------------------------------------------------------------------------------------

def test_zoo_yml_library_must_be_known_and_installed() -> None:
    with pytest.raises(LibraryMissing, match="'mmfoo' is not one zoogen verifies with"):
        zoo_library([], "mmfoo")
    if configs_root_of("mmpose") is None:
        with pytest.raises(LibraryMissing, match="MMPose is not installed here: pip install mmpose"):
            zoo_library([], "mmpose")


def test_the_library_is_found_by_the_zoos_config_paths_then_by_its_tasks() -> None:
    pytest.importorskip("mmpretrain")
    pytest.importorskip("mmseg")
    cls = model([Result("Image Classification", "ImageNet-1k", {"Top 1 Accuracy": 1.0}, HERE)],
                config="configs/resnet/resnet18_8xb32_in1k.py")
    seg = model([Result("Semantic Segmentation", "ADE20K", {"mIoU": 1.0}, HERE)],
                config="configs/segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py")
    assert zoo_library([cls]).scope == "mmpretrain"
    assert zoo_library([seg]).scope == "mmseg"
    assert zoo_library([cls, seg, cls]).scope == "mmpretrain"  # the most Config paths found
    nowhere = model([Result("Semantic Segmentation", "ADE20K", {"mIoU": 1.0}, HERE)], config="configs/no/such.py")
    assert zoo_library([nowhere]).scope == "mmseg"  # no config found: its task's library
    if configs_root_of("mmpose") is None:
        pose = model([Result("Body 2D Keypoint", "COCO", {"AP": 0.7}, HERE)], config="configs/no/such.py")
        with pytest.raises(LibraryMissing, match="MMPose's, which is not installed here: pip install mmpose"):
            zoo_library([pose])


# --- a config's test set, moved to --data-root ----------------------------------------------------------------

@pytest.fixture(scope="module")
def mmengine_config():
    return pytest.importorskip("mmengine.config").Config


def test_imagenet_ade20k_and_pose_layouts_move_to_the_data_root(mmengine_config, tmp_path: Path) -> None:
    from zoogen.verify.eval_config import describe, missing_data, point_test_data

    cls = mmengine_config(dict(default_scope="mmpretrain", test_dataloader=dict(dataset=dict(
        type="ImageNet", data_root="data/imagenet", ann_file="meta/val.txt", data_prefix="val", pipeline=[])),
        test_evaluator=dict(type="Accuracy", topk=(1, 5))))
    point_test_data(cls, tmp_path / "in1k")
    dataset = cls.test_dataloader.dataset
    assert (dataset.data_root, dataset.ann_file, dataset.data_prefix) == (str((tmp_path / "in1k").resolve()),
                                                                          "meta/val.txt", "val")
    assert describe(cls).library == "mmpretrain" and describe(cls).dataset_type == "ImageNet"
    assert missing_data(cls) == [f"the folder data_root ({(tmp_path / 'in1k').resolve()})"]
    (tmp_path / "in1k" / "val").mkdir(parents=True)
    assert missing_data(cls) == [f"ann_file meta/val.txt ({(tmp_path / 'in1k' / 'meta' / 'val.txt').resolve()})"]

    ade = mmengine_config(dict(default_scope="mmseg", test_dataloader=dict(dataset=dict(
        type="ADE20KDataset", data_root="data/ade/ADEChallengeData2016",
        data_prefix=dict(img_path="images/validation", seg_map_path="annotations/validation")))))
    root = tmp_path / "ade"
    (root / "images" / "validation").mkdir(parents=True)
    point_test_data(ade, root)
    assert missing_data(ade) == [f"data_prefix.seg_map_path annotations/validation "
                                 f"({root.resolve() / 'annotations' / 'validation'})"]

    pose = mmengine_config(dict(default_scope="mmpose", test_dataloader=dict(dataset=dict(
        type="CocoDataset", data_root="data/coco/", ann_file="annotations/person_keypoints_val2017.json",
        bbox_file="data/coco/person_detection_results/COCO_val2017_detections_AP_H_56_person.json",
        data_prefix=dict(img="val2017/"))),
        test_evaluator=dict(type="CocoMetric", ann_file="data/coco/annotations/person_keypoints_val2017.json")))
    point_test_data(pose, tmp_path / "coco")
    new = str((tmp_path / "coco").resolve())
    assert pose.test_dataloader.dataset.bbox_file == \
        f"{new}/person_detection_results/COCO_val2017_detections_AP_H_56_person.json"
    assert pose.test_evaluator.ann_file == f"{new}/annotations/person_keypoints_val2017.json"


def test_wrapped_and_concatenated_test_sets_all_move(mmengine_config, tmp_path: Path) -> None:
    from zoogen.verify.eval_config import for_test_run, innermost_dataset, point_test_data

    cfg = mmengine_config(dict(test_dataloader=dict(num_workers=4, persistent_workers=True, dataset=dict(
        type="ConcatDataset", datasets=[dict(type="A", data_root="data/a"), dict(type="B", data_root="data/b")])),
        test_evaluator=[dict(type="Accuracy"), dict(type="CocoMetric", format_only=True, outfile_prefix="x")]))
    point_test_data(cfg, tmp_path)
    assert [d.data_root for d in cfg.test_dataloader.dataset.datasets] == [str(tmp_path.resolve())] * 2
    assert innermost_dataset(cfg.test_dataloader.dataset).type == "A"
    for_test_run(cfg, max_images=3, work_dir=tmp_path / "w", loader_workers=0)
    assert [d.indices for d in cfg.test_dataloader.dataset.datasets] == [3, 3]
    assert not cfg.test_dataloader.persistent_workers
    accuracy, coco = cfg.test_evaluator
    assert "format_only" not in accuracy  # Accuracy takes no such argument: only a metric that has it is changed
    assert coco.format_only is False and "outfile_prefix" not in coco


def test_a_test_set_without_data_root_cannot_move(mmengine_config, tmp_path: Path) -> None:
    from zoogen.verify.eval_config import point_test_data

    cfg = mmengine_config(dict(test_dataloader=dict(dataset=dict(type="ImageNet", ann_file="/abs/val.txt"))))
    with pytest.raises(ValueError, match=r"test dataset \(ImageNet\) gives no data_root"):
        point_test_data(cfg, tmp_path)
    with pytest.raises(ValueError, match="no test_dataloader"):
        point_test_data(mmengine_config(dict(model=dict())), tmp_path)


# --- the pipeline with zoogen's backend: what stops a model before its download --------------------------------

def test_missing_data_and_other_datasets_stop_at_resolve_before_any_download(tmp_path: Path) -> None:
    pytest.importorskip("mmpretrain")
    pytest.importorskip("mmseg")
    from checkpoint_server import CheckpointServer

    from zoogen.records import Environment
    from zoogen.verify.progress import Reporter
    from zoogen.verify.runner import VerifyOptions, run_verification

    class Notes(Reporter):
        def __init__(self) -> None:
            self.notes: list[str] = []

        def run_note(self, message: str) -> None:
            self.notes.append(message)

    segformer = "configs/segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py"

    def run(configs: str, models: list[Model], data: Path, reporter: Reporter):
        options = VerifyOptions(results_dir=tmp_path / "results", data_root=data,
                                configs_root=configs_root_of(configs), cache_dir=tmp_path / "cache")
        return run_verification(models, options=options, device=None, reporter=reporter,
                                environment=Environment(tag="cpu-test", device="cpu"))

    with CheckpointServer() as server:
        server.add("w_20260101-00000000.pth", b"not the checkpoint its name promises")
        url = server.url("w_20260101-00000000.pth")
        cls = model([Result("Image Classification", "ImageNet-1k", {"Top 1 Accuracy": 69.9}, HERE)],
                    config="configs/resnet/resnet18_8xb32_in1k.py")
        cls.name, cls.weights = "resnet18", url
        elsewhere = model([Result("Semantic Segmentation", "Cityscapes", {"mIoU": 70.0}, HERE)], config=segformer)
        elsewhere.name, elsewhere.weights = "elsewhere", url
        (tmp_path / "empty").mkdir()
        ade = tmp_path / "ade"
        for folder in ("images/validation", "annotations/validation"):
            (ade / folder).mkdir(parents=True)

        (record,) = run("mmpretrain", [cls], tmp_path / "empty", Notes()).records
        assert (record.status, record.step, record.environment.library) == ("error", "resolve", "mmpretrain")
        assert "test set of configs/resnet/resnet18_8xb32_in1k.py (ImageNet) is not under --data-root" \
            in record.error and "missing split val (" in record.error
        (record,) = run("mmseg", [elsewhere], ade, Notes()).records
        assert (record.status, record.step) == ("error", "resolve")
        assert "tests on ADE20KDataset, which is none of the datasets the metafile publishes (Cityscapes)" \
            in record.error
        assert not server.requests  # nothing was downloaded

        # past resolve: a published number no evaluator key measures is said once for the run, not per model
        seg = [model([Result("Semantic Segmentation", "ADE20K", {"mIoU": 38.0, "mIoU(ms+flip)": 39.0}, HERE)],
                     config=segformer) for _ in range(2)]
        for i, each in enumerate(seg):
            each.name, each.weights = f"seg{i}", url
        reporter = Notes()
        summary = run("mmseg", seg, ade, reporter)
        assert [(r.status, r.step) for r in summary.records] == [("error", "download")] * 2  # the bytes lie
        assert summary.unjudged == {"mIoU(ms+flip) (Semantic Segmentation on ADE20K) of MMSegmentation":
                                    ["seg0", "seg1"]}
        assert len([n for n in reporter.notes if "not judged: mIoU(ms+flip)" in n]) == 1

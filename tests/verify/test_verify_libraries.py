"""zoogen verify on MMPretrain and MMSegmentation zoos, end to end, as each library's own tools/test.py measures.

* A tiny classifier and a tiny segmenter, really trained here (tiny_classifier.py, tiny_segmenter.py): verify,
  through its CLI and real HTTP, reproduces what the library's own ``Runner.test()`` reports; a tampered twin
  drifts.
* The libraries' own shipped configs (``resnet18_8xb32_in1k.py``, SegFormer-B0 on ADE20K) with random weights on
  a few synthetic images: zoogen's `TestSession` gives exactly the library's ``Runner.test()`` metrics.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from checkpoint_server import CheckpointServer
from click.testing import CliRunner

from zoogen.cli.verify import verify_command
from zoogen.records import load_records

pytestmark = pytest.mark.slow

LIBRARIES = {  # fixture prefix -> (library scope, distribution, the evaluator keys of its published metrics)
    "cls": ("mmpretrain", "mmpretrain", {"Top-1 Accuracy": "accuracy/top1", "Top-5 Accuracy": "accuracy/top5"}),
    "seg": ("mmseg", "mmsegmentation", {"mIoU": "mIoU"}),
}


@contextlib.contextmanager
def serving(checkpoint: Path) -> Iterator[str]:
    with CheckpointServer() as server:
        server.add(checkpoint.name, checkpoint.read_bytes())
        yield server.url(checkpoint.name)


def _verify(zoo: Path, data_root: Path, configs_root: Path, tmp_path: Path) -> tuple[int, str, Any]:
    args = ["--zoo", str(zoo), "--data-root", str(data_root), "--configs-root", str(configs_root),
            "--results", str(tmp_path / "results"), "--cache-dir", str(tmp_path / "cache")]
    result = CliRunner().invoke(verify_command, args)
    records = load_records(tmp_path / "results")
    (record,) = [r for rs in records.values() for r in rs]
    return result.exit_code, result.output, record


@pytest.mark.parametrize("kind", ["cls", "seg"])
def test_verify_reproduces_the_librarys_own_test_loop_and_a_tampered_twin_drifts(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    build = request.getfixturevalue(f"tiny_{kind}_build")
    zoo_factory: Callable[..., Path] = request.getfixturevalue(f"tiny_{kind}_zoo")
    published: dict[str, float] = request.getfixturevalue(f"tiny_{kind}_published")
    reference: dict[str, float] = build["reference_metrics"]
    scope, package, keys = LIBRARIES[kind]
    data_root, configs_root = Path(build["data_root"]), Path(build["configs_root"])
    with serving(Path(build["checkpoint"])) as url:
        code, output, record = _verify(zoo_factory(url), data_root, configs_root, tmp_path / "true")
        assert code == 0, output
        assert record.status == "ok" and not record.subset and not record.drifted
        assert (record.environment.library, record.environment.library_version) == (package, _version(package))
        checks = {check.metric: check for check in record.metrics}
        for metric, key in keys.items():
            check = checks[metric]
            assert check.key == key and check.verdict == "passed", check
            assert check.measured == pytest.approx(float(reference[key]), abs=1e-4)  # the library's own number
        assert record.speed is not None and record.speed.fps > 0 and record.speed.batch_size == 1

        name, value = next(iter(published.items()))
        tampered = zoo_factory(url, published={**published, name: round(value - 3.0, 2)})
        code, output, twin = _verify(tampered, data_root, configs_root, tmp_path / "tampered")
        assert code == 0, output  # drift is a finding, not an error (unless --fail-on-drift)
        assert twin.drifted and any(c.verdict == "better" for c in twin.metrics), twin.metrics
        tampered = zoo_factory(url, published={**published, name: round(value + 3.0, 2)})
        code, output, twin = _verify(tampered, data_root, configs_root, tmp_path / "raised")
        assert twin.drifted and any(c.verdict == "drift" for c in twin.metrics), twin.metrics


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


# --- the libraries' own shipped configs, random weights -------------------------------------------------------

def _library_test_loop(cfg: Any, checkpoint: Path, work_dir: Path) -> dict[str, float]:
    """What the library's tools/test.py reports: ``Runner.from_cfg(cfg).test()`` with ``load_from``."""
    import copy

    from mmengine.runner import Runner

    cfg = copy.deepcopy(cfg)
    cfg.work_dir, cfg.load_from = str(work_dir), str(checkpoint)
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    with contextlib.redirect_stdout(io.StringIO()):
        metrics = Runner.from_cfg(cfg).test()
    return {key: float(value) for key, value in metrics.items() if not hasattr(value, "__len__")}


def _random_checkpoint(cfg: Any, scope: str, path: Path) -> dict[str, Any]:
    import torch
    from mmengine.registry import MODELS, init_default_scope

    init_default_scope(scope)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    checkpoint = {"meta": {}, "state_dict": {k: v.clone() for k, v in model.state_dict().items()}}
    torch.save(checkpoint, path)
    return checkpoint


@pytest.mark.parametrize("scope, config, images", [
    ("mmpretrain", "resnet/resnet18_8xb32_in1k.py", 12),
    ("mmseg", "segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py", 2),
])
def test_shipped_config_with_random_weights_equals_the_librarys_test_loop(
        scope: str, config: str, images: int, tmp_path: Path) -> None:
    pytest.importorskip(scope)
    pytest.importorskip("mmcv._ext")
    from zoogen.verify.device import resolve_device
    from zoogen.verify.eval_config import load_config, point_test_data
    from zoogen.verify.libraries import configs_root_of
    from zoogen.verify.session import TestSession

    if scope == "mmpretrain":
        from tiny_classifier import make_tiny_imagenet

        data = make_tiny_imagenet(tmp_path / "in1k", train=1, val=2)
    else:
        from tiny_segmenter import make_tiny_ade

        data = make_tiny_ade(tmp_path / "ade", train=1, val=images)
    cfg = point_test_data(load_config(configs_root_of(scope) / config), data)
    if scope == "mmseg":  # no pretrained backbone to fetch: the weights come from the checkpoint
        cfg.model.pretrained = None
        cfg.model.backbone.init_cfg = None
    checkpoint = _random_checkpoint(cfg, scope, tmp_path / "random.pth")
    expected = _library_test_loop(cfg, tmp_path / "random.pth", tmp_path / "runner")
    session = TestSession(cfg, checkpoint, device=resolve_device(False, None), work_dir=tmp_path / "zoogen")
    evaluation = session.evaluate()
    assert evaluation.metrics == expected
    assert evaluation.images == images and session.missing_keys == [] and session.unexpected_keys == []

"""Which plots a zoo has and their points: grouping by protocol, re-measured before published, Pareto front."""

from __future__ import annotations

from pathlib import Path

from zoogen.meta import load_zoo
from zoogen.plots import PlotPoint, method_plots, overview_plots, pareto_front
from zoogen.plots.data import MEASURED, PUBLISHED
from zoogen.records import CheckpointInfo, Environment, SpeedCheck, VerificationRecord

ROOT = Path(__file__).resolve().parents[2]


def point(name: str, fps: float, accuracy: float) -> PlotPoint:
    return PlotPoint(name, "m", "M", accuracy, fps)


def test_pareto_front_keeps_only_unbeaten_points():
    points = [point("slow-best", 5, 42), point("mid", 10, 40), point("dominated", 9, 39), point("fast", 20, 36),
              point("fast-worse", 20, 30), point("slow-bad", 4, 35)]
    assert [p.model for p in pareto_front(points)] == ["fast", "mid", "slow-best"]
    assert [p.model for p in pareto_front(points, higher_is_better=False)] == ["fast-worse"]  # fastest, lowest


def test_tiny_zoo_overview_has_one_detection_plot(tiny_zoo, tiny_records):
    plots = overview_plots(tiny_zoo, tiny_records)
    assert [(p.task, p.dataset, p.metric) for p in plots] == [("Object Detection", "COCO", "box AP")]
    plot = plots[0]
    # the FP16 model is another protocol; the LVIS model has no speed; instance segmentation has two points
    assert plot.source == PUBLISHED and (plot.hardware, plot.backend, plot.batch_size, plot.precision) == (
        "V100", "PyTorch", 1, "FP32")
    assert sorted(p.model for p in plot.points) == [
        "alpha_r101_fpn_1x_coco", "alpha_r50_fpn_1x_coco", "alpha_x101-32x4d_fpn_1x_coco", "beta_r50_1x_coco"]
    by_name = {p.model: p for p in plot.points}
    assert by_name["alpha_r50_fpn_1x_coco"].fps == 20.0 and by_name["alpha_r50_fpn_1x_coco"].accuracy == 37.4
    assert by_name["alpha_r50_fpn_1x_coco"].verdict == "passed"  # the record re-measured box AP within tolerance
    assert by_name["beta_r50_1x_coco"].verdict is None
    assert {p.method_title for p in plot.points} == {"Alpha R-CNN", "Beta Net"}


def test_method_pages_need_three_points(tiny_zoo, tiny_records):
    assert [len(p.points) for p in method_plots(tiny_zoo, "alpha", tiny_records)] == [3]
    assert method_plots(tiny_zoo, "beta", tiny_records) == []
    assert method_plots(tiny_zoo, "no-such-method", tiny_records) == []


def _measured(model: str, fps: float, device: str = "Tesla T4") -> VerificationRecord:
    env = Environment(tag=f"cuda-{device}", device="cuda:0", device_name=device, torch="2.13.0",
                      date="2026-11-21T00:00:00Z")
    weights = next(m.weights for m in load_zoo(ROOT / "tests" / "export" / "zoo").zoo.models if m.name == model)
    return VerificationRecord(model=model, environment=env, images=5000, speed=SpeedCheck(fps=fps),
                              checkpoint=CheckpointInfo(url=weights))


def test_remeasured_speeds_are_preferred_and_never_mixed(tiny_zoo, tiny_records):
    names = ["alpha_r50_fpn_1x_coco", "alpha_r101_fpn_1x_coco", "beta_r50_1x_coco"]
    records = {name: [_measured(name, fps)] for name, fps in zip(names, (11.0, 8.0, 13.0), strict=True)}
    records["alpha_x101-32x4d_fpn_1x_coco"] = [_measured("alpha_x101-32x4d_fpn_1x_coco", 6.0, "A100")]
    [plot] = overview_plots(tiny_zoo, records)
    assert plot.source == MEASURED and plot.hardware == "Tesla T4"
    assert {p.model: p.fps for p in plot.points} == dict(zip(names, (11.0, 8.0, 13.0), strict=True))
    assert plot.versions == ["PyTorch 2.13.0"] and plot.dates == ["2026-11-21"]
    # two re-measured models are not enough: the published speeds are shown instead, none re-measured
    fewer = {name: records[name] for name in names[:2]}
    [published] = overview_plots(tiny_zoo, fewer)
    assert published.source == PUBLISHED and all(p.fps in (20.0, 16.0, 12.5, 25.0) for p in published.points)


def test_bundled_zoo_plots():
    zoo = load_zoo(ROOT / "zoo_meta").zoo
    plots = overview_plots(zoo)
    found = {(p.task, p.dataset): (p.hardware, p.precision, len(p.points)) for p in plots}
    assert found[("Object Detection", "COCO")][:2] == ("V100", "FP32")
    assert found[("Object Detection", "COCO")][2] > 150
    assert found[("Instance Segmentation", "COCO")][2] > 50
    assert all(len(p.points) >= 3 for p in plots)
    models = {m.name: m for m in zoo.models}
    for plot in plots:  # every point's speed was taken under the plot's protocol
        for p in plot.points:
            assert any((s.hardware, s.backend, s.batch_size, s.precision) == (
                plot.hardware, plot.backend, plot.batch_size, plot.precision) and s.fps == p.fps
                for s in models[p.model].speed), p.model


def test_stale_records_give_no_verified_points(tmp_path: Path):
    """A point whose record measured another number, checkpoint, config or tolerance is marked stale."""
    from stale_cases import CHANGES, write_cases

    from zoogen.records import load_records

    cases = write_cases(tmp_path)
    zoo = load_zoo(cases.zoo).zoo
    [plot] = overview_plots(zoo, load_records(cases.results))
    assert plot.source == PUBLISHED  # one current record on the T4: too few for a re-measured plot
    verdicts = {p.model: p.verdict for p in plot.points}
    assert verdicts == {"same_r50": "passed", **{name: "stale" for name in CHANGES}}
    fresh = write_cases(tmp_path / "fresh", changed=False)
    [measured, *_] = plots = plots_for_zoo(fresh.zoo, fresh.results)
    assert measured.source == MEASURED and len(measured.points) == 6 and len(plots) == 1


def plots_for_zoo(zoo_dir: Path, results: Path):
    from zoogen.records import load_records

    return overview_plots(load_zoo(zoo_dir).zoo, load_records(results))

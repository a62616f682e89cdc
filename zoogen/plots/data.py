"""Which accuracy/speed plots a zoo has, and their points.

A plot shows one task and dataset: the task's primary metric (registry) against inference speed, one point
per model, all speeds taken the same way. Published speeds are grouped by hardware, backend, batch size and
precision; speeds re-measured by ``zoogen verify`` by the device they ran on. The two are never mixed; a
re-measured group with enough points is preferred to a published one. A record that is no longer current
(`zoogen.currency`) gives its points the verdict ``stale`` and no re-measured plot.

Where a task and dataset has no such speeds (MMPretrain publishes none), the plot shows the metric against the
models' FLOPs, else their parameters (``FLOPs`` and ``Parameters`` of their metadata, in G and M), as
classification zoos compare them: there the cheaper model is the better one, and the Pareto front runs from the
cheapest model up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zoogen.currency import currency, direction
from zoogen.meta.keys import fold
from zoogen.meta.registry import Registry, load_registry
from zoogen.meta.schema import Model, SpeedRecord, Zoo
from zoogen.records import Status, Verdict, VerificationRecord, parse_date, slugify

MIN_POINTS = 3
PUBLISHED = "published"
MEASURED = "measured"
STALE = "stale"  # the verdict of a point whose record measured another number, checkpoint or config
FLOPS = "flops"  # a plot against the models' FLOPs (G), when no speeds compare
PARAMS = "params"  # against their parameters (M)
COST_FIELDS = {FLOPS: ("FLOPs", 1e-9), PARAMS: ("Parameters", 1e-6)}  # metadata field, scale to the axis unit

# Used until the registry names a primary metric for the task (its ``primary`` key).
FALLBACK_PRIMARY = {"Object Detection": "box AP", "Instance Segmentation": "mask AP"}


@dataclass(frozen=True)
class PlotPoint:
    model: str
    method: str
    method_title: str
    accuracy: float
    fps: float
    resolution: tuple[int, int] | None = None
    verdict: str | None = None  # "passed" | "drift" | "better" | "stale" | None: against its re-measurement
    measured_accuracy: float | None = None
    cost: float | None = None  # a FLOPs or parameters plot: the model's GFLOPs or millions of parameters

    @property
    def ms_per_image(self) -> float:
        return 1000.0 / self.fps if self.fps else float("inf")


@dataclass
class Plot:
    task: str
    dataset: str
    metric: str
    source: str  # PUBLISHED or MEASURED
    hardware: str
    points: list[PlotPoint] = field(default_factory=list)
    higher_is_better: bool = True
    backend: str | None = None
    batch_size: int | None = None
    precision: str | None = None
    versions: list[str] = field(default_factory=list)  # re-measured: "PyTorch 2.13.0", "mmdet 3.3.0"
    dates: list[str] = field(default_factory=list)  # re-measured: the days the speeds were taken

    @property
    def id(self) -> str:
        return "-".join(slugify(part) for part in ("plot", self.task, self.dataset, self.source, self.hardware)
                        if part)

    @property
    def against_cost(self) -> bool:
        """True for a plot against FLOPs or parameters (lower is better), False against speed."""
        return self.source in COST_FIELDS

    def x(self, point: PlotPoint) -> float:
        """The point's value on the horizontal axis: its speed (fps), or its FLOPs (G) or parameters (M)."""
        return point.cost if self.against_cost and point.cost is not None else point.fps

    @property
    def front(self) -> list[PlotPoint]:
        if self.against_cost:
            return cost_front(self.points, self.higher_is_better)
        return pareto_front(self.points, self.higher_is_better)


def pareto_front(points: Iterable[PlotPoint], higher_is_better: bool = True) -> list[PlotPoint]:
    """The points no other point beats on both speed and accuracy, fastest first."""
    sign = 1.0 if higher_is_better else -1.0
    front: list[PlotPoint] = []
    best = float("-inf")
    for point in sorted(points, key=lambda p: (-p.fps, -sign * p.accuracy)):
        if sign * point.accuracy > best:
            front.append(point)
            best = sign * point.accuracy
    return front


def cost_front(points: Iterable[PlotPoint], higher_is_better: bool = True) -> list[PlotPoint]:
    """The points no cheaper point beats on accuracy, cheapest first."""
    sign = 1.0 if higher_is_better else -1.0
    front: list[PlotPoint] = []
    best = float("-inf")
    for point in sorted(points, key=lambda p: (p.cost or 0.0, -sign * p.accuracy)):
        if sign * point.accuracy > best:
            front.append(point)
            best = sign * point.accuracy
    return front


def model_cost(model: Model, kind: str) -> float | None:
    """The model's FLOPs in G (``kind`` FLOPS) or parameters in M (PARAMS), from its metadata; None if absent."""
    field_name, scale = COST_FIELDS[kind]
    value = next((v for k, v in model.metadata.items() if fold(str(k)) == fold(field_name)), None)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value) * scale


def _cost_plot(models: list[Model], task: str, dataset: str, titles: Mapping[str, str],
               records: Mapping[str, list[VerificationRecord]], registry: Registry,
               configs_root: Path | None) -> Plot | None:
    """The metric against FLOPs, else parameters, when at least ``MIN_POINTS`` models have both."""
    metric = primary_metric(registry, task)
    if metric is None:
        return None
    info = registry.metrics.get(metric)
    for kind in (FLOPS, PARAMS):
        plot = Plot(task, dataset, metric, kind, "", higher_is_better=info.higher_is_better if info else True)
        for model in models:
            accuracy = _accuracy(model, task, dataset, metric, registry)
            cost = model_cost(model, kind)
            if accuracy is None or cost is None:
                continue
            newest = max(records.get(model.name, []), key=lambda r: parse_date(r.environment.date), default=None)
            current = newest is None or currency(model, newest, configs_root=configs_root, registry=registry).current
            verdict, measured_accuracy = _check(newest, task, dataset, metric, registry, current)
            plot.points.append(PlotPoint(model.name, model.method, titles.get(model.method, model.method),
                                         accuracy, 0.0, None, verdict, measured_accuracy, cost))
        if len(plot.points) >= MIN_POINTS:
            return plot
    return None


def primary_metric(registry: Registry, task: str) -> str | None:
    """The task's primary metric: the registry's ``primary`` when it names one, else the fallback."""
    term = registry.tasks.get(task)
    primary = getattr(term, "primary", None) if term is not None else None
    return primary or FALLBACK_PRIMARY.get(task)


def _metric_key(registry: Registry, name: str, task: str, dataset: str) -> str:
    """The registry's key for a metric name of a result (task-scoped names resolved where supported)."""
    resolve = getattr(registry, "resolve_metric", None)
    key = resolve(name, task, dataset) if resolve else registry.canonical("metrics", name)
    return key or name


def _accuracy(model: Model, task: str, dataset: str, metric: str, registry: Registry) -> float | None:
    for result in model.results:
        if result.task != task or result.dataset != dataset:
            continue
        for name, value in result.metrics.items():
            if _metric_key(registry, name, task, dataset) == metric and isinstance(value, int | float) \
                    and not isinstance(value, bool):
                return float(value)
    return None


def _check(record: VerificationRecord | None, task: str, dataset: str, metric: str,
           registry: Registry, current: bool = True) -> tuple[str | None, float | None]:
    if record is None or not record.evaluated:
        return None, None
    for check in record.metrics:
        same = _metric_key(registry, check.metric, task, dataset) == metric
        if same and (check.task, check.dataset) == (task, dataset) \
                and check.verdict in (Verdict.PASSED, Verdict.DRIFT, Verdict.BETTER):
            return (direction(check, registry).value if current else STALE), check.measured
    return None, None


def _published_key(speed: SpeedRecord) -> tuple[str, str | None, int | None, str | None] | None:
    if not speed.hardware or speed.ms_per_image <= 0:
        return None
    return (speed.hardware, speed.backend, speed.batch_size, speed.precision)


def _newest_with_speed(records: list[VerificationRecord]) -> dict[str, VerificationRecord]:
    """Per device the newest record of a model that measured a speed."""
    out: dict[str, VerificationRecord] = {}
    for record in sorted(records, key=lambda r: parse_date(r.environment.date)):
        speed = record.speed
        if record.status == Status.ERROR or speed is None or not speed.fps or speed.fps <= 0:
            continue
        device = record.environment.device_name or record.environment.device
        if device:
            out[device] = record
    return out


def _candidates(models: list[Model], task: str, dataset: str, titles: Mapping[str, str],
                records: Mapping[str, list[VerificationRecord]], registry: Registry,
                configs_root: Path | None = None) -> list[Plot]:
    metric = primary_metric(registry, task)
    if metric is None:
        return []
    info = registry.metrics.get(metric)
    higher = info.higher_is_better if info else True
    published: dict[tuple, Plot] = {}
    measured: dict[str, Plot] = {}
    for model in models:
        accuracy = _accuracy(model, task, dataset, metric, registry)
        if accuracy is None:
            continue
        newest = max(records.get(model.name, []), key=lambda r: parse_date(r.environment.date), default=None)
        current = newest is None or currency(model, newest, configs_root=configs_root, registry=registry).current
        verdict, measured_accuracy = _check(newest, task, dataset, metric, registry, current)
        title = titles.get(model.method, model.method)
        for speed in model.speed:
            key = _published_key(speed)
            if key is None:
                continue
            hardware, backend, batch, precision = key
            plot = published.get(key)
            if plot is None:
                plot = published[key] = Plot(task, dataset, metric, PUBLISHED, hardware, higher_is_better=higher,
                                             backend=backend, batch_size=batch, precision=precision)
            if all(p.model != model.name for p in plot.points):
                plot.points.append(PlotPoint(model.name, model.method, title, accuracy, speed.fps,
                                             speed.resolution, verdict, measured_accuracy))
        for device, record in _newest_with_speed(records.get(model.name, [])).items():
            if not currency(model, record, configs_root=configs_root, registry=registry).current:
                continue  # its speed was measured for another checkpoint or config: no re-measured point
            verdict, measured_accuracy = _check(record, task, dataset, metric, registry)
            plot = measured.get(device)
            if plot is None:
                plot = measured[device] = Plot(task, dataset, metric, MEASURED, device, higher_is_better=higher,
                                               batch_size=1)
            fps = record.speed.fps if record.speed is not None else None  # `_newest_with_speed`: never None
            if fps is None:
                continue
            plot.points.append(PlotPoint(model.name, model.method, title, accuracy, float(fps), None, verdict,
                                         measured_accuracy))
            env = record.environment
            versions = [f"PyTorch {env.torch}" if env.torch else "", f"mmdet {env.mmdet}" if env.mmdet else ""]
            plot.versions += [v for v in versions if v and v not in plot.versions]
            day = (env.date or "")[:10]
            if day and day not in plot.dates:
                plot.dates.append(day)
    return [*measured.values(), *published.values()]


def _best(plots: list[Plot]) -> Plot | None:
    """Re-measured before published, then the group with most points; None when none has enough."""
    eligible = [p for p in plots if len(p.points) >= MIN_POINTS]
    if not eligible:
        return None
    return min(eligible, key=lambda p: (p.source != MEASURED, -len(p.points), p.hardware))


def _task_datasets(models: Iterable[Model]) -> list[tuple[str, str]]:
    pairs: dict[tuple[str, str], None] = {}
    for model in models:
        for result in model.results:
            pairs.setdefault((result.task, result.dataset), None)
    return list(pairs)


def plots_for(models: list[Model], titles: Mapping[str, str],
              records: Mapping[str, list[VerificationRecord]] | None = None,
              registry: Registry | None = None, configs_root: Path | None = None) -> list[Plot]:
    """One plot per task and dataset of ``models`` that has at least three comparable points.

    ``configs_root``: where the models' configs are (the zoo's folder), to tell current records from stale.
    """
    registry = registry or load_registry()
    out = []
    for task, dataset in _task_datasets(models):
        plot = _best(_candidates(models, task, dataset, titles, records or {}, registry, configs_root)) or \
            _cost_plot(models, task, dataset, titles, records or {}, registry, configs_root)
        if plot is not None:
            plot.points.sort(key=lambda p: (plot.x(p), p.accuracy, p.model))
            out.append(plot)
    return out


def overview_plots(zoo: Zoo, records: Mapping[str, list[VerificationRecord]] | None = None) -> list[Plot]:
    """The plots of the overview: every model of the zoo."""
    return plots_for(zoo.models, {m.id: m.title for m in zoo.methods}, records, getattr(zoo, "registry", None),
                     getattr(zoo, "root", None))


def method_plots(zoo: Zoo, method_id: str,
                 records: Mapping[str, list[VerificationRecord]] | None = None) -> list[Plot]:
    """The plots of one method page: its own models."""
    method = next((m for m in zoo.methods if m.id == method_id), None)
    if method is None:
        return []
    return plots_for(method.models, {method.id: method.title}, records, getattr(zoo, "registry", None),
                     getattr(zoo, "root", None))

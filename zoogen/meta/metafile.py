"""One metafile (``<method>/metafile.yml``) to Collections and Models."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from zoogen.errors import Diagnostics, Location
from zoogen.meta import normalise
from zoogen.meta.keys import (
    CODE_KEYS,
    COLLECTION_KEYS,
    CONVERTED_FROM_KEYS,
    MODEL_INDEX_KEYS,
    MODEL_KEYS,
    PAPER_KEYS,
    RESULT_KEYS,
    canonical_keys,
    original_key,
)
from zoogen.meta.metadata_schema import validate_field
from zoogen.meta.names import unsafe_relative_path
from zoogen.meta.registry import Registry
from zoogen.meta.schema import Collection, Model, Paper, Result
from zoogen.meta.unknown import UnknownNames
from zoogen.meta.yaml_source import YamlDocument

SPEED_KEYS = ("inference time (ms/im)", "inference time (s/im)")
LIST_METADATA = ("Training Techniques", "Architecture")


class MetafileReader:
    """Reads one parsed metafile; problems go to ``diags`` with their lines."""

    def __init__(self, doc: YamlDocument, method: str, registry: Registry, diags: Diagnostics,
                 unknown: UnknownNames | None = None) -> None:
        self.doc = doc
        self.method = method
        self.registry = registry
        self.diags = diags
        self.unknown = unknown if unknown is not None else UnknownNames()

    def read(self) -> tuple[list[Collection], list[Model]]:
        data = self.doc.data
        if data is None:
            self.diags.warn("the metafile is empty", self.doc.at())
            return [], []
        if isinstance(data, list):
            self.diags.warn("top-level list instead of 'Models:'; read as the Models list", self.doc.at())
            return [], self._models(data, ())
        if not isinstance(data, dict):
            self.diags.error(f"expected a mapping with Collections and Models, got {type(data).__name__}",
                             self.doc.at())
            return [], []
        top, unknown = canonical_keys(data, MODEL_INDEX_KEYS)
        for key in unknown:
            self.diags.warn(f"unknown top-level key {key!r}; ignored", self.doc.at(key), key)
        collections_key = original_key(data, "Collections")
        models_key = original_key(data, "Models")
        collections: list[Collection] = []
        raw_collections = top.get("Collections")
        if raw_collections is not None and not isinstance(raw_collections, list):
            self.diags.warn("Collections should be a list; ignored", self.doc.at(collections_key), "Collections")
        elif raw_collections:
            for index, raw in enumerate(raw_collections):
                collection = self._collection(raw, (collections_key, index))
                if collection:
                    collections.append(collection)
        if "Models" in top and top["Models"] is None:
            self.diags.warn("Models is set to nothing", self.doc.at(models_key), "Models")
        raw_models = top.get("Models") or []
        if not isinstance(raw_models, list):
            self.diags.warn("Models should be a list; ignored", self.doc.at(models_key), "Models")
            raw_models = []
        return collections, self._models(raw_models, (models_key,))

    # -- collections -------------------------------------------------------------------------------

    def _collection(self, raw: Any, path: tuple[Any, ...]) -> Collection | None:
        where = self.doc.at(*path)
        if not isinstance(raw, dict):
            self.diags.warn("a collection should be a mapping; ignored", where, "Collections")
            return None
        fields, unknown = canonical_keys(raw, COLLECTION_KEYS)
        for key in unknown:
            self.diags.warn(f"unknown collection key {key!r}; ignored", self.doc.at(*path, key), key)
        name = normalise.one_line(fields.get("Name"))
        if not name:
            self.diags.warn("collection without a Name; ignored", where, "Name")
            return None
        return Collection(
            name=name,
            metadata=self._metadata(fields.get("Metadata"), (*path, original_key(raw, "Metadata"))),
            paper=self._paper(fields.get("Paper"), self.doc.at(*path, original_key(raw, "Paper"))),
            code=self._code(fields.get("Code"), self.doc.at(*path, original_key(raw, "Code"))),
            readme=normalise.one_line(fields.get("README")),
            location=where,
        )

    def _paper(self, raw: Any, where: Location) -> Paper | None:
        if raw in (None, ""):
            return None
        if isinstance(raw, str):
            return Paper(url=normalise.optional_url(raw, where, "Paper", self.diags), title=None)
        if isinstance(raw, dict):
            fields, _ = canonical_keys(raw, PAPER_KEYS)
            url = normalise.optional_url(fields.get("URL"), where, "Paper.URL", self.diags)
            return Paper(url=url, title=normalise.one_line(fields.get("Title")))
        self.diags.warn("Paper should be a URL or {URL, Title}; ignored", where, "Paper")
        return None

    def _code(self, raw: Any, where: Location) -> str | None:
        if isinstance(raw, dict):
            fields, _ = canonical_keys(raw, CODE_KEYS)
            raw = fields.get("URL")
        elif isinstance(raw, int | float) or (isinstance(raw, str) and normalise.is_version(raw)):
            self.diags.warn(f"Code is a bare version ({raw!r}), expected a URL or {{URL, Version}}; ignored",
                            where, "Code")
            return None
        return normalise.optional_url(raw, where, "Code", self.diags)

    def _metadata(self, raw: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        if raw is None:
            return {}
        where = self.doc.at(*path)
        if not isinstance(raw, dict):
            self.diags.warn(f"Metadata should be a mapping, got {type(raw).__name__}; ignored", where, "Metadata")
            return {}
        metadata = dict(raw)
        for key in list(metadata):
            value, problem = validate_field(key, metadata[key])
            if problem:
                self.diags.warn(f"{problem}; dropped", self.doc.at(*path, key), f"Metadata.{key}")
                del metadata[key]
            else:
                metadata[key] = value
        for key in LIST_METADATA:
            if key in metadata:
                metadata[key] = normalise.string_list(metadata[key], self.doc.at(*path, key), key, self.diags)
        return metadata

    # -- models ------------------------------------------------------------------------------------

    def _models(self, raw_models: list[Any], path: tuple[Any, ...]) -> list[Model]:
        models = []
        for index, raw in enumerate(raw_models):
            model = self._model(raw, (*path, index))
            if model:
                models.append(model)
        return models

    def _model(self, raw: Any, path: tuple[Any, ...]) -> Model | None:
        where = self.doc.at(*path)
        if not isinstance(raw, dict):
            self.diags.warn(f"a model should be a mapping, got {type(raw).__name__}; ignored", where, "Models")
            return None
        fields, unknown = canonical_keys(raw, MODEL_KEYS + SPEED_KEYS)

        def at(key: str) -> Location:
            return self.doc.at(*path, original_key(raw, key))

        metadata = self._metadata(fields.get("Metadata"), (*path, original_key(raw, "Metadata")))
        for key in SPEED_KEYS:  # seen outside Metadata in real files
            if key in fields:
                self.diags.warn(f"'{key}' stands outside Metadata; moved into it", at(key), key)
                metadata.setdefault(key, fields.pop(key))
        for key in unknown:
            if key not in SPEED_KEYS:
                self.diags.warn(f"unknown model key {key!r}; ignored", at(key), key)

        config = normalise.config_path(fields.get("Config"), at("Config"), self.diags)
        outside = unsafe_relative_path(config) if config else None
        if config and outside:
            self.diags.warn(f"Config {config[:80]!r} {outside}; a Config is a path inside the repository "
                            "(configs/<method>/<name>.py), and zoogen verify refuses others unless "
                            "--trust-configs", at("Config"), "Config")
        name = fields.get("Name")
        if name is not None and not isinstance(name, str):
            self.diags.warn(f"Name should be a string, got {type(name).__name__}", at("Name"), "Name")
            name = str(name)
        name = normalise.one_line(name)
        if not name:
            if not config:
                self.diags.warn("model without a Name or Config; ignored", where, "Name")
                return None
            name = Path(config).stem
            self.diags.warn(f"model without a Name; named {name!r} after its Config", where, "Name")

        collection = fields.get("In Collection")
        return Model(
            name=name,
            method=self.method,
            collection=normalise.one_line(collection) if collection is not None else None,
            config=config,
            metadata=metadata,
            results=self._results(fields.get("Results"), (*path, original_key(raw, "Results"))),
            weights=normalise.weights_url(fields.get("Weights"), at("Weights"), self.diags),
            log=normalise.optional_url(fields.get("Log"), at("Log"), "Log", self.diags) if "Log" in fields else
            normalise.optional_url(fields.get("Training log"), at("Training log"), "Training log", self.diags),
            speed=normalise.speed_records(
                metadata, lambda key: self.doc.at(*path, original_key(raw, "Metadata"), key), self.diags),
            paper=self._paper(fields.get("Paper"), at("Paper")),
            code=self._code(fields.get("Code"), at("Code")),
            readme=normalise.one_line(fields.get("README")),
            alias=normalise.string_list(fields.get("Alias"), at("Alias"), "Alias", self.diags),
            converted_from=self._converted_from(fields.get("Converted From")),
            tolerances=self._tolerances(fields.get("Tolerance"), at("Tolerance")),
            location=where,
            field_locations={key: at(key) for key in ("Name", "In Collection", "Config", "Weights")
                             if key in fields},
            verify_skip=self._verify_skip(fields.get("Verify"), at("Verify")),
        )

    def _verify_skip(self, raw: Any, where: Location) -> str | None:
        """``Verify: {skip: <reason>}`` marks a model that this zoo's tools cannot verify."""
        if raw is None:
            return None
        if isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("skip"), str) and raw["skip"].strip():
            return normalise.one_line(raw["skip"])
        self.diags.warn("Verify should be {skip: <reason the model cannot be verified>}; ignored", where, "Verify")
        return None

    def _converted_from(self, raw: Any) -> str | None:
        if isinstance(raw, dict):
            fields, _ = canonical_keys(raw, CONVERTED_FROM_KEYS)
            return normalise.one_line(fields.get("Code") or fields.get("Weights"))
        return normalise.one_line(raw)

    def _tolerances(self, raw: Any, where: Location) -> dict[str, float]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.diags.warn("Tolerance should map metric names to numbers; ignored", where, "Tolerance")
            return {}
        tolerances = {}
        for metric, value in raw.items():
            tolerance = normalise.number(value)
            if tolerance is None or not math.isfinite(tolerance) or tolerance < 0:
                self.diags.warn(f"tolerance of {metric!r} is not a finite number >= 0; ignored", where, "Tolerance")
                continue
            tolerances[self.registry.canonical("metrics", str(metric)) or str(metric)] = tolerance
        return tolerances

    # -- results -----------------------------------------------------------------------------------

    def _results(self, raw: Any, path: tuple[Any, ...]) -> list[Result]:
        if raw is None:
            return []
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            self.diags.warn(f"Results should be a list, got {type(raw).__name__}; ignored",
                            self.doc.at(*path), "Results")
            return []
        results: list[Result] = []
        for index, item in enumerate(raw):
            result = self._result(item, (*path, index))
            if result:
                results.append(result)
        return self._move_box_ap(results)

    def _result(self, raw: Any, path: tuple[Any, ...]) -> Result | None:
        where = self.doc.at(*path)
        if not isinstance(raw, dict):
            self.diags.warn("a result should be a mapping {Task, Dataset, Metrics}; ignored", where, "Results")
            return None
        fields, _ = canonical_keys(raw, RESULT_KEYS)
        task = normalise.one_line(fields.get("Task"))
        dataset = normalise.one_line(fields.get("Dataset"))
        if not task or not dataset:
            self.diags.warn("a result needs Task and Dataset; ignored", where, "Results")
            return None
        known_task = self.registry.canonical("tasks", task)
        if known_task is None:
            self.unknown.note("task", task, self.doc.at(*path, original_key(raw, "Task")), "Task")
        task = known_task or task
        dataset = self.registry.canonical("datasets", dataset) or dataset
        metrics_key = original_key(raw, "Metrics")
        raw_metrics = fields.get("Metrics")
        if raw_metrics is None or raw_metrics == {} or raw_metrics == []:
            state = "missing" if "Metrics" not in fields else "empty"
            self.diags.warn(f"Metrics is {state}: a result needs at least one metric; result ignored",
                            self.doc.at(*path, metrics_key), "Metrics")
            return None
        if not isinstance(raw_metrics, dict):
            self.diags.warn(f"Metrics should be a mapping of metric to value, got {type(raw_metrics).__name__}"
                            "; result ignored", self.doc.at(*path, metrics_key), "Metrics")
            return None
        metrics: dict[str, float | str] = {}
        for name, value in raw_metrics.items():
            metric_where = self.doc.at(*path, metrics_key, name)
            canonical = self.registry.resolve_metric(str(name), task, dataset)
            if canonical is None:
                self.unknown.note("metric", str(name), metric_where, f"Metrics.{name}")
            canonical = canonical or str(name)
            parsed = self._metric_value(value, canonical, metric_where, f"Metrics.{name}")
            if parsed is not None:
                metrics[canonical] = parsed
        if not metrics:
            return None
        return Result(task=task, dataset=dataset, metrics=metrics, location=where)

    def _metric_value(self, value: Any, metric: str, where: Location, field: str) -> float | str | None:
        """A metric's number; repaired text (``"39.3 (37.9)"`` -> 39.3) and kept text are warnings."""
        numeric, rest = normalise.leading_number(value)
        if numeric is None:
            if isinstance(value, str) and value.strip():
                self.diags.warn(f"expected a number, got {value.strip()[:60]!r}; shown as text", where, field)
                return value.strip()
            self.diags.warn(f"expected a number, got {'nothing' if value is None else repr(value)[:60]}; "
                            "ignored", where, field)
            return None
        if rest:
            self.diags.warn(f"metric value {str(value)[:60]!r} has extra text; read as {numeric:g}", where, field)
        info = self.registry.metrics.get(metric)
        problem = info.out_of_range(numeric) if info else (None if math.isfinite(numeric) else "is not finite")
        if problem:
            self.diags.warn(f"value {numeric:g} {problem}", where, field)
            if not math.isfinite(numeric):
                return None
        return numeric

    def _move_box_ap(self, results: list[Result]) -> list[Result]:
        """``box AP`` filed under Instance Segmentation belongs to Object Detection on the same dataset."""
        for result in list(results):
            if result.task != "Instance Segmentation" or "box AP" not in result.metrics:
                continue
            self.diags.warn("'box AP' under Instance Segmentation; moved to Object Detection",
                            result.location, "Metrics.box AP")
            value = result.metrics.pop("box AP")
            detection = next((r for r in results if r.task == "Object Detection" and r.dataset == result.dataset),
                             None)
            if detection is None:
                detection = Result("Object Detection", result.dataset, {}, result.location)
                results.insert(results.index(result), detection)
            detection.metrics.setdefault("box AP", value)
            if not result.metrics:
                results.remove(result)
        return results

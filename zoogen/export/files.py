"""Names of the export files, shared by the writer and the pages that link to them."""

from __future__ import annotations

from collections.abc import Iterable

from zoogen.meta.schema import Model, Zoo
from zoogen.records import safe_file_name, slugify

EXPORTS_DIR = "exports"  # beside the languages: <out>/exports
MODELS_JSON = "models.json"
SCHEMA_JSON = "models.schema.json"
MODEL_INDEX_DIR = "model-index"
EVAL_RESULTS_DIR = "eval-results"  # a model's file goes into its Hub repository as .eval_results/zoogen.yaml
INDEX_HTML = "index.html"


def task_datasets(zoo: Zoo | Iterable[Model]) -> list[tuple[str, str]]:
    """Every (task, dataset) pair of the zoo's results, in order of first appearance."""
    models = zoo.models if isinstance(zoo, Zoo) else zoo
    pairs: dict[tuple[str, str], None] = {}
    for model in models:
        for result in model.results:
            pairs.setdefault((result.task, result.dataset), None)
    return list(pairs)


def csv_name(task: str, dataset: str) -> str:
    """``object-detection_coco.csv``."""
    return f"{slugify(task) or 'task'}_{slugify(dataset) or 'dataset'}.csv"


def model_card_name(model: str) -> str:
    """``model-index/<model>.yml`` (any model name made a safe file name)."""
    return f"{MODEL_INDEX_DIR}/{safe_file_name(model)}.yml"


def eval_results_name(model: str) -> str:
    """``eval-results/<model>/zoogen.yaml``: the Hub's per-result file of a model, verified results only."""
    return f"{EVAL_RESULTS_DIR}/{safe_file_name(model)}/zoogen.yaml"

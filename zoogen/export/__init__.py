"""Exports of a zoo's data: ``models.json`` (with its JSON Schema), one CSV per task and dataset, and a
Hugging Face model-card ``model-index`` block per model. Language-neutral; see docs/exports.md."""

from zoogen.export.files import csv_name, task_datasets
from zoogen.export.publish import ExportSummary, write_exports

__all__ = ["ExportSummary", "csv_name", "task_datasets", "write_exports"]

"""What a table header means: a metadata field, a metric, the speed, the links or the model's name.

Headers are matched in English or Chinese, ignoring case, spaces and ``_``: the registry's column titles
(``zoogen/registry.yml``: ``title`` and ``zh_CN``) and metric names and aliases, plus the spellings of
hand-written pages below (``ALIASES``). A merged header (two header rows, or an empty top cell that
continues the one on its left) is matched on its lower part; its upper part may name the dataset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zoogen.meta.registry import Registry

# Extra spellings of hand-written pages: folded header -> registry column key.
ALIASES: dict[str, str] = {
    "骨架网络": "backbone", "骨干网络": "backbone", "backbone network": "backbone",
    "type": "network_type", "模型类型": "network_type",
    "img/gpu": "images_per_gpu", "images/gpu": "images_per_gpu", "每张gpu图片个数": "images_per_gpu",
    "batch size per gpu": "images_per_gpu",
    "lr schedule": "lr_schd", "schedule": "lr_schd", "schd": "lr_schd", "lr_schd": "lr_schd", "训练策略": "lr_schd",
    "mem (gb)": "memory", "memory (gb)": "memory", "显存(gb)": "memory", "训练显存(gb)": "memory",
    "train time (s/iter)": "train_time", "训练时间(s/iter)": "train_time",
    "inf time (fps)": "inference_fps", "fps": "inference_fps", "推理时间(fps)": "inference_fps",
    "推理速度(fps)": "inference_fps", "inference time (fps)": "inference_fps",
    "inf time (ms)": "inference_ms", "inf time (ms/im)": "inference_ms", "推理时间(ms)": "inference_ms",
    "inference time (ms/im)": "inference_ms",
    "model": "name", "name": "name", "model name": "name", "模型": "name", "模型名称": "name",
    "config": "config", "configs": "config", "配置": "config", "配置文件": "config",
    "download": "download", "下载": "download", "downloads": "download", "model download": "download",
}

# Headers of OpenMMLab Metadata fields that have no table column of their own: folded header -> field.
METADATA_FIELDS: dict[str, str] = {
    "params": "Parameters", "params(m)": "Parameters", "#params": "Parameters", "参数量": "Parameters",
    "parameters": "Parameters", "flops": "FLOPs", "flops(g)": "FLOPs", "计算量": "FLOPs",
    "epochs": "Epochs", "epoch": "Epochs", "batchsize": "Batch Size",
}

# Link texts of download cells: folded text -> the model field it gives.
LINK_TEXTS: dict[str, str] = {
    "model": "Weights", "weights": "Weights", "ckpt": "Weights", "checkpoint": "Weights",
    "下载链接": "Weights", "模型": "Weights", "下载": "Weights", "权重": "Weights",
    "log": "Log", "日志": "Log", "训练日志": "Log",
    "config": "Config", "配置文件": "Config", "配置": "Config", "cfg": "Config",
}


@dataclass(frozen=True)
class Column:
    """The meaning of one column: ``kind`` is metadata, metric, speed, name, config, download or unknown."""

    kind: str
    key: str | None = None  # registry column key (metadata, config, download, name) or canonical metric
    field: str | None = None  # Metadata field of a metadata column
    unit: str | None = None  # speed: fps or ms
    dataset: str | None = None  # named by a merged header's upper part
    header: str = ""


def fold(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("_", " ")).casefold()


class ColumnMatcher:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.columns: dict[str, str] = {fold(alias): key for alias, key in ALIASES.items()}
        for key, info in registry.columns.items():
            for name in (info.title, info.zh_CN, key):
                if name and key != "metrics":
                    self.columns.setdefault(fold(name), key)

    def match(self, header: str, upper: str = "") -> Column:
        dataset = self.registry.canonical("datasets", upper) if upper else None
        full = " ".join(dict.fromkeys(part for part in (upper, header) if part))
        for text in (header, full, upper):
            if not text:
                continue
            column = self._match(text)
            if column.kind != "unknown":
                return Column(column.kind, column.key, column.field, column.unit, dataset, full)
        return Column("unknown", dataset=dataset, header=full)

    def _match(self, text: str) -> Column:
        key = self.columns.get(fold(text))
        if key in ("inference_fps", "inference_ms"):
            return Column("speed", key, unit="fps" if key == "inference_fps" else "ms")
        if key in ("name", "config", "download"):
            return Column(key, key)
        if key:
            return Column("metadata", key, self.registry.columns[key].metadata)
        if fold(text) in METADATA_FIELDS:
            return Column("metadata", None, METADATA_FIELDS[fold(text)])
        metric = self.registry.canonical("metrics", text)
        if metric:
            return Column("metric", metric)
        return Column("unknown")

"""The words of a plot in each language.

Names of tasks, datasets, metrics and the speed column come from the registry (its ``zh_CN`` names); the
few plot words below ship with zoogen. A zoo's shared ``zoogen.po`` catalog (the one that translates the
link words of the tables) may override any of them: its ``msgid`` is the English text.
"""

from __future__ import annotations

import gettext

from zoogen.meta.registry import load_registry

# English -> Chinese. Placeholders in braces are filled with data (hardware names, numbers), never translated.
PLOT_WORDS: dict[str, str] = {
    "Inference speed (fps)": "推理速度 (fps)",
    "Pareto front": "帕累托前沿",
    "verified": "已复现验证",
    "drift": "复现有偏差",
    "better than published": "优于公布值",
    "stale": "已过时（记录与当前数值、权重或配置不符）",
    "not verified": "未验证",
    "{metric} against inference speed: {task} on {dataset}":
        "{metric} 与推理速度：{dataset} 上的{task}",
    "Published speeds, measured on {hardware} ({protocol}).": "发布的速度，在 {hardware} 上测得（{protocol}）。",
    "{metric} against FLOPs: {task} on {dataset}": "{metric} 与计算量：{dataset} 上的{task}",
    "{metric} against parameters: {task} on {dataset}": "{metric} 与参数量：{dataset} 上的{task}",
    "FLOPs and parameters as the metafiles publish them ({protocol}).":
        "计算量与参数量为元文件发布的数值（{protocol}）。",
    "FLOPs (G)": "计算量 (G FLOPs)",
    "Parameters (M)": "参数量 (M)",
    "Speeds re-measured by zoogen verify on {hardware} ({protocol}).":
        "由 zoogen verify 在 {hardware} 上重新测得的速度（{protocol}）。",
    "{metric} as published; a diamond marks a value zoogen re-measured within tolerance, a cross one that "
    "drifted. The dashed line is the Pareto front. Hover over a point for its model; click it for its row.":
        "{metric} 为发布值；菱形表示经 zoogen 复现且在容差内的值，叉号表示复现有偏差的值。虚线为帕累托前沿。"
        "将鼠标悬停在点上可查看模型，点击可跳转到该模型所在的表格行。",
    "batch size {n}": "批大小 {n}",
    "{n} images": "{n} 张图片",
    "{n} models": "{n} 个模型",
    "Data of this zoo": "本模型库的数据",
    "all models with every result, published and re-measured": "所有模型及其全部结果（发布值与复现值）",
    "its JSON Schema": "其 JSON Schema",
    "one CSV per task and dataset": "每个任务与数据集一个 CSV 文件",
    "Hugging Face model-card metadata per model": "每个模型的 Hugging Face 模型卡元数据",
    "all files": "全部文件",
}


COST_WORDS = {"flops": "FLOPs", "params": "parameters"}  # the axis of a plot against cost, in its title
COST_LABELS = {"flops": "FLOPs (G)", "params": "Parameters (M)"}


class Words:
    """Translate plot words and registry names into one language."""

    def __init__(self, language: str | None, catalog: gettext.NullTranslations | None = None) -> None:
        self.chinese = (language or "en").replace("-", "_").lower() == "zh_cn"
        self.catalog = catalog
        self.registry = load_registry()

    def __call__(self, english: str, **values: object) -> str:
        text = english
        if self.chinese:
            found = self.catalog.gettext(english) if self.catalog else english
            text = found if found != english else PLOT_WORDS.get(english, english)
        return text.format(**values) if values else text

    def term(self, kind: str, name: str) -> str:
        """A task, dataset or metric name (``kind``: tasks, datasets, metrics) in this language."""
        group = getattr(self.registry, kind)
        canonical = self.registry.canonical(kind, name) or name
        term = group.get(canonical)
        if term is None:
            return name
        return (term.zh_CN or term.title or name) if self.chinese else (term.title or name)

    def cost_label(self, source: str) -> str:
        """The horizontal axis of a plot against FLOPs or parameters, with its unit."""
        return self(COST_LABELS.get(source, source))

    def speed_label(self) -> str:
        column = self.registry.columns.get("inference_fps")
        if self.chinese and column and column.zh_CN:
            return column.zh_CN
        return self("Inference speed (fps)") if self.chinese else "Inference speed (fps)"

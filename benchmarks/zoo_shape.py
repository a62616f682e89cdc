"""The shape of a built zoo site, as a reader meets it: figures for issue 14's note, per built site.

    python3 benchmarks/zoo_shape.py ZOO_DIR [ZOO_DIR ...]     # after `zoogen init && zoogen build --lang all`

For each zoo (the folder of its model-index.yml, built into ZOO_DIR/build/html) it prints:

- sidebar: how many entries the home page's sidebar lists, how many titles are shared by two or more entries,
  and how many entries are titled with their page's file stem;
- method tables: how many tables the method pages hold and how many do not begin with a model column
  (header "Model" / "模型"), per language;
- all-models page: its tables, the widest one's column count and the page's size;
- metric values: the numeric metric values of models with weights in the metafiles (read again with PyYAML),
  and how many of them stand in no table row of the English site that names the model;
- Chinese: the site title, footers reading "Copyright ." and Chinese headings holding an English task name.
"""

from __future__ import annotations

import glob
import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import yaml


class _Page(HTMLParser):
    """Tables (rows of cell texts), headings, the sidebar's entries, the title and the footer of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.headings: list[str] = []
        self.sidebar: list[tuple[str, str]] = []  # (href, text)
        self.title = ""
        self.footer = ""
        self._cell: list[str] | None = None
        self._text: list[str] | None = None
        self._kind = ""
        self._depth = 0
        self._menu_depth: int | None = None
        self._footer_depth: int | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col"):
            self._depth += 1
        if tag == "div" and "wy-menu-vertical" in classes:
            self._menu_depth = self._depth
        if tag == "footer":
            self._footer_depth = self._depth
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h1", "h2", "h3", "h4", "title"):
            self._text, self._kind = [], tag
        elif tag == "a" and self._menu_depth is not None and "reference" in classes:
            self._text, self._kind, self._href = [], "a", attributes.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == self._kind and self._text is not None:
            text = " ".join("".join(self._text).split()).replace("¶", "").replace("\uf0c1", "").strip()
            if tag == "title":
                self.title = self.title or text  # the page's, not a plot's SVG title
            elif tag == "a":
                self.sidebar.append((self._href, text))
            else:
                self.headings.append(text)
            self._text = None
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col"):
            if self._menu_depth == self._depth:
                self._menu_depth = None
            if self._footer_depth == self._depth:
                self._footer_depth = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)
        if self._footer_depth is not None:
            self.footer += data


def read(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _number(text: str) -> float | None:
    match = re.search(r"-?\d+(?:\.\d+)?", text.replace(",", ""))
    return float(match.group(0)) if match else None


def metafile_values(zoo: Path) -> list[tuple[str, float]]:
    """(model name, metric value) of every numeric metric of a model with weights, as the metafiles write them."""
    index = yaml.safe_load((zoo / "model-index.yml").read_text(encoding="utf-8"))
    files: list[str] = []
    for pattern in index.get("Import", []):
        files += sorted(glob.glob(pattern, root_dir=zoo, recursive=True))
    values = []
    for name in dict.fromkeys(files):
        doc = yaml.safe_load((zoo / name).read_text(encoding="utf-8")) or {}
        for model in doc.get("Models") or []:
            if not isinstance(model, dict) or not model.get("Weights"):
                continue
            for result in model.get("Results") or []:
                for value in ((result or {}).get("Metrics") or {}).values():
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        values.append((str(model.get("Name")), float(value)))
    return values


def shape(zoo: Path) -> dict[str, object]:
    site = zoo / "build" / "html"
    figures: dict[str, object] = {}
    home = read(site / "en" / "index.html")
    entries = [(href, text) for href, text in home.sidebar if href.startswith("methods/")]
    titles = Counter(text for _, text in entries)
    stems = sum(1 for href, text in entries if text == Path(href).stem)
    figures["sidebar entries"] = len(entries)
    figures["sidebar titles shared"] = sum(count for count in titles.values() if count > 1)
    figures["sidebar titles that are file stems"] = stems

    rows_naming: dict[str, list[list[str]]] = {}
    for language, model_header in (("en", "Model"), ("zh_CN", "模型")):
        tables = without_model = 0
        for page_path in sorted((site / language / "methods").rglob("*.html")):
            for table in read(page_path).tables:
                if not table or not table[0]:
                    continue
                tables += 1
                without_model += table[0][0] != model_header
                if language == "en":
                    for row in table[1:]:
                        rows_naming.setdefault("all", []).append(row)
        figures[f"method tables ({language})"] = tables
        figures[f"method tables without a model column ({language})"] = without_model
    models_page = site / "en" / "models.html"
    all_models = read(models_page)
    figures["all-models tables"] = len(all_models.tables)
    figures["widest all-models table (columns)"] = max((len(t[0]) for t in all_models.tables if t), default=0)
    figures["all-models page (KB)"] = round(models_page.stat().st_size / 1024)
    rows = rows_naming.get("all", []) + [row for table in all_models.tables for row in table[1:]]

    by_model: dict[str, list[list[str]]] = {}
    values = metafile_values(zoo)
    names = {name for name, _ in values}
    for row in rows:
        for cell in row[:1] + row[-2:]:  # the model's name (first cell) or its config file name (far right)
            for token in re.split(r"[\s|]+", cell):
                token = token.removesuffix(".py")
                if token in names:
                    by_model.setdefault(token, []).append(row)
    missing = 0
    for name, value in values:
        shown = any(any(_number(cell) == value for cell in row) for row in by_model.get(name, []))
        missing += not shown
    figures["metric values of models with weights"] = len(values)
    figures["... in no row naming the model"] = missing

    zh_home = read(site / "zh_CN" / "index.html")
    figures["Chinese site title"] = zh_home.title
    figures["footers without a holder ('Copyright .')"] = sum(
        bool(re.search(r"(Copyright|版权所有)\s*\.|版权所有\s*。", read(site / language / "index.html").footer))
        for language in ("en", "zh_CN"))
    tasks = sorted((_registry_task_names() | zoo_tasks(zoo)) - _kept_in_chinese(), key=len, reverse=True)
    english = 0
    for page_path in (site / "zh_CN").rglob("*.html"):
        english += sum(1 for heading in read(page_path).headings if any(task in heading for task in tasks))
    figures["Chinese headings with an English task name"] = english
    return figures


def _registry_task_names() -> set[str]:
    try:
        from zoogen.meta.registry import load_registry
    except ImportError:
        return set()
    return set(load_registry().tasks)


def _kept_in_chinese() -> set[str]:
    """Task names the registry's Chinese name keeps as they are (``自然语言视觉推理 (NLVR)``)."""
    try:
        from zoogen.meta.registry import load_registry
    except ImportError:
        return set()
    return {name for name, term in load_registry().tasks.items() if term.zh_CN and name in term.zh_CN}


def zoo_tasks(zoo: Path) -> set[str]:
    """The task names the metafiles write."""
    index = yaml.safe_load((zoo / "model-index.yml").read_text(encoding="utf-8"))
    tasks: set[str] = set()
    for pattern in index.get("Import", []):
        for name in glob.glob(pattern, root_dir=zoo, recursive=True):
            doc = yaml.safe_load((zoo / name).read_text(encoding="utf-8")) or {}
            for model in doc.get("Models") or []:
                for result in (model or {}).get("Results") or []:
                    if isinstance(result, dict) and isinstance(result.get("Task"), str):
                        tasks.add(result["Task"])
    return tasks


def main(argv: list[str]) -> int:
    for argument in argv:
        zoo = Path(argument)
        print(f"== {zoo}")
        for key, value in shape(zoo).items():
            print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

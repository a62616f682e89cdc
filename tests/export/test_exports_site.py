"""Round trip against the built site: the CSV values are the values of the site's tables, and the exports
are published once at the site's root and linked from both languages."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from html_reader import read_page  # tests/sitebuild/html_reader.py
from tiny_zoo import TINY_RESULTS, TINY_ZOO, zoogen  # tests/export/tiny_zoo.py

from zoogen.meta.registry import load_registry

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export-site") / "html"
    result = zoogen("build", "--zoo", str(TINY_ZOO), "--results", str(TINY_RESULTS), "--lang", "all",
                    "--out", str(out), "--strict")
    assert result.returncode == 0, result.stderr
    return out


def _site_rows(page: Path, model: str, headers: set[str]) -> list[dict[str, str]]:
    """The rows of ``model`` in the page's tables that have all ``headers``: header -> cell's first word
    (the value without its verification mark)."""
    rows = []
    model_title = load_registry().columns["name"].title
    for table in read_page(page).tables:
        header, *body = table
        if model_title not in header or not headers <= set(header):
            continue
        for cells in body:
            row = dict(zip(header, cells, strict=True))
            if row[model_title] == model:
                rows.append({key: value.split(" ")[0] for key, value in row.items()})
    return rows


def test_csv_values_equal_the_site_tables(site: Path, tiny_zoo):
    registry = load_registry()
    columns = {"memory_gb": registry.columns["memory"].title, "fps": registry.columns["inference_fps"].title}
    compared = 0
    for name in ("object-detection_coco.csv", "instance-segmentation_coco.csv", "object-detection_lvis-v1.csv"):
        with (site / "exports" / name).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows
        for row in rows:
            metrics = [key for key in row if key in registry.metrics and row[key]]
            [table] = _site_rows(site / "en" / "methods" / f"{row['method']}.html", row["model"],
                                 {registry.metrics[metric].title for metric in metrics})
            for metric in metrics:
                assert table[registry.metrics[metric].title] == row[metric], (name, row["model"], metric)
                compared += 1
            for key, header in columns.items():
                assert table.get(header, "-") == (row[key] or "-"), (name, row["model"], key)
                compared += 1
    assert compared >= 20


def test_exports_are_published_once_and_linked_from_both_languages(site: Path):
    exports = site / "exports"
    assert json.loads((exports / "models.json").read_text(encoding="utf-8"))["models"]
    assert not (site / "en" / "exports").exists() and not (site / "zh_CN" / "exports").exists()
    for language in ("en", "zh_CN"):
        for page in ("index.html", "models.html"):
            links = read_page(site / language / page).links
            assert "../exports/models.json" in links and "../exports/object-detection_coco.csv" in links
            for link in links:
                if link.startswith("../exports/"):
                    assert (site / language / link).resolve().is_file(), (language, page, link)


def test_a_plain_sphinx_build_writes_its_exports_into_the_output(tmp_path: Path):
    """Read the Docs and other sites run Sphinx themselves: the export links then point into the output."""
    from zoogen.site.build import run_sphinx, sphinx_command

    source, html = tmp_path / "src", tmp_path / "html"
    source.mkdir()
    run_sphinx(sphinx_command("html", source, html, TINY_ZOO, TINY_RESULTS, "zh_CN", strict=True))
    assert json.loads((html / "exports" / "models.json").read_text(encoding="utf-8"))["models"]
    for page in ("index.html", "models.html"):
        links = [link for link in read_page(html / page).links if "exports/" in link]
        assert "exports/models.json" in links
        assert all((html / link).is_file() for link in links), links

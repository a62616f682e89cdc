"""Catalogs: data stays out of them, the sphinx-intl workflow updates them, status counts them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from conftest import ROOT, zoogen
from html_reader import has_cjk, read_page

from zoogen.meta import load_zoo

ZOOS = [ROOT / "zoo_meta", ROOT / "examples" / "paddledetection", ROOT / "examples" / "mmdet_v1_rpn"]
NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")


@pytest.mark.parametrize("zoo_dir", ZOOS, ids=lambda p: p.name)
def test_catalogs_hold_no_numbers_model_names_or_urls(zoo_dir: Path):
    zoo = load_zoo(zoo_dir).zoo
    names = {model.name for model in zoo.models}
    catalogs = list((zoo.info.locale_dir / "zh_CN" / "LC_MESSAGES").rglob("*.po"))
    assert catalogs
    for path in catalogs:
        for entry in polib.pofile(str(path)):
            assert "http://" not in entry.msgid and "https://" not in entry.msgid, (path, entry.msgid)
            assert not NUMBER.match(entry.msgid), (path, entry.msgid)
            assert not any(name in entry.msgid for name in names), (path, entry.msgid)


@pytest.mark.parametrize("zoo_dir", ZOOS, ids=lambda p: p.name)
def test_shipped_catalogs_are_complete(zoo_dir: Path):
    result = zoogen("i18n", "status", "--zoo", str(zoo_dir), "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pages fully translated" in result.stdout


def entries(locale_dir: Path) -> dict[str, list[tuple[str, str, bool]]]:
    catalogs = {}
    for path in sorted(locale_dir.rglob("*.po")):
        catalog = polib.pofile(str(path))
        catalogs[str(path.relative_to(locale_dir))] = [(e.msgid, e.msgstr, e.fuzzy) for e in catalog if not e.obsolete]
    return catalogs


@pytest.mark.slow
def test_changing_a_number_does_not_touch_a_translation(tmp_path: Path):
    zoo = tmp_path / "rpn"
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", zoo)
    assert zoogen("i18n", "update", "--zoo", str(zoo)).returncode == 0
    before = entries(zoo / "locales")
    metafile = zoo / "rpn" / "metafile.yml"
    metafile.write_text(metafile.read_text().replace("52.2", "53.9"))
    assert zoogen("i18n", "update", "--zoo", str(zoo)).returncode == 0
    assert entries(zoo / "locales") == before
    status = zoogen("i18n", "status", "--zoo", str(zoo), "--strict")
    assert status.returncode == 0


@pytest.mark.slow
def test_status_counts_and_english_fallback(tmp_path: Path):
    zoo = tmp_path / "rpn"
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", zoo)
    index = zoo / "locales" / "zh_CN" / "LC_MESSAGES" / "index.po"
    catalog = polib.pofile(str(index))
    heading = next(e for e in catalog if e.msgid == "Common settings")
    heading.msgstr = ""
    catalog.save()
    result = zoogen("i18n", "status", "--zoo", str(zoo), "--strict")
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("index "))
    assert line.split()[1:] == [str(len(catalog.translated_entries())), "0", "1"]
    out = tmp_path / "site"
    assert zoogen("build", "--zoo", str(zoo), "--lang", "zh_CN", "--out", str(out)).returncode == 0
    headings = [text for _, text in read_page(out / "zh_CN" / "index.html").headings]
    assert "Common settings" in headings  # untranslated text falls back to English
    assert has_cjk(headings[0])  # the rest stays translated

"""What ``zoogen build`` does for speed, checked on its output: one rendering for all languages (also across
the forked per-language processes), build state beside the published folder, and the benchmark's scaled zoos."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from zoogen.meta import load_zoo
from zoogen.site import source
from zoogen.site.build import build_site, cache_dir
from zoogen.site.languages import LANGUAGES

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_build import scaled_zoo  # noqa: E402

METHODS = ("retinanet", "rpn")


@pytest.fixture(scope="module")
def small_zoo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    zoo = tmp_path_factory.mktemp("zoo")
    for method in METHODS:
        (zoo / method).mkdir()
        shutil.copy2(ROOT / "zoo_meta" / method / "metafile.yml", zoo / method / "metafile.yml")
    (zoo / "model-index.yml").write_text("Import:\n" + "".join(f"  - {m}/metafile.yml\n" for m in METHODS))
    return zoo


def test_zoo_is_rendered_once_for_all_languages_and_state_stays_outside(small_zoo: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    calls = tmp_path / "render-calls"
    real_render = source.render_pages

    def counting_render(*args, **kwargs):
        with calls.open("a") as out:  # a file: forked language processes count too
            out.write("render\n")
        return real_render(*args, **kwargs)

    monkeypatch.setattr(source, "render_pages", counting_render)
    out = tmp_path / "build" / "html"
    built = build_site(small_zoo, out, LANGUAGES, results=None, strict=True, jobs=len(LANGUAGES))
    assert [result.language for result in built] == list(LANGUAGES)
    assert calls.read_text().splitlines() == ["render"]

    for language in LANGUAGES:
        published = out / language
        assert (published / "methods" / "retinanet.html").is_file()
        hidden = [p.relative_to(out) for p in published.rglob(".*")]
        assert hidden == []  # no .doctrees, no .buildinfo
        assert not (published / "_sources").exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no staging, no old trees
    cache = cache_dir(out)
    assert cache == tmp_path / "build" / ".zoogen-cache" / "html"
    assert (cache / "src" / "methods" / "retinanet.md").is_file()
    assert not any(cache.glob("staging-*"))  # staging is removed once the languages are in place


def test_a_second_build_rewrites_nothing_in_the_shared_source(small_zoo: Path, tmp_path: Path):
    out = tmp_path / "html"
    build_site(small_zoo, out, ["en"], results=None, strict=True, jobs=1)
    pages = {p: p.stat().st_mtime_ns for p in (cache_dir(out) / "src").rglob("*.md")}
    build_site(small_zoo, out, ["en"], results=None, strict=True, jobs=1)
    assert {p: p.stat().st_mtime_ns for p in (cache_dir(out) / "src").rglob("*.md")} == pages


def test_scaled_zoo_repeats_every_model_under_new_names(tmp_path: Path):
    original = load_zoo(ROOT / "zoo_meta").zoo
    scaled = load_zoo(scaled_zoo(ROOT / "zoo_meta", 3, tmp_path / "zoo"))
    assert not scaled.errors and not scaled.warnings
    zoo = scaled.zoo
    assert len(zoo.models) == 3 * len(original.models)
    assert len({model.name for model in zoo.models}) == len(zoo.models)
    assert len({method.id for method in zoo.methods}) == 3 * len(original.methods)
    assert {f"{m.id}_x3" for m in original.methods} <= {m.id for m in zoo.methods}
    assert (tmp_path / "zoo" / "locales" / "zh_CN" / "LC_MESSAGES" / "methods" / "faster_rcnn_x2.po").is_file()


def test_a_method_page_sidebar_lists_the_methods_near_it():
    from zoogen.site.navigation import windowed_entries

    entries = [(None, f"methods/m{i}") for i in range(100)] + [(None, "statistics"), (None, "models")]
    near = windowed_entries(entries, "methods/m50", "methods/", window=3)
    assert [ref for _, ref in near] == [f"methods/m{i}" for i in range(47, 54)] + ["statistics", "models"]
    first = windowed_entries(entries, "methods/m0", "methods/", window=3)
    assert [ref for _, ref in first][:4] == [f"methods/m{i}" for i in range(4)]
    assert windowed_entries(entries, "models", "methods/", window=3) == entries  # other pages: all


def test_include_patterns_do_not_grow_with_the_zoo():
    from zoogen.site.extension import page_patterns

    pages = ["index", "models", "statistics", *(f"methods/m{i}" for i in range(1000)),
             *(f"methods/task{i}/algorithm/dataset/m" for i in range(100))]  # MMPose's nesting
    assert page_patterns(pages) == ["index.md", "models.md", "statistics.md", "methods/**.md"]

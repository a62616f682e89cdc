"""One build state, in the open: the context is resolved once, from -D, the environment and conf.py, and is
never pickled with Sphinx's environment. The build runs in this process, so pytest's warning filters
(pyproject.toml: Sphinx's deprecations are errors) hold for every stage of the extension."""

from __future__ import annotations

import io
import json
import pickle
import shutil
from pathlib import Path

import pytest
from html_reader import read_page
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import docutils_namespace, patch_docutils

from zoogen.render.links import DEAD_MARK
from zoogen.site.build import standalone_conf_dir
from zoogen.site.context import ENVIRONMENT, build_context, build_options, builder_of
from zoogen.site.source import RENDERED_SETTING

ROOT = Path(__file__).resolve().parents[2]
DEAD = "https://s3.ap-northeast-2.amazonaws.com/open-mmlab/mmdetection/models/rpn_r50_caffe_c4_2x-c6d5b958.pth"


def zoogen_config(conf_py: dict[str, object], overrides: dict[str, object]) -> Config:
    """A real Sphinx configuration with the extension's settings, as conf.py and -D give them."""
    from zoogen.site.extension import setup

    config = Config(conf_py, overrides)

    class Registrar:  # the extension's setup registers its settings on this configuration
        def add_config_value(self, name: str, default: object, rebuild: str, types: object = ()) -> None:
            config.add(name, default, rebuild, types)

        def __getattr__(self, name: str):  # connect, add_transform, setup_extension, ...: not needed here
            return lambda *args, **kwargs: None

    setup(Registrar())  # type: ignore[arg-type]
    for name, default in (("zoogen_exports_url", None), ("zoogen_plots", True)):  # the directives' settings
        config.add(name, default, "env", ())
    return config


def test_settings_come_from_overrides_then_the_environment_then_conf_py(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    conf_py = {"zoogen_zoo": "from-conf", "zoogen_results": "results-conf", "language": "zh_CN"}
    options = build_options(tmp_path, zoogen_config(conf_py, {}))
    assert (options.zoo, options.results, options.links_report) == (tmp_path / "from-conf",
                                                                    tmp_path / "results-conf", None)
    assert options.language == "zh_CN" and options.pages_dir == "" and options.exports_url is None
    monkeypatch.setenv(ENVIRONMENT["zoogen_zoo"], "from-env")
    monkeypatch.setenv(ENVIRONMENT["zoogen_links"], "/elsewhere/links.json")
    options = build_options(tmp_path, zoogen_config(conf_py, {"zoogen_links": "given.json"}))
    assert options.zoo == tmp_path / "from-env"  # the environment wins over conf.py
    assert options.links_report == tmp_path / "given.json"  # -D wins over the environment
    assert options.results == tmp_path / "results-conf"


def test_a_plain_sphinx_build_reads_its_inputs_once_and_pickles_none_of_them(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch):
    zoo = tmp_path / "rpn"
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", zoo)
    report = tmp_path / "reports" / "links.json"  # outside the repository: only --links or the environment
    report.parent.mkdir()
    report.write_text(json.dumps([{"url": DEAD, "status": "dead"}]), encoding="utf-8")
    monkeypatch.setenv(ENVIRONMENT["zoogen_links"], str(report))
    monkeypatch.delenv(ENVIRONMENT["zoogen_results"], raising=False)
    source, out, doctrees = tmp_path / "src", tmp_path / "html", tmp_path / "doctrees"
    source.mkdir()
    warnings = io.StringIO()
    with patch_docutils(standalone_conf_dir()), docutils_namespace():
        app = Sphinx(source, standalone_conf_dir(), out, doctrees, "html", status=None, warning=warnings,
                     confoverrides={"zoogen_zoo": str(zoo), "language": "en", "zoogen_languages": ["en"]},
                     freshenv=True, warningiserror=True, keep_going=True)
        app.build()
    assert app.statuscode == 0, warnings.getvalue()
    context = build_context(app)
    assert context is build_context(app.env) is build_context(app.config)  # one state, whoever asks
    assert context.options.links_report == report and context.zoo.info.links_report == report
    assert builder_of(app.env) is app.builder and context.is_zoo_page("methods/rpn")
    cells = [cell for row in read_page(out / "methods" / "rpn.html").tables[0] for cell in row]
    assert cells.count(f"model {DEAD_MARK}") == 1, cells
    assert (out / "exports" / "models.json").is_file()  # a plain build writes the exports into its output
    with (doctrees / "environment.pickle").open("rb") as handle:
        pickled = pickle.load(handle)
    assert not any(type(value).__name__ in ("BuildContext", "RenderedZoo")  # the state is not kept
                   for holder in (pickled, pickled.config) for value in vars(holder).values())


def test_the_rendering_a_zoogen_command_hands_over_is_used_and_not_pickled(tmp_path: Path):
    from zoogen.site.build import build_one, confoverrides
    from zoogen.site.source import render_zoo

    zoo = tmp_path / "rpn"
    shutil.copytree(ROOT / "examples" / "mmdet_v1_rpn", zoo)
    rendered = render_zoo(zoo, None, False)
    source, out, doctrees = tmp_path / "src", tmp_path / "html", tmp_path / "doctrees"
    rendered.pages.write(source)
    (zoo / "model-index.yml").write_text("not: [a zoo", encoding="utf-8")  # never loaded again
    build_one(source, out, doctrees, confoverrides(zoo, None, "zh_CN", False, ("en", "zh_CN")), rendered)
    assert (out / "methods" / "rpn.html").is_file()
    with (doctrees / "environment.pickle").open("rb") as handle:
        pickled = pickle.load(handle)
    assert getattr(pickled.config, RENDERED_SETTING) is None  # handed over, taken out of the settings
    assert not any(type(value).__name__ in ("BuildContext", "RenderedZoo")
                   for holder in (pickled, pickled.config) for value in vars(holder).values())

"""Issue 14 §1-3 on the whole MMPose and MMPretrain zoos: copied, `zoogen init`, `zoogen build --lang all`, as a
maintainer would, then read back from the built HTML (the figures of benchmarks/zoo_shape.py)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "sitebuild"))
from web_checkers import summarise, vnu_errors  # noqa: E402
from zoo_shape import read, shape  # noqa: E402

pytestmark = pytest.mark.slow


def zoogen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "zoogen.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env)


def _adopted(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = CORPORA / name
    if not (source / "model-index.yml").is_file():
        pytest.skip(f"{source} is not here")
    zoo = tmp_path_factory.mktemp(name) / name
    shutil.copytree(source, zoo, ignore=shutil.ignore_patterns("docs"))
    for path in [zoo, *zoo.rglob("*")]:  # the corpora are read-only
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    for command in (("init",), ("build", "--lang", "all")):
        result = zoogen(*command, cwd=zoo)
        assert result.returncode == 0, result.stdout + result.stderr
    return zoo


@pytest.fixture(scope="module")
def mmpose(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _adopted("mmpose", tmp_path_factory)


@pytest.fixture(scope="module")
def mmpretrain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _adopted("mmpretrain", tmp_path_factory)


@pytest.fixture(scope="module", params=["mmpose", "mmpretrain"])
def corpus(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(request.param)


def test_the_shape_a_maintainer_would_publish(corpus: Path):
    figures = shape(corpus)
    assert figures["sidebar entries"] > 80
    assert figures["sidebar titles shared"] == 0  # §1: no two entries share a title
    assert figures["sidebar titles that are file stems"] == 0  # §1: titled from collections
    for language in ("en", "zh_CN"):  # §2: every method table begins with the model
        assert figures[f"method tables ({language})"] > 100
        assert figures[f"method tables without a model column ({language})"] == 0
    assert figures["all-models tables"] > 1 and figures["widest all-models table (columns)"] <= 25
    assert figures["metric values of models with weights"] > 800
    assert figures["... in no row naming the model"] == 0  # §1: nothing dropped
    assert figures["Chinese site title"].startswith(f"{corpus.name} 模型库")  # §3
    assert figures["footers without a holder ('Copyright .')"] == 0
    assert figures["Chinese headings with an English task name"] == 0


def test_sidebar_groups_by_task_and_for_mmpose_by_dataset(corpus: Path):
    home = (corpus / "build" / "html" / "en" / "index.html").read_text(encoding="utf-8")
    captions = re.findall(r'<span class="caption-text">([^<]*)</span>', home)
    if corpus.name == "mmpose":
        assert "Body 2D Keypoint · COCO" in captions and "Hand 2D Keypoint · OneHand10K" in captions
        assert captions.index("Body 2D Keypoint · COCO") < captions.index("Face 2D Keypoint · WFLW")
    else:
        assert captions[0] == "Image Classification" and "Multi-Label Classification" in captions
    zh_home = (corpus / "build" / "html" / "zh_CN" / "index.html").read_text(encoding="utf-8")
    zh_captions = re.findall(r'<span class="caption-text">([^<]*)</span>', zh_home)
    assert len(zh_captions) == len(captions) and not any(re.search("[A-Z][a-z]+ [A-Z][a-z]+", c) and
                                                         "Keypoint" in c for c in zh_captions)


def test_mmpose_merged_models_and_conflicts(mmpose: Path):
    site = mmpose / "build" / "html" / "en" / "methods" / "body_2d_keypoint"
    crowdpose = read(site / "rtmpose" / "crowdpose" / "rtmpose_crowdpose.html")
    assert crowdpose.tables and crowdpose.tables[0][1][0] == "rtmpose-t_8xb256-420e_coco-256x192"
    assert "0.706" in crowdpose.tables[0][1]  # the CrowdPose result of a name the COCO metafile uses first
    jhmdb = read(site / "topdown_heatmap" / "jhmdb" / "cpm_jhmdb.html")
    names = [row[0] for row in jhmdb.tables[0][1:]]
    assert len(names) == 6 and sum("another entry" in name for name in names) == 3


def test_mmpretrain_columns_and_metric_names(mmpretrain: Path):
    site = mmpretrain / "build" / "html"
    resnet = read(site / "en" / "methods" / "resnet.html")
    imagenet = next(t for t in resnet.tables if len(t) > 10)
    assert imagenet[0][:5] == ["Model", "Params (M)", "FLOPs (G)", "Top-1 Accuracy", "Top-5 Accuracy"]
    csra = read(site / "en" / "methods" / "csra.html")
    assert "Multi-Label Classification on PASCAL VOC 2007" in csra.headings and csra.tables[0][0][3] == "mAP"
    assert "PASCAL VOC 2007 上的多标签分类" in read(site / "zh_CN" / "methods" / "csra.html").headings
    blip = read(site / "en" / "methods" / "blip.html")
    retrieval = next(t for t in blip.tables if any("Retrieval" in h for h in t[0]))
    assert "Recall@1 (Text-To-Image Retrieval)" in retrieval[0]
    zh_resnet = read(site / "zh_CN" / "methods" / "resnet.html")
    assert zh_resnet.tables[0][0][:3] == ["模型", "参数量 (M)", "计算量 (G FLOPs)"]
    for language in ("en", "zh_CN"):  # no published speed: the plots are against FLOPs
        home = (site / language / "index.html").read_text(encoding="utf-8")
        assert 'class="zoo-plots"' in home and ("FLOPs" in home)


def test_catalogs_hold_only_what_a_translator_translates(corpus: Path):
    result = zoogen("i18n", "status", cwd=corpus)
    assert result.returncode == 0, result.stdout  # nothing to translate: no prose in a bare model index
    catalogs = list((corpus / "docs" / "zoo" / "locales").rglob("*.po"))
    messages = [line for path in catalogs for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith('msgid "') and line != 'msgid ""']
    assert not [m for m in messages if re.search(r"\]\(|AP@|Top-1|Recall@", m)], messages[:20]


def test_no_errors_from_the_nu_html_checker(corpus: Path):
    """§5 on the corpora: every page of both languages (a grouped sidebar's captions included)."""
    errors = vnu_errors(corpus / "build" / "html")
    assert not errors, f"{len(errors)} vnu errors:\n{summarise(errors)}"

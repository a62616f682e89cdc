"""``zoogen init`` on copies of real zoos, then the two builds a maintainer runs: zoogen's and Read the Docs'."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
import yaml
from click.testing import CliRunner
from html_reader import has_cjk, read_page

from zoogen.adopt import init_repository, parse_remote
from zoogen.cli import cli
from zoogen.errors import ZoogenError
from zoogen.project import find_zoo

ROOT = Path(__file__).resolve().parents[2]


def repository(tmp_path: Path, zoo: Path, remote: str | None = "git@github.com:open-mmlab/mmdetection.git") -> Path:
    """A git repository holding a copy of ``zoo`` (a folder with model-index.yml) at its root."""
    repo = tmp_path / "repo"
    shutil.copytree(zoo, repo, ignore=shutil.ignore_patterns("zoo.yml", "locales"))
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    if remote:
        subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", remote], check=True)
    return repo


def run_init(repo: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["init", str(repo), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("url, host, path", [
    ("git@github.com:open-mmlab/mmpose.git", "github.com", "open-mmlab/mmpose"),
    ("https://github.com/open-mmlab/mmocr", "github.com", "open-mmlab/mmocr"),
    ("https://gitee.com/paddlepaddle/PaddleDetection.git", "gitee.com", "paddlepaddle/PaddleDetection"),
    ("ssh://git@gitlab.example.org/team/sub/zoo.git", "gitlab.example.org", "team/sub/zoo"),
])
def test_remote_urls_give_the_repository_address(url: str, host: str, path: str):
    remote = parse_remote(url, "dev")
    assert remote and (remote.host, remote.path) == (host, path)
    assert remote.blob_url("docs") == f"https://{host}/{path}/blob/dev/docs/"


def test_init_writes_what_a_repository_needs(tmp_path: Path):
    repo = repository(tmp_path, ROOT / "examples" / "paddledetection",
                      remote="https://github.com/PaddlePaddle/PaddleDetection.git")
    output = run_init(repo, "--no-catalogs")
    zoo = yaml.safe_load((repo / "zoo.yml").read_text())
    assert zoo["title"] == "PaddleDetection Model Zoo"
    assert zoo["config_base_url"] == "https://github.com/PaddlePaddle/PaddleDetection/blob/main/"
    assert zoo["locale_dir"] == "docs/zoo/locales"
    assert "library" not in zoo  # not an OpenMMLab library: verify finds none to evaluate with
    readthedocs = yaml.safe_load((repo / ".readthedocs.yaml").read_text())
    assert readthedocs["sphinx"]["configuration"] == "docs/zoo/conf.py"
    assert readthedocs["python"]["install"] == [{"requirements": "docs/zoo/requirements.txt"}]
    assert "zoogen build --lang all" in output
    assert find_zoo(repo / "docs" / "zoo") == repo  # the commands find the index from inside the repository


def test_init_never_overwrites(tmp_path: Path):
    repo = repository(tmp_path, ROOT / "examples" / "mmdet_v1_rpn")
    (repo / "zoo.yml").write_text("title: Our own title\n")
    (repo / ".readthedocs.yaml").write_text("version: 2\nsphinx: {configuration: docs/conf.py}\n")
    output = run_init(repo, "--no-catalogs")
    assert (repo / "zoo.yml").read_text() == "title: Our own title\n"
    assert "docs/conf.py" in (repo / ".readthedocs.yaml").read_text()
    beside = yaml.safe_load((repo / "docs" / "zoo" / ".readthedocs.yaml").read_text())
    assert beside["sphinx"]["configuration"] == "docs/zoo/conf.py"
    assert "Path for .readthedocs.yaml" in output
    conf = (repo / "docs" / "zoo" / "conf.py").read_text()
    again = run_init(repo, "--no-catalogs")
    assert "wrote" not in again and again.count("kept") >= 5
    assert (repo / "docs" / "zoo" / "conf.py").read_text() == conf


def test_init_refuses_a_folder_without_an_index_or_with_errors(tmp_path: Path):
    with pytest.raises(ZoogenError, match="no model-index.yml"):
        init_repository(tmp_path)
    (tmp_path / "model-index.yml").write_text("Import: [a/metafile.yml]\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "metafile.yml").write_text("Models:\n  - Name: [unclosed\n")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not (tmp_path / "zoo.yml").exists()


def test_commands_without_a_zoo_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZOOGEN_ZOO", raising=False)
    (tmp_path / ".git").mkdir()
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 2 and "no model-index.yml found" in result.output


def readthedocs_build(conf_dir: Path, language: str, output: Path) -> subprocess.CompletedProcess[str]:
    """The command Read the Docs runs for a Sphinx project, in the folder of its conf.py (its language code in the
    environment is ``zh-cn``, the one it passes to Sphinx ``zh_CN``)."""
    env = {**os.environ, "READTHEDOCS": "True", "READTHEDOCS_LANGUAGE": language.replace("_", "-").lower(),
           "READTHEDOCS_VERSION": "latest", "READTHEDOCS_OUTPUT": str(output)}
    env.pop("ZOOGEN_ZOO", None)
    command = [sys.executable, "-m", "sphinx", "-T", "-W", "--keep-going", "-b", "html", "-d", "_build/doctrees",
               "-D", f"language={language}", ".", str(output / "html")]
    return subprocess.run(command, cwd=conf_dir, env=env, capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("zoo", ["corpus", "examples/mmdet_v1_rpn"])
def test_adopted_repository_builds_both_languages_both_ways(tmp_path: Path, zoo: str, request):
    source = request.getfixturevalue("corpus") if zoo == "corpus" else ROOT / zoo
    repo = repository(tmp_path, source)
    run_init(repo)
    catalogs = repo / "docs" / "zoo" / "locales" / "zh_CN" / "LC_MESSAGES"
    assert (catalogs / "index.po").is_file()
    for page in ("statistics", "verification"):  # zoogen's own texts: seeded from its built-in Chinese
        assert not polib.pofile(str(catalogs / f"{page}.po")).untranslated_entries(), page
    built = subprocess.run([sys.executable, "-m", "zoogen.cli", "build", "--lang", "all"], cwd=repo,
                           capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                                if k != "ZOOGEN_ZOO"})
    assert built.returncode == 0, built.stderr[-3000:]
    for language in ("en", "zh_CN"):
        index = read_page(repo / "build" / "html" / language / "index.html")
        h1 = [text for tag, text in index.headings if tag == "h1"]
        assert "Model Zoo" in h1[0] or has_cjk(h1[0])
        output = tmp_path / f"rtd-{language}"
        result = readthedocs_build(repo / "docs" / "zoo", language, output)
        assert result.returncode == 0, result.stderr[-3000:]
        methods = sorted((output / "html" / "methods").glob("*.html"))
        assert methods, "no method pages on the Read the Docs build"
        header = read_page(methods[0]).tables[0][0]  # column names come from the registry, in Chinese too
        assert any(has_cjk(cell) for cell in header) == (language == "zh_CN"), header
    status = subprocess.run(["git", "status", "--porcelain", "--", "docs/zoo"], cwd=repo, capture_output=True,
                            text=True, check=True).stdout
    generated = [line for line in status.splitlines() if line.endswith((".md", ".html", "/methods/"))]
    assert not generated, f"generated pages are not ignored: {generated}"


# Read the Docs configurations as the family's repositories have them (their public repositories; the corpora
# under ../shared keep only the model index): MMPretrain's at the root, spelled .yml; MMPose's one per language
# under docs/.
MMPRETRAIN_READTHEDOCS = {".readthedocs.yml": "version: 2\nformats:\n  - epub\npython:\n  install:\n"
                                              "    - requirements: requirements/docs.txt\n"}
MMPOSE_READTHEDOCS = {f"docs/{language}/.readthedocs.yaml":
                      f"version: 2\nbuild:\n  os: ubuntu-22.04\n  tools:\n    python: '3.8'\n"
                      f"sphinx:\n  configuration: docs/{language}/conf.py\n" for language in ("en", "zh_cn")}
SHARED_CORPORA = Path(os.environ.get("ZOOGEN_SHARED", ROOT.parent / "shared")) / "corpora"  # beside the checkout


@pytest.mark.parametrize("existing", [MMPRETRAIN_READTHEDOCS, MMPOSE_READTHEDOCS,
                                      {".readthedocs.yaml": "version: 2\n", ".readthedocs.yml": "version: 2\n"}],
                         ids=["root-yml", "under-docs", "both-spellings"])
def test_init_never_takes_over_a_docs_project(tmp_path: Path, existing: dict[str, str]):
    repo = repository(tmp_path, ROOT / "examples" / "mmdet_v1_rpn")
    for name, text in existing.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    output = run_init(repo, "--no-catalogs")
    for name, text in existing.items():
        assert (repo / name).read_text() == text, f"{name} was changed"
        assert name in output, f"init does not name {name}"
    assert not (repo / ".readthedocs.yaml").exists() or ".readthedocs.yaml" in existing
    ours = yaml.safe_load((repo / "docs" / "zoo" / ".readthedocs.yaml").read_text())
    assert ours["sphinx"]["configuration"] == "docs/zoo/conf.py"
    assert "Path for .readthedocs.yaml" in output and "docs/zoo/.readthedocs.yaml" in output
    again = run_init(repo, "--no-catalogs")  # the zoo's own configuration is not mistaken for the docs' one
    assert "wrote" not in again and not (repo / ".readthedocs.yaml").exists() or ".readthedocs.yaml" in existing


@pytest.mark.parametrize("name, existing", [("mmpretrain", MMPRETRAIN_READTHEDOCS), ("mmpose", MMPOSE_READTHEDOCS)])
def test_init_on_the_family_corpora_keeps_their_readthedocs_projects(tmp_path: Path, name: str,
                                                                    existing: dict[str, str]):
    corpus = SHARED_CORPORA / name
    if not corpus.is_dir():
        pytest.skip(f"{corpus} is not beside the checkout")
    repo = repository(tmp_path, corpus, remote=f"https://github.com/open-mmlab/{name}.git")
    for path, text in existing.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    output = run_init(repo, "--no-catalogs")
    assert not (repo / ".readthedocs.yaml").exists()
    assert all(path in output for path in existing)
    assert yaml.safe_load((repo / "docs" / "zoo" / ".readthedocs.yaml").read_text())["sphinx"]["configuration"] \
        == "docs/zoo/conf.py"


def test_the_default_requirement_says_how_to_install_an_unreleased_zoogen(tmp_path: Path):
    import zoogen

    repo = repository(tmp_path, ROOT / "examples" / "mmdet_v1_rpn")
    output = run_init(repo, "--no-catalogs")
    requirement = (repo / "docs" / "zoo" / "requirements.txt").read_text().strip()
    assert requirement == f"zoogen=={zoogen.__version__}" or requirement.startswith("zoogen @ git+")
    if requirement.startswith("zoogen=="):
        assert "--requirement" in output  # what to do while that version is not on PyPI


@pytest.mark.parametrize("spec", ["zoogen @ git+https://github.com/zoogen-dev/zoogen@v0.2.0",
                                  "git+https://github.com/zoogen-dev/zoogen@main#egg=zoogen",
                                  "./tools/zoogen", "zoogen>=0.2,<0.3"])
def test_a_given_requirement_is_written_as_it_is(tmp_path: Path, spec: str):
    repo = repository(tmp_path, ROOT / "examples" / "mmdet_v1_rpn")
    output = run_init(repo, "--no-catalogs", "--requirement", spec)
    assert (repo / "docs" / "zoo" / "requirements.txt").read_text() == spec + "\n"
    assert "until that version is released" not in output.lower()


@pytest.mark.parametrize("spec", ["--index-url https://evil.example/simple", "numpy", "zoogen\n-e ."])
def test_a_requirement_that_is_not_zoogens_is_refused_before_anything_is_written(tmp_path: Path, spec: str):
    repo = repository(tmp_path, ROOT / "examples" / "mmdet_v1_rpn")
    result = CliRunner().invoke(cli, ["init", str(repo), "--no-catalogs", "--requirement", spec])
    assert result.exit_code == 1 and "--requirement" in result.output and "Traceback" not in result.output
    assert not (repo / "zoo.yml").exists() and not (repo / "docs").exists()


@pytest.mark.slow
def test_the_written_requirement_installs(tmp_path: Path):
    """pip resolves what init wrote: a wheel of this checkout, as a release or a path would be (offline)."""
    from importlib.metadata import version

    from test_wheel import tracked_copy

    if int(version("setuptools").split(".")[0]) < 77:  # pyproject's build requirement, built here without network
        pytest.skip(f"setuptools {version('setuptools')} is older than the build needs (77)")
    source = tracked_copy(tmp_path / "source")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(source)], check=True)
    wheel = next((tmp_path / "dist").glob("zoogen-*.whl"))
    repo = repository(tmp_path, ROOT / "examples" / "mmdet_v1_rpn")
    run_init(repo, "--no-catalogs", "--requirement", str(wheel))
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                           "--disable-pip-version-check", "-r", "docs/zoo/requirements.txt"],
                          cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0 and "Would install zoogen" in done.stdout, done.stdout + done.stderr


def test_a_zoos_warnings_at_init_are_kept_out_of_readthedocs_fail_on_warning(tmp_path: Path):
    clean = repository(tmp_path / "clean", ROOT / "examples" / "mmdet_v1_rpn")
    run_init(clean, "--no-catalogs")
    assert "suppress_warnings" not in (clean / "docs" / "zoo" / "conf.py").read_text()
    warned = repository(tmp_path / "warned", ROOT / "examples" / "mmdet_v1_rpn")
    metafile = warned / "rpn" / "metafile.yml"
    metafile.write_text("Maintainers: someone\n" + metafile.read_text())
    output = run_init(warned, "--no-catalogs")
    conf = (warned / "docs" / "zoo" / "conf.py").read_text()
    assert 'suppress_warnings = ["zoogen.zoo"]' in conf and "1 warning(s)" in conf and "1 warning(s)" in output


def test_init_names_the_openmmlab_library_the_repository_is(tmp_path: Path):
    repo = repository(tmp_path, ROOT / "examples" / "mmdet_v1_rpn")
    (repo / "mmpretrain").mkdir()
    (repo / "mmpretrain" / "__init__.py").write_text("")
    run_init(repo, "--no-catalogs")
    assert yaml.safe_load((repo / "zoo.yml").read_text())["library"] == "mmpretrain"

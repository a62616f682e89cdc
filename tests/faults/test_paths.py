"""Issue 16 §3: every path that zoo.yml or a metafile names stays inside the repository (its links resolved),
or is one error naming file, line and field; `zoogen links`, `zoogen i18n update` and `zoogen build` then
write nothing anywhere. Paths given on the command line may point anywhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoogen.cli import cli
from zoogen.meta import load_zoo
from zoogen.project import repository_root

METAFILE = """\
Collections:
  - Name: Net
Models:
  - Name: net_r50_fpn_1x_coco
    In Collection: Net
    Config: configs/net/net_r50_fpn_1x_coco.py
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: 40.1
    Weights: https://example.com/net_r50_fpn_1x_coco_20200101-0123abcd.pth
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository (``.git``) with its zoo in ``docs/zoo`` and a folder ``outside`` beside it."""
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    zoo = repository / "docs" / "zoo"
    (zoo / "net").mkdir(parents=True)
    (zoo / "net" / "metafile.yml").write_text(METAFILE, encoding="utf-8")
    (zoo / "model-index.yml").write_text("Import:\n  - net/metafile.yml\n", encoding="utf-8")
    (tmp_path / "outside").mkdir()
    return repository


def zoo_of(repo: Path) -> Path:
    return repo / "docs" / "zoo"


def write_zoo_yml(repo: Path, text: str) -> Path:
    path = zoo_of(repo) / "zoo.yml"
    path.write_text("title: Zoo\n" + text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def errors(zoo: Path) -> list[str]:
    return [str(d) for d in load_zoo(zoo).errors]


def only_error(zoo: Path, file: Path, line: int, field: str, fragment: str) -> str:
    found = errors(zoo)
    assert len(found) == 1, found
    assert found[0].startswith(f"{file}:{line}: error: {field}: "), found[0]
    assert fragment in found[0], found[0]
    return found[0]


def files_below(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")}


def test_the_repository_is_the_folder_holding_dot_git(repo: Path, tmp_path: Path, monkeypatch):
    assert repository_root(zoo_of(repo)) == repo.resolve()
    (repo / ".git").rmdir()
    (repo / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")  # a worktree's .git is a file
    assert repository_root(zoo_of(repo)) == repo.resolve()
    (repo / ".git").unlink()
    monkeypatch.chdir(tmp_path)  # no checkout around: the current folder, when the zoo lies in it
    assert repository_root(zoo_of(repo)) == tmp_path.resolve()
    monkeypatch.chdir("/")  # never the whole file system: the zoo's own folder
    assert repository_root(zoo_of(repo)) == zoo_of(repo).resolve()


@pytest.mark.parametrize("field", ["locale_dir", "links_report"])
@pytest.mark.parametrize("written", ["../../../outside/x", "/etc/zoogen-x", "../../../../../../../../etc/x"])
def test_a_zoo_yml_path_leaving_the_repository_is_one_error(repo: Path, field: str, written: str):
    zoo_yml = write_zoo_yml(repo, f"{field}: {written}\n")
    message = only_error(zoo_of(repo), zoo_yml, 2, field, "outside the repository")
    assert written in message


@pytest.mark.parametrize("field", ["locale_dir", "links_report"])
def test_a_zoo_yml_path_through_a_link_out_of_the_repository_is_one_error(repo: Path, field: str):
    (zoo_of(repo) / "door").symlink_to(repo.parent / "outside", target_is_directory=True)
    zoo_yml = write_zoo_yml(repo, f"{field}: door{'/links.json' if field == 'links_report' else ''}\n")
    message = only_error(zoo_of(repo), zoo_yml, 2, field, "outside the repository")
    assert str((repo.parent / "outside").resolve()) in message


def test_a_catalog_linked_out_of_the_repository_is_one_error(repo: Path):
    catalogs = zoo_of(repo) / "locales" / "zh_CN" / "LC_MESSAGES"
    catalogs.mkdir(parents=True)
    (catalogs / "index.po").symlink_to(repo.parent / "outside" / "index.po")  # a dangling link counts too
    zoo_yml = write_zoo_yml(repo, "locale_dir: locales\n")
    only_error(zoo_of(repo), zoo_yml, 2, "locale_dir", f"{catalogs / 'index.po'} is a link to")


def test_the_default_catalog_folder_linked_out_is_one_error(repo: Path):
    (zoo_of(repo) / "locales").symlink_to(repo.parent / "outside", target_is_directory=True)
    found = errors(zoo_of(repo))  # no zoo.yml: the default folder, locales/ beside the index
    assert len(found) == 1 and "locale_dir: " in found[0] and "outside the repository" in found[0], found


def test_paths_inside_the_repository_stay_allowed(repo: Path):
    (repo / "locales").mkdir()
    (zoo_of(repo) / "reports").symlink_to(repo / "locales", target_is_directory=True)  # a link inside: fine
    write_zoo_yml(repo, "locale_dir: ../../locales\nlinks_report: reports/links.json\n")
    loaded = load_zoo(zoo_of(repo), strict=True)
    assert loaded.errors == []
    assert loaded.zoo.info.locale_dir == (repo / "locales").resolve()
    assert loaded.zoo.info.links_report == (repo / "locales" / "links.json").resolve()


def test_a_links_report_from_the_command_line_may_point_anywhere(repo: Path, tmp_path: Path):
    elsewhere = tmp_path / "outside" / "links.json"
    write_zoo_yml(repo, "links_report: ../../../outside/y.json\n")  # --links wins: zoo.yml's is not used
    loaded = load_zoo(zoo_of(repo), strict=True, links_report=elsewhere)  # what `zoogen build --links FILE` passes
    assert loaded.errors == [] and loaded.zoo.info.links_report == elsewhere.resolve()


@pytest.mark.parametrize("entry", ["../../../outside/metafile.yml", "{outside}/metafile.yml", "../../../*/metafile.yml",
                                   "linked/metafile.yml"])
def test_an_import_leaving_the_repository_is_one_error_and_is_not_read(repo: Path, entry: str):
    outside = repo.parent / "outside"
    (outside / "metafile.yml").write_text(METAFILE.replace("net_r50", "stolen_r50"), encoding="utf-8")
    (zoo_of(repo) / "linked").symlink_to(outside, target_is_directory=True)
    index = zoo_of(repo) / "model-index.yml"
    index.write_text(f"Import:\n  - net/metafile.yml\n  - {entry.format(outside=outside)}\n", encoding="utf-8")
    loaded = load_zoo(zoo_of(repo))
    assert [str(d) for d in loaded.errors] == [
        next(str(d) for d in loaded.errors if str(d).startswith(f"{index}:3: error: Import: "))]
    assert "outside the repository" in str(loaded.errors[0])
    assert [model.name for model in loaded.zoo.models] == ["net_r50_fpn_1x_coco"]  # the outside one: not read


def test_an_import_glob_leaving_the_repository_lists_nothing_there(repo: Path):
    outside = repo.parent / "outside"
    (outside / "deep").mkdir()
    (outside / "deep" / "metafile.yml").write_text(METAFILE.replace("net_r50", "stolen_r50"), encoding="utf-8")
    index = zoo_of(repo) / "model-index.yml"
    index.write_text("Import:\n  - ../../../outside/**/metafile.yml\n", encoding="utf-8")
    loaded = load_zoo(zoo_of(repo))
    assert len(loaded.errors) == 1  # it names the folder the pattern starts from: refused before any listing
    assert str(loaded.errors[0]).endswith(f"({outside.resolve()}); a metafile is read only from inside the "
                                          "repository")
    assert loaded.zoo.models == []


def test_an_import_outside_the_zoo_folder_but_inside_the_repository_is_read(repo: Path):
    (repo / "configs" / "other").mkdir(parents=True)
    other = METAFILE.replace("Net", "Other").replace("net_r50", "other_r50")
    (repo / "configs" / "other" / "metafile.yml").write_text(other, encoding="utf-8")
    (zoo_of(repo) / "model-index.yml").write_text("Import:\n  - net/metafile.yml\n"
                                                  "  - ../../configs/other/metafile.yml\n")
    loaded = load_zoo(zoo_of(repo))
    assert loaded.errors == [] and len(loaded.warnings) == 1  # leaves the index's folder: a warning, as before
    assert sorted(model.name for model in loaded.zoo.models) == ["net_r50_fpn_1x_coco", "other_r50_fpn_1x_coco"]


def test_zoogen_i18n_update_writes_nothing_outside(repo: Path):
    outside = repo.parent / "outside"
    write_zoo_yml(repo, "locale_dir: ../../../outside/locales\n")
    code, output = run("i18n", "update", "--zoo", str(zoo_of(repo)))
    assert code == 1 and "locale_dir: " in output and "outside the repository" in output
    assert files_below(outside) == set()


def test_zoogen_links_writes_nothing_outside(repo: Path):
    outside = repo.parent / "outside"
    write_zoo_yml(repo, "links_report: ../../../outside/links.json\n")
    code, output = run("links", "--zoo", str(zoo_of(repo)), "--cache-hours", "0", "--timeout", "0.5")
    assert code == 1 and "links_report: " in output and "outside the repository" in output
    assert files_below(outside) == set()


def test_zoogen_build_writes_nothing_outside(repo: Path, tmp_path: Path):
    outside = repo.parent / "outside"
    (zoo_of(repo) / "locales").symlink_to(outside, target_is_directory=True)
    write_zoo_yml(repo, "locale_dir: locales\n")
    code, output = run("build", "--zoo", str(zoo_of(repo)), "--out", str(tmp_path / "site"),
                       "--results", str(tmp_path / "none"))
    assert code == 1 and output.count("error:") == 1 and "locale_dir: " in output
    assert files_below(outside) == set() and not (tmp_path / "site").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="paths as Linux resolves them")
def test_a_link_loop_is_an_error_not_a_crash(repo: Path):
    loop = zoo_of(repo) / "loop"
    os.symlink(loop, loop)
    zoo_yml = write_zoo_yml(repo, "locale_dir: loop\n")
    only_error(zoo_of(repo), zoo_yml, 2, "locale_dir", "outside the repository")

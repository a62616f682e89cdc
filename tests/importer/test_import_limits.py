"""``zoogen import`` on hostile and huge pages: linear time, tables read in chunks, limits named by page and line."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from zoogen.cli import cli
from zoogen.importer import convert, import_page
from zoogen.importer.markdown import ROWS_PER_CHUNK, read_page, split_marks
from zoogen.meta.registry import load_registry

REGISTRY = load_registry()

# Cells that make a backtracking pattern (or a careless scan) slow: runs of marks that end in something else,
# unclosed tags, nested brackets, emphasis delimiters, escapes.
HOSTILE: dict[str, Callable[[int], str]] = {
    "stars at the end": lambda n: "38.2" + "*" * n,
    "stars then text": lambda n: "38.2" + "*" * n + "x",
    "mixed marks then text": lambda n: "1" + "*†" * (n // 2) + "x",
    "spaced stars then text": lambda n: "1" + " *" * (n // 2) + " x",
    "superscripts then text": lambda n: "1" + "¹" * n + "x",
    "carets then text": lambda n: "1" + "^1" * (n // 2) + "x",
    "bracket marks then text": lambda n: "1" + "[a]" * (n // 3) + "x",
    "unclosed <sup>": lambda n: "<sup>" * (n // 5) + "1",
    "unclosed <": lambda n: "<" * n + "a",
    "open brackets": lambda n: "[" * (n // 4) + "a",
    "emphasis delimiters": lambda n: "*a" * (n // 2),
    "backslashes": lambda n: "\\" * n,
    "digits then text": lambda n: "1" * n + "x",
    "checkpoint-like link": lambda n: f"[model](https://e.org/{'_12345678' * (n // 9)}-0123abc.pth)",
}


def _page(cell: str, rows: int = 1) -> str:
    return "| Backbone | box AP | Download |\n| --- | --- | --- |\n" + f"| R-50 | {cell} | {cell} |\n" * rows


def _seconds(page: Path, text: str, repeat: int = 3) -> float:
    """The best of ``repeat`` imports of ``text`` (reading, cells, conversion: everything but writing), in CPU
    seconds of this process: other processes on a busy machine do not count."""
    page.write_text(text, encoding="utf-8")
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        import_page(page, registry=REGISTRY)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.timeout(120, method="thread")  # a backtracking pattern would not come back: the run ends, failed
@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_hostile_cells_take_linear_time(shape: str, tmp_path: Path) -> None:
    make = HOSTILE[shape]
    page = tmp_path / "page.md"
    for stars in (20, 40, 80, 160):  # 26 trailing stars took 10 s, each one more doubling it
        page.write_text(_page(make(stars)), encoding="utf-8")
        import_page(page, registry=REGISTRY)
    small, large = 4000, 32000  # below a few thousand characters, caches make timings uneven
    ratio = _seconds(page, _page(make(large))) / max(_seconds(page, _page(make(small))), 1e-4)
    assert ratio < 3 * large / small, f"{shape}: {ratio:.1f}x slower for {large // small}x the length"


def test_marks_are_taken_off_as_before() -> None:
    assert split_marks("38.2* †") == ("38.2", "* †")
    assert split_marks("40.0[^1] ²") == ("40.0", "[^1] ²")
    assert split_marks("x^12") == ("x", "^12")
    assert split_marks("*") == ("*", "")  # a mark alone is the text
    assert split_marks("a*b*") == ("a*b", "*")
    assert split_marks("R-50 [long]") == ("R-50 [long]", "")
    cell = read_page(_page("<sup>1</sup> 38.2 <sup>2 †")).tables[0].rows[0][1]  # Backbone | box AP | Download
    assert (cell.text, cell.marks) == ("38.2 2", ["1", "†"])  # an unclosed <sup> keeps its text


@pytest.mark.parametrize("rows", [1, ROWS_PER_CHUNK - 1, ROWS_PER_CHUNK, ROWS_PER_CHUNK + 1, 2 * ROWS_PER_CHUNK])
@pytest.mark.parametrize("after", ["", "> a quote ends it\n", "## Next\n| a | b |\n| - | - |\n| 1 | 2 |\n"])
def test_tables_read_in_chunks_equal_markdown_it_reading_the_whole_page(rows: int, after: str) -> None:
    body = "".join(f"| R-{i} | {i}.5* | [model][r{i % 3}] |\n" for i in range(rows))
    refs = "\n".join(f"[r{i}]: https://e.org/{i}.pth" for i in range(3))
    text = f"# T\n\n## A\n\n| Backbone | box AP | Download |\n| --- | --- | --- |\n{body}{after}\n{refs}\n"
    tables = read_page(text).tables
    whole = MarkdownIt("commonmark").enable("table").parse(text)
    rows_whole = [t for t in whole if t.type == "tr_open"]
    assert sum(len(t.rows) + 1 for t in tables) == len(rows_whole)  # every row, header rows included
    assert [line for t in tables for line in [t.line, *t.row_lines]] == [t.map[0] + 1 for t in rows_whole]
    first = tables[0]
    assert len(first.rows) == rows and first.heading == "A"
    assert (first.rows[-1][1].text, first.rows[-1][1].marks) == (f"{rows - 1}.5", ["*"])
    assert first.rows[-1][2].links[0].href == f"https://e.org/{(rows - 1) % 3}.pth"  # defined after the table


def test_a_page_too_large_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "big.md"
    page.write_text(_page("38.2", rows=200), encoding="utf-8")
    monkeypatch.setattr(convert, "MAX_PAGE_BYTES", 1000)
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"zoogen: {page}: too large ({page.stat().st_size} bytes;" in result.output
    assert not (tmp_path / "out").exists()


def test_a_collection_past_a_metafile_stops_at_its_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "zoo.md"
    rows = "".join(f"| R-{i} | 3{i % 10}.0 |\n" for i in range(100))
    page.write_text(f"## Huge\n\n| Backbone | box AP |\n| --- | --- |\n{rows}", encoding="utf-8")
    assert len(import_page(page).models) == 100
    monkeypatch.setattr(convert, "MAX_NODES", 50 * convert._count_nodes(import_page(page).models[0]))
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = 5 + 49  # the 50th row (rows start on line 5): 50 models and the metafile's own nodes are too many
    assert f"zoogen: {page}:{line}: table under 'Huge': collection 'Huge' has 50 models at this row" in result.output
    assert not (tmp_path / "out").exists()


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_bytes(b"# Zoo\n\n| a | b |\n| --- | --- |\n| \xff | 1 |\n")
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and f"zoogen: {page}:5: not UTF-8 text (byte" in result.output


def test_the_imported_metafile_is_what_the_rows_said(tmp_path: Path) -> None:
    rows = "".join(f"| R-{i} | 1x | 3{i % 10}.{i % 7} | [model](https://e.org/m{i}_1x_20200101-0123abcd.pth) |\n"
                   for i in range(ROWS_PER_CHUNK * 2 + 3))
    page = tmp_path / "zoo.md"
    page.write_text(f"# Zoo\n\n## Many\n\n| Backbone | Lr schd | box AP | Download |\n| - | - | - | - |\n{rows}",
                    encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(out)])
    assert result.exit_code == 0, result.output
    from zoogen.meta import load_zoo

    loaded = load_zoo(out)
    assert not loaded.errors
    models = loaded.zoo.models
    assert len(models) == ROWS_PER_CHUNK * 2 + 3
    assert [m.name for m in models[:2]] == ["m0_1x", "m1_1x"] and models[-1].name == f"m{len(models) - 1}_1x"


def test_an_import_that_does_not_validate_names_the_page_not_the_staging_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "zoo.md"
    page.write_text("## Few\n\n| Backbone | box AP |\n| --- | --- |\n| R-50 | 38.0 |\n", encoding="utf-8")
    monkeypatch.setattr(convert.ImportedMethod, "header", lambda self: "Collections: [oops\nModels:\n")  # a bug
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["import", str(page), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"zoogen: {page}: the imported zoo does not validate (nothing written to {out}):" in result.output
    assert "few/metafile.yml:" in result.output and ".zoogen-import-" not in result.output
    assert [p.name for p in out.iterdir()] == []

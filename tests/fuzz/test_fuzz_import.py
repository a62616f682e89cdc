"""Bounded-time fuzzing of ``zoogen import`` with hand-written Markdown tables a stranger might send.

Whatever the page, the command ends with exit 0 or 1 and one message naming the page, never a traceback or a
hang, and leaves nothing half-written: either a zoo that validates or nothing at all in ``--out``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoogen.cli import cli
from zoogen.meta import load_zoo

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30),
    st.sampled_from(["R-50", "1x", "38.2", "**38.2**", "34.7*", "TBD", "-", "[model](https://e.org/m.pth)",
                     "[log](https://e.org/m.log.json)", "<sup>1</sup>", "\\|", "`x`", "<script>x</script>"]),
    st.integers(0, 400).map(lambda n: "a" + "*" * n),
    st.integers(0, 400).map(lambda n: "_" * n + "x"),
    st.integers(0, 60).map(lambda n: "*" * n + "x"),
    st.integers(0, 60).map(lambda n: "1" + "*" * n + " a"),
    st.integers(0, 200).map(lambda n: "[" * n + "x" + "](" * n),
)
header = st.lists(st.sampled_from(["Backbone", "Model", "Lr schd", "box AP", "mask AP", "Top-1", "FPS", "Download",
                                   "Config", "Mem (GB)", "骨干网络", "下载", "", "???"]), min_size=1, max_size=7)


@st.composite
def pages(draw: st.DrawFn) -> str:
    parts = [draw(st.sampled_from(["# Zoo\n", "", "## Method\n", "## <b>x</b>\n"]))]
    for _ in range(draw(st.integers(1, 2))):
        columns = draw(header)
        rows = draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns) + 1), max_size=4))
        parts.append("| " + " | ".join(columns) + " |")
        parts.append("|" + "---|" * len(columns))
        parts.extend("| " + " | ".join(value.replace("\n", " ") for value in row) + " |" for row in rows)
        parts.append(draw(st.sampled_from(["", "text between tables", "```", "<!-- x -->"])))
    return "\n".join(parts) + "\n"


@FUZZ
@given(page=pages())
def test_any_page_imports_or_fails_cleanly(page: str):
    with tempfile.TemporaryDirectory() as base:
        source = Path(base) / "page.md"
        source.write_text(page, encoding="utf-8")
        out = Path(base) / "zoo"
        result = CliRunner().invoke(cli, ["import", str(source), "--out", str(out)])
        crashed = None if isinstance(result.exception, SystemExit) else result.exception
        assert crashed is None, f"{type(crashed).__name__}: {crashed}"
        assert result.exit_code in (0, 1), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert str(source) in result.output, result.output
            assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))
        else:
            assert not load_zoo(out).errors
            assert not [path for path in out.iterdir() if path.name.startswith(".zoogen-import-")]

"""Bounded-time fuzzing of translations: whatever a translator writes, the checked catalog carries no markup its
message lacks, and no catalog file, however broken, ends in a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoogen.site.catalogs import checked_catalog
from zoogen.site.markup_signature import foreign_markup

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

PIECES = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "```{include} ../../secret\n```",
          "```{raw} html\n<b>x</b>\n```", "{eval-rst}`x`", "{doc}`methods/rpn`", "[paper][paper]",
          "[x](https://e.org)", "[x](javascript:alert(1))", "![i](../../secret.png)", "**b**", "*e*", "`c`",
          "# heading", "- item", "> quote", "---", "<!-- c -->", "&lt;", "\\", "{{ x }}", "$x$", "| a | b |",
          "骨干网络", "主干", "\n", " ", "]", "[", "(", ")", "`", "{", "}", ":", "<", ">"]
markdown = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=8).map("".join)
LINKS = {"paper": "https://arxiv.org/abs/1506.01497"}


def _write_catalog(folder: Path, pairs: list[tuple[str, str]]) -> Path:
    catalog = polib.POFile()
    catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    seen = set()
    for msgid, msgstr in pairs:
        if msgid and msgid not in seen:
            seen.add(msgid)
            catalog.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    path = folder / "page.po"
    catalog.save(str(path))
    return path


@FUZZ
@given(pairs=st.lists(st.tuples(markdown, markdown), min_size=1, max_size=4))
def test_a_checked_translation_never_carries_markup_its_message_lacks(pairs: list[tuple[str, str]]):
    with tempfile.TemporaryDirectory() as folder:
        path = _write_catalog(Path(folder), pairs)
        for entry in checked_catalog(path, LINKS):
            assert not foreign_markup(entry.msgid, entry.msgstr, LINKS), (entry.msgid, entry.msgstr)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_any_bytes_as_a_catalog_never_crash(raw: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.po"
        path.write_bytes(b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + raw)
        for entry in checked_catalog(path, LINKS):
            assert not foreign_markup(entry.msgid, entry.msgstr, LINKS)

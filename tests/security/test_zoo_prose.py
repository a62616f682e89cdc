"""zoo.yml prose is Markdown, not a door (issue 16 §2), in the stand-alone site and inside a host site.

By default zoo prose has no raw HTML (it is text), no ``raw``, ``eval-rst``, ``include`` or ``literalinclude``,
and no image or download from outside the repository: each is text on the page or one error naming the page
and line, and no build reads the secret file outside the repository. A zoo opts in by name
(``trusted_prose``); an include still stays inside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from security_sites import Repository, everything_written, host_build, page_text, repository, zoogen_build

pytestmark = pytest.mark.slow


def intro(text: str) -> str:
    """A zoo.yml ``intro`` block holding ``text``."""
    return "intro: |\n" + "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())


def attacks(repo: Repository) -> dict[str, tuple[str, str]]:
    """Prose that would read the secret or run markup -> (prose, what the error says)."""
    secret = repo.path_to_secret()
    return {
        "include": (f"```{{include}} {secret}\n```", "zoo prose may not use {include}"),
        "literalinclude": (f"```{{literalinclude}} {secret}\n```", "zoo prose may not use {literalinclude}"),
        "raw": ("```{raw} html\n<script>alert('raw')</script>\n```", '"raw" directive disabled'),
        "eval-rst": ("```{eval-rst}\n.. raw:: html\n\n   <script>alert('rst')</script>\n\n"
                     f".. include:: {secret}\n```", "zoo prose may not use {eval-rst}"),
        "image": (f"A picture: ![secret]({secret})", "outside the repository"),
        "download": (f"Get {{download}}`the secret <{secret}>`", "outside the repository"),
    }


def test_raw_html_in_prose_is_text_in_both_languages(tmp_path: Path):
    repo = repository(tmp_path)
    yml = (repo.zoo / "zoo.yml").read_text(encoding="utf-8")
    description = "description: The Region Proposal Network"
    yml = yml.replace(description, "description: <b onclick=alert(4)>RPN</b> The Region Proposal Network")
    yml = yml.replace("{site: Main site (AWS),", '{site: "<i onclick=alert(8)>Main</i> site (AWS)",')  # a table cell
    (repo.zoo / "zoo.yml").write_text(yml, encoding="utf-8")
    repo.add_to_zoo_yml(intro("Hello <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
                              '<div onclick="alert(3)">a block</div>'))
    out = tmp_path / "site"
    result = zoogen_build(repo, out, "all")
    assert result.returncode == 0, result.stderr  # text, not an error: zoogen build fails on any warning
    for language in ("en", "zh_CN"):
        index = out / language / "index.html"
        html = index.read_text(encoding="utf-8")
        assert not re.search(r"<(script|img|div|b|i)\b[^>]*(alert|onerror|onclick)", html), language
        text = page_text(index)
        assert "<i onclick=alert(8)>Main</i> site (AWS)" in text
        assert "Hello <script>alert(1)</script> <img src=x onerror=alert(2)>" in text
        assert '<div onclick="alert(3)">a block</div>' in text
        method = (out / language / "methods" / "rpn.html").read_text(encoding="utf-8")
        assert "&lt;b onclick=alert(4)&gt;RPN&lt;/b&gt;" in method and "<b onclick" not in method


@pytest.mark.parametrize("attack", ["include", "literalinclude", "raw", "eval-rst", "image", "download"])
def test_prose_that_would_read_or_run_is_one_error(tmp_path: Path, attack: str):
    repo = repository(tmp_path)
    prose, message = attacks(repo)[attack]
    repo.add_to_zoo_yml(intro(prose))
    out = tmp_path / "site"
    result = zoogen_build(repo, out, "en")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert re.search(r"/src/index\.md:\d+: (ERROR|WARNING): .*" + re.escape(message), result.stderr), result.stderr
    assert not (out / "en").exists()
    assert repo.secret_text not in everything_written(tmp_path / ".zoogen-cache", out)


def test_prose_attacks_inside_a_host_site_keep_to_the_zoos_pages(tmp_path: Path):
    repo = repository(tmp_path)
    repo.add_to_zoo_yml(intro("\n\n".join(prose for prose, _ in attacks(repo).values())
                              + "\n\nInline <script>alert(5)</script> HTML."))
    out = tmp_path / "html"
    result = host_build(repo, out, "en")
    assert result.returncode == 0, result.stderr
    for _, message in attacks(repo).values():
        assert re.search(r"model_zoo/index\.md:\d+: (ERROR|WARNING): .*" + re.escape(message), result.stderr), message
    page = out / "model_zoo" / "index.html"
    assert not re.search(r"<script[^>]*>\s*alert", page.read_text(encoding="utf-8"))
    assert "Inline <script>alert(5)</script> HTML." in page_text(page)
    assert repo.secret_text not in everything_written(out)  # pages, tables of contents, searchindex.js
    assert (out / "searchindex.js").is_file() and not (out / "_images").exists() and not (out / "_downloads").exists()
    host_page = (out / "index.html").read_text(encoding="utf-8")
    assert '<b class="host-html">raw HTML</b>' in host_page  # the host's own page keeps the host's settings


def test_substitutions_a_host_enables_stay_text_on_the_zoos_pages(tmp_path: Path):
    repo = repository(tmp_path)
    repo.add_to_zoo_yml(intro("Seven sevens: {{ 7 * 7 }}, and {{ name }}."))
    docs = repo.root / "docs"
    host_build(repo, tmp_path / "first", "en")  # writes the host's docs
    with (docs / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write('myst_enable_extensions = ["substitution"]\nmyst_substitutions = {"name": "ours"}\n')
    with (docs / "index.md").open("a", encoding="utf-8") as page:
        page.write("\nThe host substitutes {{ name }}.\n")
    out = tmp_path / "html"
    result = host_build(repo, out, "en")
    assert result.returncode == 0, result.stderr
    text = page_text(out / "model_zoo" / "index.html")
    assert "Seven sevens: {{ 7 * 7 }}, and {{ name }}." in text
    assert "The host substitutes ours." in page_text(out / "index.html")  # the host's own pages keep the extension


def test_inside_eval_rst_the_settings_still_hold(tmp_path: Path):
    repo = repository(tmp_path)
    repo.add_to_zoo_yml("trusted_prose: [eval-rst]\n" + intro(attacks(repo)["eval-rst"][0]))
    result = zoogen_build(repo, tmp_path / "site", "en")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert '"raw" directive disabled' in result.stderr and '"include" directive disabled' in result.stderr
    assert repo.secret_text not in everything_written(tmp_path / ".zoogen-cache", tmp_path / "site")


def test_opted_in_markup_works_and_includes_stay_in_the_repository(tmp_path: Path):
    repo = repository(tmp_path)
    notes = repo.root / "notes.md"
    notes.write_text("Notes kept *in the repository*.\n", encoding="utf-8")
    inside = "../" * 40 + str(notes.resolve()).lstrip("/")
    repo.add_to_zoo_yml("trusted_prose: [html, include]\n"
                        + intro(f'<b class="zoo-bold">bold</b> words.\n\n```{{include}} {inside}\n```'))
    out = tmp_path / "site"
    result = zoogen_build(repo, out, "all")
    assert result.returncode == 0, result.stderr
    for language in ("en", "zh_CN"):
        html = (out / language / "index.html").read_text(encoding="utf-8")
        assert '<b class="zoo-bold">bold</b>' in html and "Notes kept <em>in the repository</em>." in html

    repo.add_to_zoo_yml(f"sections:\n  - title: Leaving\n    body: |\n      ```{{include}} {repo.path_to_secret()}\n"
                        "      ```\n")
    result = zoogen_build(repo, out, "all")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"outside the repository {repo.root}; an include in zoo prose stays inside the repository" in result.stderr
    assert repo.secret_text not in everything_written(tmp_path / ".zoogen-cache", out)
    assert "Notes kept" in (out / "en" / "index.html").read_text(encoding="utf-8")  # the last good site stays


def test_an_unknown_opt_in_is_one_error_naming_file_line_and_field(tmp_path: Path):
    repo = repository(tmp_path)
    repo.add_to_zoo_yml("trusted_prose:\n  - include\n  - scripts\n")
    line = (repo.zoo / "zoo.yml").read_text(encoding="utf-8").splitlines().index("  - scripts") + 1
    result = zoogen_build(repo, tmp_path / "site", "en")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    errors = [text for text in result.stderr.splitlines() if ": error: " in text]
    assert errors == [f"{repo.zoo / 'zoo.yml'}:{line}: error: trusted_prose[1]: Input should be 'html', 'raw', "
                      "'eval-rst', 'include' or 'literalinclude' (got 'scripts')"]

"""axe-core in headless Chromium on the bundled site: no violation on zoogen's own elements (plots, data
tables and their filter box, the language switch, the overview's quick links) on the home, all-models and a
method page, in both languages. The theme's own findings are collected in
build/test-artefacts/axe-theme.json and listed in docs/web-standards.md, not hidden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browsing import visit
from web_checkers import require_axe

pytestmark = pytest.mark.slow
ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artefacts"

PAGES = ["index.html", "models.html", "methods/faster_rcnn.html"]
ZOOGEN_ELEMENTS = ".zoo-plot, .zoo-table-scroll, table.zoo-data, .zoo-filter-box, .zoogen-lang-switch, p.zoo-nav"
RUN_AXE = """
const done = arguments[arguments.length - 1];
const own = arguments[0];
axe.run(document, {resultTypes: ["violations"]}).then(results => done(results.violations.flatMap(v =>
  v.nodes.map(n => {
    const element = document.querySelector(n.target[0]);
    return {rule: v.id, impact: v.impact, help: v.help, target: n.target.join(" "),
            zoogen: Boolean(element && element.closest(own))};
  })))).catch(error => done([{rule: "axe-error", help: String(error), target: "", zoogen: true}]));
"""


def axe_violations(browser, url: str, source: str) -> list[dict]:
    visit(browser, url)
    browser.execute_script(source)
    browser.set_script_timeout(300)
    return browser.execute_async_script(RUN_AXE, ZOOGEN_ELEMENTS)


@pytest.fixture(scope="module")
def theme_findings():
    found: dict[str, dict] = {}
    yield found
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "axe-theme.json").write_text(json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_nothing_on_zoogens_elements(browser, sites, theme_findings, page: str, language: str):
    source = require_axe()
    violations = axe_violations(browser, sites["bundled"].url(language, page), source)
    own = [v for v in violations if v["zoogen"]]
    for v in violations:
        if not v["zoogen"]:
            entry = theme_findings.setdefault(v["rule"], {"impact": v["impact"], "help": v["help"], "pages": [],
                                                          "examples": []})
            if f"{language}/{page}" not in entry["pages"]:
                entry["pages"].append(f"{language}/{page}")
            if v["target"] not in entry["examples"] and len(entry["examples"]) < 8:
                entry["examples"].append(v["target"])
    assert not own, "\n".join(f"{v['rule']} ({v['impact']}): {v['help']} at {v['target']}" for v in own[:30])

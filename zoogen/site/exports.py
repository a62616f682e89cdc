"""The exports on the site: the ``zoo-exports`` directive (links to them, in the page's language) and, for a plain
``sphinx-build``, the exports themselves, written into the output folder once the build finished.

``zoogen build`` and ``zoogen serve`` publish the exports once beside the languages (``zoogen_exports_url``);
the zoo and its records come from the build's context (`zoogen.site.context`).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from zoogen.export.files import EXPORTS_DIR, csv_name, task_datasets
from zoogen.export.publish import write_exports
from zoogen.plots.words import Words
from zoogen.site.context import build_context
from zoogen.site.transforms import words_catalog


class ZooExports(SphinxDirective):
    """``zoo-exports``: links to the exports (``zoogen_exports_url``, else those written into the output)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        context = build_context(self.env)
        to_root = "../" * self.env.docname.count("/")  # from this page to the output folder
        base = context.options.exports_url
        if base is None:  # a plain Sphinx build: `write_exports_into_output` puts them at <outdir>/exports/
            base = f"{to_root}{EXPORTS_DIR}/"
        elif not base.startswith(("/", "http://", "https://")):  # relative to the output folder
            base = to_root + base.rstrip("/") + "/"
        language = self.config.language or "en"
        words = Words(language, words_catalog(tuple(self.config.locale_dirs), language, str(self.env.srcdir)))

        def a(href: str, text: str) -> str:
            return f'<a class="reference external" href="{html.escape(base + href)}">{html.escape(text)}</a>'

        def say(english: str) -> str:
            return html.escape(words(english))

        csvs = ", ".join(a(csv_name(task, dataset), f"{words.term('tasks', task)} / {words.term('datasets', dataset)}")
                         for task, dataset in task_datasets(context.zoo))
        items = [
            f"{a('models.json', 'models.json')}: {say('all models with every result, published and re-measured')}"
            f" ({a('models.schema.json', words('its JSON Schema'))})",
            f"{say('one CSV per task and dataset')}: {csvs}",
            f"{a('index.html', 'model-index/')}: {say('Hugging Face model-card metadata per model')}",
        ]
        body = "".join(f"<li>{item}</li>" for item in items)
        text = (f'<div class="zoo-exports"><p><strong>{html.escape(words("Data of this zoo"))}</strong> '
                f'({a("index.html", words("all files"))})</p><ul>{body}</ul></div>\n')
        return [nodes.raw("", text, format="html")]


def write_exports_into_output(app: Sphinx, exception: BaseException | None) -> None:
    """Without ``zoogen_exports_url`` (a plain ``sphinx-build``, Read the Docs) the exports go into the output."""
    if exception is not None or app.builder.format != "html":
        return
    context = build_context(app)
    if context.options.exports_url is None:
        write_exports(context.zoo, Path(app.outdir) / EXPORTS_DIR, context.records)


def setup(app: Sphinx) -> dict[str, Any]:
    # Where the exports are, relative to the output folder (or a URL). zoogen build: "../exports/", published
    # once beside the languages. None: written into the output folder by this extension.
    app.add_config_value("zoogen_exports_url", None, "env", (str, type(None)))
    app.connect("build-finished", write_exports_into_output)
    app.add_directive("zoo-exports", ZooExports)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

"""zoo.yml prose is Markdown, not a door: zoogen's pages are parsed with raw HTML, files and raw output off.

A zoo's prose (``intro``, section bodies and table cells, method descriptions) lands in zoogen's pages as
MyST, beside text zoogen escaped. zoogen parses its own pages (and only those: other pages of a host site keep
the host's settings) with

- MyST's HTML syntax disabled (``html_block``, ``html_inline``): ``<script>`` is text;
- docutils' ``raw_enabled`` off: no ``{raw}`` directive or role;
- docutils' ``file_insertion_enabled`` off: no ``{include}``, ``{literalinclude}``, ``:file:`` option;
- ``{eval-rst}`` refused (reStructuredText would bring its own ``raw`` and ``include``);
- MyST's ``substitution`` syntax off, whatever the site enables (its Jinja2 templates run unsandboxed);
- images and ``{download}`` targets (files Sphinx copies into the site) inside the repository.

The same settings hold while Sphinx parses the pages' translations. A zoo that wants one of these names it in
``zoo.yml`` (``trusted_prose: [html, raw, eval-rst, include, literalinclude]``, checked by the schema), and
even then an include resolves inside the zoo's repository or is one error naming the page and line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from docutils import nodes
from myst_parser.config.main import MdParserConfig, TopmatterReadError, merge_file_level, read_topmatter
from myst_parser.mdit_to_docutils.base import token_line
from myst_parser.mdit_to_docutils.sphinx_ import SphinxRenderer
from myst_parser.parsers.mdit import create_md_parser
from myst_parser.parsers.sphinx_ import MystParser
from myst_parser.warnings_ import create_warning
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from zoogen.site.context import ProseTrust, build_context

logger = logging.getLogger(__name__)

FILE_DIRECTIVES = ("include", "literalinclude")
_TRUST_OPTION = "zoogen_prose"  # the page's trust, in the Markdown parser's options
_HOST_SETTINGS = "_zoogen_host_settings"
_HTML_SYNTAX = ("html_block", "html_inline")


def inside(path: Path, repository: Path) -> bool:
    """Whether ``path``, its links resolved, lies in ``repository``."""
    try:
        return path.resolve().is_relative_to(repository.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def page_trust(env: BuildEnvironment) -> ProseTrust | None:
    """The trust of the page being read, or None when it is not one of zoogen's pages."""
    trust = build_context(env).trust
    return trust if env.docname in trust.pages else None


class ZooPageParser(MystParser):
    """MyST, with zoogen's settings for zoogen's pages; any other page is parsed by MyST as it is."""

    def parse(self, inputstring: str, document: nodes.document) -> None:
        settings = document.settings
        host = getattr(settings, _HOST_SETTINGS, None)
        if host is None:  # the site's own settings (one object may serve several pages: keep them)
            host = (settings.raw_enabled, settings.file_insertion_enabled)
            setattr(settings, _HOST_SETTINGS, host)
        trust = page_trust(settings.env)
        if trust is None:
            settings.raw_enabled, settings.file_insertion_enabled = host
            super().parse(inputstring, document)
            return
        settings.raw_enabled = host[0] and "raw" in trust.allowed
        settings.file_insertion_enabled = host[1] and not trust.allowed.isdisjoint(FILE_DIRECTIVES)
        config = _page_config(settings.env.myst_config, inputstring, document)
        # MyST's substitutions are Jinja2 templates, rendered outside a sandbox: never on zoogen's pages
        config = dataclasses.replace(config, enable_extensions=set(config.enable_extensions) - {"substitution"})
        if "html" not in trust.allowed:
            config = dataclasses.replace(config, disable_syntax=[*config.disable_syntax, *_HTML_SYNTAX])
        parser = create_md_parser(config, ZooPageRenderer)
        parser.options["document"] = document
        parser.options[_TRUST_OPTION] = trust
        parser.render(inputstring)


def _page_config(config: MdParserConfig, text: str, document: nodes.document) -> MdParserConfig:
    """The site's MyST configuration with the page's own front matter, as MyST's parser merges them."""
    try:
        topmatter = read_topmatter(text)
    except TopmatterReadError:
        return config  # reported during the render
    if not topmatter:
        return config
    def warn(kind: Any, message: str) -> None:
        create_warning(document, message, kind, line=1, append_to=document)

    return merge_file_level(config, topmatter, warn)


class ZooPageRenderer(SphinxRenderer):
    """Refuses ``{eval-rst}`` and file directives the zoo did not opt into, and includes that leave the
    repository, each with one error naming the page and line."""

    @property
    def _trust(self) -> ProseTrust:
        return self.md.options[_TRUST_OPTION]

    def render_restructuredtext(self, token: Any) -> None:
        if "eval-rst" in self._trust.allowed:
            super().render_restructuredtext(token)
            return
        self.current_node.append(self.reporter.error(
            "zoo prose may not use {eval-rst} (zoo.yml: trusted_prose lists what a zoo allows)",
            line=token_line(token, 0)))
        self.current_node.append(nodes.literal_block(token.content, token.content))

    def run_directive(self, name: str, first_line: str, content: str, position: int, *args: Any,
                      **kwargs: Any) -> list[nodes.Element]:
        problem = self._file_problem(name.lower(), first_line.strip())
        if problem:
            return [self.reporter.error(problem, line=position)]
        return super().run_directive(name, first_line, content, position, *args, **kwargs)

    def _file_problem(self, name: str, argument: str) -> str | None:
        if name not in FILE_DIRECTIVES:
            return None
        trust = self._trust
        if name not in trust.allowed:
            return (f"zoo prose may not use {{{name}}} (zoo.yml: trusted_prose lists what a zoo allows); "
                    "no file was read")
        if argument.startswith("<"):
            return f"{{{name}}} {argument}: zoo prose includes files of its repository only"
        env = self.sphinx_env
        _, path = env.relfn2path(argument, env.docname)
        if not inside(Path(path), trust.repository):
            return (f"{{{name}}} {argument} leads to {Path(path).resolve()}, outside the repository "
                    f"{trust.repository}; an include in zoo prose stays inside the repository (not read)")
        return None


class ContainedFiles(SphinxTransform):
    """Images and ``{download}`` targets of zoogen's pages resolve inside the repository, or are dropped with
    an error: Sphinx copies both into the site. Runs before ``doctree-read``, whose collectors read them."""

    default_priority = 875

    def apply(self, **kwargs: Any) -> None:
        trust = page_trust(self.env)
        if trust is None:
            return
        found = self.document.findall(lambda n: isinstance(n, nodes.image | addnodes.download_reference))
        for node in [n for n in found if isinstance(n, nodes.Element)]:
            target = node["uri"] if isinstance(node, nodes.image) else node["reftarget"]
            if target.startswith("data:") or "://" in target:
                continue
            path = Path(self.env.relfn2path(target, self.env.docname)[1])
            if inside(path.parent if path.name.endswith("*") else path, trust.repository):
                continue
            logger.error("zoo prose refers to %s, which leads to %s, outside the repository %s; not copied",
                         target, path.resolve(), trust.repository, location=node)
            text = node.get("alt", "") if isinstance(node, nodes.image) else node.astext()
            inline = isinstance(node.parent, nodes.TextElement)
            node.replace_self(nodes.inline(text, text) if inline else nodes.paragraph(text, text))


def contain_rst_includes(app: Sphinx, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """``include-read``: an include of reStructuredText (inside an allowed ``{eval-rst}``) from one of
    zoogen's pages that left the repository is dropped, with an error."""
    trust = build_context(app).trust
    if parent_docname not in trust.pages:
        return
    path = Path(app.srcdir, relative_path)
    if not inside(path, trust.repository):
        logger.error("an include in zoo prose leads to %s, outside the repository %s; dropped",
                     path.resolve(), trust.repository, location=parent_docname)
        content[0] = ""


def setup_prose(app: Sphinx) -> None:
    app.setup_extension("myst_parser")
    app.add_source_parser(ZooPageParser, override=True)
    app.connect("include-read", contain_rst_includes)
    app.add_transform(ContainedFiles)

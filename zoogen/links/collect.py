"""Every URL a zoo publishes, with the places (model and field) that use it.

The URLs are the ones the site links to: ``Weights`` and ``Log`` of each model, its ``Config`` and
``README`` as linked on the site (``config_base_url`` + path, or the URL as written), papers and code of
models and collections, the reference targets under ``links:`` of ``zoo.yml`` and the inline links of its
prose (section bodies and free tables, read with markdown-it). For each mirror (primary prefix, mirror
prefix) of ``zoo.yml``, the mirror copy of every ``Weights`` and ``Log`` URL under the primary prefix is
checked too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from zoogen.meta.normalise import is_http_url
from zoogen.meta.schema import Section, Zoo


@dataclass
class LinkTarget:
    """One URL to check and every place that publishes it."""

    url: str
    where: list[str] = field(default_factory=list)
    checkpoint: bool = False  # used as Weights: a tiny body is a dead link
    mirror_of: str | None = None  # the primary URL when this is a mirror copy


def site_url(path: str | None, base_url: str | None) -> str | None:
    """A Config or README as the site links it: a URL as written, else ``base_url`` + path."""
    if not path:
        return None
    if is_http_url(path):
        return path.strip()
    if base_url:
        return f"{base_url.rstrip('/')}/{path.lstrip('/')}"
    return None


def mirror_urls(url: str, mirrors: Sequence[tuple[str, str]]) -> list[str]:
    """The copies of ``url`` on each mirror whose primary prefix it starts with."""
    return [mirror + url[len(primary):] for primary, mirror in mirrors if primary and url.startswith(primary)]


class _Collector:
    def __init__(self) -> None:
        self.targets: dict[str, LinkTarget] = {}

    def add(self, url: str | None, where: str, *, checkpoint: bool = False, mirror_of: str | None = None) -> None:
        if not is_http_url(url):
            return
        assert url is not None
        url = url.strip()
        target = self.targets.setdefault(url, LinkTarget(url, mirror_of=mirror_of))
        target.checkpoint = target.checkpoint or checkpoint
        if where not in target.where:
            target.where.append(where)


def collect_links(zoo: Zoo) -> list[LinkTarget]:
    """The zoo's URLs in a stable order (first use first)."""
    info = zoo.info
    mirrors = [(m.primary, m.mirror) for m in info.mirrors]
    found = _Collector()
    for method in zoo.methods:
        for collection in method.collections:
            label = f"collection {collection.name}"
            found.add(collection.paper.url if collection.paper else None, f"{label}: Paper")
            found.add(collection.code, f"{label}: Code")
            found.add(site_url(collection.readme, info.config_base_url), f"{label}: README")
        for model in method.models:
            label = f"model {model.name}"
            found.add(model.weights, f"{label}: Weights", checkpoint=True)
            found.add(model.log, f"{label}: Log")
            found.add(site_url(model.config, info.config_base_url), f"{label}: Config")
            found.add(model.paper.url if model.paper else None, f"{label}: Paper")
            found.add(model.code, f"{label}: Code")
            found.add(site_url(model.readme, info.config_base_url), f"{label}: README")
            for url, name in ((model.weights, "Weights"), (model.log, "Log")):
                for copy in mirror_urls(url or "", mirrors):
                    found.add(copy, f"{label}: {name} (mirror)", checkpoint=name == "Weights", mirror_of=url)
    for label, url in info.links.items():
        found.add(url, f"zoo.yml: links.{label}")
    prose = [("zoo.yml: intro", info.intro or "")]
    prose += list(_section_prose(info.sections, "zoo.yml: sections"))
    for where, text in prose:
        for url in markdown_links(text):
            found.add(url, where)
    return list(found.targets.values())


def _section_prose(sections: Iterable[Section], prefix: str) -> Iterable[tuple[str, str]]:
    for section in sections:
        where = f"{prefix}/{section.title}"
        if section.body:
            yield where, section.body
        if section.table:
            for row in section.table.rows:
                for cell in row.values():
                    yield f"{where} (table)", cell
        yield from _section_prose(section.sections, where)


_MARKDOWN = MarkdownIt("commonmark").enable("table")


def markdown_links(text: str) -> list[str]:
    """The http(s) targets of the inline links and autolinks of a Markdown text."""
    urls: list[str] = []
    for token in _MARKDOWN.parse(text):
        for child in token.children or []:
            href = child.attrGet("href") if child.type == "link_open" else None
            if isinstance(href, str) and is_http_url(href) and href not in urls:
                urls.append(href)
    return urls

"""Which pages exist, and their MyST text: one Jinja2 template per kind of page, one set for all languages."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import jinja2

from zoogen.currency import Currency, currencies
from zoogen.meta.registry import load_registry
from zoogen.meta.schema import Zoo
from zoogen.project import repository_owner
from zoogen.records import VerificationRecord
from zoogen.render import markup
from zoogen.render.conditions import conditions_table
from zoogen.render.groups import method_groups
from zoogen.render.links import mark_dead_links
from zoogen.render.marks import Marker, newest_records, verdict_summary
from zoogen.render.names import SOURCE_LANGUAGE, Names
from zoogen.render.stats import zoo_statistics
from zoogen.render.tables import Table, TableBuilder, all_models_tables, method_link

METHODS_DIR = "methods"
REPORT_PAGE = "verification"
LOCALISED_LANGUAGES = ("zh_CN",)  # languages zoogen ships its own words in (zoogen/templates/<language>.po)


@dataclass
class PageSet:
    """Generated pages: document name (``methods/faster_rcnn``) -> MyST text."""

    pages: dict[str, str] = field(default_factory=dict)
    links: dict[str, dict[str, str]] = field(default_factory=dict)  # docname -> reference label -> URL
    footer: str | None = None  # the site's footer (zoo.yml: footer, else its holder), in the rendering's language
    title: str = ""  # the site's name in the rendering's language (zoo.yml: title; `mmpose Model Zoo` localised)
    localised: dict[str, PageSet] = field(default_factory=dict)  # language -> the pages with zoogen's words in it

    def write(self, source_dir: Path) -> list[Path]:
        """Write every page as ``<docname>.md`` below ``source_dir``, unchanged files left untouched."""
        written = []
        for docname, text in self.pages.items():
            path = source_dir / f"{docname}.md"
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".md.tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
            written.append(path)
        return written


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the process, keyed by name and source checksum (Jinja's own check): each
    rendering (one per language, again on every ``zoogen serve`` rebuild) skips parsing, and an edited
    template is compiled anew."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _MemoryBytecodeCache()


def _environment(names: Names, loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader or jinja2.PackageLoader("zoogen", "templates"),
        bytecode_cache=_COMPILED_TEMPLATES,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Markdown: metafile text is escaped with the `md` filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        names.gettext, lambda singular, plural, n: names.gettext(singular if n == 1 else plural), newstyle=True)
    env.filters["md"] = markup.escape
    env.filters["mdlink"] = markup.link
    env.filters["mdurl"] = markup.url
    return env


def render_pages(
    zoo: Zoo,
    records: Mapping[str, list[VerificationRecord]] | None = None,
    loader: jinja2.BaseLoader | None = None,
    language: str = SOURCE_LANGUAGE,
    *,
    methods: Collection[str] | None = None,
) -> PageSet:
    """Every page of the site for ``zoo`` (only the pages of the ``methods`` named, when named: ``zoogen
    serve`` shows an edited method before the rest is rendered).

    The pages are Sphinx's English source; translations come from the catalogs. Rendered with another
    ``language``, zoogen's own words (template texts, registry names) are in that language: the site
    turns the two renderings into a built-in catalog for the words a zoo's catalog does not have.
    """
    registry = getattr(zoo, "registry", None) or load_registry()  # zoo.yml overrides
    names = Names.for_language(registry, language)
    env = _environment(names, loader)
    newest = newest_records(records or {})
    current = currencies(zoo.models, newest, configs_root=zoo.root, registry=registry)  # configs as the zoo has them
    footer = getattr(zoo.info, "footer", None) or names.holder(repository_owner(zoo.root), zoo.root.resolve().name)
    pages = PageSet(footer=footer, title=names.zoo_title(zoo.info.title))
    if language == SOURCE_LANGUAGE and methods is None:
        pages.localised = {other: render_pages(zoo, records, loader, other) for other in LOCALISED_LANGUAGES}
    titles = {method.id: method.title for method in zoo.methods}
    common = {"zoo": zoo, "info": zoo.info, "site_title": pages.title, "methods_dir": METHODS_DIR,
              "report_page": REPORT_PAGE,
              "quick_links": " · ".join(f"{{doc}}`{page}`" for page in ("models", "statistics", REPORT_PAGE))}

    def add(docname: str, template: str, extra_links: dict[str, str] | None = None, /, **context: object) -> None:
        links = {**zoo.info.links, **(extra_links or {})}
        definitions = "\n".join(f"[{label}]: {markup.url(url)}" for label, url in links.items())
        text = env.get_template(template).render(**common, **context, link_definitions=definitions)
        pages.pages[docname] = mark_dead_links(text, zoo.info.links_report)
        pages.links[docname] = links

    if methods is None:
        add("index", "index.md.j2", **_overview_groups(zoo, names))

    for method in zoo.methods:
        if methods is not None and method.id not in methods:
            continue
        report_link = "../" * (method.id.count("/") + 1) + f"{REPORT_PAGE}.md"  # method ids may nest
        marker = Marker(newest, report_link, current, names.gettext, registry) if newest else None
        builder = TableBuilder(names, zoo.info.columns, zoo.info.config_base_url, marker, zoo.info.group_by_tasks)
        notes = marker.notes(method.models) if marker else []
        notes_table = Table([names.gettext(h) for h in ("Model", "Verdicts", "Hardware", "Date")], notes) \
            if notes else None
        paper_url = method.paper.url if method.paper else None
        readme_url = _readme_url(zoo, method.readme)
        method_links = {label: url for label, url in (("paper", paper_url), ("readme", readme_url)) if url}
        add(f"{METHODS_DIR}/{method.id}", "method.md.j2", method_links, method=method,
            groups=builder.method_tables(method.models, method.results_of), notes_table=notes_table,
            readme_url=readme_url, report_link=report_link)

    if methods is not None:
        return pages
    add("statistics", "statistics.md.j2", **_statistics_tables(zoo, names))
    add("models", "models.md.j2", tables=all_models_tables(zoo.models, names, titles, METHODS_DIR))
    add(REPORT_PAGE, "verification.md.j2",
        table=_report_table(zoo, newest, current, titles, names) if newest else None,
        conditions=conditions_table(zoo.models, newest, names, registry) if newest else None)
    return pages


def _overview_groups(zoo: Zoo, names: Names) -> dict[str, object]:
    """The overview's method groups with their headings, and the sidebar's captions (a toctree each)."""
    groups = method_groups(zoo)
    shown = []
    captions = []
    for group in groups:
        heading = markup.escape(names.task(group.task)) if group.task else names.gettext("Methods without results")
        datasets = [SimpleNamespace(heading=markup.escape(names.dataset(dataset)) if dataset else
                                    names.gettext("Other datasets"), methods=members)
                    for dataset, members in group.datasets]
        shown.append(SimpleNamespace(task=group.task, heading=heading, methods=group.methods, datasets=datasets))
        plain = names.task(group.task) if group.task else names.gettext("Methods without results")
        if group.datasets:
            captions += [SimpleNamespace(title=_caption(f"{plain} · {names.dataset(dataset)}" if dataset else plain),
                                         methods=members) for dataset, members in group.datasets]
        else:
            captions.append(SimpleNamespace(title=_caption(plain), methods=group.methods))
    return {"groups": shown, "captions": captions}


def _caption(text: str) -> str:
    """A toctree caption: one line of plain text (a directive option is not Markdown)."""
    return " ".join(text.split())


def _report_table(zoo: Zoo, newest: Mapping[str, VerificationRecord], current: Mapping[str, Currency],
                  titles: dict[str, str], names: Names) -> Table:
    report_rows = []
    for model in zoo.models:
        record = newest.get(model.name)
        env_info = record.environment if record else None
        report_rows.append([
            method_link(model.method, METHODS_DIR, titles[model.method]),
            markup.escape(model.name),
            markup.escape(verdict_summary(record, current.get(model.name), names.gettext, zoo.registry))
            if record else "-",
            markup.escape(env_info.device_name or env_info.device or "-") if env_info else "-",
            markup.escape(str(record.images)) if record and record.images else "-",
            markup.escape((env_info.date or "-")[:10]) if env_info else "-",
        ])
    headers = [names.gettext(h) for h in ("Method", "Model", "Verdicts", "Hardware", "Images", "Date")]
    return Table(headers, report_rows)


def _readme_url(zoo: Zoo, readme: str | None) -> str | None:
    if not readme:
        return None
    if readme.startswith(("http://", "https://")):
        return readme
    base = zoo.info.config_base_url
    return f"{base.rstrip('/')}/{readme.lstrip('/')}" if base else None


def _statistics_tables(zoo: Zoo, names: Names) -> dict[str, Table]:
    stats = zoo_statistics(zoo)
    _ = names.gettext
    totals: list[tuple[str, int]]
    totals = [("Methods", stats.methods), ("Papers", stats.papers), ("Models", stats.models),
              ("Checkpoints", stats.checkpoints)]
    return {
        "totals": Table([_("Quantity"), _("Count")], [[_(name), str(count)] for name, count in totals], [0]),
        "per_task_dataset": Table(
            [_("Task"), _("Dataset"), _("Models")],
            [[markup.escape(names.task(task)), markup.escape(names.dataset(dataset)), str(count)]
             for task, dataset, count in stats.per_task_dataset],
        ),
        "per_method": Table(
            [_("Method"), _("Models"), _("Checkpoints")],
            [[method_link(method_id, METHODS_DIR, title), str(models), str(checkpoints)]
             for method_id, title, models, checkpoints in stats.per_method],
        ),
    }

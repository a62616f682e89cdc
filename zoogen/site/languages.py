"""The site's languages and the links between them.

Three spellings of one language: Sphinx's ``language`` (``zh_CN``, also the folder names of a local build),
the BCP 47 tag of HTML's ``lang`` and ``hreflang`` (``zh-CN``), and Read the Docs' code in its URLs and in
``READTHEDOCS_LANGUAGE`` (``zh-cn``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit, urlunsplit

LANGUAGES = ("en", "zh_CN")
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}


def normalise_language(code: str | None) -> str:
    """``zh-cn``, ``zh_cn`` and ``zh_CN`` are one language; unknown codes fall back to English."""
    folded = (code or "en").replace("-", "_").lower()
    return next((lang for lang in LANGUAGES if lang.lower() == folded), "en")


def language_tag(code: str) -> str:
    """The BCP 47 tag of a language, for ``lang`` and ``hreflang`` (``zh_CN`` -> ``zh-CN``)."""
    return normalise_language(code).replace("_", "-")


def readthedocs_code(code: str) -> str:
    """Read the Docs' code of a language, as in its URLs (``zh_CN`` -> ``zh-cn``)."""
    return language_tag(code).lower()


def language_from_environment(default: str = "en") -> str:
    """The language Read the Docs builds (``READTHEDOCS_LANGUAGE``), else ``default``."""
    return normalise_language(os.environ.get("READTHEDOCS_LANGUAGE", default))


def readthedocs_root(target: str, environ: Mapping[str, str]) -> str:
    """The URL Read the Docs serves the ``target`` language's site at, from the build's own environment.

    Read the Docs serves a project's translations at ``<domain>/<language>/<version>/`` (``zh-cn`` since
    2023) and names the current build's URL in ``READTHEDOCS_CANONICAL_URL``: its language segment is
    swapped for the target's. Without it, the root-relative ``/<language>/<version>/``.
    """
    code = readthedocs_code(target)
    canonical = environ.get("READTHEDOCS_CANONICAL_URL", "")
    current = readthedocs_code(environ.get("READTHEDOCS_LANGUAGE", "en"))
    if canonical:
        parts = urlsplit(canonical)
        segments = parts.path.split("/")
        for index in reversed(range(len(segments))):  # the language comes right before the version
            segment = segments[index]
            if segment.replace("_", "-").lower() == current:
                segments[index] = code
                path = "/".join(segments)
                return urlunsplit((parts.scheme, parts.netloc, path if path.endswith("/") else path + "/", "", ""))
    version = environ.get("READTHEDOCS_VERSION", "latest") or "latest"
    return f"/{code}/{version}/"


@dataclass(frozen=True)
class LanguageSites:
    """The languages a site is published in, and where each one's root is (``""``: beside this one, as a
    local build puts them: ``build/html/en``, ``build/html/zh_CN``)."""

    current: str
    languages: tuple[str, ...]
    roots: dict[str, str] = field(default_factory=dict)

    @property
    def has_switch(self) -> bool:
        """A switch only where another language is published."""
        return any(lang != self.current for lang in self.languages)

    def url(self, pagename: str, target: str) -> str:
        """URL of the page ``pagename`` in the ``target`` language."""
        root = self.roots.get(target, "")
        if root:
            return f"{root}{pagename}.html"
        return "../" * (pagename.count("/") + 1) + f"{target}/{pagename}.html"


def language_sites(current: str | None, configured: Iterable[str] | None, urls: Mapping[str, str] | None,
                   whole_site: bool, environ: Mapping[str, str] | None = None) -> LanguageSites:
    """Where the site's languages are: ``configured`` (``zoogen_languages``; by default every language for a
    site that is the zoo alone, none but its own inside another site), at ``urls`` (``zoogen_language_urls``),
    else as Read the Docs serves them (under ``READTHEDOCS=True``), else side by side."""
    environ = os.environ if environ is None else environ
    current = normalise_language(current)
    if configured is None:
        configured = LANGUAGES if whole_site else (current,)
    if isinstance(configured, str):
        configured = re.split(r"[,\s]+", configured)
    wanted = {normalise_language(lang) for lang in configured if lang} | {current}
    languages = tuple(lang for lang in LANGUAGES if lang in wanted)
    given = {normalise_language(lang): url for lang, url in (urls or {}).items()}
    roots = {}
    for lang in languages:
        if lang in given:
            roots[lang] = given[lang] if given[lang].endswith("/") else given[lang] + "/"
        elif environ.get("READTHEDOCS") == "True":
            roots[lang] = readthedocs_root(lang, environ)
    return LanguageSites(current, languages, roots)


def alternate_links(pagename: str, sites: LanguageSites) -> str:
    """``<link rel="alternate">`` tags naming the page in every language (read by ``zoogen.js``)."""
    tags = []
    for lang in sites.languages:
        marker = ' data-zoogen-current=""' if lang == sites.current else ""
        tags.append(f'<link rel="alternate" hreflang="{language_tag(lang)}" data-zoogen-lang="{lang}"'
                    f'{marker} title="{escape(LANGUAGE_NAMES[lang])}" href="{escape(sites.url(pagename, lang))}">')
    return "\n".join(tags) + "\n"

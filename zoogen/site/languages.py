"""The site's languages and the links between them."""

from __future__ import annotations

import os
from html import escape

LANGUAGES = ("en", "zh_CN")
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}


def normalise_language(code: str | None) -> str:
    """``zh-cn``, ``zh_cn`` and ``zh_CN`` are one language; unknown codes fall back to English."""
    folded = (code or "en").replace("-", "_").lower()
    return next((lang for lang in LANGUAGES if lang.lower() == folded), "en")


def language_from_environment(default: str = "en") -> str:
    """The language Read the Docs builds (``READTHEDOCS_LANGUAGE``), else ``default``."""
    return normalise_language(os.environ.get("READTHEDOCS_LANGUAGE", default))


def switch_url(pagename: str, target: str) -> str:
    """URL of the same page in the ``target`` language.

    Local builds put the languages side by side (``build/html/en``, ``build/html/zh_CN``): a relative link.
    On Read the Docs each language is a project of its own, served at ``/<language>/<version>/``.
    """
    if os.environ.get("READTHEDOCS") == "True":
        version = os.environ.get("READTHEDOCS_VERSION", "latest")
        return f"/{target}/{version}/{pagename}.html"
    depth = pagename.count("/") + 1
    return "../" * depth + f"{target}/{pagename}.html"


def alternate_links(pagename: str, current: str) -> str:
    """``<link rel="alternate">`` tags naming the page in every language (read by ``zoogen.js``)."""
    tags = []
    for lang in LANGUAGES:
        marker = ' data-zoogen-current=""' if lang == current else ""
        tags.append(f'<link rel="alternate" hreflang="{lang.replace("_", "-")}" data-zoogen-lang="{lang}"'
                    f'{marker} title="{escape(LANGUAGE_NAMES[lang])}" href="{escape(switch_url(pagename, lang))}">')
    return "\n".join(tags) + "\n"

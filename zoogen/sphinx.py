"""The public Sphinx extension: ``extensions = ["zoogen.sphinx"]`` (it loads ``myst_parser`` itself).

Settings (in ``conf.py``; paths relative to the folder of ``conf.py``):

``zoogen_zoo``
    The model index: a ``model-index.yml`` or the folder holding it.
``zoogen_results``
    Folder of verification records shown as marks in the tables (ignored when missing).
``zoogen_pages_dir``
    Where the zoo's pages go inside the source folder. Empty (the default) makes the zoo the whole site;
    a name such as ``"model_zoo"`` puts the pages in that subfolder of an existing site, whose own
    toctree then lists ``model_zoo/index``.
``zoogen_strict``
    Treat the zoo's warnings as errors.
``zoogen_languages``
    The languages the site is published in (``["en", "zh_CN"]``): the zoo's pages link to the same page in
    the others. Default: both for a site that is the zoo alone, none inside another site.
``zoogen_language_urls``
    Where each language's site is (``{"zh_CN": "https://example.org/zh_CN/"}``). Default: as Read the Docs
    serves translations (under ``READTHEDOCS=True``), else side by side (``../zh_CN/``).

The zoo's warnings go to Sphinx's log (``-W`` fails the build on them; ``suppress_warnings = ["zoogen"]``).
The pages need MyST's ``attrs_block``, which the extension adds to ``myst_enable_extensions``.
"""

from __future__ import annotations

from typing import Any

import sphinx
from sphinx.errors import ExtensionError

# The oldest Sphinx that the oldest supported MyST-Parser (4.0: sphinx>=7,<9) runs on; tested in CI.
MINIMUM_SPHINX = (7, 0)


def check_sphinx_version(version: tuple[Any, ...] = tuple(sphinx.version_info)) -> None:
    """One clear error below the minimum, before anything else of zoogen is imported."""
    if tuple(version[:2]) < MINIMUM_SPHINX:
        found = ".".join(str(part) for part in version[:3])
        needed = ".".join(str(part) for part in MINIMUM_SPHINX)
        raise ExtensionError(f"zoogen.sphinx needs Sphinx {needed} or newer; this is Sphinx {found} "
                             f"(pip install 'sphinx>={needed}')")


def setup(app: Any) -> dict[str, Any]:
    check_sphinx_version()
    from zoogen.site.extension import setup as setup_extension

    return setup_extension(app)


__all__ = ["MINIMUM_SPHINX", "check_sphinx_version", "setup"]

"""Sphinx configuration of the model-zoo site.

Read the Docs runs ``sphinx-build`` on this folder for the English project and for its Chinese translation;
``zoogen build`` runs the same configuration on a staging folder. Pages are generated from ``zoo_meta/``
(or the zoo named by ``-D zoogen_zoo=...`` / ``$ZOOGEN_ZOO``) by the ``zoogen.site.extension`` extension.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zoogen.site.languages import language_from_environment

project = "Model Zoo"
author = "zoogen"
copyright = "OpenMMLab and the zoogen authors"

extensions = ["myst_parser", "zoogen.site.extension"]
source_suffix = {".md": "markdown"}
root_doc = "index"
myst_enable_extensions = ["attrs_block"]
myst_heading_anchors = 3

# Which zoo to render, and where verification results are read from.
zoogen_zoo = os.environ.get("ZOOGEN_ZOO", "zoo_meta")
zoogen_results = os.environ.get("ZOOGEN_RESULTS", "results")

# Languages: English is the source; Chinese comes from the gettext catalogs of the zoo (sphinx-intl workflow).
language = language_from_environment()
locale_dirs = ["locales"]  # replaced by the zoo's own catalog folder (zoo.yml: locale_dir)
gettext_compact = False
gettext_uuid = False
gettext_location = True

smartquotes = False  # names and numbers are shown exactly as the metafiles write them
html_theme = "sphinx_rtd_theme"
html_static_path: list[str] = []
templates_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False

"""``zoogen import``: the Markdown tables of a hand-written model-zoo page to OpenMMLab metafiles.

``markdown`` reads the page's tables with markdown-it (cells as text + links, heading above each table),
``columns`` recognises the headers (English or Chinese), ``convert`` turns rows into models and reports
every cell it could not place, ``write`` writes ``model-index.yml``, the metafiles and ``zoo.yml``.
"""

from zoogen.importer.convert import ImportResult, import_page
from zoogen.importer.write import write_zoo

__all__ = ["ImportResult", "import_page", "write_zoo"]

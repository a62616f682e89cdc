"""The public Sphinx extension: ``extensions = ["myst_parser", "zoogen.sphinx"]``.

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
"""

from zoogen.site.extension import setup

__all__ = ["setup"]

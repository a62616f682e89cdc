"""Sphinx glue: one code path for ``conf.py`` (Read the Docs) and ``zoogen build``."""

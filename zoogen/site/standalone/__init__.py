"""The Sphinx configuration folder of a stand-alone zoo site (``sphinx-build -c`` points here)."""

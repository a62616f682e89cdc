"""The reference pages stay true to the code: the CLI page is generated, the extension page names every setting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from zoogen.site.extension import setup

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_up_to_date():
    done = subprocess.run([sys.executable, "tools/cli_reference.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def test_extension_page_documents_every_setting():
    class Recorder:
        def __init__(self) -> None:
            self.names: list[str] = []

        def add_config_value(self, name: str, *args: object, **kwargs: object) -> None:
            self.names.append(name)

        def __getattr__(self, name: str):  # connect, add_transform, add_js_file, ...: not recorded
            return lambda *args, **kwargs: None

    recorder = Recorder()
    setup(recorder)  # type: ignore[arg-type]
    assert recorder.names
    page = (ROOT / "docs" / "sphinx-extension.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(zoogen_\w+)`", page))
    assert set(recorder.names) <= documented, set(recorder.names) - documented


def test_changelog_names_the_current_version():
    import zoogen

    assert f"## {zoogen.__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

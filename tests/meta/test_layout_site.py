"""A family layout (MMAction2's, nested method ids) builds into a bilingual site through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LAYOUT = Path(__file__).parent / "layouts" / "mmaction2"


@pytest.mark.slow
def test_mmaction2_layout_builds_in_both_languages_with_registry_names(tmp_path: Path):
    out = tmp_path / "html"
    result = subprocess.run([sys.executable, "-m", "zoogen.cli", "build", "--zoo", str(LAYOUT), "--lang", "all",
                             "--out", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for language in ("en", "zh_CN"):
        index = (out / language / "index.html").read_text(encoding="utf-8")
        for page in ("recognition/slowfast", "recognition/tsn", "detection/slowfast"):  # nested ids, one page each
            assert (out / language / "methods" / f"{page}.html").is_file()
            assert f'href="methods/{page}.html"' in index
    english = (out / "en" / "methods" / "recognition" / "tsn.html").read_text(encoding="utf-8")
    chinese = (out / "zh_CN" / "methods" / "recognition" / "tsn.html").read_text(encoding="utf-8")
    assert "Action Recognition" in english and "Top-1 Accuracy" in english and "Mean Class Accuracy" in english
    for name in ("动作识别", "Top-1 准确率", "平均类别准确率"):  # the registry's Chinese names
        assert name in chinese
    assert "时空动作检测" in (out / "zh_CN" / "methods" / "detection" / "slowfast.html").read_text(encoding="utf-8")

"""The light install (no torch, no mmdet) builds the site; `zoogen verify` then says what is missing."""

from __future__ import annotations

import subprocess
import sys

BLOCK_TORCH = (
    "import sys; sys.modules['torch'] = None; sys.argv = ['zoogen', 'verify', '--gpu'];"
    "from zoogen.cli import main; main()"
)


def test_verify_without_torch_explains_instead_of_crashing():
    result = subprocess.run([sys.executable, "-c", BLOCK_TORCH], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "verification stack is not installed" in result.stderr and "tools/setup.sh" in result.stderr

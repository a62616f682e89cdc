"""tools/mmcv_build.py: how tools/setup.sh builds mmcv (CPU or CUDA, architectures) and keys its wheel cache."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("mmcv_build", ROOT / "tools" / "mmcv_build.py")
assert _spec and _spec.loader
mmcv_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mmcv_build)


def test_arch_lists_are_normalised() -> None:
    assert mmcv_build.normalise_arch_list("8.6 7.0;9.0+ptx, 8.6") == "7.0;8.6;9.0+PTX"
    with pytest.raises(ValueError, match="sm_80"):
        mmcv_build.normalise_arch_list("sm_80")
    with pytest.raises(ValueError, match="empty"):
        mmcv_build.normalise_arch_list(" ; ")


def test_which_architectures() -> None:
    assert mmcv_build.arch_list_for("8.0;8.6", [(9, 0)]) == "8.0;8.6"  # the environment's list wins
    assert mmcv_build.arch_list_for(None, [(8, 0)]) == "8.0+PTX"  # the GPU's own, PTX for newer ones
    assert mmcv_build.arch_list_for("", [(8, 6), (7, 0), (8, 6)]) == "7.0;8.6+PTX"
    default = mmcv_build.arch_list_for(None, [])
    assert default.startswith("7.0;") and default.endswith("+PTX")  # V100, where MMDetection's speeds come from


def test_cpu_or_cuda() -> None:
    assert mmcv_build.build_mode(None, None, 0) == "cpu"
    assert mmcv_build.build_mode(None, "12.6", 0) == "cpu"  # a CUDA torch on a machine without GPUs
    assert mmcv_build.build_mode(None, "12.6", 2) == "cuda"
    assert mmcv_build.build_mode("1", "12.6", 0) == "cuda"  # cross-building for GPUs elsewhere
    assert mmcv_build.build_mode("0", "12.6", 2) == "cpu"
    with pytest.raises(ValueError, match="FORCE_CUDA=1 needs a CUDA build of torch"):
        mmcv_build.build_mode("1", None, 0)


def test_the_cache_key_tells_builds_apart() -> None:
    key = mmcv_build.cache_key
    cpu = key("2.13.0+cpu", None, "", "3.11.9", "cpu")
    assert cpu == "torch2.13.0-cpu-py3.11"
    cuda = key("2.13.0+cu126", "12.6", "8.0+PTX", "3.11.9", "cuda")
    assert cuda == "torch2.13.0-cu126-arch8.0+PTX-py3.11"
    others = {
        key("2.14.1", "12.6", "8.0+PTX", "3.11", "cuda"),  # torch
        key("2.13.0", "12.8", "8.0+PTX", "3.11", "cuda"),  # CUDA
        key("2.13.0", "12.6", "7.0;8.0+PTX", "3.11", "cuda"),  # architectures
        key("2.13.0", "12.6", "8.0+PTX", "3.12", "cuda"),  # Python
        cpu, cuda,
    }
    assert len(others) == 6
    assert all("/" not in k and ";" not in k and " " not in k for k in others)


def _shell(script: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_setup_sh_reads_the_plan_of_this_machine() -> None:
    pytest.importorskip("torch")
    import torch

    done = _shell('plan=$("${PY:-python3}" tools/mmcv_build.py plan) || exit 2; eval "$plan"; '
                  'echo "$MMCV_MODE|$MMCV_ARCH_LIST|$MMCV_KEY"', PY=sys.executable)
    assert done.returncode == 0, done.stderr
    mode, arch, key = done.stdout.strip().split("|")
    py = f"py{sys.version_info.major}.{sys.version_info.minor}"
    if torch.cuda.is_available():
        assert mode == "cuda" and arch.endswith("+PTX") and key.endswith(py)
    else:
        assert (mode, arch, key) == ("cpu", "", f"torch{torch.__version__.split('+')[0]}-cpu-{py}")


def test_setup_sh_stops_on_force_cuda_with_a_cpu_torch() -> None:
    pytest.importorskip("torch")
    import torch

    if torch.version.cuda is not None:
        pytest.skip("torch is a CUDA build here")
    done = _shell('plan=$("${PY:-python3}" tools/mmcv_build.py plan) || exit 2; echo built', PY=sys.executable,
                  FORCE_CUDA="1")
    assert done.returncode == 2 and "built" not in done.stdout
    assert "FORCE_CUDA=1 needs a CUDA build of torch" in done.stderr


def _fake_mmcv(root: Path, compiled: str, marker: str | None) -> dict[str, str]:
    """An mmcv whose ops 'load' and report ``compiled``, with setup.sh's marker (the key it was built as)."""
    package = root / "mmcv"
    (package / "ops").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "_ext.py").write_text("")
    (package / "ops" / "__init__.py").write_text(f"def get_compiling_cuda_version():\n    return {compiled!r}\n")
    if marker:
        (package / mmcv_build.MARKER).write_text(marker + "\n")
    return {"PYTHONPATH": str(root)}


def test_installed_mmcv_is_reused_only_by_its_own_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cuda_plan = {"MMCV_MODE": "cuda", "MMCV_ARCH_LIST": "8.0+PTX", "MMCV_KEY": "torch2.13.0-cu126-arch8.0+PTX-py3.11"}
    cpu_plan = {"MMCV_MODE": "cpu", "MMCV_ARCH_LIST": "", "MMCV_KEY": "torch2.13.0-cpu-py3.11"}
    for name, compiled, marker, plan, expected in [
        ("a", "not available", None, cpu_plan, False),  # no key: built against an unknown torch
        ("b", "not available", None, cuda_plan, False),  # ...a GPU host does not
        ("c", "12.6", cuda_plan["MMCV_KEY"], cuda_plan, True),
        ("d", "12.6", "torch2.13.0-cu126-arch7.0+PTX-py3.11", cuda_plan, False),  # built for another GPU
        ("e", "not available", "torch2.12.0-cpu-py3.11", cpu_plan, False),  # built against another torch
    ]:
        for key, value in _fake_mmcv(tmp_path / name, compiled, marker).items():
            monkeypatch.setenv(key, value)
        ok, why = mmcv_build.installed_matches(plan)
        assert ok is expected, (name, why)
    broken = tmp_path / "broken" / "mmcv"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("")
    (broken / "_ext.cpython-311-x86_64-linux-gnu.so").write_bytes(b"not an ELF file")
    monkeypatch.setenv("PYTHONPATH", str(broken.parent))
    ok, why = mmcv_build.installed_matches(cpu_plan)
    assert not ok and "do not load" in why

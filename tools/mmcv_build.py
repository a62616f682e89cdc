"""How tools/setup.sh builds mmcv 2.1.0: CPU or CUDA, for which GPU architectures, cached under which key.

    python tools/mmcv_build.py plan        shell assignments for setup.sh: MMCV_MODE, MMCV_ARCH_LIST, MMCV_KEY
    python tools/mmcv_build.py installed   exit 0 when the installed mmcv was built for that plan
    python tools/mmcv_build.py mark        record the plan's key in the installed mmcv (after installing it)
    python tools/mmcv_build.py patch DIR   let mmcv's unpacked source DIR compile against this torch's headers

The plan:

* ``MMCV_MODE=cuda`` when ``FORCE_CUDA=1``, or when torch is a CUDA build that sees a GPU; else ``cpu``
  (``FORCE_CUDA=0`` forces the CPU build). A CUDA build needs a CUDA build of torch.
* ``MMCV_ARCH_LIST``: ``TORCH_CUDA_ARCH_LIST`` when set; else the visible GPUs' own compute capabilities with
  ``+PTX`` on the highest (so a newer GPU can still JIT the ops); with no GPU visible, `DEFAULT_ARCH_LIST`
  (V100 7.0, T4 7.5, A100 8.0, A10 8.6, L4 8.9, H100 9.0, +PTX).
* ``MMCV_KEY``: ``torch<version>-cu<cuda>-arch<list>-py<major.minor>`` (``torch2.13.0-cpu-py3.11`` for a CPU
  build): a wheel is reused only by a build of the same torch, CUDA, architectures and Python.

Only torch is imported (never mmcv, except by ``installed``, in a child process).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

DEFAULT_ARCH_LIST = "7.0;7.5;8.0;8.6;8.9;9.0+PTX"
MARKER = ".zoogen-build-key"


def normalise_arch_list(text: str) -> str:
    """``"8.6 7.0;9.0+PTX"`` -> ``"7.0;8.6;9.0+PTX"``: sorted, deduplicated, ``;``-separated.

    Raises:
        ValueError: an entry that is not ``major.minor`` with an optional ``+PTX``.
    """
    entries: dict[tuple[int, int], bool] = {}
    for raw in re.split(r"[;\s,]+", text.strip()):
        if not raw:
            continue
        match = re.fullmatch(r"(\d+)\.(\d+)(\+PTX)?", raw, flags=re.IGNORECASE)
        if not match:
            raise ValueError(f"TORCH_CUDA_ARCH_LIST entry {raw!r} is not like 8.0 or 9.0+PTX")
        arch = (int(match.group(1)), int(match.group(2)))
        entries[arch] = entries.get(arch, False) or bool(match.group(3))
    if not entries:
        raise ValueError("TORCH_CUDA_ARCH_LIST is empty")
    return ";".join(f"{a}.{b}" + ("+PTX" if ptx else "") for (a, b), ptx in sorted(entries.items()))


def arch_list_for(env_value: str | None, capabilities: list[tuple[int, int]]) -> str:
    """The architectures to build for: the environment's list, else the GPUs', else the default."""
    if env_value and env_value.strip():
        return normalise_arch_list(env_value)
    if capabilities:
        own = sorted(set(capabilities))
        return normalise_arch_list(";".join(f"{a}.{b}" for a, b in own[:-1]) + f";{own[-1][0]}.{own[-1][1]}+PTX")
    return DEFAULT_ARCH_LIST


def build_mode(force_cuda: str | None, torch_cuda: str | None, gpus: int) -> str:
    """``cuda`` or ``cpu`` (module doc). Raises ValueError for FORCE_CUDA=1 with a CPU build of torch."""
    forced = (force_cuda or "").strip()
    if forced == "1":
        if torch_cuda is None:
            raise ValueError("FORCE_CUDA=1 needs a CUDA build of torch (set TORCH_INDEX_URL, see docs/gpu-runner.md)")
        return "cuda"
    if forced == "0":
        return "cpu"
    return "cuda" if torch_cuda is not None and gpus > 0 else "cpu"


def cache_key(torch_version: str, torch_cuda: str | None, arch_list: str | None, python: str, mode: str) -> str:
    """The wheel cache's folder name for one build (module doc)."""
    torch_part = "torch" + torch_version.split("+")[0]
    python_part = "py" + ".".join(python.split(".")[:2])
    if mode == "cpu":
        return f"{torch_part}-cpu-{python_part}"
    cuda_part = "cu" + "".join(re.findall(r"\d+", torch_cuda or "")[:2])
    arch_part = "arch" + (arch_list or DEFAULT_ARCH_LIST).replace(";", "-")
    return f"{torch_part}-{cuda_part}-{arch_part}-{python_part}"


def plan(env: dict[str, str] | None = None) -> dict[str, str]:
    """MMCV_MODE, MMCV_ARCH_LIST (empty for a CPU build) and MMCV_KEY for this machine's torch and GPUs."""
    env = dict(os.environ if env is None else env)
    import torch

    gpus = torch.cuda.device_count() if torch.version.cuda and torch.cuda.is_available() else 0
    mode = build_mode(env.get("FORCE_CUDA"), torch.version.cuda, gpus)
    capabilities = [torch.cuda.get_device_capability(i) for i in range(gpus)]
    arch_list = arch_list_for(env.get("TORCH_CUDA_ARCH_LIST"), capabilities) if mode == "cuda" else ""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {"MMCV_MODE": mode, "MMCV_ARCH_LIST": arch_list,
            "MMCV_KEY": cache_key(torch.__version__, torch.version.cuda, arch_list, python, mode)}


_INSTALLED = """
import pathlib, sys
import mmcv, mmcv._ext
from mmcv.ops import get_compiling_cuda_version
marker = pathlib.Path(mmcv.__file__).parent / {marker!r}
key = marker.read_text().strip() if marker.is_file() else None
compiled = str(get_compiling_cuda_version())
print(key or "", compiled, sep="\\n")
"""


def installed_matches(wanted: dict[str, str]) -> tuple[bool, str]:
    """Whether the installed mmcv serves the plan ``wanted``, and why (or why not).

    Its ops must load, and the key it was installed under (`MARKER`, written by ``mark``) must be the plan's:
    an mmcv without a key was built against an unknown torch (its ops may load and still not fit the
    installed torch's ABI), so it is rebuilt.
    """
    done = subprocess.run([sys.executable, "-c", _INSTALLED.format(marker=MARKER)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return False, f"mmcv's ops do not load ({last})"
    key, compiled = (done.stdout.splitlines() + ["", ""])[:2]
    if key and key != wanted["MMCV_KEY"]:
        return False, f"the installed mmcv was built as {key}, this machine needs {wanted['MMCV_KEY']}"
    if not key:
        return False, (f"the installed mmcv (compiled CUDA: {compiled}) carries no build key: it was not built by "
                       f"tools/setup.sh against this torch ({wanted['MMCV_KEY']})")
    return True, f"the installed mmcv fits ({key or 'a CPU build'}, compiled CUDA: {compiled})"


def mark(key: str) -> Path:
    """Write ``key`` into the installed mmcv's folder (`MARKER`)."""
    import importlib.util

    spec = importlib.util.find_spec("mmcv")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("mmcv is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / MARKER
    path.write_text(key + "\n", encoding="ascii")
    return path


def cxx_standard(aten_header: str) -> str:
    """The C++ standard torch's headers need: ``c++20`` when ``ATen.h`` requires it (torch >= 2.10), else
    ``c++17``."""
    return "c++20" if "C++20 or later" in aten_header else "c++17"


def patch_source(source: Path, standard: str) -> int:
    """Rewrite the ``-std=c++14`` / ``-std=c++17`` flags of mmcv's ``setup.py`` under ``source`` to ``standard``
    (mmcv 2.1.0 hard-codes them, and torch's newer headers refuse an older standard); returns how many."""
    setup = source / "setup.py"
    text = setup.read_text(encoding="utf-8")
    patched, count = re.subn(r"([-/])std[=:]c\+\+1[47]", lambda m: f"{m.group(1)}std{'=' if m.group(1) == '-' else ':'}"
                             f"{standard}", text)
    setup.write_text(patched, encoding="utf-8")
    return count


def _aten_header() -> str:
    import torch

    header = Path(torch.__file__).parent / "include" / "ATen" / "ATen.h"
    return header.read_text(encoding="utf-8", errors="replace") if header.is_file() else ""


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    try:
        wanted = plan()
    except ValueError as exc:
        print(f"tools/mmcv_build.py: {exc}", file=sys.stderr)
        return 2
    if command == "plan":
        for name, value in wanted.items():
            print(f"{name}={shlex.quote(value)}")
        return 0
    if command == "installed":
        ok, why = installed_matches(wanted)
        print(why, file=sys.stderr)
        return 0 if ok else 1
    if command == "patch" and len(argv) == 2:
        standard = cxx_standard(_aten_header())
        count = patch_source(Path(argv[1]), standard)
        print(f"mmcv's setup.py: {count} C++ standard flag(s) set to {standard}", file=sys.stderr)
        return 0
    if command == "mark":
        print(f"marked {mark(wanted['MMCV_KEY'])}", file=sys.stderr)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Before any model runs: prove in seconds that mmcv's compiled ops work on the device.

`check_ops` checks what every detector needs and what a wrong build breaks only at a model's first
``test_step`` (after its checkpoint was downloaded): mmcv's ops load beside this torch; on CUDA, mmcv was
compiled with CUDA (``mmcv.ops.get_compiling_cuda_version()``) of the same major version as torch's, torch
has kernels for the GPU's compute capability; then a convolution (cuDNN), ``nms`` and ``RoIAlign`` run
on the device and give the known answers. Each failure is one `OpsUnavailable` naming the fix, most often
``FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST=<this GPU> bash tools/setup.sh verify`` (which rebuilds mmcv).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import metadata

from zoogen.verify.device import Device, load_torch

__all__ = ["OpsReport", "OpsUnavailable", "arch_of", "check_ops", "mmcv_cuda_version", "rebuild_command"]

#: RoIAlign(output 2x2, spatial_scale 1, sampling_ratio 2, aligned) of the 4x4 ramp 4*y + x over the
#: whole image: bilinear sampling is exact on a linear ramp, so each bin is the ramp at its centre - 0.5.
ROI_ALIGN_EXPECTED = [[2.5, 4.5], [10.5, 12.5]]
NMS_EXPECTED = [0, 2]  # boxes 0 and 1 overlap (IoU 0.81), box 2 stands apart
_NOT_AVAILABLE = ("", "not available", "none")


class OpsUnavailable(RuntimeError):
    """mmcv's compiled ops do not work on the device; the message names the fix."""


@dataclass(frozen=True)
class OpsReport:
    """What the check found: mmcv's version, the CUDA it was compiled with (None: none), the seconds it took."""

    mmcv: str | None
    mmcv_cuda: str | None
    seconds: float


def arch_of(device: Device) -> str | None:
    """The GPU's compute capability as TORCH_CUDA_ARCH_LIST spells it (``"8.0"``); None on the CPU (or
    when torch cannot tell)."""
    if not device.is_cuda:
        return None
    import torch

    try:
        major, minor = torch.cuda.get_device_capability(device.index)
    except Exception:
        return None
    return f"{major}.{minor}"


def rebuild_command(arch: str | None, cuda: bool = True) -> str:
    """The command that rebuilds mmcv (with CUDA ops for ``arch`` when ``cuda``; tools/setup.sh keys its
    wheel cache by torch, CUDA, architectures and Python, so it rebuilds only what differs)."""
    if not cuda:
        return "bash tools/setup.sh verify"
    arch_list = f"{arch}+PTX" if arch else "7.0;7.5;8.0;8.6;8.9;9.0+PTX"
    return f'FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="{arch_list}" bash tools/setup.sh verify'


def mmcv_cuda_version() -> str | None:
    """The CUDA version mmcv's ops were compiled with (``mmcv.ops.get_compiling_cuda_version()``); None
    for a CPU-only build or when mmcv's ops do not load."""
    try:
        from mmcv.ops import get_compiling_cuda_version

        version = str(get_compiling_cuda_version()).strip()
    except Exception:
        return None
    return None if version.lower() in _NOT_AVAILABLE else version


def _major(version: str | None) -> int | None:
    match = re.match(r"\s*(\d+)", version or "")
    return int(match.group(1)) if match else None


def _mmcv_version() -> str | None:
    for dist in ("mmcv", "mmcv-full"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def _has_kernels_for(arch_list: list[str], major: int, minor: int) -> bool:
    """Whether torch's ``get_arch_list()`` runs on capability ``major.minor``: a cubin ``sm_XY`` of the same
    major and no higher minor, or PTX ``compute_XY`` at or below it (JIT-compiled)."""
    for arch in arch_list:
        match = re.fullmatch(r"(sm|compute)_(\d+)(\d)[a-z]?", arch)
        if not match:
            continue
        kind, a_major, a_minor = match.group(1), int(match.group(2)), int(match.group(3))
        if kind == "sm" and a_major == major and a_minor <= minor:
            return True
        if kind == "compute" and (a_major, a_minor) <= (major, minor):
            return True
    return False


def _run_ops(device: Device) -> None:
    """A convolution, nms and RoIAlign on ``device``, checked against their known results."""
    import torch
    import torch.nn.functional as F
    from mmcv.ops import RoIAlign, nms

    where = device.torch_device
    conv = F.conv2d(torch.ones(1, 1, 3, 3, device=where), torch.ones(1, 1, 3, 3, device=where))
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], dtype=torch.float32, device=where)
    _, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7], device=where), 0.5)
    ramp = (torch.arange(4.0).view(1, 4) + 4 * torch.arange(4.0).view(4, 1)).view(1, 1, 4, 4).to(where)
    rois = torch.tensor([[0.0, 0.0, 0.0, 4.0, 4.0]], device=where)
    pooled = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2, aligned=True)(ramp, rois)
    device.synchronize()
    problems = []
    if float(conv.item()) != 9.0:
        problems.append(f"a 3x3 convolution of ones gave {conv.item()} instead of 9")
    if sorted(keep.tolist()) != NMS_EXPECTED:
        problems.append(f"nms kept {keep.tolist()} instead of {NMS_EXPECTED}")
    got = [[round(float(v), 4) for v in row] for row in pooled.view(2, 2).tolist()]
    if got != ROI_ALIGN_EXPECTED:
        problems.append(f"RoIAlign gave {got} instead of {ROI_ALIGN_EXPECTED}")
    if problems:
        raise RuntimeError("; ".join(problems))


def check_ops(device: Device) -> OpsReport:
    """Prove mmcv's compiled ops on ``device`` (see the module doc); raise `OpsUnavailable` with the fix."""
    started = time.perf_counter()
    torch = load_torch()
    arch = arch_of(device)
    fix = rebuild_command(arch, device.is_cuda)
    version = _mmcv_version()
    try:
        import mmcv.ops  # noqa: F401  (loads mmcv._ext, the compiled ops)
    except ModuleNotFoundError as exc:
        if exc.name in ("mmcv", "mmcv.ops"):
            raise OpsUnavailable(f"mmcv is not installed: {fix}") from None
        raise OpsUnavailable(_load_message(version, torch.__version__, exc, fix)) from None
    except Exception as exc:  # ImportError (undefined symbol: built against another torch), OSError
        raise OpsUnavailable(_load_message(version, torch.__version__, exc, fix)) from None
    compiled = mmcv_cuda_version()
    if device.is_cuda:
        if compiled is None:
            raise OpsUnavailable(
                f"mmcv {version} was built without CUDA ops (mmcv.ops.get_compiling_cuda_version() says "
                f"'not available'): every model would fail at its first step with 'nms_impl: implementation "
                f"for device {device.torch_device} not found'. Rebuild it for this GPU: {fix}"
            )
        if _major(compiled) != _major(torch.version.cuda):
            raise OpsUnavailable(
                f"mmcv {version} was compiled with CUDA {compiled} but torch {torch.__version__} is built for "
                f"CUDA {torch.version.cuda}: rebuild mmcv with a CUDA {_major(torch.version.cuda)}.x toolkit "
                f"(nvcc) against this torch: {fix}"
            )
        arch_list = list(torch.cuda.get_arch_list())
        capability = tuple(int(n) for n in arch.split(".")) if arch else None
        if capability and arch_list and not _has_kernels_for(arch_list, *capability):
            raise OpsUnavailable(
                f"torch {torch.__version__} has no kernels for {device.name} (compute capability {arch}; torch "
                f"was built for {' '.join(arch_list)}): install a torch build that supports this GPU"
            )
    try:
        _run_ops(device)
    except Exception as exc:
        raise OpsUnavailable(_op_failure(device, exc, arch, fix)) from None
    return OpsReport(mmcv=version, mmcv_cuda=compiled, seconds=time.perf_counter() - started)


def _load_message(version: str | None, torch_version: str, exc: BaseException, fix: str) -> str:
    text = " ".join(str(exc).split())[:300]
    return (f"mmcv {version or ''}'s compiled ops do not load beside torch {torch_version} "
            f"({type(exc).__name__}: {text}): mmcv was built against another torch (or without its ops). "
            f"Rebuild it against this torch: {fix}").replace("mmcv 's", "mmcv's")


def _op_failure(device: Device, exc: BaseException, arch: str | None, fix: str) -> str:
    text = " ".join(str(exc).split())[:300]
    where = f"on {device.name} ({device.torch_device}" + (f", compute capability {arch})" if arch else ")")
    if "no kernel image" in text or "invalid device function" in text:
        return (f"mmcv's CUDA ops have no kernels for this GPU {where}: {text}. Rebuild mmcv for its "
                f"architecture: {fix}")
    if ("not found" in text and "impl" in text) or "not compiled with GPU support" in text:
        return f"mmcv was built without CUDA ops ({text}). Rebuild it for this GPU: {fix}"
    return f"the check of mmcv's ops {where} failed: {type(exc).__name__}: {text}. If mmcv was built for " \
           f"another GPU or torch, rebuild it: {fix}"


def main(argv: list[str] | None = None) -> int:
    """``python -m zoogen.verify.preflight [--device auto|cpu|cuda:N]``: the check alone (tools/setup.sh
    ends with it). ``auto``: CUDA device 0 when torch sees one, else the CPU. Exit 1 with the fix."""
    import argparse
    import sys

    from zoogen.verify.device import DeviceUnavailable, resolve_device

    parser = argparse.ArgumentParser(prog="python -m zoogen.verify.preflight", description=main.__doc__)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    args = parser.parse_args(argv)
    try:
        spec = args.device
        if spec == "auto":
            torch = load_torch()
            spec = "cuda:0" if torch.version.cuda and torch.cuda.is_available() else "cpu"
        device = resolve_device(False, spec)
        report = check_ops(device)
    except (DeviceUnavailable, OpsUnavailable, ValueError) as exc:
        print(f"mmcv op check: {exc}", file=sys.stderr)
        return 1
    built = f"compiled with CUDA {report.mmcv_cuda}" if report.mmcv_cuda else "compiled without CUDA"
    arch = arch_of(device)
    where = f"{device.name} ({device.torch_device}" + (f", compute capability {arch})" if arch else ")")
    print(f"mmcv {report.mmcv} ops ({built}): convolution, nms and RoIAlign correct on {where} "
          f"in {report.seconds:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The conditions of each verification, for the report: evaluator, versions, hardware, protocol, speed.

Only what the record holds is shown; a field an older record lacks shows a dash. Fields that newer
records may add (``compute_capability``, ``library``...) are read when present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zoogen.meta.registry import Registry
from zoogen.meta.schema import Model
from zoogen.records import VerificationRecord
from zoogen.render import markup
from zoogen.render.names import Names
from zoogen.render.tables import Table

LIBRARIES = ("mmdet", "mmpretrain", "mmseg", "mmpose", "mmocr", "mmrotate", "mmtrack", "mmaction")
HEADERS = ("Model", "Evaluator", "Versions", "Hardware", "Batch size", "Precision", "Images", "Date",
           "Speed (mean ± sd)", "Protocol")


def _field(obj: object, name: str) -> str | None:
    value = getattr(obj, name, None)
    return None if value in (None, "") else str(value)


def evaluator(record: VerificationRecord, registry: Registry) -> str:
    """``mmpretrain 1.2.0: accuracy/top1, accuracy/top5`` (the library, its version and the evaluator's keys)."""
    env = record.environment
    library = _field(env, "library")
    version = _field(env, "library_version") or (_field(env, library) if library else None)
    if library is None:
        library = next((name for name in LIBRARIES if _field(env, name)), None)
        version = _field(env, library) if library else None
    keys = []
    for check in record.metrics:
        info = registry.metric(check.metric, check.task, check.dataset)
        key = getattr(check, "key", None) or (info.evaluator if info and info.evaluator else None) or check.metric
        if key not in keys:
            keys.append(key)
    who = " ".join(part for part in (library, version) if part) or "-"
    return f"{who}: {', '.join(keys)}" if keys else who


def versions(record: VerificationRecord) -> str:
    """``torch 2.13.0, CUDA 12.1, cuDNN 8.9.2, mmcv 2.1.0, mmengine 0.10.7, mmdet 3.3.0`` (CUDA only where used)."""
    env = record.environment
    on_cuda = (env.device or "").startswith("cuda")
    mmcv_cuda = _field(env, "mmcv_cuda") if on_cuda else None  # the CUDA mmcv's ops were compiled with
    mmcv = f"{env.mmcv} (ops: CUDA {mmcv_cuda})" if env.mmcv and mmcv_cuda else env.mmcv
    parts = [("torch", env.torch), ("CUDA", env.cuda if on_cuda else None),
             ("cuDNN", env.cudnn if on_cuda else None), ("mmcv", mmcv), ("mmengine", env.mmengine)]
    parts += [(name, _field(env, name)) for name in LIBRARIES]
    library = _field(env, "library")
    if library and library not in dict(parts):  # the library whose evaluator ran (mmsegmentation 1.2.2)
        parts.append((library, _field(env, "library_version")))
    return ", ".join(f"{name} {version}" for name, version in parts if version) or "-"


def hardware(record: VerificationRecord) -> str:
    """The GPU's (or CPU's) name, with its compute capability and driver when recorded."""
    env = record.environment
    name = env.device_name or env.cpu or env.device or "-"
    extra = []
    if _field(env, "compute_capability"):
        extra.append(f"compute capability {_field(env, 'compute_capability')}")
    memory = _field(env, "device_memory_mb")
    if memory and memory.isdigit():
        extra.append(f"{int(memory) / 1024:.0f} GiB")
    if env.driver and (env.device or "").startswith("cuda"):
        extra.append(f"driver {env.driver}")
    return f"{name} ({', '.join(extra)})" if extra else name


def speed(record: VerificationRecord) -> str:
    """``48.8 ± 1.1 ms/image (20.5 fps, 2000 images)``."""
    check = record.speed
    if check is None or check.ms_per_image is None:
        return "-"
    text = f"{check.ms_per_image:.1f}"
    if check.ms_std is not None:
        text += f" ± {check.ms_std:.1f}"
    text += " ms/image"
    candidates = [f"{check.fps:.1f} fps" if check.fps is not None else "",
                  f"{check.images} images" if check.images else "", "fused conv-bn" if check.fused else ""]
    details = [d for d in candidates if d]
    return f"{text} ({', '.join(details)})" if details else text


def conditions_table(models: Sequence[Model], newest: Mapping[str, VerificationRecord], names: Names,
                     registry: Registry) -> Table | None:
    """One row per model with an evaluated record (None when there is none)."""
    rows = []
    for model in models:
        record = newest.get(model.name)
        if record is None or not record.evaluated:
            continue
        check = record.speed
        cells = [model.name, evaluator(record, registry), versions(record), hardware(record),
                 str(check.batch_size) if check and check.batch_size else "-",
                 str(getattr(check, "precision", None) or "-").upper() if check else "-",
                 str(record.images) if record.images else "-", (record.environment.date or "-")[:10],
                 speed(record), (check.protocol or "-") if check else "-"]
        rows.append([markup.escape(cell) for cell in cells])
    if not rows:
        return None
    return Table([names.gettext(h) for h in HEADERS], rows)

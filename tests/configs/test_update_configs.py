"""tools/update_configs.py over a small zoo and the installed MMDetection's configs and metafiles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "update_configs.py"
WEIGHTS = ("https://download.openmmlab.com/mmdetection/v2.0/regnet/mask_rcnn_regnetx-1.6GF_fpn_mstrain-poly_3x_coco/"
           "mask_rcnn_regnetx-1_20210602_210641-6764cff5.pth")
METAFILE = f"""Models:
  - Name: by_weights
    Config: configs/regnet/some_local_name.py   # a name no rule knows; MMDetection's metafile has the weights
    Results:
      - {{Task: Object Detection, Dataset: COCO, Metrics: {{box AP: 40.4}}}}
    Weights: {WEIGHTS}
  - Name: by_rules
    Config: configs/faster_rcnn/faster_rcnn_r50_caffe_fpn_mstrain_3x_coco.py
    Results:
      - {{Task: Object Detection, Dataset: COCO, Metrics: {{box AP: 39.7}}}}
  - Name: already_right
    Config: configs/retinanet/retinanet_r50_fpn_1x_coco.py
    Results:
      - {{Task: Object Detection, Dataset: COCO, Metrics: {{box AP: 36.5}}}}
  - Name: gone
    Config: configs/yolo/yolov3_d53_no_such_schedule_coco.py
    Results:
      - {{Task: Object Detection, Dataset: COCO, Metrics: {{box AP: 27.9}}}}
"""


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True)


def test_update_configs_reports_then_writes(configs: Path, tmp_path: Path) -> None:
    zoo = tmp_path / "zoo"
    (zoo / "m").mkdir(parents=True)
    (zoo / "model-index.yml").write_text("Import:\n  - m/metafile.yml\n", encoding="utf-8")
    metafile = zoo / "m" / "metafile.yml"
    metafile.write_text(METAFILE, encoding="utf-8")

    shown = run_tool(str(zoo), "--configs-root", str(configs))
    assert shown.returncode == 1, shown.stderr  # one model is left without a config
    assert metafile.read_text(encoding="utf-8") == METAFILE  # nothing written without --write
    assert "metafile.yml:16: gone: configs/yolo/yolov3_d53_no_such_schedule_coco.py" in shown.stderr
    assert "Traceback" not in shown.stderr
    assert "4 configs: " in shown.stdout and "pass --write" in shown.stdout

    written = run_tool(str(zoo), "--configs-root", str(configs), "--write")
    assert written.returncode == 1
    expected = (METAFILE
                .replace("configs/regnet/some_local_name.py",
                         "configs/regnet/mask-rcnn_regnetx-1.6GF_fpn_ms-poly-3x_coco.py")
                .replace("configs/faster_rcnn/faster_rcnn_r50_caffe_fpn_mstrain_3x_coco.py",
                         "configs/faster_rcnn/faster-rcnn_r50-caffe_fpn_ms-3x_coco.py"))
    assert metafile.read_text(encoding="utf-8") == expected
    assert [p.name for p in metafile.parent.iterdir()] == ["metafile.yml"]  # no temporary file left
    assert "1 same weights in MMDetection's metafiles" in written.stdout

"""A valid metafile that the tests break in one place at a time."""

import pytest

GOOD = """
Collections:
  - Name: Faster R-CNN
    Metadata:
      Training Data: COCO
      Training Techniques: [SGD with Momentum]
    Paper:
      URL: https://arxiv.org/abs/1506.01497
      Title: "Faster R-CNN: Towards Real-Time
        Object Detection with Region Proposal Networks"
    README: configs/faster_rcnn/README.md
Models:
  - Name: faster_rcnn_r50_fpn_1x_coco
    In Collection: Faster R-CNN
    Config: configs/faster_rcnn/faster_rcnn_r50_fpn_1x_coco.py
    Metadata:
      Training Memory (GB): 4.0
      Epochs: 12
      inference time (ms/im):
        - value: 46.95
          hardware: V100
          backend: PyTorch
          batch size: 1
          mode: FP32
          resolution: (800, 1333)
    Results:
      - Task: Object Detection
        Dataset: COCO
        Metrics:
          box AP: 37.4
    Weights: https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/x/faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth
"""


@pytest.fixture
def good() -> str:
    return GOOD

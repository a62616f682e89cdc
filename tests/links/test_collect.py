"""Which URLs a zoo publishes, and where each is used."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from zoogen.links.collect import collect_links, markdown_links, mirror_urls
from zoogen.meta import load_zoo

ZOO_YML = """\
title: Demo
intro: Read the [guide](https://docs.example.org/guide) or <https://docs.example.org/auto>.
config_base_url: https://github.com/org/repo/blob/main/
links:
  bench: https://github.com/org/repo/blob/main/tools/bench.py
mirrors:
  - primary: https://download.example.com/models
    mirror: https://mirror.example.cn/models
sections:
  - title: Settings
    body: "- Models from [torchvision](https://pytorch.org/vision). See [bench][bench]."
    table:
      columns: [name, source]
      rows:
        - {name: R-50, source: "[weights](https://example.com/r50.pth)"}
"""


def test_every_published_url_with_its_places(make_zoo: Callable[..., Path]) -> None:
    root = make_zoo({"m1": "https://download.example.com/models/m1-0123abcd.pth",
                     "m2": "https://other.example.com/m2.pth"}, ZOO_YML)
    metafile = root / "demo" / "metafile.yml"
    metafile.write_text(metafile.read_text().replace("  - Name: Demo\n", textwrap.dedent("""\
          - Name: Demo
            Paper:
              URL: https://arxiv.org/abs/1506.01497
              Title: Faster R-CNN
            Code:
              URL: https://github.com/org/repo/blob/main/demo.py
            README: configs/demo/README.md
        """)))
    loaded = load_zoo(root)
    assert not loaded.errors, loaded.errors
    targets = {t.url: t for t in collect_links(loaded.zoo)}
    weights = targets["https://download.example.com/models/m1-0123abcd.pth"]
    assert weights.checkpoint and weights.where == ["model m1: Weights"]
    mirror = targets["https://mirror.example.cn/models/m1-0123abcd.pth"]
    assert mirror.checkpoint and mirror.mirror_of == weights.url and mirror.where == ["model m1: Weights (mirror)"]
    assert not any("mirror.example.cn/m2" in url for url in targets)  # m2 is not under the primary prefix
    config = targets["https://github.com/org/repo/blob/main/configs/demo/m2.py"]
    assert config.where == ["model m2: Config"] and not config.checkpoint
    paper = targets["https://arxiv.org/abs/1506.01497"]
    assert paper.where == ["collection Demo: Paper", "model m1: Paper", "model m2: Paper"]
    assert "https://github.com/org/repo/blob/main/configs/demo/README.md" in targets
    assert targets["https://github.com/org/repo/blob/main/tools/bench.py"].where == ["zoo.yml: links.bench"]
    assert targets["https://pytorch.org/vision"].where == ["zoo.yml: sections/Settings"]
    assert targets["https://example.com/r50.pth"].where == ["zoo.yml: sections/Settings (table)"]
    assert {"https://docs.example.org/guide", "https://docs.example.org/auto"} <= set(targets)


def test_markdown_links_reads_links_not_code() -> None:
    text = "[a](https://a.org/x) `https://code.org/y` [b](mailto:x@y.org) <https://c.org> [r][ref]\n\n[ref]: https://r.org"
    assert markdown_links(text) == ["https://a.org/x", "https://c.org", "https://r.org"]


def test_mirror_urls() -> None:
    mirrors = [("https://s3.example.com/open-mmlab", "https://oss.example.cn/open-mmlab")]
    assert mirror_urls("https://s3.example.com/open-mmlab/a/b.pth", mirrors) == ["https://oss.example.cn/open-mmlab/a/b.pth"]
    assert mirror_urls("https://elsewhere.org/a.pth", mirrors) == []

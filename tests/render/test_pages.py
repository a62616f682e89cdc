"""Zoo -> MyST: columns, derivation rules, every result shown, escaping of metafile text."""

from __future__ import annotations

import re

from zoogen.meta import load_zoo
from zoogen.render import render_pages


def render(make_zoo, text: str):
    loaded = load_zoo(make_zoo({"evil/metafile.yml": text}))
    assert loaded.errors == []
    return render_pages(loaded.zoo).pages


def test_markup_from_metafiles_is_escaped(make_zoo, hostile_metafile):
    pages = render(make_zoo, hostile_metafile)
    for name, page in pages.items():
        for tag in ("<script>", "<img", "<b>", "<i>"):
            assert re.search(rf"(?<!\\){tag}", page) is None, (name, tag)
        assert re.search(r"(?<!\\)\]\(javascript", page) is None, name
    method = pages["methods/evil"]
    assert "# Evil \\| \\<script\\>alert('c')\\</script\\>" in method
    assert "net\\|\\<script\\>alert('m')\\</script\\>" in pages["models"]


def test_every_result_is_shown_grouped_by_dataset(make_zoo, hostile_metafile):
    method = render(make_zoo, hostile_metafile)["methods/evil"]
    assert "## Object Detection on COCO" in method
    assert "## Object Detection on LVIS v1" in method
    coco, lvis = method.split("## Object Detection on LVIS v1")
    assert "40.1" in coco and "41.0" in coco and "22.5" not in coco
    assert "22.5" in lvis and "9.9" in lvis and "41.0" not in lvis


def test_columns_derivation_and_dropping(make_zoo, hostile_metafile):
    method = render(make_zoo, hostile_metafile)["methods/evil"]
    coco = method.split("## Object Detection on COCO")[1].split("##")[0]
    header = next(line for line in coco.splitlines() if line.startswith("| Model"))
    # the model's name first; Mem and Inf time have no value in any row: dropped
    assert header == "| Model | Backbone | Style | Lr schd | box AP | Config | Download |"
    rows = [re.sub(r"\{zoo-anchor\}`[^`]*`", "", line)  # row anchors for the plots
            for line in coco.splitlines() if line.startswith("| ") and line != header][1:]
    assert rows[0].startswith("| net\\|\\<script\\>")
    assert "\\_r50\\_fpn\\_1x\\_coco | \\<b\\>R-50\\</b\\> | pytorch | 1x | 40.1 |" in rows[0]  # explicit Backbone wins
    assert rows[1].startswith("| plain\\_r101\\_caffe\\_fpn\\_2x\\_coco | R-101 | caffe | 2x | 41.0 |")  # derived


def test_log_link_only_where_given(make_zoo, hostile_metafile):
    method = render(make_zoo, hostile_metafile)["methods/evil"]
    first, second = [line for line in method.splitlines() if "coco.py" in line][:2]
    assert "[log](https://example.com/net.log.json)" in first
    assert "[log]" not in second and "[model]" not in second


def test_config_link_uses_the_zoo_base_url(make_zoo, hostile_metafile):
    zoo = make_zoo({"evil/metafile.yml": hostile_metafile}, zoo_yml="config_base_url: https://github.com/o/r/blob/main/\n")
    pages = render_pages(load_zoo(zoo).zoo).pages
    assert "[config](https://github.com/o/r/blob/main/configs/evil/plain_r101_caffe_fpn_2x_coco.py)" in (
        pages["methods/evil"])


def test_statistics_are_computed_from_the_model(make_zoo, hostile_metafile):
    stats = render(make_zoo, hostile_metafile)["statistics"]
    assert "| Models | 2 |" in stats and "| Checkpoints | 1 |" in stats and "| Papers | 1 |" in stats
    assert "| Object Detection | COCO | 2 |" in stats and "| Object Detection | LVIS v1 | 1 |" in stats


def test_bundled_overview_lists_every_method_in_order(root):
    loaded = load_zoo(root / "zoo_meta")
    index = render_pages(loaded.zoo).pages["index"]
    positions = [index.index(f"({'methods'}/{m.id}.md)") for m in loaded.zoo.methods]
    assert positions == sorted(positions)
    assert "http" not in "".join(line for line in index.splitlines() if not line.startswith(("[", "|")))

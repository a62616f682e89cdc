"""The SVG of a plot: real text in the page's language, a title and a row link per point, no script."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from zoogen.plots import overview_plots
from zoogen.plots.anchors import row_anchor
from zoogen.plots.svg import render_figure, render_svg
from zoogen.plots.words import Words

SVG = "{http://www.w3.org/2000/svg}"


def _link(point) -> str:
    return f"methods/{point.method}.html#{row_anchor(point.model, 'COCO')}"


def _texts(root: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def test_chinese_svg_keeps_text_as_text(tiny_zoo, tiny_records):
    [plot] = overview_plots(tiny_zoo, tiny_records)
    svg = render_svg(plot, Words("zh_CN"), _link)
    root = ET.fromstring(svg)
    texts = _texts(root)
    assert "推理速度 (fps)" in texts and "帕累托前沿" in texts and "已复现验证" in texts  # axis and legend
    assert "Alpha R-CNN" in texts and "Beta Net" in texts  # methods in the legend
    assert "Noto Sans CJK SC" in svg and "Microsoft YaHei" in svg  # CJK font stack
    assert "DejaVuSans-" not in svg  # glyphs are not drawn as paths
    assert root.find(f".//{SVG}script") is None and "<script" not in svg and "http" not in svg.split(">", 1)[1]


def test_every_point_has_a_tooltip_and_links_to_its_row(tiny_zoo, tiny_records):
    [plot] = overview_plots(tiny_zoo, tiny_records)
    root = ET.fromstring(render_svg(plot, Words("en"), _link))
    links = [a for a in root.iter(f"{SVG}a")]
    assert len(links) == len(plot.points) == 4
    names = {m.name for m in tiny_zoo.models}
    for link in links:
        title = link.find(f"{SVG}title").text
        model = title.splitlines()[0]
        assert model in names
        assert link.get("href") == f"methods/{model.split('_')[0]}.html#" + row_anchor(model, "COCO")
        assert link.get("target") is None
    verified = next(a.find(f"{SVG}title").text for a in links if "alpha_r50" in a.find(f"{SVG}title").text)
    assert verified.splitlines()[1:] == ["Alpha R-CNN", "box AP: 37.4", "20.0 fps (50.0 ms/img), 800x1333",
                                        "verified 37.38"]


def test_caption_names_hardware_and_protocol_in_both_languages(tiny_zoo, tiny_records):
    [plot] = overview_plots(tiny_zoo, tiny_records)
    english = render_figure(plot, Words("en"), _link)
    chinese = render_figure(plot, Words("zh_CN"), _link)
    assert "Published speeds, measured on V100 (PyTorch, batch size 1, FP32, 4 models)." in english
    assert "发布的速度，在 V100 上测得（PyTorch，批大小 1，FP32，4 个模型）。" in chinese
    assert "box AP 与推理速度：COCO 上的目标检测" in chinese


def test_ids_are_unique_across_plots_on_one_page(tiny_zoo, tiny_records):
    [plot] = overview_plots(tiny_zoo, tiny_records)
    other = type(plot)(**{**plot.__dict__, "task": "Instance Segmentation"})
    ids = []
    for each in (plot, other):
        root = ET.fromstring(render_svg(each, Words("en"), _link))
        ids += [element.get("id") for element in root.iter() if element.get("id")]
        for element in root.iter():  # every internal reference points into the same SVG
            for value in element.attrib.values():
                if value.startswith("#"):
                    assert value[1:] in {e.get("id") for e in root.iter()}
    assert len(ids) == len(set(ids)) > 20


def test_model_names_are_escaped(tiny_zoo, tiny_records):
    [plot] = overview_plots(tiny_zoo, tiny_records)
    plot.points[0] = type(plot.points[0])(**{**plot.points[0].__dict__, "model": '<script>x</script>&"'})
    svg = render_svg(plot, Words("en"), lambda p: 'x.html#a"><script>')
    assert "<script" not in svg
    root = ET.fromstring(svg)  # still well-formed
    assert {a.get("href") for a in root.iter(f"{SVG}a")} == {'x.html#a"><script>'}  # an attribute value, escaped
    assert any(t.text.startswith('<script>x</script>&"') for t in root.iter(f"{SVG}title"))


def test_points_are_focusable_links_of_their_own_not_inside_an_image(tiny_zoo, tiny_records):
    [plot] = overview_plots(tiny_zoo, tiny_records)
    root = ET.fromstring(render_svg(plot, Words("en"), _link))
    assert root.get("role") == "group" and root.get("aria-label")  # a labelled group, never role="img"
    assert not [e for e in root.iter() if e.get("role") == "img"]
    for link in root.iter(f"{SVG}a"):
        assert link.get("href") and link.get("tabindex") != "-1"  # an SVG link with href is in the tab order
        assert link[0].tag == f"{SVG}title" and link[0].text  # its accessible name

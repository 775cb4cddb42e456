"""A sentence-transformers model run by ONNX Runtime: the same vectors, several times faster per query.

The first use exports the model to ONNX (torch + onnx, from the local model files,
nothing downloaded) into ``cache_dir``; later processes load that file. The export
is keyed by the model's files, so a changed model gets a new export. Only models made
of a transformer, a pooling layer and normalisation (all-MiniLM-L6-v2, e5...) run
here; anything with extra layers stays on ``type: sentence-transformers``.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from kb_index.encoders.base import TextKind
from kb_index.encoders.sentence_transformers import model_path
from kb_index.settings import REPO_ROOT

SUPPORTED_MODULES = {"sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"}
NORMALIZE = "sentence_transformers.models.Normalize"
TOKEN_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


def pooling_mode(source: Path) -> str:
    """'mean' or 'cls', read from the model's sentence-transformers layout; other layouts are refused."""
    modules = json.loads((source / "modules.json").read_text(encoding="utf-8"))
    extra = {m["type"] for m in modules} - SUPPORTED_MODULES - {NORMALIZE}
    if extra:
        raise ValueError(f"{source}: layers {sorted(extra)} cannot run on ONNX here; use type: sentence-transformers")
    pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    pooling = json.loads((source / pooling_dir / "config.json").read_text(encoding="utf-8"))
    chosen = [key for key, on in pooling.items() if key.startswith("pooling_mode_") and on is True]
    if len(chosen) != 1 or chosen[0] not in POOLING_MODES:
        raise ValueError(f"{source}: pooling {chosen} is not supported on ONNX (mean or cls only)")
    return POOLING_MODES[chosen[0]]


def batch_tokenizer(source: Path) -> Tokenizer:
    """The model's fast tokenizer, cut at the window sentence-transformers uses, padded to the batch's longest text.

    The ``tokenizers`` library alone: loading transformers would import torch, doubling start-up time and memory.
    """
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    config = json.loads((source / "tokenizer_config.json").read_text(encoding="utf-8"))
    bert_config = source / "sentence_bert_config.json"
    window = json.loads(bert_config.read_text(encoding="utf-8")).get("max_seq_length") if bert_config.exists() else None
    tokenizer.enable_truncation(max_length=window or int(config.get("model_max_length", 512)))
    pad = config.get("pad_token", "[PAD]")
    pad = pad["content"] if isinstance(pad, dict) else pad
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad), pad_token=pad)
    return tokenizer


def write_once(target: Path, write: Callable[[Path], None]) -> Path:
    """``target``, written by ``write`` unless it exists. Processes starting together each write their own
    temporary file and rename it into place, so none reads a half-written file."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        write(partial)
        os.replace(partial, target)
    return target


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mean of each text's token vectors, padding left out."""
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)


def exported_model(source: Path, cache_dir: Path) -> Path:
    """The model as an ONNX file, exported on first use. Processes starting together each
    export to their own temporary file and rename it into place, so none reads a half-written file."""
    digest = hashlib.sha256()
    for file in sorted(p for p in source.iterdir() if p.is_file()):
        digest.update(file.name.encode() + file.read_bytes())
    return write_once(cache_dir / f"{digest.hexdigest()[:20]}.onnx", lambda partial: _export(source, partial))


def _export(source: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(source).eval()
    sample = AutoTokenizer.from_pretrained(source)(["an example question"], return_tensors="pt")
    names = [name for name in TOKEN_INPUTS if name in sample]

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():  # the tracer's notes about Python control flow are expected
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            tuple(sample[name] for name in names),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


class OnnxEncoder:
    """Encoder backed by ONNX Runtime on the CPU, for a sentence-transformers model."""

    def __init__(
        self,
        model: str,
        cache_dir: str = "var/encoders",
        batch_size: int = 2,  # on 2 CPU cores padding costs more than batching saves: 64 was 20 % slower, 3x the memory
        max_chars: int = 2000,
        query_prefix: str = "",
        passage_prefix: str = "",
        near_duplicate: float = 0.9,
        threads: int | None = None,
    ):
        import onnxruntime

        source = Path(model_path(model))
        if not (source / "modules.json").is_file():
            raise ValueError(f"type: onnx needs a packaged model or a local sentence-transformers folder; {model!r} is neither")
        self._pooling = pooling_mode(source)
        self._tokenizer = batch_tokenizer(source)
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.onnx_file = exported_model(source, REPO_ROOT / cache_dir)
        self._session = onnxruntime.InferenceSession(str(self.onnx_file), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.name = f"onnx:{model}"
        self.dimension = int(self._session.get_outputs()[0].shape[-1])
        self.near_duplicate = near_duplicate
        self._batch_size = batch_size
        self._max_chars = max_chars  # as for sentence-transformers: bound the tokenizer's work
        self._prefixes = {"query": query_prefix, "passage": passage_prefix}

    def encode(self, texts: Sequence[str], *, kind: TextKind) -> np.ndarray:
        prefix = self._prefixes[kind]
        prepared = [prefix + text[: self._max_chars] for text in texts]
        vectors = np.zeros((len(prepared), self.dimension), dtype=np.float32)
        # Texts of similar length share a batch, so little of it is padding.
        order = np.argsort([len(text) for text in prepared], kind="stable")
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            vectors[batch] = self._encode_batch([prepared[i] for i in batch])
        return vectors

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        tokens = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        hidden = self._session.run(None, {name: tokens[name] for name in self._inputs})[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            pooled = mean_pool(hidden, tokens["attention_mask"])
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

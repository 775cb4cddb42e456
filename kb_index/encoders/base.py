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
    # Cosine at which two questions say the same thing. Models differ: e5 puts
    # unrelated shop questions at 0.85, MiniLM at 0.3 (lint and self-calibration use it).
    near_duplicate: float

    def encode(self, texts: Sequence[str], *, kind: TextKind) -> np.ndarray:
        """Encode ``texts`` (shopper queries or KB passages) into a (n, dimension) array."""
        ...

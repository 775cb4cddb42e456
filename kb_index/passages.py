"""Splitting a long help-centre article into passages a question can match.

An embedding of a whole page blurs every topic on it; a few sentences at a
time keep each one findable. Sentences come from spaCy's rule-based
sentencizer on a blank multilingual pipeline: no model to download, and it
works for every language the KB may hold.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Up to this length an answer stays one passage (every demo article does, so
# their scores do not change); longer ones are cut into ~PASSAGE_CHARS pieces.
SINGLE_PASSAGE_CHARS = 800
PASSAGE_CHARS = 400
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@lru_cache(maxsize=1)
def _sentencizer() -> Any:
    import spacy  # imported on first long article only: it costs a second or two

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp


def split_passages(text: str, max_chars: int = PASSAGE_CHARS) -> list[str]:
    """``text`` as one passage if short, else sentence-aligned pieces of about ``max_chars`` within paragraphs."""
    text = text.strip()
    if len(text) <= SINGLE_PASSAGE_CHARS:
        return [text] if text else []
    passages = []
    for paragraph in PARAGRAPH_BREAK.split(text):
        current = ""
        for sentence in _sentencizer()(paragraph).sents:
            words = " ".join(sentence.text.split())
            if not words:
                continue
            if current and len(current) + 1 + len(words) > max_chars:
                passages.append(current)
                current = words
            else:
                current = f"{current} {words}".strip()
        if current:
            passages.append(current)
    return passages

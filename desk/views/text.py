"""Message text as HTML: escaped, with its http(s) links made clickable (desk.linkified in common.js does the same live)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Ends before trailing punctuation ("see https://shop.example/returns.") and never spans quotes or brackets.
LINK = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)


def linkify(text: str) -> Markup:
    parts: list[str] = []
    last = 0
    for match in LINK.finditer(text):
        parts.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        parts.append(Markup('<a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}</a>').format(url))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)

"""Pulling an order number, e-mail address and postcode out of a message.

Customers write "where is order #100234", "zamówienie nr 100234",
"заказ №100234" or just "100234" after being asked. The same six digits can
be a Russian postcode, and five digits a German one, so what a bare number
means depends on what the bot has just asked for.

Ambiguity rules, in order:

1. E-mail addresses are found first (case preserved, trailing punctuation
   dropped) and removed, so digits inside an address are never read as an
   order number or postcode.
2. A number right after an order keyword ("order", "#", "nr", "no.",
   "BB-", "zamówienie", "заказ", "№", optionally followed by "number",
   "nr", "no.", "is", "to", ":"...) is an order number and never a
   postcode. Its length must be within ``order_digits`` (default exactly 6).
3. A postcode right after a postcode keyword ("postcode", "zip",
   "kod pocztowy", "PLZ", "индекс"...) is a postcode in any supported form:
   Polish ``00-950`` or ``00 950``, UK ``SW1A 1AA``, Czech/Slovak/Swedish
   ``123 45``, or 4-6 digits (German ``10115``, Russian ``101000``, Polish
   ``00950``).
4. Without a keyword, only unmistakable postcodes count: Polish with its
   hyphen (``00-950``) and UK postcodes written in capitals.
5. ``expecting="postcode"``: a bare 4-6-digit number, ``00 950`` or
   ``123 45`` is a postcode, and UK postcodes count in any case.
   ``expecting="order_number"``: a bare number of ``order_digits`` length
   is an order number. Any other value of ``expecting`` (including slot
   names this module does not know) adds nothing.
6. A bare number with nothing expected is left alone: "100234" alone could
   be either, and asking again is cheaper than a wrong lookup.

If several candidates of one kind qualify, the first in the text wins.
Keyword matches win over bare numbers, and a span used for one field is not
reused for another. The patterns are bounded and anchored so that run time
stays linear in the length of the message, whatever it contains.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_ORDER_DIGITS = (6, 6)


@dataclass(frozen=True)
class Extracted:
    """What a message contained; None for anything not found."""

    order_number: str | None = None
    email: str | None = None
    postcode: str | None = None


_LETTER = r"[^\W\d_]"  # a letter in any script
_NOT_LETTER_AFTER = rf"(?!{_LETTER})"  # \b would fail in "No100234"

# Start the local part at the start of its run (look-behind) and bound every
# repetition, so a 20,000-character token cannot cause quadratic scanning.
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@"
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}"
    rf"{_LETTER}{{2,63}}"
)

_ORDER_KEYWORD = (
    rf"(?:\b(?:orders?|zam[óo]wieni{_LETTER}{{0,3}}|заказ{_LETTER}{{0,3}}|nr|no|bb)"
    rf"{_NOT_LETTER_AFTER}|\#)"
)
_ORDER_FILLER = rf"(?:\W{{0,4}}(?:number|numer|nr|no|num|id|номер|is|jest|to|это){_NOT_LETTER_AFTER}){{0,3}}"

_POSTCODE_KEYWORD = (
    r"\b(?:post\s?code|postal\s+code|zip(?:\s?code)?|plz|postleitzahl"
    rf"|kod(?:em|u)?\s+pocztow{_LETTER}{{0,3}}"
    rf"|(?:почтов{_LETTER}{{0,3}}\s+)?индекс{_LETTER}{{0,2}}){_NOT_LETTER_AFTER}"
    rf"(?:\W{{0,4}}(?:is|jest|to|это|ist|my|mój|moj|мой){_NOT_LETTER_AFTER}){{0,2}}\W{{0,4}}"
)
_HYPHEN = "[-\u2010\u2011\u2013]"
_UK = r"[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}"
_ANY_POSTCODE = rf"(?:[0-9]{{2}}(?:{_HYPHEN}|\s)[0-9]{{3}}|{_UK}|[0-9]{{3}}\s[0-9]{{2}}|[0-9]{{4,6}})"
_START = r"(?<![\w-])"
_END = r"(?![\w-]|[.,][0-9])"

_POSTCODE_AFTER_KEYWORD = re.compile(rf"{_POSTCODE_KEYWORD}{_START}({_ANY_POSTCODE}){_END}", re.IGNORECASE)
_POLISH = re.compile(rf"{_START}[0-9]{{2}}{_HYPHEN}[0-9]{{3}}(?!{_HYPHEN}?[0-9]|\w)")
_UK_CAPITALS = re.compile(rf"{_START}{_UK}{_END}")  # case-sensitive on purpose
_BARE_POSTCODE = re.compile(
    rf"{_START}(?<![0-9][.,])(?:{_UK}|[0-9]{{2}}\s[0-9]{{3}}|[0-9]{{3}}\s[0-9]{{2}}|[0-9]{{4,6}}){_END}",
    re.IGNORECASE,
)


@lru_cache(maxsize=8)
def _order_patterns(lo: int, hi: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    digits = rf"(?<![0-9])([0-9]{{{lo},{hi}}})(?![0-9]|{_HYPHEN}[0-9])"
    keyword = re.compile(rf"{_ORDER_KEYWORD}{_ORDER_FILLER}\W{{0,4}}{digits}", re.IGNORECASE)
    bare = re.compile(rf"{_START}(?<![0-9][.,])[0-9]{{{lo},{hi}}}{_END}")
    return keyword, bare


class _Claims:
    """Spans already read as something, so no span is read twice."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def take(self, pattern: re.Pattern[str], text: str, group: int = 0) -> str | None:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if all(end <= s or start >= e for s, e in self._spans):
                self._spans.append((start, end))
                return match.group(group)
        return None

    def claim(self, pattern: re.Pattern[str], text: str) -> None:
        self._spans.extend(m.span() for m in pattern.finditer(text))


def _tidy_postcode(value: str | None) -> str | None:
    return " ".join(value.upper().split()) if value else None


def extract(
    text: str,
    expecting: str | None = None,
    *,
    order_digits: tuple[int, int] = DEFAULT_ORDER_DIGITS,
) -> Extracted:
    """Find an order number, e-mail address and postcode in ``text``.

    ``expecting`` is the slot the bot just asked for (``"order_number"``,
    ``"postcode"``, ``"email"``); it decides what a bare number means (see
    the module docstring). ``order_digits`` is the (min, max) length of the
    shop's order numbers.
    """
    # NFKC turns full-width digits and "№" into plain "0-9" and "No", which
    # the patterns (ASCII digits only, so no Arabic-Indic order numbers) expect.
    text = unicodedata.normalize("NFKC", text)

    email_match = _EMAIL.search(text)
    email = email_match.group() if email_match else None
    text = _EMAIL.sub(" ", text)

    keyword_order, bare_order = _order_patterns(*order_digits)
    claims = _Claims()
    order_number = claims.take(keyword_order, text, 1)
    # Claim every keyword-marked order number, not just the first, so none
    # of them can be read as a postcode later.
    claims.claim(keyword_order, text)
    postcode = claims.take(_POSTCODE_AFTER_KEYWORD, text, 1)
    postcode = postcode or claims.take(_POLISH, text) or claims.take(_UK_CAPITALS, text)
    if postcode is None and expecting == "postcode":
        postcode = claims.take(_BARE_POSTCODE, text)
    if order_number is None and expecting == "order_number":
        order_number = claims.take(bare_order, text)
    return Extracted(order_number=order_number, email=email, postcode=_tidy_postcode(postcode))

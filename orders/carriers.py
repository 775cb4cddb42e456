"""Public tracking pages of the carriers the assistant knows by name.

Shops often store only a carrier name and a tracking number; the customer
needs a link they can open, so we build it from the carrier's public
tracking URL pattern.
"""

from __future__ import annotations

from urllib.parse import quote

# Keys are lower-cased letters and digits only, matched as prefixes, so that
# "Poczta Polska", "poczta-polska", "dpd-poland" and "inpost-paczkomaty" from
# different shop plugins all find their carrier.
_TRACKING_URLS: dict[str, tuple[str, str]] = {
    "inpost": ("InPost", "https://inpost.pl/sledzenie-przesylek?number={number}"),
    "dpd": ("DPD", "https://tracktrace.dpd.com.pl/parcelDetails?typ=1&p1={number}"),
    "dhl": (
        "DHL",
        "https://www.dhl.com/pl-en/home/tracking/tracking-parcel.html?submit=1&tracking-id={number}",
    ),
    "pocztapolska": (
        "Poczta Polska",
        "https://emonitoring.poczta-polska.pl/?numer={number}",
    ),
}


def _lookup(carrier: str) -> tuple[str, str] | None:
    key = "".join(ch for ch in carrier.lower() if ch.isalnum())
    for prefix, known in _TRACKING_URLS.items():
        if key.startswith(prefix):
            return known
    return None


def display_name(carrier: str) -> str:
    """The carrier's usual spelling, or the input unchanged if unknown."""
    known = _lookup(carrier)
    return known[0] if known else carrier


def tracking_url(carrier: str, tracking_number: str) -> str:
    """Public tracking link for a known carrier; empty string if unknown."""
    known = _lookup(carrier)
    if known is None:
        return ""
    return known[1].format(number=quote(tracking_number, safe=""))

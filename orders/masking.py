"""Partial display of personal data.

The assistant shows enough for a customer to recognise their own details
("we'll deliver to Długa 1*") without writing the full values into the chat
transcript, which is stored and may be read by others.
"""

from __future__ import annotations

MASK = "*"


def mask_email(email: str) -> str:
    """Keep the first character of the local part and the domain.

    "anna.kowalska@example.com" -> "a***@example.com". The number of stars
    is fixed so it does not reveal the address's length.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return MASK * 3
    return f"{local[0]}{MASK * 3}@{domain}"


def _mask_number(word: str) -> str:
    # Keep the first character of a multi-character number ("12" -> "1*"),
    # but not a one-digit one, which would be the whole number; punctuation
    # such as "/" and "," stays so the shape is still recognisable.
    positions = [i for i, ch in enumerate(word) if ch.isalnum()]
    keep = positions[0] if len(positions) > 1 else None
    return "".join(MASK if ch.isalnum() and i != keep else ch for i, ch in enumerate(word))


def mask_street(street: str) -> str:
    """Keep the street name, hide house and flat numbers but their first digit.

    "ul. Długa 12/4" -> "ul. Długa 1*/*", "27 Old Gloucester Street" ->
    "2* Old Gloucester Street". The street alone is shared by many people;
    the house and flat number are what pin down a home.
    """
    return " ".join(_mask_number(word) if any(ch.isdigit() for ch in word) else word for word in street.split())


def mask_name(name: str) -> str:
    """First name and initials: "Anna Maria Kowalska" -> "Anna M. K."

    Enough for a polite greeting, not enough to identify someone.
    """
    parts = name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return f"{parts[0][0]}."
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:])])

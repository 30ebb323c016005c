"""Readable IRI parts from names: the same rule wherever the project mints an identifier."""

from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})

#: What a slug may look like: lower-case words of letters and digits joined by hyphens.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def slugify(text: str, *, limit: int = 80) -> str:
    """``"Gängeviertel e.V."`` -> ``"gaengeviertel-e-v"``; never empty."""
    text = text.lower().translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit].strip("-")
    return slug or "unbenannt"


def is_slug(text: str) -> bool:
    """Whether ``text`` may be used as the last part of an IRI as it is."""
    return re.fullmatch(SLUG_PATTERN, text) is not None


def name_key(text: str) -> str:
    """A name reduced for matching: case, accents, punctuation and spacing do not count."""
    return slugify(text, limit=500)

"""The SPARQL the code runs, kept in .rq files beside this module and loaded by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from wissensgraph.errors import NotFound

QUERY_DIR = Path(__file__).parent


@cache
def load_query(name: str) -> str:
    """The text of ``<name>.rq``; raises NotFound with the names that exist."""
    path = QUERY_DIR / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in QUERY_DIR.glob("*.rq")))
        raise NotFound(f"Abfrage '{name}' gibt es nicht (vorhanden: {known})")
    return path.read_text(encoding="utf-8")

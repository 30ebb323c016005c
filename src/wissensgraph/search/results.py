"""What a search takes and gives: filters by facet, hits with their reasons, a page of results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class Filters:
    """Facet values as slugs (e.g. handlungsfeld='konversion'); empty means no restriction."""

    handlungsfeld: tuple[str, ...] = ()
    prinzip: tuple[str, ...] = ()
    akteursgruppe: tuple[str, ...] = ()
    bundesland: tuple[str, ...] = ()
    von: int | None = None
    bis: int | None = None


@dataclass
class Hit:
    """One ranked case study with the reasons it matched."""

    iri: str
    slug: str
    title: str
    city: str
    score: float
    dense: float | None = None
    lexical: float | None = None
    concept: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)
    passage: str = ""
    concepts: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    """A ranked list and what the query was read as."""

    query: str
    mode: Mode
    total: int
    hits: list[Hit]
    expanded: list[str]

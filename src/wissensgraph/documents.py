"""The graph turned into search documents: one SPARQL query, one document per case study.

The graph stays the single source of truth; documents (and every index built from them) are
derived, and their fingerprint tells whether an index is stale.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import Graph

from wissensgraph.namespaces import FS
from wissensgraph.queries import load_query
from wissensgraph.store.graph import KnowledgeGraph, Row

#: Longest passage, in words; abstracts are split at sentence ends into pieces up to this size.
PASSAGE_WORDS = 60


@dataclass(frozen=True)
class Concept:
    """A concept of one of the schemes, with every label (pref and alt) in both languages."""

    iri: str
    scheme: str
    labels: dict[str, list[str]]

    def label(self, lang: str = "de") -> str:
        """The first label in ``lang`` (the preferred one comes first), else any."""
        return (self.labels.get(lang) or next(iter(self.labels.values()), [self.iri]))[0]


@dataclass(frozen=True)
class SearchDocument:
    """Everything search knows about one case study."""

    iri: str
    title_de: str
    title_en: str
    abstract_de: str
    abstract_en: str
    city: str
    quarter: str
    region: str
    start: int
    end: int | None
    fields: list[str] = field(default_factory=list)
    nlc: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """The case study's slug, the last part of its IRI."""
        return self.iri.removeprefix(str(FS))

    def title(self, lang: str = "de") -> str:
        """Title in ``lang``, falling back to German."""
        return self.title_en if lang == "en" and self.title_en else self.title_de

    def passages(self) -> list[tuple[str, str]]:
        """(language, text) pieces that are embedded one by one; a document scores by its best."""
        out: list[tuple[str, str]] = [("de", f"{self.title_de}. {self.city}")]
        if self.title_en:
            out.append(("en", f"{self.title_en}. {self.city}"))
        for lang, text in (("de", self.abstract_de), ("en", self.abstract_en)):
            out.extend((lang, piece) for piece in split_passages(text))
        return out

    def lexical_text(self, concept_labels: dict[str, Concept]) -> str:
        """All words a keyword search should find: texts, place, actors and concept labels."""
        labels = [
            label
            for iri in (*self.fields, *self.nlc, *self.groups, *self.instruments)
            if iri in concept_labels
            for values in concept_labels[iri].labels.values()
            for label in values
        ]
        return " ".join(
            [
                self.title_de,
                self.title_en,
                self.abstract_de,
                self.abstract_en,
                self.city,
                self.quarter,
                *self.actors,
                *labels,
            ]
        )


def split_passages(text: str, limit: int = PASSAGE_WORDS) -> list[str]:
    """Sentences grouped into passages of at most ``limit`` words."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    passages: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        words = len(" ".join(current + [sentence]).split())
        if current and words > limit:
            passages.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        passages.append(" ".join(current))
    return passages


#: An IRI that can be written between angle brackets in a query as it is.
_PLAIN_IRI = re.compile(r"[^\x00-\x20<>\"{}|^`\\]+")
_CS = re.compile(r"\?cs\b")


def _query(graph: KnowledgeGraph, name: str, iris: Sequence[str] | None) -> list[Row]:
    """Run one of the document queries, over every case study or only over ``iris``.

    Restricted, the query runs once per case study with its IRI in place of ``?cs`` in the
    pattern (and bound to ``?cs`` for the result): the store then looks up that case study's
    statements. A VALUES block alone left the facet query scanning every case study (seconds at
    10,000).
    """
    if iris is None:
        return graph.named(name)
    bad = [iri for iri in iris if not _PLAIN_IRI.fullmatch(iri)]
    if bad:
        raise ValueError(f"Keine IRI: {bad[0]!r}")
    query = load_query(name)
    start = query.index("WHERE {") + len("WHERE {")
    end = query.rindex("}")  # the pattern's end; a solution modifier may follow
    rows: list[Row] = []
    for iri in sorted(set(iris)):
        pattern = _CS.sub(f"<{iri}>", query[start:end])
        rows.extend(
            graph.select(f"{query[:start]} VALUES ?cs {{ <{iri}> }} {pattern}{query[end:]}")
        )
    return rows


def _facets(graph: KnowledgeGraph, iris: Sequence[str] | None) -> dict[str, dict[str, set[str]]]:
    """Case study IRI -> facet -> values, from one query over all (or the given) case studies."""
    facets: dict[str, dict[str, set[str]]] = {}
    for row in _query(graph, "search_document_facets", iris):
        if row["cs"] and row["facet"] and row["value"]:
            facets.setdefault(row["cs"], {}).setdefault(row["facet"], set()).add(row["value"])
    return facets


def load_documents(
    graph: KnowledgeGraph, iris: Sequence[str] | None = None
) -> list[SearchDocument]:
    """Every case study as a search document, in IRI order; only those of ``iris`` if given
    (an IRI that is not a case study is left out, as a deleted one is)."""
    facets = _facets(graph, iris)
    documents = []
    for row in _query(graph, "search_documents", iris):
        iri = row["cs"] or ""
        values = facets.get(iri, {})
        documents.append(
            SearchDocument(
                iri=iri,
                title_de=row["titleDe"] or "",
                title_en=row["titleEn"] or "",
                abstract_de=row["abstractDe"] or "",
                abstract_en=row["abstractEn"] or "",
                city=row["city"] or "",
                quarter=row["quarter"] or "",
                region=row["region"] or "",
                start=int((row["start"] or "0")[:4]),
                end=int(row["end"][:4]) if row["end"] else None,
                fields=sorted(values.get("fields", ())),
                nlc=sorted(values.get("nlcs", ())),
                groups=sorted(values.get("groups", ())),
                instruments=sorted(values.get("instruments", ())),
                actors=sorted(values.get("actors", ())),
            )
        )
    return documents


def documents_of(graph: Graph) -> list[SearchDocument]:
    """Search documents of case studies a write is about to store, read by the same queries."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return load_documents(KnowledgeGraph(store))


def load_concepts(graph: KnowledgeGraph) -> dict[str, Concept]:
    """Every concept of every scheme by IRI, with its labels."""
    labels: dict[str, dict[str, list[str]]] = {}
    schemes: dict[str, str] = {}
    for row in graph.named("search_concepts"):
        iri, lang = row["concept"] or "", row["lang"] or "de"
        schemes[iri] = row["scheme"] or ""
        bucket = labels.setdefault(iri, {}).setdefault(lang, [])
        if row["label"] and row["label"] not in bucket:
            bucket.append(row["label"])
    return {iri: Concept(iri, schemes[iri], labels[iri]) for iri in labels}


def document_line(document: SearchDocument) -> bytes:
    """A document as one line of JSON (keys sorted), as the index saves it and hashes it."""
    # vars, not asdict: the same mapping for these flat records, without asdict's deep copies
    return json.dumps(vars(document), sort_keys=True, ensure_ascii=False).encode("utf-8")


def fingerprint_of_lines(lines: Sequence[bytes]) -> str:
    """``fingerprint`` of the documents whose ``document_line``s these are, without parsing them.

    ``json.dumps`` of a list is its items' JSON joined by ", " in brackets, so this hashes the
    very bytes ``fingerprint`` always hashed.
    """
    return hashlib.sha256(b"[" + b", ".join(lines) + b"]").hexdigest()


def fingerprint(documents: Sequence[SearchDocument]) -> str:
    """A hash of every document's content: equal fingerprints mean an index is current."""
    return fingerprint_of_lines([document_line(d) for d in documents])

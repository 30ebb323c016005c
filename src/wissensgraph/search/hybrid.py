"""Hybrid search: dense passages, BM25 and graph concepts, fused by reciprocal rank, explained.

Filters from the graph (action field, NLC concept, actor group, region, years) decide which
documents may rank at all; each retriever then ranks only those, so a filter never empties the
top k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from wissensgraph.errors import ParameterError
from wissensgraph.namespaces import AG, HF, INST, NLC, REGION
from wissensgraph.search.lexical import tokens

if TYPE_CHECKING:
    from wissensgraph.search.encoder import Encoder
    from wissensgraph.search.index import SearchIndex

Mode = Literal["hybrid", "dense", "lexical"]
#: Schemes whose labels expand a query, and which facet of a document each one is matched on.
EXPANSION_SCHEMES = {
    str(HF.schema): "fields",
    str(AG.schema): "groups",
    str(NLC.schema): "nlc",
    str(INST.schema): "instruments",
    str(REGION.schema): "region",
}
#: A concept linked to more than this share of the collection says nothing about a query.
MAX_CONCEPT_SHARE = 0.5
CANDIDATES = 100
#: Weight of each retriever in the fusion (measured with ``wissensgraph eval search``).
WEIGHTS = {"dense": 1.0, "lexical": 1.0, "concept": 1.0}


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


class Searcher:
    """Answers queries from one loaded index with one encoder."""

    def __init__(
        self,
        index: SearchIndex,
        encoder: Encoder,
        *,
        rrf_k: int = 10,
        weights: dict[str, float] | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.rrf_k = rrf_k
        self.weights = weights or dict(WEIGHTS)
        docs = index.documents
        self._passage_owner = np.array([p.doc for p in index.passages], dtype=np.int64)
        titles = [[t for t in (d.title_de, d.title_en) if t] for d in docs]
        self._abstract_rows: list[dict[str, list[int]]] = [{} for _ in docs]
        for row, p in enumerate(index.passages):
            if not any(p.text.startswith(t) for t in titles[p.doc]):
                self._abstract_rows[p.doc].setdefault(p.lang, []).append(row)
        self._facets = {
            "handlungsfeld": (HF, [set(d.fields) for d in docs]),
            "prinzip": (NLC, [set(d.nlc) for d in docs]),
            "akteursgruppe": (AG, [set(d.groups) for d in docs]),
            "bundesland": (REGION, [{d.region} for d in docs]),
        }
        self._concept_tokens = {
            iri: [tokens(label) for labels in concept.labels.values() for label in labels]
            for iri, concept in index.concepts.items()
            if concept.scheme in EXPANSION_SCHEMES
        }
        share: dict[str, int] = {}
        for doc in docs:
            for iri in {*doc.fields, *doc.nlc, *doc.groups, *doc.instruments, doc.region}:
                share[iri] = share.get(iri, 0) + 1
        self._doc_frequency = share

    # ------------------------------------------------------------------ filters

    def known_values(self, facet: str) -> list[str]:
        """The slugs a facet accepts, for error messages and forms."""
        namespace, _ = self._facets[facet]
        return sorted(
            iri.removeprefix(str(namespace))
            for iri, concept in self.index.concepts.items()
            if iri.startswith(str(namespace)) and not iri.endswith("/schema")
        )

    def allowed(self, filters: Filters) -> np.ndarray:
        """A mask of the documents the filters let through; unknown values are an InputError."""
        mask = np.ones(len(self.index.documents), dtype=bool)
        for facet in ("handlungsfeld", "prinzip", "akteursgruppe", "bundesland"):
            values: tuple[str, ...] = getattr(filters, facet)
            if not values:
                continue
            namespace, memberships = self._facets[facet]
            known = set(self.known_values(facet))
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ParameterError(
                    f"Unbekannter Wert für {facet}: {', '.join(unknown)}. "
                    f"Möglich: {', '.join(sorted(known))}"
                )
            wanted = {str(namespace) + v for v in values}
            mask &= np.array([bool(m & wanted) for m in memberships])
        if filters.von is not None or filters.bis is not None:
            lower = filters.von if filters.von is not None else -math.inf
            upper = filters.bis if filters.bis is not None else math.inf
            if lower > upper:
                raise ParameterError(f"'von' ({filters.von}) liegt nach 'bis' ({filters.bis}).")
            mask &= np.array(
                [
                    d.start <= upper and (d.end if d.end is not None else 9999) >= lower
                    for d in self.index.documents
                ]
            )
        return mask

    # ------------------------------------------------------------------ retrievers

    def matched_concepts(self, query: str) -> list[str]:
        """Concepts whose label (German or English, preferred or alternative) the query contains."""
        query_tokens = set(tokens(query))
        limit = MAX_CONCEPT_SHARE * len(self.index.documents)
        matched = []
        for iri, label_tokens in self._concept_tokens.items():
            if self._doc_frequency.get(iri, 0) > limit:
                continue
            if any(lt and set(lt) <= query_tokens for lt in label_tokens):
                matched.append(iri)
        return matched

    def _dense(self, query: str, mask: np.ndarray) -> tuple[dict[int, float], np.ndarray]:
        """Best passage score per document, and the query vector."""
        vector = self.encoder.encode([query])[0]
        allowed_rows = np.flatnonzero(mask[self._passage_owner])
        scores, rows = self.index.vectors.search(
            vector, min(len(allowed_rows), CANDIDATES * 8), allowed_rows
        )
        best: dict[int, float] = {}
        for score, row in zip(scores.tolist(), rows.tolist(), strict=True):
            best.setdefault(int(self._passage_owner[row]), float(score))
        return best, vector

    def _passage_for(self, doc: int, vector: np.ndarray | None, lang: str) -> str:
        """The abstract passage closest to the query, in the reader's language where there is one.

        A title says nothing new, so the shown passage always comes from the abstract.
        """
        by_language = self._abstract_rows[doc]
        rows = by_language.get(lang) or [r for rs in by_language.values() for r in rs]
        if not rows:
            return ""
        if vector is None:
            return self.index.passages[rows[0]].text
        similarity = self.index.vectors.vectors(np.array(rows)) @ vector
        return self.index.passages[rows[int(np.argmax(similarity))]].text

    def _lexical(self, query: str, mask: np.ndarray) -> dict[int, float]:
        scores = self.index.lexical.scores(query)
        scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:CANDIDATES]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def _concept(self, concepts: list[str], mask: np.ndarray) -> dict[int, tuple[float, list[str]]]:
        """Documents linked to matched concepts, weighted by how rare each concept is."""
        n = len(self.index.documents)
        out: dict[int, tuple[float, list[str]]] = {}
        for i, doc in enumerate(self.index.documents):
            if not mask[i]:
                continue
            linked = {*doc.fields, *doc.nlc, *doc.groups, *doc.instruments, doc.region}
            hits = [c for c in concepts if c in linked]
            if hits:
                weight = sum(math.log(1 + n / self._doc_frequency.get(c, 1)) for c in hits)
                out[i] = (weight, hits)
        return out

    # ------------------------------------------------------------------ search

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        filters: Filters | None = None,
        mode: Mode = "hybrid",
        lang: str = "de",
    ) -> SearchResult:
        """Rank case studies for ``query``; explanations say why each one matched."""
        if not query or not query.strip():
            raise ParameterError("Die Suchanfrage ist leer.")
        mask = self.allowed(filters or Filters())
        concepts = self.matched_concepts(query) if mode == "hybrid" else []
        labels = {c: self.index.concepts[c].label(lang) for c in concepts}
        synonyms = [
            label
            for c in concepts
            for labels_in_lang in self.index.concepts[c].labels.values()
            for label in labels_in_lang
        ]
        expanded = " ".join([query, *synonyms])
        dense, vector = self._dense(query, mask) if mode in ("hybrid", "dense") else ({}, None)
        lexical = self._lexical(expanded, mask) if mode in ("hybrid", "lexical") else {}
        concept = self._concept(concepts, mask) if mode == "hybrid" else {}
        rankings = {
            "dense": sorted(dense, key=lambda d: -dense[d]),
            "lexical": sorted(lexical, key=lambda d: -lexical[d]),
            "concept": sorted(concept, key=lambda d: -concept[d][0]),
        }
        fused: dict[int, float] = {}
        ranks: dict[int, dict[str, int]] = {}
        for name, ranking in rankings.items():
            for rank, doc in enumerate(ranking[:CANDIDATES], start=1):
                fused[doc] = fused.get(doc, 0.0) + self.weights[name] / (self.rrf_k + rank)
                ranks.setdefault(doc, {})[name] = rank
        order = sorted(fused, key=lambda d: (-fused[d], self.index.documents[d].iri))
        hits = []
        for doc in order[:k]:
            document = self.index.documents[doc]
            hits.append(
                Hit(
                    iri=document.iri,
                    slug=document.slug,
                    title=document.title(lang),
                    city=document.city,
                    score=round(fused[doc], 6),
                    dense=round(dense[doc], 4) if doc in dense else None,
                    lexical=round(lexical[doc], 4) if doc in lexical else None,
                    concept=round(concept[doc][0], 4) if doc in concept else None,
                    ranks=ranks[doc],
                    passage=self._passage_for(doc, vector, lang),
                    concepts=[labels[c] for c in concept[doc][1]] if doc in concept else [],
                )
            )
        return SearchResult(
            query=query, mode=mode, total=len(order), hits=hits, expanded=list(labels.values())
        )

    def similar(self, slug: str, *, k: int = 5, lang: str = "de") -> list[Hit]:
        """Case studies closest to one case study, by the mean of their passage vectors."""
        position = next((i for i, d in enumerate(self.index.documents) if d.slug == slug), None)
        if position is None:
            from wissensgraph.errors import NotFound

            raise NotFound(f"Fallstudie {slug!r} gibt es nicht.")
        scores = self.index.doc_vectors @ self.index.doc_vectors[position]
        scores[position] = -np.inf
        order = np.argsort(-scores)[:k]
        return [
            Hit(
                iri=self.index.documents[i].iri,
                slug=self.index.documents[i].slug,
                title=self.index.documents[i].title(lang),
                city=self.index.documents[i].city,
                score=round(float(scores[i]), 4),
                dense=round(float(scores[i]), 4),
            )
            for i in order
        ]

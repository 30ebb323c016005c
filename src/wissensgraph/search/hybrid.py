"""Hybrid search: dense passages, BM25 and graph concepts, fused by reciprocal rank, explained.

Filters from the graph (action field, NLC concept, actor group, region, years) decide which
documents may rank at all; each retriever then ranks only those, so a filter never empties the
top k.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from wissensgraph.errors import ParameterError
from wissensgraph.namespaces import AG, HF, INST, NLC, REGION
from wissensgraph.search.lexical import tokens
from wissensgraph.search.results import Filters, Hit, Mode, SearchResult

if TYPE_CHECKING:
    from wissensgraph.search.encoder import Encoder
    from wissensgraph.search.index import SearchIndex

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
#: At most this many passages per candidate document are fetched for the dense ranking.
PASSAGES_PER_CANDIDATE = 8
#: Weight of each retriever in the fusion (measured with ``wissensgraph eval search``).
WEIGHTS = {"dense": 1.0, "lexical": 1.0, "concept": 1.0}


class Searcher:
    """Answers queries from one loaded index with one encoder.

    Everything per document comes from the index's table (columns and concept -> documents
    lists), so the work of a query grows with its matches, not with Python loops over the
    collection.
    """

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
        self._table = index.table
        self._passages = index.passage_list
        self._facets = {
            "handlungsfeld": (HF, self._table.postings["fields"]),
            "prinzip": (NLC, self._table.postings["nlc"]),
            "akteursgruppe": (AG, self._table.postings["groups"]),
            "bundesland": (REGION, self._table.postings["region"]),
        }
        self._linked = self._table.postings["linked"]
        # concepts a query may expand to: label token sets, indexed by each label's tokens
        limit = MAX_CONCEPT_SHARE * len(self._table)
        self._labels_with: dict[str, list[tuple[int, str, frozenset[str]]]] = {}
        for position, (iri, concept) in enumerate(index.concepts.items()):
            if concept.scheme not in EXPANSION_SCHEMES or self._linked.frequency(iri) > limit:
                continue
            for values in concept.labels.values():
                for label in values:
                    label_tokens = frozenset(tokens(label))
                    for token in label_tokens:
                        self._labels_with.setdefault(token, []).append(
                            (position, iri, label_tokens)
                        )
        # ties in the fused ranking go by IRI; documents usually come in IRI order already
        iris = self._table.iris
        if all(a <= b for a, b in zip(iris, iris[1:], strict=False)):
            self._iri_order = np.arange(len(iris), dtype=np.int64)
        else:
            self._iri_order = np.argsort(np.argsort(np.array(iris), kind="stable"))
        # Passages to fetch for the dense ranking: with at most m passages per document, the
        # best CANDIDATES documents all have their best passage among the top CANDIDATES * m.
        # Capped at 8 per document, as always, for collections with very long abstracts.
        most = int(np.bincount(self._passages.owners).max()) if len(self._passages) else 1
        self._passage_candidates = CANDIDATES * min(most, PASSAGES_PER_CANDIDATE)
        self._abstract_rows: dict[int, dict[str, list[int]]] = {}
        self._positions: dict[str, int] | None = None

    # ------------------------------------------------------------------ filters

    def known_values(self, facet: str) -> list[str]:
        """The slugs a facet accepts, for error messages and forms."""
        namespace, _ = self._facets[facet]
        return sorted(
            iri.removeprefix(str(namespace))
            for iri, concept in self.index.concepts.items()
            if iri.startswith(str(namespace)) and not iri.endswith("/schema")
        )

    def _restriction(self, filters: Filters) -> np.ndarray | None:
        """A mask of the documents the filters let through, or None if they let all through."""
        mask: np.ndarray | None = None
        for facet in ("handlungsfeld", "prinzip", "akteursgruppe", "bundesland"):
            values: tuple[str, ...] = getattr(filters, facet)
            if not values:
                continue
            namespace, postings = self._facets[facet]
            known = set(self.known_values(facet))
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ParameterError(
                    f"Unbekannter Wert für {facet}: {', '.join(unknown)}. "
                    f"Möglich: {', '.join(sorted(known))}"
                )
            keep = np.zeros(len(self._table), dtype=bool)
            for value in values:
                keep[postings.documents_of(str(namespace) + value)] = True
            mask = keep if mask is None else mask & keep
        if filters.von is not None or filters.bis is not None:
            lower = filters.von if filters.von is not None else -math.inf
            upper = filters.bis if filters.bis is not None else math.inf
            if lower > upper:
                raise ParameterError(f"'von' ({filters.von}) liegt nach 'bis' ({filters.bis}).")
            keep = (self._table.start <= upper) & (self._table.end >= lower)
            mask = keep if mask is None else mask & keep
        return mask

    def allowed(self, filters: Filters) -> np.ndarray:
        """A mask of the documents the filters let through; unknown values are an InputError."""
        mask = self._restriction(filters)
        return np.ones(len(self._table), dtype=bool) if mask is None else mask

    def facet_counts(self, facet: str, mask: np.ndarray) -> dict[str, int]:
        """For each value of a facet (slug), how many documents in ``mask`` have it."""
        namespace, postings = self._facets[facet]
        return {
            slug: int(np.count_nonzero(mask[postings.documents_of(str(namespace) + slug)]))
            for slug in self.known_values(facet)
        }

    # ------------------------------------------------------------------ retrievers

    def matched_concepts(self, query: str) -> list[str]:
        """Concepts whose label (German or English, preferred or alternative) the query contains.

        A concept linked to more than half of the collection is left out: it says nothing.
        """
        query_tokens = set(tokens(query))
        matched: dict[str, int] = {}
        for token in query_tokens:
            for position, iri, label_tokens in self._labels_with.get(token, ()):
                if iri not in matched and label_tokens <= query_tokens:
                    matched[iri] = position
        return sorted(matched, key=matched.__getitem__)

    def _dense(self, query: str, mask: np.ndarray | None) -> tuple[dict[int, float], np.ndarray]:
        """Best passage score per document, best first, and the query vector.

        FAISS returns rows best first, so each document's first row is its best.
        """
        vector = self.encoder.encode([query])[0]
        owners = self._passages.owners
        allowed_rows = None if mask is None else np.flatnonzero(mask[owners])
        available = len(owners) if allowed_rows is None else len(allowed_rows)
        scores, rows = self.index.vectors.search(
            vector, min(available, self._passage_candidates), allowed_rows
        )
        docs = owners[rows]
        _, first = np.unique(docs, return_index=True)
        first.sort()
        return dict(zip(docs[first].tolist(), scores[first].tolist(), strict=True)), vector

    def _abstract_rows_of(self, doc: int) -> dict[str, list[int]]:
        """Rows of a document's abstract passages by language (a passage that starts with a title
        is the title passage); worked out for the documents that are shown, and kept."""
        found = self._abstract_rows.get(doc)
        if found is None:
            titles = [t for t in (self._table.titles_de[doc], self._table.titles_en[doc]) if t]
            found = {}
            for row in self._passages.rows_of(doc):
                if not any(self._passages.texts[row].startswith(t) for t in titles):
                    found.setdefault(self._passages.langs[row], []).append(row)
            self._abstract_rows[doc] = found
        return found

    def _passages_for(self, docs: list[int], vector: np.ndarray | None, lang: str) -> list[str]:
        """Per document, the abstract passage closest to the query, in the reader's language
        where there is one. A title says nothing new, so it is always from the abstract."""
        candidates = []
        for doc in docs:
            by_language = self._abstract_rows_of(doc)
            candidates.append(
                by_language.get(lang) or [r for rs in by_language.values() for r in rs]
            )
        texts = self._passages.texts
        if vector is None:
            return [texts[rows[0]] if rows else "" for rows in candidates]
        flat = [r for rows in candidates for r in rows]
        similarity = (self.index.vectors.vectors(np.array(flat)) @ vector).tolist()
        out = []
        start = 0
        for rows in candidates:
            part = similarity[start : start + len(rows)]
            out.append(texts[rows[part.index(max(part))]] if rows else "")
            start += len(rows)
        return out

    def _lexical(self, query: str, mask: np.ndarray | None) -> dict[int, float]:
        scores = self.index.lexical.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > CANDIDATES:
            threshold = -np.partition(-scores[candidates], CANDIDATES - 1)[CANDIDATES - 1]
            candidates = candidates[scores[candidates] >= threshold]
        # best first, equal scores in document order, so ties do not depend on the sort algorithm
        order = np.lexsort((candidates, -scores[candidates]))[:CANDIDATES]
        return {int(i): float(scores[i]) for i in candidates[order]}

    def _concept(self, concepts: list[str], mask: np.ndarray | None) -> np.ndarray:
        """Per document, the weight of the matched concepts it is linked to (rarer weighs more)."""
        n = len(self._table)
        weights = np.zeros(n, dtype=np.float64)
        for concept in concepts:
            linked = self._linked.documents_of(concept)
            if len(linked):
                weights[linked] += math.log(1 + n / len(linked))
        if mask is not None:
            weights[~mask] = 0.0
        return weights

    def _concept_ranking(self, weights: np.ndarray) -> list[int]:
        """The best documents by concept weight (up to CANDIDATES), equal weights in document
        order."""
        linked = np.flatnonzero(weights > 0)
        if len(linked) > CANDIDATES:
            threshold = -np.partition(-weights[linked], CANDIDATES - 1)[CANDIDATES - 1]
            linked = linked[weights[linked] >= threshold]
        ranking: list[int] = linked[np.argsort(-weights[linked], kind="stable")].tolist()
        return ranking[:CANDIDATES]

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
        mask = self._restriction(filters or Filters())
        concepts = self.matched_concepts(query) if mode == "hybrid" else []
        labels = {c: self.index.concepts[c].label(lang) for c in concepts}
        synonyms = [
            label
            for c in concepts
            for labels_in_lang in self.index.concepts[c].labels.values()
            for label in labels_in_lang
        ]
        expanded = " ".join([query, *synonyms])
        # One after the other: BM25 beside the encoder on the second core was slower (measured at
        # 10k case studies: 5.4 against 5.2 ms), as both hold the interpreter lock for most of
        # their work; BM25 beside the vector scan, which frees the lock, gained 0.1 ms at the
        # median and nothing on average (6.54 against 6.67 ms, both 6.64 ms mean).
        dense, vector = self._dense(query, mask) if mode in ("hybrid", "dense") else ({}, None)
        lexical = self._lexical(expanded, mask) if mode in ("hybrid", "lexical") else {}
        weights = self._concept(concepts, mask) if concepts else None
        by_concept = self._concept_ranking(weights) if weights is not None else []
        rankings = {
            "dense": list(dense)[:CANDIDATES],
            "lexical": list(lexical)[:CANDIDATES],
            "concept": by_concept[:CANDIDATES],
        }
        documents, fused = self._fuse(rankings)
        shown = documents[np.lexsort((self._iri_order[documents], -fused))[:k]].tolist()
        score = dict(zip(documents.tolist(), fused.tolist(), strict=True))
        positions = {
            name: dict(zip(ranking, range(1, len(ranking) + 1), strict=True))
            for name, ranking in rankings.items()
        }
        passages = self._passages_for(shown, vector, lang)
        table = self._table
        hits = []
        for doc, passage in zip(shown, passages, strict=True):
            weight = float(weights[doc]) if weights is not None else 0.0
            linked = weight > 0
            hits.append(
                Hit(
                    iri=table.iris[doc],
                    slug=table.slug(doc),
                    title=table.title(doc, lang),
                    city=table.cities[doc],
                    score=round(score[doc], 6),
                    dense=round(dense[doc], 4) if doc in dense else None,
                    lexical=round(lexical[doc], 4) if doc in lexical else None,
                    concept=round(weight, 4) if linked else None,
                    ranks={n: p[doc] for n, p in positions.items() if doc in p},
                    passage=passage,
                    concepts=[labels[c] for c in concepts if self._links(doc, c)] if linked else [],
                )
            )
        return SearchResult(
            query=query, mode=mode, total=len(documents), hits=hits, expanded=list(labels.values())
        )

    def _fuse(self, rankings: dict[str, list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Reciprocal-rank fusion: each ranked document, and the sum of weight / (k + rank).

        The terms are added per document in the order dense, lexical, concept, as a loop would.
        """
        docs = np.array([d for ranking in rankings.values() for d in ranking], dtype=np.int64)
        terms = np.concatenate(
            [
                self.weights[name] / (self.rrf_k + np.arange(1, len(ranking) + 1, dtype=np.float64))
                for name, ranking in rankings.items()
            ]
        )
        documents, inverse = np.unique(docs, return_inverse=True)
        return documents, np.bincount(inverse, weights=terms, minlength=len(documents))

    def _links(self, doc: int, concept: str) -> bool:
        linked = self._linked.documents_of(concept)
        position = int(np.searchsorted(linked, doc))
        return position < len(linked) and int(linked[position]) == doc

    def position(self, slug: str) -> int | None:
        """The document number of a case study by slug, or None."""
        if self._positions is None:
            positions: dict[str, int] = {}
            for i in range(len(self._table)):
                positions.setdefault(self._table.slug(i), i)
            self._positions = positions
        return self._positions.get(slug)

    def similar(self, slug: str, *, k: int = 5, lang: str = "de") -> list[Hit]:
        """Case studies closest to one case study, by the mean of their passage vectors."""
        position = self.position(slug)
        if position is None:
            from wissensgraph.errors import NotFound

            raise NotFound(f"Fallstudie {slug!r} gibt es nicht.")
        doc_vectors = self.index.doc_vectors
        scores = np.asarray(doc_vectors @ doc_vectors[position])
        scores[position] = -np.inf
        order = np.argsort(-scores)[:k]
        return [
            Hit(
                iri=self._table.iris[i],
                slug=self._table.slug(i),
                title=self._table.title(i, lang),
                city=self._table.cities[i],
                score=round(float(scores[i]), 4),
                dense=round(float(scores[i]), 4),
            )
            for i in order
        ]

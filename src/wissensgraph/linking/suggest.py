"""NLC link suggestions: which principles, dimensions, spatial levels and action fields a text puts
into practice, with a score, a decision and the passage that supports it.

Three methods, all from ``link_model``: zero-shot (the concepts' own labels and definitions, so a
new concept works on day one), supervised (the curated links and their justifications) and
combined. A case study in the graph is judged by a model fitted without it, exactly as in the
leave-one-out evaluation, so its own curated links never vouch for themselves.
"""

from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from wissensgraph.documents import split_passages
from wissensgraph.errors import NotFound, ParameterError
from wissensgraph.linking.model import (
    METHODS,
    Corpus,
    Item,
    Justification,
    LinkModel,
    Method,
    Scores,
)
from wissensgraph.search.lexical import tokens
from wissensgraph.store.graph import KnowledgeGraph

if TYPE_CHECKING:
    from wissensgraph.documents import SearchDocument
    from wissensgraph.search.encoder import Encoder
    from wissensgraph.search.index import SearchIndex

__all__ = [
    "METHODS",
    "LinkEvaluation",
    "Linker",
    "Method",
    "Suggestion",
    "Target",
    "build_linker",
    "curated_links",
    "evaluate_linking",
    "load_justifications",
    "load_targets",
]


@dataclass(frozen=True)
class Target:
    """A concept that can be suggested."""

    iri: str
    kind: str
    text: str


@dataclass(frozen=True)
class Suggestion:
    """One suggested link with the evidence for it.

    ``score`` and ``suggest`` are the combined method's; ``zero_shot`` and ``supervised`` are the
    probabilities of the two methods alone, so a curator sees where a score comes from.
    ``status`` is what curators decided about the suggestion recorded for this case study and
    target (vorgeschlagen, angenommen, abgelehnt), None when none is recorded.
    """

    target: str
    kind: str
    label: str
    score: float
    suggest: bool
    passage: str
    zero_shot: float
    supervised: float
    status: str | None = None


@dataclass
class LinkEvaluation:
    """Leave-one-out quality of one method.

    ``threshold`` is the one the deployed model (fitted on all case studies) uses; each held-out
    case study was decided by the threshold calibrated on the others only.
    """

    method: str
    threshold: float
    micro_f1: float
    macro_f1: float
    precision_at_3: float
    per_concept: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)


def load_targets(graph: KnowledgeGraph) -> list[Target]:
    """Every linkable concept with the text that describes it."""
    return [
        Target(row["concept"] or "", row["kind"] or "", row["texts"] or "")
        for row in graph.named("linking_targets")
    ]


def curated_links(graph: KnowledgeGraph) -> dict[str, set[str]]:
    """Case study IRI -> curated NLC targets, plus its own action fields (both are ground truth)."""
    rows = graph.select(
        "PREFIX wg: <https://w3id.org/wissensgraph/ontology#> "
        "SELECT ?cs ?t WHERE { ?cs a wg:CaseStudy . "
        "{ ?cs wg:curatedLink/wg:target ?t } UNION { ?cs wg:actionField ?t } }"
    )
    links: dict[str, set[str]] = {}
    for row in rows:
        links.setdefault(row["cs"] or "", set()).add(row["t"] or "")
    return links


def load_justifications(graph: KnowledgeGraph) -> dict[str, list[tuple[str, str]]]:
    """Case study IRI -> (target, justification) of each curated link: how curators argue."""
    rows = graph.select(
        "PREFIX wg: <https://w3id.org/wissensgraph/ontology#> "
        "SELECT ?cs ?t ?j WHERE { ?cs a wg:CaseStudy ; "
        "wg:curatedLink [ wg:target ?t ; wg:justification ?j ] } ORDER BY ?cs ?t ?j"
    )
    out: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        out.setdefault(row["cs"] or "", []).append((row["t"] or "", row["j"] or ""))
    return out


class Linker:
    """Suggests concepts for texts and case studies of one search index."""

    def __init__(
        self,
        index: SearchIndex,
        encoder: Encoder,
        targets: list[Target],
        curated: dict[str, set[str]],
        justifications: dict[str, list[tuple[str, str]]] | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.targets = targets
        self._curated = curated
        position = {t.iri: i for i, t in enumerate(targets)}
        documents = index.documents
        labels = np.zeros((len(documents), len(targets)), dtype=np.float64)
        for row, doc in enumerate(documents):
            for iri in curated.get(doc.iri, set()):
                if iri in position:
                    labels[row, position[iri]] = 1.0
        owners = np.array([p.doc for p in index.passages], dtype=np.int64)
        self._passages_of = [np.flatnonzero(owners == d) for d in range(len(documents))]
        vectors = index.vectors.vectors(np.arange(len(index.passages)))
        items = [
            self._item(self._texts(row), vectors[rows])
            for row, rows in enumerate(self._passages_of)
        ]
        reasons = [
            (row, position[target], text)
            for row, doc in enumerate(documents)
            for target, text in (justifications or {}).get(doc.iri, [])
            if target in position
        ]
        self.corpus = Corpus(
            items=items,
            labels=labels,
            concept_vectors=encoder.encode([t.text for t in targets]),
            concept_words=[tokens(t.text) for t in targets],
            kinds=[t.kind for t in targets],
            justifications=[
                Justification(row, concept, tokens(text)) for row, concept, text in reasons
            ],
        )
        self.model = LinkModel.fit(self.corpus, np.arange(len(documents)))
        self._held_out: dict[int, Scores] = {}
        self._lock = threading.Lock()

    @property
    def threshold(self) -> float:
        """The combined method's threshold, calibrated on the curated case studies."""
        return self.model.deciders["combined"].threshold

    def curated_targets(self, iri: str) -> set[str]:
        """The targets a case study is already linked to by curators (and its action fields)."""
        return set(self._curated.get(iri, set()))

    @staticmethod
    def _item(passages: list[str], vectors: np.ndarray) -> Item:
        return Item(vectors, [tokens(passage) for passage in passages])

    def _texts(self, row: int) -> list[str]:
        return [self.index.passages[int(r)].text for r in self._passages_of[row]]

    def held_out(self, row: int) -> Scores:
        """Scores of one case study by a model fitted on all the others (computed once)."""
        with self._lock:
            cached = self._held_out.get(row)
        if cached is None:
            train = np.delete(np.arange(len(self.corpus.items)), row)
            cached = LinkModel.fit(self.corpus, train).score(self.corpus.items[row])
            with self._lock:
                self._held_out[row] = cached
        return cached

    def _suggestions(self, passages: list[str], scores: Scores, lang: str) -> list[Suggestion]:
        combined = scores.probability["combined"]
        out = []
        for i in np.argsort(-combined, kind="stable"):
            target = self.targets[i]
            concept = self.index.concepts.get(target.iri)
            out.append(
                Suggestion(
                    target=target.iri,
                    kind=target.kind,
                    label=concept.label(lang) if concept else target.iri,
                    score=round(float(combined[i]), 4),
                    suggest=bool(scores.decision["combined"][i]),
                    passage=passages[int(scores.evidence[i])],
                    zero_shot=round(float(scores.probability["zero-shot"][i]), 4),
                    supervised=round(float(scores.probability["supervised"][i]), 4),
                )
            )
        return out

    def suggest_for_text(self, text: str, *, lang: str = "de") -> list[Suggestion]:
        """Suggestions for any text (a new case study before it enters the graph)."""
        passages = split_passages(text.strip())
        if not passages:
            raise ParameterError("Der Text ist leer. The text is empty.")
        item = self._item(passages, self.encoder.encode(passages))
        return self._suggestions(passages, self.model.score(item), lang)

    def _row(self, slug: str) -> int:
        row = next((i for i, d in enumerate(self.index.documents) if d.slug == slug), None)
        if row is None:
            raise NotFound(f"Fallstudie {slug!r} gibt es nicht.")
        return row

    def suggest_for_case_study(self, slug: str, *, lang: str = "de") -> list[Suggestion]:
        """Suggestions for a case study in the graph, by a model fitted without it."""
        row = self._row(slug)
        return self._suggestions(self._texts(row), self.held_out(row), lang)

    def suggest_for_document(
        self, document: SearchDocument, *, lang: str = "de"
    ) -> list[Suggestion]:
        """Suggestions for a case study as a write is about to store it (not yet in the index).

        Like ``suggest_for_case_study``, by a model fitted without it: the whole model for a new
        case study, a model without its earlier version for one that is replaced.
        """
        texts = [text for _, text in document.passages()]
        item = self._item(texts, self.encoder.encode(texts))
        row = next((i for i, d in enumerate(self.index.documents) if d.iri == document.iri), None)
        model = self.model
        if row is not None:
            model = LinkModel.fit(self.corpus, np.delete(np.arange(len(self.corpus.items)), row))
        return self._suggestions(texts, model.score(item), lang)

    def case_study_threshold(self, slug: str) -> float:
        """The threshold that decides a case study's suggestions: its model's, fitted without it."""
        return self.held_out(self._row(slug)).threshold["combined"]

    def leave_one_out(self, method: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per case study, by a model fitted on the others: probabilities, decisions; the truth."""
        held = [self.held_out(row) for row in range(len(self.corpus.items))]
        probability = np.array([s.probability[method] for s in held])
        decision = np.array([s.decision[method] for s in held])
        return probability, decision, self.corpus.labels


def build_linker(index: SearchIndex, encoder: Encoder, graph: KnowledgeGraph) -> Linker:
    """A linker fitted and calibrated on all curated links of the graph."""
    return Linker(
        index, encoder, load_targets(graph), curated_links(graph), load_justifications(graph)
    )


def _f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def evaluate_linking(linker: Linker, method: Method) -> LinkEvaluation:
    """Leave-one-out micro/macro F1, precision@3 and a per-concept table of one method.

    Each case study is decided by a model whose weights and threshold were fitted on the other
    case studies only. Concepts no case study is linked to are left out of the table and the
    scores (there is nothing to find for them).
    """
    predicted, decided, truth = linker.leave_one_out(method)
    known = truth.sum(axis=0) > 0
    predicted, decided, truth = predicted[:, known], decided[:, known], truth[:, known] == 1
    targets = [t for t, k in zip(linker.targets, known, strict=True) if k]
    per_concept = {}
    f1s = []
    for j, target in enumerate(targets):
        tp = float((decided[:, j] & truth[:, j]).sum())
        fp = float((decided[:, j] & ~truth[:, j]).sum())
        fn = float((~decided[:, j] & truth[:, j]).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = _f1(tp, fp, fn)
        f1s.append(f1)
        per_concept[target.iri] = (precision, recall, f1, int(truth[:, j].sum()))
    top3 = np.argsort(-predicted, axis=1, kind="stable")[:, :3]
    precision_at_3 = statistics.fmean(float(truth[i, top3[i]].sum()) / 3 for i in range(len(truth)))
    return LinkEvaluation(
        method=method,
        threshold=linker.model.deciders[method].threshold,
        micro_f1=_f1(
            float((decided & truth).sum()),
            float((decided & ~truth).sum()),
            float((~decided & truth).sum()),
        ),
        macro_f1=statistics.fmean(f1s),
        precision_at_3=precision_at_3,
        per_concept=per_concept,
    )

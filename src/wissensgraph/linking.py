"""NLC link suggestions: which principles, dimensions, spatial levels and action fields a text puts
into practice, with a score, a decision and the passage that supports it.

Two methods, combined: zero-shot (passages compared with each concept's own labels and definition,
so a new concept works on day one) and supervised (the curated links of the most similar case
studies). The decision threshold is calibrated on leave-one-out predictions over the curated links.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from wissensgraph.documents import split_passages
from wissensgraph.errors import NotFound, ParameterError
from wissensgraph.graph import KnowledgeGraph

if TYPE_CHECKING:
    from wissensgraph.search.encoder import Encoder
    from wissensgraph.search.index import SearchIndex

Method = Literal["zero-shot", "supervised", "combined"]
NEIGHBOURS = 12
#: Share of the zero-shot score in the combined one (the rest is the supervised score).
ZERO_SHOT_WEIGHT = 0.4
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Target:
    """A concept that can be suggested."""

    iri: str
    kind: str
    text: str


@dataclass(frozen=True)
class Suggestion:
    """One suggested link with the evidence for it."""

    target: str
    kind: str
    label: str
    score: float
    suggest: bool
    passage: str
    zero_shot: float
    supervised: float


@dataclass
class LinkEvaluation:
    """Leave-one-out quality of one method."""

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


class Linker:
    """Scores concepts for texts and case studies from one search index."""

    def __init__(
        self,
        index: SearchIndex,
        encoder: Encoder,
        targets: list[Target],
        curated: dict[str, set[str]],
        *,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.targets = targets
        self.threshold = threshold
        self._curated = curated
        self._target_vectors = encoder.encode([t.text for t in targets])
        self._position = {t.iri: i for i, t in enumerate(targets)}
        docs = index.documents
        self._labels = np.zeros((len(docs), len(targets)), dtype=np.float32)
        for row, doc in enumerate(docs):
            for iri in curated.get(doc.iri, set()):
                if iri in self._position:
                    self._labels[row, self._position[iri]] = 1.0
        owners = np.array([p.doc for p in index.passages], dtype=np.int64)
        self._passages_of = [np.flatnonzero(owners == d) for d in range(len(docs))]
        self._passage_vectors = index.vectors.vectors(np.arange(len(index.passages)))
        raw = np.array(
            [self._raw_zero_shot(self._passage_vectors[r])[0] for r in self._passages_of]
        )
        self._zs_mean = raw.mean(axis=0)
        self._zs_std = np.where(raw.std(axis=0) > 1e-6, raw.std(axis=0), 1.0)

    def curated_targets(self, iri: str) -> set[str]:
        """The targets a case study is already linked to by curators (and its action fields)."""
        return set(self._curated.get(iri, set()))

    # ------------------------------------------------------------------ scores

    def _raw_zero_shot(self, passage_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        similarity = passage_vectors @ self._target_vectors.T
        return similarity.max(axis=0), similarity.argmax(axis=0)

    def _zero_shot(self, passage_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per target: how much closer the best passage is than usual for that concept (0..1).

        Raw similarities differ by concept (a long definition matches everything a little), so
        each is standardised against the collection before it is squashed into 0..1.
        """
        top, best = self._raw_zero_shot(passage_vectors)
        z = (top - self._zs_mean) / self._zs_std
        return 1.0 / (1.0 + np.exp(-z)), best

    def _supervised(self, doc_vector: np.ndarray, exclude: int | None) -> np.ndarray:
        """Share of the nearest curated case studies with each target, weighted by similarity."""
        similarity = self.index.doc_vectors @ doc_vector
        if exclude is not None:
            similarity[exclude] = -np.inf
        nearest = np.argsort(-similarity)[:NEIGHBOURS]
        weights = np.clip(similarity[nearest], 0, None) ** 2
        if weights.sum() == 0:
            return np.zeros(len(self.targets), dtype=np.float32)
        return (weights @ self._labels[nearest]) / weights.sum()

    def scores(
        self,
        passage_vectors: np.ndarray,
        doc_vector: np.ndarray,
        exclude: int | None,
        method: Method,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        zero, best = self._zero_shot(passage_vectors)
        supervised = self._supervised(doc_vector, exclude)
        combined = {
            "zero-shot": zero,
            "supervised": supervised,
            "combined": ZERO_SHOT_WEIGHT * zero + (1 - ZERO_SHOT_WEIGHT) * supervised,
        }[method]
        return combined, zero, supervised, best

    # ------------------------------------------------------------------ suggestions

    def _suggestions(
        self, passages: list[str], passage_vectors: np.ndarray, exclude: int | None, lang: str
    ) -> list[Suggestion]:
        doc_vector = passage_vectors.mean(axis=0)
        doc_vector /= np.linalg.norm(doc_vector) or 1.0
        combined, zero, supervised, best = self.scores(
            passage_vectors, doc_vector, exclude, "combined"
        )
        order = np.argsort(-combined)
        return [
            Suggestion(
                target=self.targets[i].iri,
                kind=self.targets[i].kind,
                label=self.index.concepts[self.targets[i].iri].label(lang)
                if self.targets[i].iri in self.index.concepts
                else self.targets[i].iri,
                score=round(float(combined[i]), 4),
                suggest=bool(combined[i] >= self.threshold),
                passage=passages[int(best[i])],
                zero_shot=round(float(zero[i]), 4),
                supervised=round(float(supervised[i]), 4),
            )
            for i in order
        ]

    def suggest_for_text(self, text: str, *, lang: str = "de") -> list[Suggestion]:
        """Suggestions for any text (a new case study before it enters the graph)."""
        passages = split_passages(text.strip())
        if not passages:
            raise ParameterError("Der Text ist leer. The text is empty.")
        return self._suggestions(passages, self.encoder.encode(passages), None, lang)

    def suggest_for_case_study(self, slug: str, *, lang: str = "de") -> list[Suggestion]:
        """Suggestions for a case study in the graph, ignoring its own curated links."""
        row = next((i for i, d in enumerate(self.index.documents) if d.slug == slug), None)
        if row is None:
            raise NotFound(f"Fallstudie {slug!r} gibt es nicht.")
        rows = self._passages_of[row]
        passages = [self.index.passages[r].text for r in rows]
        return self._suggestions(passages, self._passage_vectors[rows], row, lang)

    # ------------------------------------------------------------------ evaluation

    def leave_one_out(self, method: Method) -> tuple[np.ndarray, np.ndarray]:
        """Scores for every case study computed without its own curated links; and the truth."""
        predicted = np.zeros_like(self._labels)
        for row in range(len(self.index.documents)):
            rows = self._passages_of[row]
            predicted[row], *_ = self.scores(
                self._passage_vectors[rows], self.index.doc_vectors[row], row, method
            )
        return predicted, self._labels


def build_linker(index: SearchIndex, encoder: Encoder, graph: KnowledgeGraph) -> Linker:
    """A linker whose threshold is calibrated by leave-one-out on the curated links."""
    linker = Linker(index, encoder, load_targets(graph), curated_links(graph))
    linker.threshold = evaluate_linking(linker, "combined").threshold
    return linker


def _f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def evaluate_linking(linker: Linker, method: Method) -> LinkEvaluation:
    """Leave-one-out micro/macro F1 at the calibrated threshold, precision@3, per-concept table."""
    predicted, truth = linker.leave_one_out(method)
    known = truth.sum(axis=0) > 0
    predicted, truth = predicted[:, known], truth[:, known]
    targets = [t for t, k in zip(linker.targets, known, strict=True) if k]
    best = (0.0, DEFAULT_THRESHOLD)
    for threshold in np.linspace(0.05, 0.95, 91):
        decided = predicted >= threshold
        tp = float((decided & (truth == 1)).sum())
        fp = float((decided & (truth == 0)).sum())
        fn = float((~decided & (truth == 1)).sum())
        best = max(best, (_f1(tp, fp, fn), float(threshold)))
    threshold = best[1]
    decided = predicted >= threshold
    per_concept = {}
    f1s = []
    for j, target in enumerate(targets):
        tp = float((decided[:, j] & (truth[:, j] == 1)).sum())
        fp = float((decided[:, j] & (truth[:, j] == 0)).sum())
        fn = float((~decided[:, j] & (truth[:, j] == 1)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = _f1(tp, fp, fn)
        f1s.append(f1)
        per_concept[target.iri] = (precision, recall, f1, int(truth[:, j].sum()))
    top3 = np.argsort(-predicted, axis=1)[:, :3]
    precision_at_3 = statistics.fmean(float(truth[i, top3[i]].sum()) / 3 for i in range(len(truth)))
    return LinkEvaluation(
        method=method,
        threshold=threshold,
        micro_f1=best[0],
        macro_f1=statistics.fmean(f1s),
        precision_at_3=precision_at_3,
        per_concept=per_concept,
    )

"""The learning behind NLC link suggestions, fitted on a chosen set of curated case studies only.

Everything a model learns (word weights, ridge and logistic weights, the decision threshold) comes
from the case studies it is fitted on, so evaluation can hold one case study out and nothing of it
(its links, its justifications) leaks into the model that judges it.

Signals per (text, concept):

* zero-shot, from the concept's own labels and definitions only: similarity of the best passages
  to the definition's embedding, and TF-IDF similarity of the stemmed words (so "Konversion" in a
  definition finds "Konversionsfläche" in a text). Each is standardised per concept against the
  training case studies, since a long definition matches everything a little.
* supervised, from the curated links: ridge regressions on the words and on the embedding, and
  the TF-IDF similarity to the words of the curators' justifications of each concept's links.

Measured and left out (leave-one-out on the 45 case studies): the similarity-weighted votes of the
nearest case studies and the embedding similarity to the justifications (micro-F1 changed by less
than 0.01 without them; embedding the justifications cost seconds at every start), and the graph
facets of a case study, i.e. action fields, instruments, formats, actor groups and modes (micro-F1
0.01 lower with them); without facets one model serves a case study in the graph and a raw text.

A logistic model combines the signals: one set of weights shared by all concepts, and per concept a
penalised deviation from it, so a concept with few links stays close to the shared weights. The
logit of the concept's base rate is one input, so a concept nobody has linked yet scores low in the
combined method; its zero-shot probability is reported beside it for curators (deciding such
concepts zero-shot would also suggest, on the 45 case studies, 50 links to concepts curators never
use). Penalties are chosen by cross-validation inside the training set; the threshold maximises
micro-F1 on out-of-fold predictions of the training set, together with the rule that a case study
gets the best concept of each kind that every training case study has (all have an action field
and a principle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from wissensgraph.linking.learners import Ridge, Words, fit_logistic, sigmoid

Method = Literal["zero-shot", "supervised", "combined"]
METHODS: tuple[Method, ...] = ("zero-shot", "supervised", "combined")

#: Passages averaged for the zero-shot embedding signal (the best two, not one lucky sentence).
BEST_PASSAGES = 2
#: Folds of the cross-validation inside the training set (penalty choice and threshold).
FOLDS = 5
CONCEPT_PENALTIES = (0.3, 3.0, 30.0)
#: Penalty of the shared weights per training case study (they see all case study x concept pairs).
SHARED_PENALTY = 1e-2

ZERO_SHOT = ("definition-embedding", "definition-words")
SUPERVISED = ("words-model", "embedding-model", "justification-words")
SIGNALS = (*ZERO_SHOT, *SUPERVISED)
COLUMNS: dict[Method, list[int]] = {
    "zero-shot": [SIGNALS.index(name) for name in ZERO_SHOT],
    "supervised": [SIGNALS.index(name) for name in SUPERVISED],
    "combined": [SIGNALS.index(name) for name in ZERO_SHOT + SUPERVISED],
}


@dataclass(frozen=True)
class Item:
    """What the models read of one text: its passages' vectors and stemmed words."""

    passage_vectors: np.ndarray
    passage_words: list[list[str]]

    @property
    def words(self) -> list[str]:
        """The stemmed words of the whole text."""
        return [word for words in self.passage_words for word in words]

    @property
    def doc_vector(self) -> np.ndarray:
        """The normalised mean of the passage vectors."""
        mean = self.passage_vectors.mean(axis=0)
        return mean / (np.linalg.norm(mean) or 1.0)


@dataclass(frozen=True)
class Justification:
    """A curator's reason for a curated link, as stemmed words: which case study, which concept."""

    case_study: int
    concept: int
    words: list[str]


@dataclass(frozen=True)
class Corpus:
    """The curated case studies and the concepts, ready for fitting.

    ``labels[i, j]`` is 1 where case study i is linked to concept j (curated, or its action field).
    """

    items: list[Item]
    labels: np.ndarray
    concept_vectors: np.ndarray
    concept_words: list[list[str]]
    kinds: list[str]
    justifications: list[Justification]


@dataclass(frozen=True)
class Scores:
    """Per method: probability and decision per concept, and the threshold that decided.

    ``evidence`` is, per concept, the index of the passage that supports it best.
    """

    probability: dict[Method, np.ndarray]
    decision: dict[Method, np.ndarray]
    threshold: dict[Method, float]
    evidence: np.ndarray


# ---------------------------------------------------------------------------- small learners


# ---------------------------------------------------------------------------- signals


class SignalModel:
    """All signals, fitted on the training case studies ``train`` of a corpus.

    ``training`` holds the signals of each training case study computed without its own links
    and justifications (leave-one-out inside the training set): the rows the combiner learns from.
    """

    def __init__(self, corpus: Corpus, train: np.ndarray) -> None:
        self.corpus = corpus
        items = [corpus.items[i] for i in train]
        self.labels = corpus.labels[train]
        self.base_rate = (self.labels.sum(axis=0) + 1) / (len(train) + 2)
        self.words = Words([item.words for item in items])
        self._word_vectors = self.words.vectors([item.words for item in items])
        self._concept_word_vectors = self.words.vectors(corpus.concept_words)
        self._words_model = Ridge.fit(self._word_vectors, self.labels)
        self._embedding_model = Ridge.fit(np.array([i.doc_vector for i in items]), self.labels)
        position = {int(doc): row for row, doc in enumerate(train)}
        kept = [j for j in corpus.justifications if j.case_study in position]
        self._justification_owner = np.array([position[j.case_study] for j in kept], dtype=int)
        self._justification_of = np.zeros((len(kept), len(corpus.kinds)), dtype=bool)
        self._justification_of[np.arange(len(kept)), [j.concept for j in kept]] = True
        self._justification_words = self.words.vectors([j.words for j in kept])
        # the words of all justifications of a concept together, as sums of the unit rows, so
        # that one case study's own can be taken out again: overlaps via the rows' Gram matrix
        self._gram = self._justification_words @ self._justification_words.T
        self._concept_gram = self._justification_of.T.astype(float) @ self._gram
        self._profile_norms = (self._concept_gram * self._justification_of.T).sum(axis=1)
        raw = np.array(
            [self._zero_shot_raw(item, self._word_vectors[row]) for row, item in enumerate(items)]
        )
        self._zero_shot_mean = raw.mean(axis=0)
        std = raw.std(axis=0)
        self._zero_shot_std = np.where(std > 1e-9, std, 1.0)
        self.training = np.array(
            [self._signals(item, self._word_vectors[row], row) for row, item in enumerate(items)]
        )

    def _zero_shot_raw(self, item: Item, words: np.ndarray) -> np.ndarray:
        similarity = item.passage_vectors @ self.corpus.concept_vectors.T
        best = np.sort(similarity, axis=0)[-BEST_PASSAGES:].mean(axis=0)
        return np.stack([best, self._concept_word_vectors @ words])

    def _signals(self, item: Item, words: np.ndarray, row: int | None) -> np.ndarray:
        """Signals (concepts, SIGNALS) of one item; ``row`` is its training row, if it has one."""
        out = np.zeros((len(self.corpus.kinds), len(SIGNALS)))
        raw = self._zero_shot_raw(item, words)
        out[:, 0:2] = ((raw - self._zero_shot_mean) / self._zero_shot_std).T
        if row is None:
            out[:, 2] = self._words_model.predict(words[None])[0]
            out[:, 3] = self._embedding_model.predict(item.doc_vector[None])[0]
        else:
            out[:, 2] = self._words_model.loo[row]
            out[:, 3] = self._embedding_model.loo[row]
        if len(self._justification_owner):
            # the words of other case studies' justifications of each concept, all together
            own = self._justification_owner == row
            of = self._justification_of.T.astype(float)
            overlap = of @ (self._justification_words @ words)
            squared = self._profile_norms.copy()
            if own.any():
                mine = of[:, own]
                overlap -= mine @ (self._justification_words[own] @ words)
                squared += -2 * (mine * self._concept_gram[:, own]).sum(axis=1) + (
                    (mine @ self._gram[np.ix_(own, own)]) * mine
                ).sum(axis=1)
            norms = np.sqrt(np.clip(squared, 0, None))
            out[:, 4] = np.where(norms > 1e-9, overlap, 0) / np.where(norms > 1e-9, norms, 1)
        return out

    def signals(self, item: Item) -> np.ndarray:
        """Signals (concepts, SIGNALS) of a text that is not among the training case studies."""
        return self._signals(item, self.words.vectors([item.words])[0], None)

    def evidence(self, item: Item) -> np.ndarray:
        """Per concept, the passage that supports it best.

        Closest to the concept's definition in the embedding, plus closest in words to what the
        curators wrote when they linked that concept, so the evidence reads like their reasons.
        """
        score = item.passage_vectors @ self.corpus.concept_vectors.T
        if len(self._justification_owner):
            profiles = self._justification_of.T.astype(float) @ self._justification_words
            norms = np.linalg.norm(profiles, axis=1)
            profiles /= np.where(norms > 0, norms, 1)[:, None]
            score = score + self.words.vectors(item.passage_words) @ profiles.T
        return np.asarray(score.argmax(axis=0))


# ---------------------------------------------------------------------------- combination


def _design(signals: np.ndarray, base_rate: np.ndarray, method: Method) -> np.ndarray:
    """(concepts, rows, features): the method's signals, the base rate's logit, a constant.

    The zero-shot design has no base rate: it must not learn from the curated links per concept.
    """
    chosen = signals[..., COLUMNS[method]]
    parts = [chosen]
    if method != "zero-shot":
        prior = np.log(base_rate / (1 - base_rate))
        parts.append(np.broadcast_to(prior[None, :, None], (*chosen.shape[:2], 1)))
    parts.append(np.ones((*chosen.shape[:2], 1)))
    return np.concatenate(parts, axis=-1).transpose(1, 0, 2)


@dataclass(frozen=True)
class Combiner:
    """Shared and per-concept logistic weights over the signals of one method."""

    method: Method
    weights: np.ndarray

    @classmethod
    def fit(
        cls,
        signals: np.ndarray,
        labels: np.ndarray,
        base_rate: np.ndarray,
        method: Method,
        concept_penalty: float | None,
    ) -> Combiner:
        """Shared weights over all pairs; then, unless zero-shot, penalised per-concept weights.

        Zero-shot keeps the shared weights only: two numbers for all concepts (how to mix the
        embedding and the words), so a concept's own curated links never shape its zero-shot score.
        """
        x = _design(signals, base_rate, method)
        concepts, rows, k = x.shape
        scale = x.reshape(-1, k).std(axis=0)
        scale[-1] = 1.0
        scale = np.where(scale > 1e-9, scale, 1.0)
        x = x / scale
        y = labels.T.astype(np.float64)
        penalty = np.full(k, SHARED_PENALTY * rows)
        penalty[-1] = 0.0
        shared = fit_logistic(x.reshape(1, -1, k), y.reshape(1, -1), np.zeros((1, k)), penalty)
        weights = np.repeat(shared, concepts, axis=0)
        if concept_penalty is not None:
            weights = fit_logistic(x, y, weights, np.full(k, concept_penalty))
        return cls(method, weights / scale)

    def predict(self, signals: np.ndarray, base_rate: np.ndarray) -> np.ndarray:
        """Probabilities (rows, concepts)."""
        x = _design(signals, base_rate, self.method)
        return sigmoid(np.einsum("crf,cf->rc", x, self.weights))


@dataclass(frozen=True)
class KindRule:
    """Kinds of concept (action field, principle, ...) that every training case study has.

    Each gets its best concept suggested even below the threshold: the shapes require an action
    field and every curated case study has a principle, so an empty answer would surely be wrong.
    """

    masks: np.ndarray

    @classmethod
    def learn(cls, kinds: list[str], labels: np.ndarray) -> KindRule:
        """The kinds that every one of these case studies is linked to at least once."""
        masks = [
            mask
            for kind in sorted(set(kinds))
            if (labels[:, mask := np.array([k == kind for k in kinds])].sum(axis=1) > 0).all()
        ]
        return cls(np.array(masks, dtype=bool).reshape(-1, len(kinds)))


def decide(probability: np.ndarray, threshold: float, rule: KindRule) -> np.ndarray:
    """Suggest what reaches the threshold, and the best concept of each kind in ``rule``."""
    flat = probability.reshape(-1, probability.shape[-1])
    decided = flat >= threshold
    for mask in rule.masks:
        columns = np.flatnonzero(mask)
        decided[np.arange(len(flat)), columns[np.argmax(flat[:, columns], axis=1)]] = True
    return decided.reshape(probability.shape)


def best_threshold(probability: np.ndarray, labels: np.ndarray, rule: KindRule) -> float:
    """The threshold with the best micro-F1 on these predictions, under the rule in ``decide``."""
    best = (-1.0, 0.5)
    for threshold in np.unique(np.round(probability, 2)):
        decided = decide(probability, float(threshold), rule)
        tp = float((decided & (labels == 1)).sum())
        wrong = float((decided != (labels == 1)).sum())
        score = 2 * tp / (2 * tp + wrong) if tp else 0.0
        if score > best[0]:
            best = (score, float(threshold))
    return best[1]


@dataclass(frozen=True)
class Decider:
    """A fitted combiner with its calibrated threshold."""

    combiner: Combiner
    threshold: float


@dataclass(frozen=True)
class LinkModel:
    """Signals and, per method, a combiner with its calibrated threshold."""

    signals: SignalModel
    deciders: dict[Method, Decider]
    rule: KindRule

    @classmethod
    def fit(cls, corpus: Corpus, train: np.ndarray) -> LinkModel:
        """Fit everything on the case studies ``train`` and nothing else."""
        signals = SignalModel(corpus, train)
        rule = KindRule.learn(corpus.kinds, signals.labels)
        deciders = {method: cls._calibrate(signals, method, rule) for method in METHODS}
        return cls(signals, deciders, rule)

    @staticmethod
    def _calibrate(signals: SignalModel, method: Method, rule: KindRule) -> Decider:
        """Penalty and threshold from out-of-fold predictions inside the training set."""
        rows, labels = signals.training, signals.labels
        folds = np.arange(len(labels)) % FOLDS
        penalties: tuple[float | None, ...] = (
            (None,) if method == "zero-shot" else CONCEPT_PENALTIES
        )
        best: tuple[float, float | None, np.ndarray] | None = None
        for penalty in penalties:
            predicted = np.zeros(labels.shape)
            for fold in range(FOLDS):
                inside, outside = folds != fold, folds == fold
                base = (labels[inside].sum(axis=0) + 1) / (inside.sum() + 2)
                combiner = Combiner.fit(rows[inside], labels[inside], base, method, penalty)
                predicted[outside] = combiner.predict(rows[outside], base)
            p = np.clip(predicted, 1e-6, 1 - 1e-6)
            loss = float(-(labels * np.log(p) + (1 - labels) * np.log(1 - p)).sum())
            if best is None or loss < best[0]:
                best = (loss, penalty, predicted)
        assert best is not None
        _, penalty, predicted = best
        combiner = Combiner.fit(rows, labels, signals.base_rate, method, penalty)
        return Decider(combiner, best_threshold(predicted, labels, rule))

    def score(self, item: Item) -> Scores:
        """Probabilities, decisions and evidence for a text outside the training set."""
        signals = self.signals.signals(item)[None]
        probability: dict[Method, np.ndarray] = {}
        decision: dict[Method, np.ndarray] = {}
        threshold: dict[Method, float] = {}
        for method, decider in self.deciders.items():
            p = decider.combiner.predict(signals, self.signals.base_rate)[0]
            probability[method] = p
            decision[method] = decide(p, decider.threshold, self.rule)
            threshold[method] = decider.threshold
        return Scores(probability, decision, threshold, self.signals.evidence(item))

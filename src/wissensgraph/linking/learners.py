"""The small learners behind the link model: logistic and ridge regression, word features."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

#: Ridge penalties tried by leave-one-out, smallest first.
RIDGE_PENALTIES = (0.1, 0.3, 1.0, 3.0, 10.0)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, prior: np.ndarray, penalty: np.ndarray, iterations: int = 30
) -> np.ndarray:
    """Penalised logistic regressions, many at once, by Newton's method.

    ``x`` is (models, rows, features) with a column of ones for the intercept, ``y`` (models, rows),
    ``prior`` (models, features) the weights each is pulled towards with ``penalty`` (features,).
    Small problems (a few hundred rows, a dozen features) converge in a few steps.
    """
    weights = prior.astype(np.float64).copy()
    eye = np.eye(x.shape[2])
    for _ in range(iterations):
        p = sigmoid(np.einsum("mrf,mf->mr", x, weights))
        gradient = np.einsum("mrf,mr->mf", x, p - y) + penalty * (weights - prior)
        curvature = (x * (p * (1 - p))[..., None]).transpose(0, 2, 1) @ x + eye * (penalty + 1e-6)
        step = np.linalg.solve(curvature, gradient[..., None])[..., 0]
        weights -= step
        if np.abs(step).max() < 1e-6:
            break
    return weights


@dataclass(frozen=True)
class Ridge:
    """Ridge regression in dual form with exact leave-one-out predictions of its training rows.

    The intercept is a constant feature (weakly penalised); the penalty is the one with the least
    leave-one-out squared error, so it is chosen on the training rows alone.
    """

    train: np.ndarray
    alpha: np.ndarray
    loo: np.ndarray
    penalty: float

    INTERCEPT = 10.0

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray) -> Ridge:
        """Fit all columns of ``y`` at once on the rows of ``x``."""
        kernel = x @ x.T + cls.INTERCEPT
        values, vectors = np.linalg.eigh(kernel)
        values = np.clip(values, 0, None)
        best: tuple[float, np.ndarray, np.ndarray, float] | None = None
        for penalty in RIDGE_PENALTIES:
            inverse = (vectors / (values + penalty)) @ vectors.T
            alpha = inverse @ y
            hat = kernel @ inverse
            leverage = np.clip(np.diag(hat), None, 1 - 1e-6)[:, None]
            loo = (kernel @ alpha - leverage * y) / (1 - leverage)
            error = float(((loo - y) ** 2).sum())
            if best is None or error < best[0]:
                best = (error, alpha, loo, penalty)
        assert best is not None
        return cls(x, best[1], best[2], best[3])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predictions for new rows."""
        return (x @ self.train.T + self.INTERCEPT) @ self.alpha


class Words:
    """TF-IDF over the training case studies' words (sublinear term frequency, unit length)."""

    def __init__(self, documents: list[list[str]]) -> None:
        frequency = Counter(w for words in documents for w in set(words))
        self._column = {w: i for i, w in enumerate(sorted(frequency))}
        n = len(documents)
        self._idf = np.array(
            [math.log((1 + n) / (1 + frequency[w])) + 1 for w in sorted(frequency)]
        )

    def vectors(self, documents: list[list[str]]) -> np.ndarray:
        """One unit-length row per list of words; unknown words are ignored."""
        out = np.zeros((len(documents), len(self._column)))
        for row, words in enumerate(documents):
            for word, count in Counter(words).items():
                if (column := self._column.get(word)) is not None:
                    out[row, column] = 1 + math.log(count)
        out *= self._idf
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

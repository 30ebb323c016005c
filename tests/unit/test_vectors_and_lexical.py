"""FAISS and BM25 on their own: random vectors and tiny texts, no model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wissensgraph.search import vectors as vectors_module
from wissensgraph.search.lexical import LexicalIndex, tokens
from wissensgraph.search.vectors import VectorIndex


def _unit(rows: int, dim: int = 32, seed: int = 1) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_each_vector_finds_itself_first(kind: str) -> None:
    vectors = _unit(300)
    index = VectorIndex.build(vectors, kind)  # type: ignore[arg-type]
    for row in (0, 17, 299):
        scores, rows = index.search(vectors[row], 3)
        assert rows[0] == row and scores[0] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_allowed_rows_filter_before_ranking(kind: str) -> None:
    vectors = _unit(300)
    index = VectorIndex.build(vectors, kind)  # type: ignore[arg-type]
    allowed = np.array([5, 50, 150, 250])
    scores, rows = index.search(vectors[0], 10, allowed)
    assert sorted(rows.tolist()) == allowed.tolist()  # k shrinks to what is allowed, none lost
    assert list(scores) == sorted(scores, reverse=True)


@pytest.mark.parametrize("k", [1, 10, 150, 301])
def test_a_scan_in_parts_finds_what_one_scan_finds(monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    vectors = _unit(301)
    vectors[200] = vectors[3]  # equal scores on both sides of the split go by row
    index = VectorIndex.build(vectors, "flat")
    query = _unit(1, seed=7)[0]
    monkeypatch.setattr(vectors_module, "PARTS", 2)
    monkeypatch.setattr(vectors_module, "PARALLEL_ROWS", 10**9)
    whole = index.search(query, k)
    monkeypatch.setattr(vectors_module, "PARALLEL_ROWS", 100)
    assert index._in_parts()
    parts = index.search(query, k)
    # the same rows with the same scores; FAISS leaves the order of equal scores open
    assert set(parts[1].tolist()) == set(whole[1].tolist()) and np.allclose(parts[0], whole[0])
    assert len(parts[1]) == min(k, 301)
    assert np.array_equal(parts[1], whole[1][np.lexsort((whole[1], -whole[0]))])
    found = index.search(vectors[3], 2)[1].tolist()
    assert found == [3, 200]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_vector_index_round_trip(tmp_path: Path, kind: str) -> None:
    vectors = _unit(50)
    VectorIndex.build(vectors, kind).save(tmp_path / "v.faiss")  # type: ignore[arg-type]
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert len(loaded) == 50 and loaded.dimension == 32
    assert np.allclose(loaded.vectors(np.array([3, 7])), vectors[[3, 7]])
    # the file is mapped, not read: a newer index saved over it must not change this one
    (tmp_path / "v.faiss").unlink()
    VectorIndex.build(_unit(50, seed=2), kind).save(tmp_path / "v.faiss")  # type: ignore[arg-type]
    assert loaded.search(vectors[9], 1)[1][0] == 9
    assert np.allclose(loaded.vectors(np.array([9])), vectors[9])


def test_german_stemming_and_umlauts() -> None:
    assert set(tokens("Erbbaurechte")) & set(tokens("Erbbaurecht"))
    assert set(tokens("Städte")) & set(tokens("Staedte"))
    assert "der" not in tokens("der Garten")


def test_bm25_finds_exact_terms_and_round_trips(tmp_path: Path) -> None:
    texts = ["Erbbaurecht für die Genossenschaft in Krefeld", "cooperative housing", "Leerstand"]
    index = LexicalIndex.build(texts)
    assert int(np.argmax(index.scores("Erbbaurechte Krefeld"))) == 0
    assert not index.scores("unbekanntes Wort").any()
    index.save(tmp_path / "bm25")
    assert np.allclose(
        LexicalIndex.load(tmp_path / "bm25").scores("Leerstände"), index.scores("Leerstand")
    )


def test_bm25_updated_from_kept_tokens_scores_as_a_new_build(tmp_path: Path) -> None:
    texts = [
        "Genossenschaft baut Wohnungen auf einem Kasernengelände",
        "Kulturzentrum in einer leeren Fabrikhalle",
        "Zwischennutzung eines Kaufhauses durch Kreative",
    ]
    index = LexicalIndex.build(texts)
    index.save(tmp_path / "bm25")
    saved = LexicalIndex.load(tmp_path / "bm25")
    # the second document goes, the third stays, a new one (with a new word) comes first
    new = "Erbbaurecht für eine Genossenschaft im Hafenviertel"
    followed = saved.updated([new, 0, 2])
    rebuilt = LexicalIndex.build([new, texts[0], texts[2]])
    for query in ("Genossenschaft", "Hafenviertel Erbbaurecht", "Fabrikhalle", "Kaufhaus Kreative"):
        assert np.array_equal(followed.scores(query), rebuilt.scores(query))
    assert followed.updatable and followed.scores("Fabrikhalle").max() == 0.0


def test_bm25_matrix_is_the_one_bm25s_builds() -> None:
    import bm25s

    texts = [
        "Genossenschaft baut Wohnungen auf einem Kasernengelände, Genossenschaft wächst",
        "Kulturzentrum in einer leeren Fabrikhalle der Stadt",
        "",
        "Zwischennutzung eines Kaufhauses durch Kreative in der Stadt Stadt Stadt",
    ]
    ours = LexicalIndex.build(texts)
    theirs = bm25s.BM25()
    theirs.index([tokens(t) for t in texts], show_progress=False)
    queries = ("Genossenschaft Stadt", "Fabrikhalle", "Stadt Kreative Stadt Wohnungen", "nichts")
    for query in queries:
        expected = [t for t in tokens(query) if t in theirs.vocab_dict]
        assert np.array_equal(
            ours.scores(query),
            theirs.get_scores(expected) if expected else np.zeros(len(texts), np.float32),
        )

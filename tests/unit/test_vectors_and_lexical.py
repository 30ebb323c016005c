"""FAISS and BM25 on their own: random vectors and tiny texts, no model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def _exact_top(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray) -> list[int]:
    """The float32 top k by a plain product, equal scores by row."""
    scores = vectors[allowed] @ query
    return allowed[np.lexsort((allowed, -scores))[:k]].tolist()


def _near_ties(rows: int, tied: int, dim: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """``tied`` rows whose scores half precision cannot tell apart, among unrelated ones.

    The query is the first axis, so a row's score is its first component, exact in float32.
    The tied rows' first components lie within half a half-precision step above 0.75 (2^-11),
    so all round to 0.75: the half-precision scan sees one score, and its order says nothing.
    The best of them are the last rows, which a scan that keeps the first of equal scores
    fetches last; two are exactly equal, to pin that equal scores go by row.
    """
    query = np.zeros(dim, dtype=np.float32)
    query[0] = 1.0
    vectors = _unit(rows, dim, seed=12) * 0.5
    first = 0.75 + np.linspace(0.0, 2.0**-12, tied, endpoint=False)
    first[tied - 1] = first[tied - 2]
    vectors[:tied] = 0.0
    vectors[:tied, 0] = first
    vectors[:tied, 1] = np.sqrt(1.0 - first**2)
    return vectors.astype(np.float32), query


@pytest.mark.parametrize("k", [1, 10, 100, 150, 400])
@pytest.mark.parametrize("filtered", [False, True])
def test_flat_search_is_exact_where_half_precision_cannot_tell(k: int, filtered: bool) -> None:
    # 300 near ties for a top 100 are more than the twice k fetched first: the scan must go on
    vectors, query = _near_ties(400, 300)
    allowed = np.arange(0, 400, 2 if filtered else 1)
    index = VectorIndex.build(vectors, "flat")
    scores, rows = index.search(query, k, allowed if filtered else None)
    expected = _exact_top(vectors, query, k, allowed)
    if k == 100 and not filtered:  # the fixture is as hard as it says: the first fetch misses
        assert not set(expected) <= set(index._half.search(query[None, :], 2 * k)[1][0])
    assert rows.tolist() == expected
    assert np.allclose(scores, vectors[expected] @ query, atol=1e-6)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_vector_index_round_trip(tmp_path: Path, kind: str) -> None:
    vectors = _unit(50)
    VectorIndex.build(vectors, kind).save(tmp_path / "v.faiss")  # type: ignore[arg-type]
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert len(loaded) == 50 and loaded.dimension == 32
    assert np.allclose(loaded.vectors(np.array([3, 7])), vectors[[3, 7]])
    # the files are mapped, not read: a newer index saved over them must not change this one
    VectorIndex.build(_unit(50, seed=2), kind).save(tmp_path / "v.faiss")  # type: ignore[arg-type]
    assert loaded.search(vectors[9], 1)[1][0] == 9
    assert np.allclose(loaded.vectors(np.array([9])), vectors[9])


def test_flat_search_finds_rows_that_half_precision_ranks_lower() -> None:
    """Half precision can put a worse row above a better one; the margin still finds the better.

    Query (0.6, 0.8). The 20 'worse' rows have a first component half precision rounds up by
    0.45 of a step (u = 2^-11), the 10 'better' ones a first component 0.1 u lower, which it
    rounds down by 0.45 u, and a second component higher by u/2, which it keeps: exactly the
    better ones win by 0.34 u, in half precision the worse ones by 0.2 u.
    """
    step = 2.0**-11
    vectors = _unit(100, 64, seed=21) * 0.3
    vectors[:30] = 0.0
    vectors[:20, 0], vectors[:20, 1] = 0.75 + 0.55 * step, 0.375
    vectors[20:30, 0], vectors[20:30, 1] = 0.75 + 0.45 * step, 0.375 + step / 2
    query = np.zeros(64, dtype=np.float32)
    query[:2] = 0.6, 0.8
    index = VectorIndex.build(vectors.astype(np.float32), "flat")
    assert index.search(query, 10)[1].tolist() == list(range(20, 30))


def test_a_flat_index_saved_without_its_half_precision_copy_still_searches(tmp_path: Path) -> None:
    vectors, query = _near_ties(200, 120)
    VectorIndex.build(vectors, "flat").save(tmp_path / "v.faiss")
    (tmp_path / "v.fp16.faiss").unlink()
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.search(query, 50)[1].tolist() == _exact_top(vectors, query, 50, np.arange(200))


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

"""The index follows store versions: no graph query at a start it is current for, one encoded
case study after one changed case study, and never an index of an older graph."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from wissensgraph.api.app import SearchState
from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.search import freshness
from wissensgraph.search import index as index_module
from wissensgraph.search.encoder import get_encoder
from wissensgraph.search.freshness import current_store_version, ensure_index
from wissensgraph.search.index import load_index
from wissensgraph.store.graph import KnowledgeGraph, build

CHANGED = "zam-erlangen"


@pytest.fixture()
def settings(tmp_path: Path) -> Iterator[Settings]:
    """A home built from a copy of the real data, with a current index."""
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "fallstudien", data / "fallstudien")
    shutil.copytree(PROJECT_ROOT / "data" / "akteure", data / "akteure")
    settings = Settings(home=tmp_path / "home", data_dir=data)
    build(settings)
    ensure_index(settings, KnowledgeGraph.open(settings))
    yield settings


def _no_graph_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the documents were read from the graph")

    monkeypatch.setattr(freshness, "load_documents", refuse)
    monkeypatch.setattr(freshness, "load_concepts", refuse)


def _change_abstract(settings: Settings, sentence: str) -> None:
    """Put a sentence in front of one case study's German abstract and build a new version."""
    path = settings.data_dir / "fallstudien" / f"{CHANGED}.ttl"
    content = path.read_text(encoding="utf-8")
    path.write_text(
        content.replace('dcterms:abstract """', f'dcterms:abstract """{sentence} ', 1),
        encoding="utf-8",
    )
    build(settings)


def test_start_with_an_index_for_this_store_reads_no_documents(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_graph_reads(monkeypatch)
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert not status.rebuilt and status.encoded == 0
    assert index.manifest["store"] == current_store_version(settings)
    searcher = SearchState(settings).current()  # the server's start takes the same path
    assert searcher.search("Makerspace Erlangen", k=3).hits[0].slug == CHANGED


def test_new_store_version_with_same_documents_keeps_the_index(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = current_store_version(settings)
    build(settings)  # the same data again: a new store version
    assert current_store_version(settings) != before
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert not status.rebuilt and index.manifest["store"] == current_store_version(settings)
    _no_graph_reads(monkeypatch)  # the manifest now names the new version
    assert not ensure_index(settings, KnowledgeGraph.open(settings))[1].rebuilt


def test_one_changed_case_study_is_the_only_one_encoded(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = load_index(settings.index_dir)
    old_vectors = before.vectors.vectors(np.arange(len(before.passages)))

    def key(index: index_module.SearchIndex, row: int) -> tuple[str, int]:
        doc = int(index.passage_list.owners[row])
        return index.table.iris[doc], row - index.passage_list.rows_of(doc).start

    old_rows = {key(before, row): row for row in range(len(before.passages))}
    _change_abstract(settings, "Ein offener Makerspace in einem leeren Kaufhaus der Altstadt.")
    encoder = get_encoder(settings.search_model)
    encoded: list[str] = []
    original = encoder.encode

    def spy(texts: list[str], *, progress: bool = False) -> np.ndarray:
        encoded.extend(texts)
        return original(texts, progress=progress)

    monkeypatch.setattr(encoder, "encode", spy)
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert status.rebuilt and status.encoded == 1
    changed = next(i for i, iri in enumerate(index.table.iris) if iri.endswith(CHANGED))
    assert encoded == [index.passages[r].text for r in index.passage_list.rows_of(changed)]
    assert any("leeren Kaufhaus" in text for text in encoded)
    vectors = index.vectors.vectors(np.arange(len(index.passages)))
    for row, passage in enumerate(index.passages):
        if passage.doc != changed:  # unchanged documents keep their vectors exactly
            old = old_rows[key(index, row)]
            assert np.array_equal(vectors[row], old_vectors[old])
    monkeypatch.setattr(encoder, "encode", original)
    fresh = original([p.text for p in index.passages])
    assert np.allclose(vectors, fresh, atol=1e-5)  # the same vectors a full build would give


def test_a_stale_index_is_never_served(settings: Settings) -> None:
    state = SearchState(settings)
    assert state.current().search("Makerspace Erlangen", k=1).hits[0].slug == CHANGED
    (settings.data_dir / "fallstudien" / f"{CHANGED}.ttl").unlink()
    build(settings)  # a new store version without the case study
    assert state.ready() is None  # so a request reloads (in a thread) before it searches
    searcher = state.current()
    assert state.ready() is searcher
    assert CHANGED not in {h.slug for h in searcher.search("Makerspace Erlangen", k=50).hits}
    assert not any(iri.endswith(CHANGED) for iri in searcher.index.table.iris)
    # a manifest that claims the current store but was written for other settings is rebuilt
    manifest = settings.index_dir / "manifest.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('"format": 2', '"format": 1'),
        encoding="utf-8",
    )
    assert ensure_index(settings, KnowledgeGraph.open(settings))[1].rebuilt


def _count_full_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time the index reads every document from the graph."""
    calls: list[int] = []
    original = freshness.load_documents

    def counting(graph: KnowledgeGraph) -> list:
        calls.append(1)
        return original(graph)

    monkeypatch.setattr(freshness, "load_documents", counting)
    return calls


def test_an_index_of_another_store_version_is_not_taken_on_trust(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _change_abstract(settings, "Ein offener Makerspace in einem leeren Kaufhaus der Altstadt.")
    calls = _count_full_reads(monkeypatch)
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert calls == [1] and status.rebuilt
    assert any("leeren Kaufhaus" in p.text for p in index.passages)


# ---------------------------------------------------------------- following curators' writes

QUERIES = ["Makerspace Erlangen", "Testplatz Kassel Nachbarschaft", "Genossenschaft Wohnen"]


def _write(settings: Settings, slug: str, mode: str = "create", **changes: object) -> None:
    """One curator's write through the real write path (a new store version with its record)."""
    from tests.writes.conftest import form
    from wissensgraph.curation import pipeline as writes
    from wissensgraph.curation.form import CaseStudyForm

    if mode == "delete":
        writes.delete(settings, slug, curator="Erika Muster", source="test")
        return
    submission = [CaseStudyForm.model_validate(form(slug, **changes))]
    writes.submit(settings, submission, mode=mode, curator="Erika Muster", source="test")  # type: ignore[arg-type]


def _follow(settings: Settings) -> index_module.SearchIndex:
    """The index after following the store, which must not have read all documents."""
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert status.reason.startswith("nachgeführt"), status.reason
    return index


def _assert_same_as_full_build(settings: Settings, index: index_module.SearchIndex) -> None:
    """The followed index is the one a build from all documents makes, and ranks the same."""
    from dataclasses import asdict

    from wissensgraph.documents import load_concepts, load_documents
    from wissensgraph.search.hybrid import Searcher
    from wissensgraph.search.index import build_index

    graph = KnowledgeGraph.open(settings)
    encoder = get_encoder(settings.search_model)
    full = build_index(load_documents(graph), load_concepts(graph), encoder, settings)
    assert [asdict(d) for d in index.documents] == [asdict(d) for d in full.documents]
    assert index.table.iris == full.table.iris and index.hashes == full.hashes
    for column in ("titles_de", "titles_en", "cities", "start", "end"):
        assert np.array_equal(getattr(index.table, column), getattr(full.table, column))
    for facet, postings in full.table.postings.items():
        ours = index.table.postings[facet]
        assert ours.concepts == postings.concepts
        assert np.array_equal(ours.starts, postings.starts)
        assert np.array_equal(ours.documents, postings.documents)
        assert ours.documents.dtype == postings.documents.dtype
    assert list(index.passages) == list(full.passages)
    count = len(full.passages)
    assert np.allclose(
        index.vectors.vectors(np.arange(count)), full.vectors.vectors(np.arange(count)), atol=1e-5
    )
    assert np.allclose(index.doc_vectors, full.doc_vectors, atol=1e-5)
    assert index.manifest["fingerprint"] == full.manifest["fingerprint"]
    for query in QUERIES:
        assert np.array_equal(index.lexical.scores(query), full.lexical.scores(query))
        ours, theirs = (Searcher(i, encoder).search(query, k=10) for i in (index, full))
        assert [h.slug for h in ours.hits] == [h.slug for h in theirs.hits]
        assert [h.score for h in ours.hits] == pytest.approx([h.score for h in theirs.hits])
    # and what was saved is what is served
    saved = load_index(settings.index_dir)
    assert saved.manifest == index.manifest and saved.table.iris == index.table.iris


def test_following_create_replace_and_delete_equals_a_full_build(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_all: list[int] = []
    original = freshness.load_documents

    def counting(graph: KnowledgeGraph, iris: object = None) -> list:
        read_all.append(1)
        return original(graph, iris)  # type: ignore[arg-type]

    monkeypatch.setattr(freshness, "load_documents", counting)

    _write(settings, "w-folgen")
    index = _follow(settings)
    assert index.manifest["encoded_documents"] == 1
    assert any(iri.endswith("w-folgen") for iri in index.table.iris)
    _assert_same_as_full_build(settings, index)

    _write(settings, "w-folgen", "replace", zusammenfassung=" ".join(["Ein Makerspace."] * 30))
    index = _follow(settings)
    assert index.manifest["encoded_documents"] == 1
    _assert_same_as_full_build(settings, index)

    _write(settings, "w-folgen", "delete")
    index = _follow(settings)
    assert not any(iri.endswith("w-folgen") for iri in index.table.iris)
    _assert_same_as_full_build(settings, index)
    assert read_all == [], "the full path read every document"


def test_two_writes_in_a_row_are_followed_at_once(settings: Settings) -> None:
    _write(settings, "w-erste")
    _write(settings, "w-zweite", titel="Testplatz Zweite")
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert status.reason == "nachgeführt: 2 geänderte Fallstudie(n)" and status.encoded == 2
    _assert_same_as_full_build(settings, index)
    state = SearchState(settings)  # a server start on it reads the saved files only
    assert state.current().index.manifest["build"] == index.manifest["build"]


def test_a_missing_change_record_reads_everything_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wissensgraph.store.versions import changes_record

    _write(settings, "w-erste")
    _write(settings, "w-zweite")
    first = changes_record(settings.store_dir.resolve()).read_text(encoding="utf-8")
    parent = settings.store_dir.resolve().with_name(json.loads(first)["parent"])
    changes_record(parent).unlink()  # the chain back to the index's version is broken
    calls = _count_full_reads(monkeypatch)
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert calls == [1] and status.rebuilt and not status.reason.startswith("nachgeführt")
    assert {"w-erste", "w-zweite"} <= {index.table.slug(i) for i in range(len(index.table))}


def test_a_build_between_writes_is_not_followed(settings: Settings) -> None:
    _write(settings, "w-erste")
    build(settings)  # reads the files again: no change record, anything may have changed
    _write(settings, "w-zweite")
    index, status = ensure_index(settings, KnowledgeGraph.open(settings))
    assert not status.reason.startswith("nachgeführt")
    _assert_same_as_full_build(settings, index)

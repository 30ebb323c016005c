"""Hybrid search on the real collection with the default (offline) encoder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.errors import NotFound, ParameterError
from wissensgraph.search.evaluation import evaluate, load_judgements, load_pool
from wissensgraph.search.freshness import ensure_index
from wissensgraph.search.hybrid import Searcher
from wissensgraph.search.results import Filters
from wissensgraph.store.graph import KnowledgeGraph, build


def test_hybrid_beats_each_retriever_alone(searcher: Searcher) -> None:
    judged = load_judgements(PROJECT_ROOT / "data" / "eval" / "search_queries.jsonl")
    assert len(judged) >= 40
    pool = load_pool(PROJECT_ROOT / "data" / "eval" / "judged_pool.txt")
    assert pool is not None and len(pool) == 45
    scores = {
        mode: evaluate(searcher, judged, mode, pool).ndcg for mode in ("dense", "lexical", "hybrid")
    }
    assert scores["hybrid"] > scores["lexical"] and scores["hybrid"] > scores["dense"], scores


def test_english_query_reaches_german_case_studies(searcher: Searcher) -> None:
    result = searcher.search("cooperative housing on a former industrial site", k=5, lang="en")
    slugs = [h.slug for h in result.hits]
    assert {"zentralwerk-dresden", "hunziker-areal-zuerich"} & set(slugs)
    assert "Konversion" in result.expanded or "Conversion" in result.expanded


def test_hits_explain_themselves(searcher: Searcher) -> None:
    result = searcher.search("Erbbaurecht für Kulturprojekte", k=5)
    top = result.hits[0]
    assert top.ranks and top.score > 0
    document = next(d for d in searcher.index.documents if d.slug == top.slug)
    assert top.passage in [text for _, text in document.passages()]
    assert top.passage in document.abstract_de  # the reader's language, from the abstract
    english = searcher.search("Erbbaurecht für Kulturprojekte", k=1, lang="en").hits[0]
    assert (
        english.passage
        in next(d for d in searcher.index.documents if d.slug == english.slug).abstract_en
    )
    assert "Erbbaurecht" in top.concepts


def test_filters_apply_before_ranking(searcher: Searcher) -> None:
    bavarian = [d.slug for d in searcher.index.documents if d.region.endswith("/bayern")]
    result = searcher.search("Genossenschaft Wohnen", k=10, filters=Filters(bundesland=("bayern",)))
    assert {h.slug for h in result.hits} <= set(bavarian)
    assert len(result.hits) == min(10, len(bavarian))  # not cut from a global top k
    years = searcher.search("Quartier", k=50, filters=Filters(von=2020, bis=2022))
    for hit in years.hits:
        doc = next(d for d in searcher.index.documents if d.slug == hit.slug)
        assert doc.start <= 2022 and (doc.end or 9999) >= 2020


def test_unknown_filter_value_names_the_problem(searcher: Searcher) -> None:
    with pytest.raises(ParameterError, match="handlungsfeld: gibtsnicht.*konversion"):
        searcher.search("x", filters=Filters(handlungsfeld=("gibtsnicht",)))
    with pytest.raises(ParameterError, match="leer"):
        searcher.search("   ")


def test_more_like_this(searcher: Searcher) -> None:
    similar = searcher.similar("alte-samtweberei-krefeld", k=4)
    assert len(similar) == 4 and "alte-samtweberei-krefeld" not in {h.slug for h in similar}
    with pytest.raises(NotFound):
        searcher.similar("gibt-es-nicht")


def test_index_is_reused_when_current_and_rebuilt_when_stale(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "fallstudien", data / "fallstudien")
    shutil.copytree(PROJECT_ROOT / "data" / "akteure", data / "akteure")
    settings = Settings(home=tmp_path / "home", data_dir=data)
    build(settings)
    _, first = ensure_index(settings, KnowledgeGraph.open(settings))
    _, second = ensure_index(settings, KnowledgeGraph.open(settings))
    assert first.rebuilt and not second.rebuilt
    (data / "fallstudien" / "zam-erlangen.ttl").unlink()
    build(settings)
    index, third = ensure_index(settings, KnowledgeGraph.open(settings))
    assert third.rebuilt and "fingerprint" in third.reason
    assert "zam-erlangen" not in {d.slug for d in index.documents}
    (settings.index_dir / "manifest.json").write_text('{"format": 0}', encoding="utf-8")
    _, fourth = ensure_index(settings, KnowledgeGraph.open(settings))
    assert fourth.rebuilt


def test_documents_of_some_case_studies_are_those_read_with_all(kg: KnowledgeGraph) -> None:
    from wissensgraph.documents import load_documents

    everything = load_documents(kg)
    wanted = [everything[-1].iri, everything[3].iri, everything[3].iri + "-gibt-es-nicht"]
    assert load_documents(kg, wanted) == [everything[3], everything[-1]]


def test_fingerprint_hashes_the_json_of_all_documents(kg: KnowledgeGraph) -> None:
    import hashlib
    import json
    from dataclasses import asdict

    from wissensgraph.documents import fingerprint, load_documents

    documents = load_documents(kg)
    # the definition every saved manifest was written with; the line form must keep it
    payload = json.dumps([asdict(d) for d in documents], sort_keys=True, ensure_ascii=False)
    assert fingerprint(documents) == hashlib.sha256(payload.encode("utf-8")).hexdigest()

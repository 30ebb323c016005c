"""Building the store: complete, repeatable, and never half-written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.errors import InputError, ShapeViolation, StoreError
from wissensgraph.store.graph import KnowledgeGraph, build

FIXTURE = PROJECT_ROOT / "tests" / "shapes" / "valid" / "case_study.ttl"
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER (!isBlank(?s) && !isBlank(?o)) }"


@pytest.fixture()
def small(tmp_path: Path) -> Settings:
    """A data folder with one valid case study, and a fresh home."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURE, data / "case_study.ttl")
    return Settings(home=tmp_path / "home", data_dir=data)


def _snapshot(settings: Settings) -> tuple[int, list[tuple[str | None, ...]]]:
    graph = KnowledgeGraph.open(settings)
    rows = sorted(tuple(r.values()) for r in graph.select(ALL_TRIPLES))
    return len(graph), rows


def test_build_loads_ontology_and_data(small: Settings) -> None:
    summary = build(small)
    graph = KnowledgeGraph.open(small)
    assert len(graph) == summary.ontology_triples + summary.data_triples
    counts = {r["field"]: int(r["count"]) for r in summary.case_studies_per_action_field}
    assert counts["https://w3id.org/wissensgraph/id/handlungsfeld/altbauquartiere"] == 1
    assert counts["https://w3id.org/wissensgraph/id/handlungsfeld/bestandsquartiere"] == 1
    assert counts["https://w3id.org/wissensgraph/id/handlungsfeld/konversion"] == 0


def test_building_twice_gives_the_same_graph(
    small: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wissensgraph.store import versions as store_versions

    monkeypatch.setattr(store_versions, "GRACE_SECONDS", 0.0)
    build(small)
    first = _snapshot(small)
    for _ in range(5):
        build(small)
        assert _snapshot(small) == first
    kept = [p.resolve() for p in (small.home / "stores").iterdir() if p.is_dir()]
    assert len(kept) == store_versions.KEEP_VERSIONS + 1, "old stores are removed, a few kept"
    assert small.store_dir.resolve() in kept


def test_syntax_error_names_the_file_and_keeps_the_store(small: Settings) -> None:
    build(small)
    before = _snapshot(small)
    link = small.store_dir.resolve()
    broken = small.data_dir / "kaputt.ttl"
    broken.write_text(
        "@prefix wg: <https://w3id.org/wissensgraph/ontology#> .\nwg:x wg:y \n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="kaputt.ttl"):
        build(small)
    assert small.store_dir.resolve() == link
    assert _snapshot(small) == before


def test_shape_violation_keeps_the_store(small: Settings) -> None:
    build(small)
    before = _snapshot(small)
    bad = PROJECT_ROOT / "tests" / "shapes" / "invalid" / "end_before_start.ttl"
    (small.data_dir / "case_study.ttl").write_text(
        bad.read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ShapeViolation) as caught:
        build(small)
    (result,) = [r for r in caught.value.report.results if r.path == "wg:endYear"]
    assert result.file is not None and result.file.name == "case_study.ttl"
    assert "Endjahr (2011)" in result.message("de") and "end year (2011)" in result.message("en")
    assert _snapshot(small) == before


def test_missing_store_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="wissensgraph build"):
        KnowledgeGraph.open(Settings(home=tmp_path))


def test_real_data_builds(kg: KnowledgeGraph) -> None:
    assert kg.ask("PREFIX wg: <https://w3id.org/wissensgraph/ontology#> ASK { ?c a wg:CaseStudy }")
    assert len(kg) > 4000

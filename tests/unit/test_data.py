"""The collection in data/: complete where the issues demand it, consistent, and sourced."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from wissensgraph.config import PROJECT_ROOT
from wissensgraph.namespaces import HF, WG
from wissensgraph.store.rdf_files import collect_files, parse_files
from wissensgraph.validation.shacl import load_shapes, validate_graph

SEED_FIELDS = {
    "Zentrenentwicklung": {HF.zentrenentwicklung},
    "Altbauquartiere": {HF.altbauquartiere},
    "Bestände 1950er-70er": {HF["bestaende-1950-1970"]},
    "Neubauquartiere": {HF.neubauquartiere},
    "Nachverdichtung, Arrondierung, Konversion": {
        HF.nachverdichtung,
        HF.arrondierung,
        HF.konversion,
    },
}


@pytest.fixture(scope="module")
def data() -> Graph:
    return parse_files(collect_files([PROJECT_ROOT / "data"])).graph


@pytest.fixture(scope="module")
def case_studies(data: Graph) -> list[URIRef]:
    return sorted(s for s in data.subjects(RDF.type, WG.CaseStudy) if isinstance(s, URIRef))


def test_all_data_conforms_to_the_shapes() -> None:
    files = collect_files([PROJECT_ROOT / "ontology", PROJECT_ROOT / "data"])
    report = validate_graph(parse_files(files).graph, load_shapes(PROJECT_ROOT / "shapes"))
    assert report.conforms, report.render("en")


def test_at_least_forty_case_studies_five_per_seed_field(
    data: Graph, case_studies: list[URIRef]
) -> None:
    assert len(case_studies) >= 40
    for name, fields in SEED_FIELDS.items():
        members = [cs for cs in case_studies if set(data.objects(cs, WG.actionField)) & fields]
        assert len(members) >= 5, f"{name}: {len(members)}"


def test_spread_over_at_least_eight_german_states(data: Graph, case_studies: list[URIRef]) -> None:
    regions = Counter(data.value(cs, WG.region) for cs in case_studies)
    assert len(regions) >= 8
    assert max(regions.values()) <= len(case_studies) // 4, "no single region dominates"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_bilingual_titles_and_abstracts_of_60_to_200_words(
    data: Graph, case_studies: list[URIRef], lang: str
) -> None:
    for cs in case_studies:
        titles = [t for t in data.objects(cs, DCTERMS.title) if t.language == lang]
        abstracts = [a for a in data.objects(cs, DCTERMS.abstract) if a.language == lang]
        assert len(titles) == 1, f"{cs}: title@{lang}"
        assert len(abstracts) == 1, f"{cs}: abstract@{lang}"
        words = len(str(abstracts[0]).split())
        assert 60 <= words <= 200, f"{cs}: {words} words @{lang}"


def test_every_case_study_has_a_followable_source(data: Graph, case_studies: list[URIRef]) -> None:
    for cs in case_studies:
        sources = list(data.objects(cs, DCTERMS.source))
        assert sources and all(str(s).startswith(("http://", "https://")) for s in sources), cs


def test_every_actor_used_is_described_once(data: Graph, case_studies: list[URIRef]) -> None:
    described = set(data.subjects(RDF.type, WG.Actor))
    used = {
        a
        for cs in case_studies
        for p in data.objects(cs, WG.participation)
        for a in data.objects(p, WG.actor)
    }
    assert used <= described, used - described
    files = collect_files([PROJECT_ROOT / "data" / "akteure"])
    assert len(files) == len({f.stem for f in files})


def test_recurring_actors_form_a_network(data: Graph, case_studies: list[URIRef]) -> None:
    counts = Counter(
        a
        for cs in case_studies
        for p in data.objects(cs, WG.participation)
        for a in data.objects(p, WG.actor)
    )
    assert sum(1 for n in counts.values() if n > 1) >= 8


def test_sources_table_covers_every_case_study(case_studies: list[URIRef]) -> None:
    table = (PROJECT_ROOT / "data" / "SOURCES.md").read_text(encoding="utf-8")
    missing = [cs for cs in case_studies if f"| {str(cs).rsplit('/', 1)[-1]} |" not in table]
    assert not missing, missing

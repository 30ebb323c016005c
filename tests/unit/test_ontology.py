"""Ontology and concept schemes: one header, bilingual terms, the seed's structure."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from wissensgraph.config import PROJECT_ROOT
from wissensgraph.namespaces import AG, HF, NLC, WG
from wissensgraph.store.rdf_files import collect_files, parse_files


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    return parse_files(collect_files([PROJECT_ROOT / "ontology"])).graph


def test_exactly_one_ontology_header(vocabulary: Graph) -> None:
    assert len(set(vocabulary.subjects(RDF.type, OWL.Ontology))) == 1


def test_every_class_and_property_has_german_and_english_label_and_definition(
    vocabulary: Graph,
) -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    terms = {t for kind in kinds for t in vocabulary.subjects(RDF.type, kind)}
    assert len(terms) > 40
    for term in terms:
        for predicate in (RDFS.label, SKOS.definition):
            langs = {o.language for o in vocabulary.objects(term, predicate)}
            assert {"de", "en"} <= langs, f"{term} lacks {predicate} in de/en"


def _in_scheme(vocabulary: Graph, scheme: str, cls: object) -> set[object]:
    return {c for c in vocabulary.subjects(RDF.type, cls) if (c, SKOS.inScheme, None) in vocabulary}


def test_action_fields_name_every_field_of_the_seed(vocabulary: Graph) -> None:
    fields = set(vocabulary.subjects(SKOS.inScheme, HF.schema))
    for slug in (
        "zentrenentwicklung",
        "altbauquartiere",
        "bestaende-1950-1970",
        "neubauquartiere",
        "nachverdichtung",
        "arrondierung",
        "konversion",
    ):
        assert HF[slug] in fields
    assert (HF.altbauquartiere, SKOS.broader, HF.bestandsquartiere) in vocabulary


def test_actor_groups_split_established_and_new(vocabulary: Graph) -> None:
    tops = set(vocabulary.objects(AG.schema, SKOS.hasTopConcept))
    assert tops == {AG["etablierte-akteure"], AG["neue-akteure"]}
    assert (AG.zivilgesellschaft, SKOS.broader, AG["neue-akteure"]) in vocabulary
    assert (AG.kommune, SKOS.broader, AG["etablierte-akteure"]) in vocabulary


def test_new_leipzig_charter_has_its_own_structure(vocabulary: Graph) -> None:
    def count(cls: object) -> int:
        return len(set(vocabulary.subjects(RDF.type, cls)))

    assert count(WG.NLCPrinciple) == 5
    assert count(WG.NLCDimension) == 3
    assert count(WG.SpatialLevel) == 3
    assert count(WG.NLCFieldOfAction) == 2
    assert (NLC["bezahlbarer-wohnraum"], SKOS.broader, NLC["gerechte-stadt"]) in vocabulary


def test_every_concept_is_bilingual_and_defined(vocabulary: Graph) -> None:
    concepts = {s for s in vocabulary.subjects(SKOS.inScheme, None)}
    assert len(concepts) > 80
    for concept in concepts:
        for predicate in (SKOS.prefLabel, SKOS.definition):
            langs = {o.language for o in vocabulary.objects(concept, predicate)}
            assert {"de", "en"} <= langs, f"{concept} lacks {predicate} in de/en"

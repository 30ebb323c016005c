"""The write path in the core: validated, all or nothing, recorded, and the files stay the truth."""

from __future__ import annotations

import pytest
from rdflib import Graph

from tests.writes.conftest import form
from wissensgraph.config import Settings
from wissensgraph.curation import commit
from wissensgraph.curation import pipeline as writes
from wissensgraph.curation.form import CaseStudyForm
from wissensgraph.errors import Conflict, InputError, NotFound, ParameterError, ShapeViolation
from wissensgraph.store import versions as store_versions
from wissensgraph.store.graph import KnowledgeGraph, build
from wissensgraph.store.journal import journal_path

HISTORY = "https://w3id.org/wissensgraph/graph/historie"


def forms(*items: dict) -> list[CaseStudyForm]:
    return [CaseStudyForm.model_validate(item) for item in items]


def count(settings: Settings, slug: str) -> int:
    rows = KnowledgeGraph.open(settings).select(
        "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/wissensgraph/id/fallstudie/"
        + slug
        + "> ?p ?o }"
    )
    return int(rows[0]["n"] or 0)


def history(settings: Settings, slug: str) -> list[dict]:
    return KnowledgeGraph.open(settings).select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "PREFIX wg: <https://w3id.org/wissensgraph/ontology#> "
        f"SELECT ?kind ?who WHERE {{ GRAPH <{HISTORY}> {{ ?r prov:specializationOf "
        f"<https://w3id.org/wissensgraph/id/fallstudie/{slug}> ; wg:changeKind ?kind ; "
        "prov:wasAttributedTo/<http://xmlns.com/foaf/0.1/name> ?who ; prov:generatedAtTime ?t }} "
        "ORDER BY ?t"
    )


def test_create_writes_file_store_and_history(writable: Settings) -> None:
    result = writes.submit(
        writable, forms(form("w-anlegen")), mode="create", curator="Erika Muster", source="test"
    )
    assert result.created == ["w-anlegen"]
    assert result.actors_created == ["nachbarschaftsverein-w-anlegen"]  # matched the other one
    assert (writable.data_dir / "fallstudien" / "w-anlegen.ttl").exists()
    assert count(writable, "w-anlegen") > 10
    formats = KnowledgeGraph.open(writable).select(
        "SELECT ?f WHERE { <https://w3id.org/wissensgraph/id/fallstudie/w-anlegen> "
        "<https://w3id.org/wissensgraph/ontology#format> ?f }"
    )
    assert [r["f"] for r in formats] == ["https://w3id.org/wissensgraph/id/format/werkstatt"]
    assert [(r["kind"].rsplit("/", 1)[-1], r["who"]) for r in history(writable, "w-anlegen")] == [
        ("angelegt", "Erika Muster")
    ]
    with pytest.raises(Conflict):
        writes.submit(writable, forms(form("w-anlegen")), mode="create", curator="E", source="t")


def test_violation_writes_nothing(writable: Settings) -> None:
    before = writable.store_dir.resolve()
    files = sorted(writable.data_dir.rglob("*.ttl"))
    with pytest.raises(ShapeViolation) as caught:
        writes.submit(
            writable,
            forms(
                form(
                    "w-kaputt",
                    zusammenfassung="Zu kurz, aber über zwanzig Zeichen.",
                    bundesland="Atlantis",
                )
            ),
            mode="create",
            curator="Erika",
            source="test",
        )
    messages = " ".join(r.message("en") for r in caught.value.report.results)
    assert "region" in messages.lower() and "200" in messages
    assert writable.store_dir.resolve() == before
    assert sorted(writable.data_dir.rglob("*.ttl")) == files


def test_bulk_import_is_all_or_nothing(writable: Settings) -> None:
    bad = form("w-bulk-2", status="irgendwie")
    with pytest.raises(ShapeViolation):
        writes.submit(
            writable, forms(form("w-bulk-1"), bad), mode="create", curator="E", source="t"
        )
    assert count(writable, "w-bulk-1") == 0
    assert not (writable.data_dir / "fallstudien" / "w-bulk-1.ttl").exists()


def test_replace_records_changed_properties_and_delete_keeps_history(writable: Settings) -> None:
    writes.submit(writable, forms(form("w-aendern")), mode="create", curator="A", source="t")
    changed = form("w-aendern", titel="Neuer Titel des Testplatzes")
    writes.submit(writable, forms(changed), mode="replace", curator="B", source="t")
    graph = KnowledgeGraph.open(writable)
    titles = graph.select(
        "SELECT ?t WHERE { <https://w3id.org/wissensgraph/id/fallstudie/w-aendern> "
        "<http://purl.org/dc/terms/title> ?t FILTER (lang(?t) = 'de') }"
    )
    assert [r["t"] for r in titles] == ["Neuer Titel des Testplatzes"]
    properties = graph.select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?p WHERE { GRAPH <" + HISTORY + "> { "
        "?r prov:specializationOf <https://w3id.org/wissensgraph/id/fallstudie/w-aendern> ; "
        "<https://w3id.org/wissensgraph/ontology#changeKind> "
        "<https://w3id.org/wissensgraph/id/aenderungsart/geaendert> ; "
        "<https://w3id.org/wissensgraph/ontology#changedProperty> ?p } }"
    )
    assert [r["p"] for r in properties] == ["http://purl.org/dc/terms/title"]
    writes.delete(writable, "w-aendern", curator="C", source="t")
    assert count(writable, "w-aendern") == 0
    assert not (writable.data_dir / "fallstudien" / "w-aendern.ttl").exists()
    kinds = [r["kind"].rsplit("/", 1)[-1] for r in history(writable, "w-aendern")]
    assert kinds == ["angelegt", "geaendert", "geloescht"]
    with pytest.raises(NotFound):
        writes.delete(writable, "w-aendern", curator="C", source="t")
    with pytest.raises(NotFound):
        writes.submit(writable, forms(form("w-aendern")), mode="replace", curator="B", source="t")


def test_interrupted_write_leaves_no_trace(
    writable: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = writable.store_dir.resolve()
    files = sorted(writable.data_dir.rglob("*.ttl"))

    def crash(link: object, target: object) -> None:
        raise KeyboardInterrupt  # the process dies between the files and the commit point

    monkeypatch.setattr(commit, "switch", crash)
    with pytest.raises(KeyboardInterrupt):
        writes.submit(writable, forms(form("w-absturz")), mode="create", curator="E", source="t")
    monkeypatch.undo()
    assert writable.store_dir.resolve() == before
    assert sorted(writable.data_dir.rglob("*.ttl")) == files
    assert not journal_path(writable).exists()
    assert count(writable, "w-absturz") == 0


def test_rebuild_from_files_gives_the_same_graph(writable: Settings) -> None:
    writes.submit(writable, forms(form("w-rebuild")), mode="create", curator="E", source="t")
    query = (
        "SELECT (COUNT(*) AS ?n) "
        "WHERE { GRAPH ?g { ?s ?p ?o FILTER (!isBlank(?s) && !isBlank(?o)) } }"
    )
    written = KnowledgeGraph.open(writable).select(query)
    build(writable)
    assert KnowledgeGraph.open(writable).select(query) == written


def test_store_keeps_only_a_few_versions(
    writable: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_versions, "GRACE_SECONDS", 0.0)
    for number in range(5):
        writes.submit(
            writable, forms(form(f"w-version-{number}")), mode="create", curator="E", source="t"
        )
    versions = [p for p in (writable.home / "stores").iterdir() if p.is_dir()]
    assert len(versions) <= store_versions.KEEP_VERSIONS + 1
    assert writable.store_dir.resolve() in [v.resolve() for v in versions]
    # each write's change record names its parent and case study, and goes with its version
    records = {r.name.removesuffix(".changes") for r in versions[0].parent.glob("*.changes")}
    assert records <= {v.name for v in versions}
    latest = store_versions.read_changes(writable.store_dir.resolve())
    assert latest is not None and latest.changed == (
        "https://w3id.org/wissensgraph/id/fallstudie/w-version-4",
    )
    assert (writable.home / "stores" / latest.parent).is_dir()


def test_rdf_upload_may_only_describe_case_studies_and_actors(writable: Settings) -> None:
    source = (writable.data_dir / "fallstudien" / "gaengeviertel-hamburg.ttl").read_text()
    graph = Graph()
    graph.parse(data=source.replace("gaengeviertel-hamburg a", "w-fremd a"), format="turtle")
    graph.parse(
        data="""
        <https://w3id.org/wissensgraph/id/aenderung/x>
            <http://www.w3.org/ns/prov#endedAtTime> "2020" .
        """,
        format="turtle",
    )
    with pytest.raises(InputError, match="nur Fallstudien"):  # history is never writable
        writes.submit(writable, graph, mode="create", curator="E", source="t")
    only_history = Graph()
    only_history.parse(
        data="<https://w3id.org/wissensgraph/id/aenderung/x> <http://www.w3.org/ns/prov#x> 1 .",
        format="turtle",
    )
    with pytest.raises(InputError, match="keine Fallstudie"):
        writes.submit(writable, only_history, mode="create", curator="E", source="t")


def test_put_must_describe_the_named_case_study(writable: Settings) -> None:
    with pytest.raises(ParameterError):
        writes.submit(
            writable, forms(form("w-anders")), mode="replace", curator="E", source="t", slug="w-x"
        )


def test_existing_actor_cannot_be_redefined(writable: Settings) -> None:
    graph = Graph()
    source = (writable.data_dir / "fallstudien" / "gaengeviertel-hamburg.ttl").read_text()
    graph.parse(data=source.replace("gaengeviertel-hamburg a", "w-kopie a"), format="turtle")
    graph.parse(
        data="<https://w3id.org/wissensgraph/id/akteur/steg-hamburg> a "
        "<https://w3id.org/wissensgraph/ontology#Actor> ; "
        '<http://www.w3.org/2004/02/skos/core#prefLabel> "Umbenannt"@de .',
        format="turtle",
    )
    with pytest.raises(Conflict, match="steg-hamburg"):
        writes.submit(writable, graph, mode="create", curator="E", source="t")


def test_a_write_is_logged_with_curator_cases_and_store_version(
    writable: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="wissensgraph")
    writes.submit(
        writable, [CaseStudyForm(**form("w-protokoll"))], mode="create", curator="Lia", source="t"
    )
    (record,) = [r for r in caplog.records if r.name == "wissensgraph.curation.commit"]
    assert "Lia" in record.getMessage() and "w-protokoll angelegt" in record.getMessage()
    assert record.store_version == writable.store_dir.resolve().name  # type: ignore[attr-defined]

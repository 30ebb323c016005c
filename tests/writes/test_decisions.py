"""Decisions on NLC link suggestions are writes of the one pipeline: checked, journalled."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import FOAF, PROV

from tests.writes.conftest import form
from wissensgraph.config import Settings
from wissensgraph.curation import commit
from wissensgraph.curation import pipeline as writes
from wissensgraph.curation.decisions import decide
from wissensgraph.curation.form import CaseStudyForm
from wissensgraph.errors import InputError, ShapeViolation
from wissensgraph.linking.records import FILE_NAME, suggestion_iri
from wissensgraph.linking.suggest import Linker
from wissensgraph.namespaces import AENDERUNG, FS, HF, HISTORY_GRAPH, NLC, STATUS, WG
from wissensgraph.store.graph import KnowledgeGraph, build
from wissensgraph.store.journal import journal_path
from wissensgraph.store.versions import read_changes

_taken: set[str] = set()
_guard = threading.Lock()


def pick(settings: Settings, *, action_field: bool = False) -> tuple[str, str]:
    """An open suggestion no other test of this module took: (case study slug, target IRI)."""
    graph = Graph().parse(settings.data_dir / FILE_NAME)
    with _guard:
        for node in sorted(graph.subjects(WG.suggestionStatus, STATUS.vorgeschlagen)):
            target = str(graph.value(node, WG.target))
            if str(node) in _taken or target.startswith(str(HF)) != action_field:
                continue
            _taken.add(str(node))
            case_study = str(graph.value(predicate=WG.suggestedLink, object=node))
            return case_study.rsplit("/", 1)[-1], target
    raise AssertionError("no open suggestion left")


def snapshot(settings: Settings) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(settings.data_dir.rglob("*.ttl"))}


def revisions(settings: Settings, node: str) -> list[dict]:
    return KnowledgeGraph.open(settings).select(
        f"SELECT ?kind ?who ?cs WHERE {{ GRAPH <{HISTORY_GRAPH}> {{ ?r <{WG.decidedSuggestion}> "
        f"<{node}> ; <{WG.changeKind}> ?kind ; <{PROV.specializationOf}> ?cs ; "
        f"<{PROV.generatedAtTime}> ?t ; <{PROV.wasAttributedTo}>/<{FOAF.name}> ?who }} }}"
    )


def test_accept_is_one_write_with_history_and_no_rebuild(writable: Settings) -> None:
    slug, target = pick(writable)
    parent = writable.store_dir.resolve()
    node = decide(
        writable,
        case_study=slug,
        target=target,
        decision="accept",
        curator="Erika Muster",
        justification="Die Quelle zeigt das ausdrücklich.",
        source="test",
    )
    kg = KnowledgeGraph.open(writable)
    assert kg.ask(f"ASK {{ <{node}> <{WG.suggestionStatus}> <{STATUS.angenommen}> }}")
    link = (
        f"<{FS[slug]}> <{WG.curatedLink}> ?l . ?l <{WG.target}> <{target}> ; "
        f"<{PROV.wasDerivedFrom}> <{node}> ; <{PROV.wasAttributedTo}>/<{FOAF.name}> ?who"
    )
    assert kg.ask(f"ASK {{ {link} }}")
    assert [(r["kind"], r["who"], r["cs"]) for r in revisions(writable, str(node))] == [
        (str(AENDERUNG["vorschlag-angenommen"]), "Erika Muster", str(FS[slug]))
    ]
    # the case study's file is written anew from its graph and says the same as the store
    written = Graph().parse(writable.data_dir / "fallstudien" / f"{slug}.ttl")
    links = [
        link
        for link in written.objects(FS[slug], WG.curatedLink)
        if (link, PROV.wasDerivedFrom, node) in written
    ]
    assert len(links) == 1 and str(written.value(links[0], WG.target)) == target
    # a new store version made from the previous one, naming the case study for the index
    changes = read_changes(writable.store_dir.resolve())
    assert changes is not None and changes.parent == parent.name
    assert changes.changed == (str(FS[slug]),)
    assert not journal_path(writable).exists()
    with pytest.raises(InputError, match="schon entschieden"):
        decide(writable, case_study=slug, target=target, decision="reject", curator="X")


def test_reject_changes_only_the_suggestion_and_is_recorded(writable: Settings) -> None:
    slug, target = pick(writable)
    case_file = writable.data_dir / "fallstudien" / f"{slug}.ttl"
    before = case_file.read_bytes()
    node = decide(writable, case_study=slug, target=target, decision="reject", curator="Max Mut")
    assert case_file.read_bytes() == before
    graph = Graph().parse(writable.data_dir / FILE_NAME)
    assert graph.value(node, WG.suggestionStatus) == STATUS.abgelehnt
    kg = KnowledgeGraph.open(writable)
    assert kg.ask(f"ASK {{ <{node}> <{WG.suggestionStatus}> <{STATUS.abgelehnt}> }}")
    assert not kg.ask(f"ASK {{ <{node}> <{WG.suggestionStatus}> <{STATUS.vorgeschlagen}> }}")
    assert [r["kind"] for r in revisions(writable, str(node))] == [
        str(AENDERUNG["vorschlag-abgelehnt"])
    ]
    changes = read_changes(writable.store_dir.resolve())
    assert changes is not None and changes.changed == ()  # no search document changed


def test_shape_violation_leaves_files_and_store_unchanged(writable: Settings) -> None:
    slug, target = pick(writable, action_field=True)  # a curated link must point into the NLC
    files, store = snapshot(writable), writable.store_dir.resolve()
    with pytest.raises(ShapeViolation):
        decide(
            writable,
            case_study=slug,
            target=target,
            decision="accept",
            curator="Erika",
            justification="Eine ausreichend lange Begründung.",
        )
    assert snapshot(writable) == files and writable.store_dir.resolve() == store


def test_crash_before_the_switch_leaves_files_and_store_unchanged(
    writable: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, target = pick(writable)
    files, store = snapshot(writable), writable.store_dir.resolve()

    def crash(link: object, target: object) -> None:
        raise KeyboardInterrupt  # the process dies between the files and the commit point

    monkeypatch.setattr(commit, "switch", crash)
    with pytest.raises(KeyboardInterrupt):
        decide(
            writable,
            case_study=slug,
            target=target,
            decision="accept",
            curator="Erika",
            justification="Eine ausreichend lange Begründung.",
        )
    monkeypatch.undo()
    assert snapshot(writable) == files and writable.store_dir.resolve() == store
    assert not journal_path(writable).exists()
    node = decide(writable, case_study=slug, target=target, decision="reject", curator="Erika")
    assert revisions(writable, str(node))  # still open, and decidable


def test_concurrent_decisions_are_all_kept(writable: Settings) -> None:
    chosen = [pick(writable) for _ in range(6)]
    errors: list[BaseException] = []

    def run(number: int, slug: str, target: str) -> None:
        try:
            decide(
                writable,
                case_study=slug,
                target=target,
                decision="accept" if number % 2 else "reject",
                curator=f"Kuratorin {number}",
                justification="Aus der Beschreibung klar belegt.",
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n, *c)) for n, c in enumerate(chosen)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    graph = Graph().parse(writable.data_dir / FILE_NAME)
    kg = KnowledgeGraph.open(writable)
    for number, (slug, target) in enumerate(chosen):
        node = suggestion_iri(str(FS[slug]), target)
        status = STATUS.angenommen if number % 2 else STATUS.abgelehnt
        assert graph.value(node, WG.suggestionStatus) == status
        assert kg.ask(f"ASK {{ <{node}> <{WG.suggestionStatus}> <{status}> }}")
        assert [r["who"] for r in revisions(writable, str(node))] == [f"Kuratorin {number}"]


def test_rebuild_after_decisions_gives_the_same_graph(writable: Settings) -> None:
    slug, target = pick(writable)
    decide(writable, case_study=slug, target=target, decision="reject", curator="E")
    query = (
        "SELECT (COUNT(*) AS ?n) "
        "WHERE { GRAPH ?g { ?s ?p ?o FILTER (!isBlank(?s) && !isBlank(?o)) } }"
    )
    written = KnowledgeGraph.open(writable).select(query)
    build(writable)
    assert KnowledgeGraph.open(writable).select(query) == written


def test_a_new_case_study_gets_suggestions_in_its_write(writable: Settings, linker: Linker) -> None:
    item = CaseStudyForm.model_validate(form("w-vorschlaege"))
    writes.submit(writable, [item], mode="create", curator="E", source="t", linker=linker)
    graph = Graph().parse(writable.data_dir / FILE_NAME)
    nodes = list(graph.objects(FS["w-vorschlaege"], WG.suggestedLink))
    assert nodes, "no suggestion made"
    curated = {str(HF.altbauquartiere), str(NLC["beteiligung-koproduktion"])}
    assert not {str(graph.value(n, WG.target)) for n in nodes} & curated
    kg = KnowledgeGraph.open(writable)
    assert kg.ask(f"ASK {{ <{FS['w-vorschlaege']}> <{WG.suggestedLink}> <{nodes[0]}> }}")
    target = str(graph.value(nodes[0], WG.target))
    decide(writable, case_study="w-vorschlaege", target=target, decision="reject", curator="E")
    writes.delete(writable, "w-vorschlaege", curator="E", source="t")
    graph = Graph().parse(writable.data_dir / FILE_NAME)
    assert not list(graph.objects(FS["w-vorschlaege"], WG.suggestedLink))
    assert not KnowledgeGraph.open(writable).ask(
        f"ASK {{ <{FS['w-vorschlaege']}> <{WG.suggestedLink}> ?n }}"
    )

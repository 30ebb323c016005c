"""Suggestions as resources with provenance; curators accept or reject; runs keep decisions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import PROV

from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.curation.decisions import decide, generate
from wissensgraph.errors import InputError
from wissensgraph.linking.records import FILE_NAME, suggestion_iri
from wissensgraph.linking.suggest import Linker
from wissensgraph.namespaces import NLC, STATUS, WG
from wissensgraph.store.graph import KnowledgeGraph, build
from wissensgraph.store.rdf_files import read_turtle, sorted_turtle

CQ10 = PROJECT_ROOT / "data" / "queries" / "cq10-vorschlag-kuratiert-abweichung.rq"


@pytest.fixture()
def workspace(tmp_path: Path, linker: Linker) -> Settings:
    data = tmp_path / "data"
    for folder in ("fallstudien", "akteure"):
        shutil.copytree(PROJECT_ROOT / "data" / folder, data / folder)
    settings = Settings(home=tmp_path / "home", data_dir=data)
    build(settings)
    summary = generate(settings, linker)
    assert summary.proposed > 0 and summary.kept == 0
    return settings


def _pick(settings: Settings) -> tuple[str, str]:
    graph = Graph().parse(settings.data_dir / FILE_NAME)
    node = next(iter(graph.subjects(WG.suggestionStatus, STATUS.vorgeschlagen)))
    target = str(graph.value(node, WG.target))
    case_study = str(graph.value(predicate=WG.suggestedLink, object=node))
    return case_study.rsplit("/", 1)[-1], target


def test_suggestions_have_provenance_and_answer_cq10(workspace: Settings) -> None:
    graph = Graph().parse(workspace.data_dir / FILE_NAME)
    suggestions = set(graph.subjects(WG.suggestionStatus, None))
    assert suggestions
    for node in suggestions:
        activity = graph.value(node, PROV.wasGeneratedBy)
        assert graph.value(activity, WG.model) is not None
        assert graph.value(activity, PROV.startedAtTime) is not None
        assert graph.value(node, WG.passage) is not None
    rows = KnowledgeGraph.open(workspace).select(CQ10.read_text(encoding="utf-8"))
    assert len(rows) == len(suggestions)  # all open, none curated: each one disagrees


def test_accept_turns_a_suggestion_into_a_curated_link(workspace: Settings) -> None:
    slug, target = _pick(workspace)
    node = decide(
        workspace,
        case_study=slug,
        target=target,
        decision="accept",
        curator="Erika Muster",
        justification="Die Quelle zeigt das ausdrücklich.",
    )
    kg = KnowledgeGraph.open(workspace)
    assert kg.ask(
        f"ASK {{ <{node}> <{WG.suggestionStatus}> <{STATUS.angenommen}> ; "
        f"<{PROV.wasAttributedTo}> ?who . ?who <http://xmlns.com/foaf/0.1/name> 'Erika Muster' }}"
    )
    assert kg.ask(
        f"ASK {{ ?cs <{WG.curatedLink}> ?l . ?l <{WG.target}> <{target}> ; "
        f"<{PROV.wasDerivedFrom}> <{node}> }}"
    )
    with pytest.raises(InputError, match="schon entschieden"):
        decide(workspace, case_study=slug, target=target, decision="reject", curator="X")


def test_reject_keeps_the_record(workspace: Settings) -> None:
    slug, target = _pick(workspace)
    node = decide(workspace, case_study=slug, target=target, decision="reject", curator="Max")
    graph = Graph().parse(workspace.data_dir / FILE_NAME)
    assert graph.value(node, WG.suggestionStatus) == STATUS.abgelehnt
    assert node == suggestion_iri(f"https://w3id.org/wissensgraph/id/fallstudie/{slug}", target)


def test_accept_needs_a_justification(workspace: Settings) -> None:
    slug, target = _pick(workspace)
    with pytest.raises(InputError, match="Begründung"):
        decide(
            workspace,
            case_study=slug,
            target=target,
            decision="accept",
            curator="E",
            justification="kurz",
        )


def test_regenerating_keeps_decisions(workspace: Settings, linker: Linker) -> None:
    slug, target = _pick(workspace)
    node = decide(workspace, case_study=slug, target=target, decision="reject", curator="Max")
    summary = generate(workspace, linker)
    assert summary.kept == 1
    graph = Graph().parse(workspace.data_dir / FILE_NAME)
    assert graph.value(node, WG.suggestionStatus) == STATUS.abgelehnt
    assert graph.value(node, PROV.wasAttributedTo) is not None
    kg = KnowledgeGraph.open(workspace)  # the store follows the file, without a build
    assert kg.ask(f"ASK {{ <{node}> <{WG.suggestionStatus}> <{STATUS.abgelehnt}> }}")
    open_ones = set(graph.subjects(WG.suggestionStatus, STATUS.vorgeschlagen))
    stored = kg.select(f"SELECT ?n WHERE {{ ?n <{WG.suggestionStatus}> <{STATUS.vorgeschlagen}> }}")
    assert {str(r["n"]) for r in stored} == {str(n) for n in open_ones}
    assert str(NLC) in target or "handlungsfeld" in target


def test_suggestions_file_reads_and_writes_the_same_graph(tmp_path: Path) -> None:
    source = PROJECT_ROOT / "data" / FILE_NAME
    expected = set(Graph().parse(source, format="turtle"))
    read = read_turtle(source)
    assert set(read) == expected  # the same terms as rdflib's parser makes (diffs stay exact)
    written = tmp_path / FILE_NAME
    written.write_bytes(sorted_turtle(read))
    assert set(Graph().parse(written, format="turtle")) == expected
    assert sorted_turtle(read_turtle(written)) == written.read_bytes()  # a fixed order

"""Curators' decisions on NLC link suggestions, and the suggester's runs, as writes of the pipeline.

Accepting or rejecting a suggestion is a write like any other: under the data lock, after
settling an interrupted write, the new state is checked against the SHACL shapes at the door and
committed in one step (files under the undo journal, one store version, history record). An
accepted suggestion becomes a curated link in the case study's file, which is written anew from
its graph. No rebuild: the store changes by one SPARQL Update, the search index follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from wissensgraph.config import Settings
from wissensgraph.curation import shape_check as door
from wissensgraph.curation.commit import (
    Work,
    case_study_file,
    commit,
    read_suggestions,
    rebuild_with,
    suggestions_file,
    turtle,
    writable,
)
from wissensgraph.curation.contribution import Contribution, closure
from wissensgraph.curation.history import Change, record
from wissensgraph.errors import InputError, NotFound
from wissensgraph.linking import records
from wissensgraph.linking.records import Decision
from wissensgraph.namespaces import FS, WG
from wissensgraph.store.graph import KnowledgeGraph
from wissensgraph.store.journal import recover
from wissensgraph.store.locking import data_lock
from wissensgraph.store.rdf_files import new_graph, sorted_turtle

if TYPE_CHECKING:
    from wissensgraph.linking.suggest import Linker


def decide(
    settings: Settings,
    *,
    case_study: str,
    target: str,
    decision: Decision,
    curator: str,
    justification: str | None = None,
    source: str = "CLI",
) -> URIRef:
    """Accept or reject one open suggestion; on any failure nothing is changed.

    Args:
        case_study: the case study's slug.
        target: the suggested concept, as IRI or slug.
        justification: why the link holds (German, at least 10 characters); accept only.
        source: the way the decision came, for the history.
    """
    writable(settings)
    if not curator.strip():
        raise InputError("Der Name der Kuratorin oder des Kurators fehlt (--kurator).")
    if decision == "accept" and not (justification and len(justification.strip()) >= 10):
        raise InputError(
            "Eine angenommene Verknüpfung braucht eine Begründung (mindestens 10 Zeichen)."
        )
    curator = curator.strip()
    with data_lock(settings.lock_dir):  # read, decide and write as one step
        recover(settings)
        graph = KnowledgeGraph.open(settings)
        suggestions = read_suggestions(settings)
        node = records.open_suggestion(suggestions, case_study, target)
        decided = records.decided(suggestions, node, decision=decision, curator=curator)
        iri = FS[case_study]
        path = case_study_file(settings, case_study)
        before = _case_study(path, iri) if path.exists() else None
        work = Work()
        work.replace_suggestions(settings, suggestions, decided)
        after = before
        if decision == "accept":
            if before is None:
                raise NotFound(f"{case_study} wird nicht in fallstudien/{case_study}.ttl gepflegt.")
            link = records.curated_link(
                suggestions,
                node,
                case_study=iri,
                justification=justification or "",
                curator=curator,
            )
            after = new_graph()
            after += before
            after += link
            # accepting overrules an earlier "judged not linked" for the same concept
            concept = suggestions.value(node, WG.target)
            if concept is not None and (iri, WG.judgedNotLinked, concept) in after:
                after.remove((iri, WG.judgedNotLinked, concept))
                work.deleted.add((iri, WG.judgedNotLinked, concept))
            work.files[path] = turtle(after)
            work.inserted += link
            work.changed = [iri]  # its curated links are facets of its search document
        contribution = Contribution()  # the case study changes only when a link is added
        if decision == "accept" and after is not None:
            contribution.case_studies[iri] = closure(after, iri)
        door.check(contribution, graph, settings.shapes_dir, records.description(decided, node))
        change = Change(
            iri, before or Graph(), after or Graph(), suggestion=node, accepted=decision == "accept"
        )
        work.history = record([change], curator=curator, source=source)
        commit(settings, graph, work)
    return node


def _case_study(path: Path, iri: URIRef) -> Graph:
    """The case study's file as a graph: what is re-written when a link is added."""
    graph = new_graph()
    graph.parse(path, format="turtle")
    if (iri, None, None) not in graph:
        raise InputError(f"{path.name} beschreibt die Fallstudie {iri} nicht.")
    return graph


@dataclass(frozen=True)
class GenerateSummary:
    """What a run of the suggester over every case study wrote."""

    path: Path
    proposed: int
    kept: int


def generate(settings: Settings, linker: Linker) -> GenerateSummary:
    """Suggest links for every case study into the suggestions file; decisions are kept."""
    with data_lock(settings.lock_dir):
        recover(settings)
        before = read_suggestions(settings)
        result = records.generated(before, linker, model=settings.search_model)
        path = suggestions_file(settings)
        if settings.sparql_endpoint:  # a remote store is loaded by a build, not by updates
            rebuild_with(settings, {path: sorted_turtle(result.graph)})
        else:
            graph = KnowledgeGraph.open(settings)
            nodes = Graph()
            for node in set(result.graph.subjects(WG.suggestionStatus, None)):
                nodes += records.description(result.graph, node)
            door.check_graph(nodes, graph, settings.shapes_dir)
            work = Work()
            work.replace_suggestions(settings, before, result.graph)
            commit(settings, graph, work)
    return GenerateSummary(path=path, proposed=result.proposed, kept=result.kept)

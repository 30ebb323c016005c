"""NLC link suggestions kept as their own resources, with provenance, in data/vorschlaege.ttl.

The system writes suggestions; curators decide. Accepting one marks it accepted (who, when) and
adds a curated link to the case study, derived from the suggestion; rejecting keeps the record,
marked rejected. The functions that change the file are pure: they take its graph and return the
new one. Only the curation pipeline writes the file, under the data lock and its undo journal,
together with the store version and the history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import FOAF, PROV, RDF, XSD
from rdflib.term import Node

from wissensgraph.errors import InputError, NotFound
from wissensgraph.namespaces import FS, ID, STATUS, WG
from wissensgraph.slugs import slugify
from wissensgraph.store.rdf_files import new_graph

if TYPE_CHECKING:
    from wissensgraph.documents import SearchDocument
    from wissensgraph.linking.suggest import Linker, Suggestion
    from wissensgraph.store.graph import KnowledgeGraph

FILE_NAME = "vorschlaege.ttl"
#: Recorded as the activity's method, so a reader of the file knows what produced a suggestion.
METHOD = (
    "kombiniert: Zero-Shot über Begriffsdefinitionen (Einbettung und Wörter) + Modelle aus den "
    "kuratierten Links und ihren Begründungen; jede Fallstudie von einem Modell ohne sie bewertet"
)
Decision = Literal["accept", "reject"]
#: Status name (last part of its IRI) by decision.
STATUS_OF: dict[Decision, str] = {"accept": "angenommen", "reject": "abgelehnt"}


def suggestion_iri(case_study: str, target: str) -> URIRef:
    """One stable IRI per case study and target (IRI or slug): a new run updates, not duplicates."""
    return ID[f"vorschlag/{case_study.rsplit('/', 1)[-1]}/{target.rstrip('/').rsplit('/', 1)[-1]}"]


def curator_iri(curator: str) -> URIRef:
    """The person a curator's name stands for, in suggestions, curated links and the history."""
    return ID[f"kurator/{slugify(curator)}"]


def _now() -> RdfLiteral:
    return RdfLiteral(
        dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime
    )


def _decimal(number: float) -> Decimal:
    return Decimal(str(round(number, 4)))


def _copy(graph: Graph) -> Graph:
    out = new_graph()
    out += graph
    return out


def _is_open(graph: Graph, node: Node) -> bool:
    return graph.value(node, WG.suggestionStatus) == STATUS.vorgeschlagen


def _drop(graph: Graph, node: Node) -> None:
    graph.remove((None, WG.suggestedLink, node))
    graph.remove((node, None, None))


def _tidy(graph: Graph) -> None:
    """Forget the runs of the suggester no suggestion comes from any more."""
    used = set(graph.objects(None, PROV.wasGeneratedBy))
    for activity in list(graph.subjects(WG.method, None)):
        if activity not in used:
            graph.remove((activity, None, None))


def _run(graph: Graph, linker: Linker, model: str) -> URIRef:
    """Add a new run of the suggester (method, model, threshold, time) and return it."""
    now = dt.datetime.now(dt.UTC)
    stamp = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:4]}"
    activity = ID[f"aktivitaet/vorschlaege-{stamp}"]
    started = RdfLiteral(now.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.startedAtTime, started))
    graph.add((activity, WG.method, RdfLiteral(METHOD, lang="de")))
    graph.add((activity, WG.model, RdfLiteral(model)))
    graph.add(
        (activity, WG.threshold, RdfLiteral(_decimal(linker.threshold), datatype=XSD.decimal))
    )
    return activity


def _add(
    graph: Graph,
    activity: URIRef,
    document: SearchDocument,
    items: Iterable[Suggestion],
    curated: set[str],
) -> int:
    """Record the suggested ones of ``items``; decided suggestions and curated links stay."""
    added = 0
    for item in items:
        node = suggestion_iri(document.iri, item.target)
        if not item.suggest or item.target in curated or (node, RDF.type, None) in graph:
            continue
        graph.add((URIRef(document.iri), WG.suggestedLink, node))
        graph.add((node, RDF.type, WG.NLCLinkSuggestion))
        graph.add((node, WG.target, URIRef(item.target)))
        graph.add((node, WG.score, RdfLiteral(_decimal(item.score), datatype=XSD.decimal)))
        graph.add(
            (node, WG.passage, RdfLiteral(item.passage, lang=_language(document, item.passage)))
        )
        graph.add((node, WG.suggestionStatus, STATUS.vorgeschlagen))
        graph.add((node, PROV.wasGeneratedBy, activity))
        added += 1
    return added


def _language(document: SearchDocument, passage: str) -> str:
    return (
        "en"
        if (document.abstract_en and passage in document.abstract_en)
        or (document.title_en and passage.startswith(document.title_en))
        else "de"
    )


@dataclass(frozen=True)
class Generated:
    """The suggestions file after a run of the suggester over every case study."""

    graph: Graph
    proposed: int
    kept: int


def generated(previous: Graph, linker: Linker, *, model: str) -> Generated:
    """Suggest links for every case study; decided suggestions keep their status and history."""
    graph = _copy(previous)
    for node in list(graph.subjects(RDF.type, WG.NLCLinkSuggestion)):
        if _is_open(graph, node):
            _drop(graph, node)
    kept = len(set(graph.subjects(RDF.type, WG.NLCLinkSuggestion)))
    activity = _run(graph, linker, model)
    proposed = 0
    for document in linker.index.documents:
        items = linker.suggest_for_case_study(document.slug)
        proposed += _add(graph, activity, document, items, linker.curated_targets(document.iri))
    _tidy(graph)
    return Generated(graph, proposed, kept)


def for_documents(
    previous: Graph,
    linker: Linker,
    documents: Sequence[SearchDocument],
    curated: dict[str, set[str]],
    *,
    model: str,
) -> Graph:
    """The file with fresh open suggestions for case studies about to be written.

    Each is judged as it will be stored (``documents``), by a model fitted without it; its
    earlier open suggestions give way, decided ones stay; ``curated`` holds each case study's
    curated targets and action fields after the write, which are never suggested.
    """
    graph = _copy(previous)
    for document in documents:
        for node in list(graph.objects(URIRef(document.iri), WG.suggestedLink)):
            if _is_open(graph, node):
                _drop(graph, node)
    activity = _run(graph, linker, model)
    for document in documents:
        items = linker.suggest_for_document(document)
        _add(graph, activity, document, items, curated.get(document.iri, set()))
    _tidy(graph)
    return graph


def without(previous: Graph, case_studies: Iterable[URIRef]) -> Graph:
    """The file without the suggestions made for ``case_studies`` (deleted ones)."""
    graph = _copy(previous)
    for iri in case_studies:
        for node in list(graph.objects(iri, WG.suggestedLink)):
            _drop(graph, node)
    _tidy(graph)
    return graph


def open_suggestion(graph: Graph, case_study: str, target: str) -> URIRef:
    """The open suggestion of a case study (slug) for a target (IRI or slug), or an error."""
    node = suggestion_iri(str(FS[case_study]), target)
    if (node, RDF.type, WG.NLCLinkSuggestion) not in graph:
        raise NotFound(f"Keinen Vorschlag {node} gefunden (erst 'wissensgraph link generate').")
    if not _is_open(graph, node):
        raise InputError(f"Über den Vorschlag {node} ist schon entschieden.")
    return node


def decided(previous: Graph, node: URIRef, *, decision: Decision, curator: str) -> Graph:
    """The file with ``node`` accepted or rejected by ``curator`` now."""
    graph = _copy(previous)
    person = curator_iri(curator)
    graph.set((node, WG.suggestionStatus, STATUS[STATUS_OF[decision]]))
    graph.add((node, PROV.wasAttributedTo, person))
    graph.add((node, WG.decidedAt, _now()))
    graph.add((person, RDF.type, PROV.Person))
    graph.add((person, FOAF.name, RdfLiteral(curator)))
    return graph


def description(graph: Graph, node: Node) -> Graph:
    """A suggestion's own statements, for the SHACL check at the door."""
    out = Graph()
    for triple in graph.triples((node, None, None)):
        out.add(triple)
    return out


def curated_link(
    graph: Graph, node: URIRef, *, case_study: URIRef, justification: str, curator: str
) -> Graph:
    """The curated link an accepted suggestion becomes, derived from it, by the curator."""
    link = BNode()
    out = Graph()
    out.add((case_study, WG.curatedLink, link))
    out.add((link, RDF.type, WG.CuratedNLCLink))
    out.add((link, WG.target, graph.value(node, WG.target)))  # type: ignore[arg-type]
    out.add((link, WG.justification, RdfLiteral(justification.strip(), lang="de")))
    out.add((link, PROV.wasDerivedFrom, node))
    out.add((link, PROV.wasAttributedTo, curator_iri(curator)))
    return out


def statuses(graph: KnowledgeGraph, case_study: str) -> dict[str, str]:
    """Target IRI -> status name of the recorded suggestions of a case study (IRI)."""
    rows = graph.select(
        f"SELECT ?t ?s WHERE {{ <{case_study}> <{WG.suggestedLink}> ?n . "
        f"?n <{WG.target}> ?t ; <{WG.suggestionStatus}> ?s }}"
    )
    return {row["t"] or "": (row["s"] or "").rsplit("/", 1)[-1] for row in rows}


def with_status(
    linker: Linker, graph: KnowledgeGraph, slug: str, *, lang: str = "de"
) -> list[Suggestion]:
    """A case study's live suggestions with the status curators gave the recorded ones.

    A rejected suggestion is never ``suggest``; one that is not recorded has no status.
    """
    items = linker.suggest_for_case_study(slug, lang=lang)  # NotFound for an unknown slug
    recorded = statuses(graph, str(FS[slug]))
    out = []
    for item in items:
        status = recorded.get(item.target)
        if status is None:
            out.append(item)
        else:
            out.append(replace(item, status=status, suggest=item.suggest and status != "abgelehnt"))
    return out

"""The write history in PROV-O: who changed which case study when, and which properties.

Every write adds one activity (prov:Activity, the curator as prov:wasAssociatedWith) and, per
case study, a revision entity (prov:specializationOf the case study) naming the kind of change,
the properties whose values changed and how many statements came and went. A decision on an NLC
link suggestion is such a revision too: its kind says accepted or rejected, and it names the
suggestion (wg:decidedSuggestion). The history lives in its own named graph; clients can read it
but no write path accepts resources of it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from wissensgraph.curation.contribution import slug_of
from wissensgraph.linking.records import curator_iri
from wissensgraph.namespaces import AENDERUNG, ID, WG

KIND_LABELS = {
    "angelegt": "angelegt",
    "geaendert": "geändert",
    "geloescht": "gelöscht",
    "vorschlag-angenommen": "Vorschlag angenommen",
    "vorschlag-abgelehnt": "Vorschlag abgelehnt",
}


@dataclass(frozen=True)
class Change:
    """One case study's change inside a write: its description before and after."""

    case_study: URIRef
    before: Graph | None
    after: Graph | None
    #: The NLC link suggestion this change decides on, and how (accept or reject), if any.
    suggestion: URIRef | None = None
    accepted: bool = False

    @property
    def kind(self) -> str:
        """angelegt, geaendert, geloescht, vorschlag-angenommen or vorschlag-abgelehnt."""
        if self.suggestion is not None:
            return "vorschlag-angenommen" if self.accepted else "vorschlag-abgelehnt"
        if self.before is None:
            return "angelegt"
        return "geloescht" if self.after is None else "geaendert"


def _signature(graph: Graph, node: Node) -> object:
    if isinstance(node, BNode):
        return tuple(
            sorted((str(p), str(_signature(graph, o))) for p, o in graph.predicate_objects(node))
        )
    return node


def _statements(graph: Graph | None, subject: URIRef) -> set[tuple[Node, object]]:
    if graph is None:
        return set()
    return {(p, _signature(graph, o)) for p, o in graph.predicate_objects(subject)}


def record(changes: list[Change], *, curator: str, source: str) -> tuple[str, Graph]:
    """The history of one write: a file name (sortable by time) and its triples."""
    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    write_id = f"{stamp}-{uuid.uuid4().hex[:6]}"
    activity = ID[f"aenderung/{write_id}"]
    person = curator_iri(curator)
    time = Literal(
        now.replace(microsecond=(now.microsecond // 1000) * 1000).isoformat(), datatype=XSD.dateTime
    )
    graph = Graph()
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.endedAtTime, time))
    graph.add((activity, PROV.wasAssociatedWith, person))
    graph.add((activity, WG.changeSource, Literal(source)))
    graph.add((person, RDF.type, PROV.Person))
    graph.add((person, FOAF.name, Literal(curator)))
    for change in changes:
        slug = slug_of(change.case_study)
        revision = ID[f"revision/{slug}/{write_id}"]
        before = _statements(change.before, change.case_study)
        after = _statements(change.after, change.case_study)
        graph.add((revision, RDF.type, PROV.Entity))
        graph.add((revision, PROV.specializationOf, change.case_study))
        graph.add((revision, PROV.wasGeneratedBy, activity))
        graph.add((revision, PROV.wasAttributedTo, person))
        graph.add((revision, PROV.generatedAtTime, time))
        graph.add((revision, WG.changeKind, AENDERUNG[change.kind]))
        graph.add((revision, RDFS.label, Literal(f"{slug} {KIND_LABELS[change.kind]}", lang="de")))
        if change.suggestion is not None:
            graph.add((revision, WG.decidedSuggestion, change.suggestion))
        for predicate in sorted({p for p, _ in before ^ after}, key=str):
            graph.add((revision, WG.changedProperty, predicate))
        graph.add(
            (revision, WG.statementsAdded, Literal(len(after - before), datatype=XSD.integer))
        )
        graph.add(
            (revision, WG.statementsRemoved, Literal(len(before - after), datatype=XSD.integer))
        )
    return f"{write_id}.ttl", graph

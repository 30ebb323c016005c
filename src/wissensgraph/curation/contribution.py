"""What a curator hands in, as RDF: case studies with their blank nodes, and actors made new.

Every input format (JSON, JSON-LD, Turtle, spreadsheets) ends here, so the rules that keep the
graph sound are checked once: only case studies and actors under the base, nothing from the
history or the vocabulary, no stray blank nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from wissensgraph.errors import InputError, ParameterError
from wissensgraph.namespaces import AKTEUR, FS, WG
from wissensgraph.slugs import is_slug
from wissensgraph.store.rdf_files import new_graph


@dataclass
class Contribution:
    """Case studies (each with its own blank nodes) and the actors that do not exist yet."""

    case_studies: dict[URIRef, Graph] = field(default_factory=dict)
    actors: dict[URIRef, Graph] = field(default_factory=dict)
    #: Statements about other resources (labels of linked concepts, as our own pages export
    #: them); accepted only if the graph says the same already, and never written.
    context: Graph = field(default_factory=Graph)

    def slugs(self) -> list[str]:
        """The case studies' ids, in the order they came."""
        return [slug_of(iri) for iri in self.case_studies]

    def graph(self) -> Graph:
        """Everything handed in, as one graph."""
        merged = new_graph()
        for part in [*self.case_studies.values(), *self.actors.values()]:
            merged += part
        return merged

    def add(self, other: Contribution) -> None:
        """Join another contribution (the next spreadsheet row); an id twice is an error."""
        for iri, graph in other.case_studies.items():
            if iri in self.case_studies:
                raise InputError(f"Die Fallstudie {slug_of(iri)} kommt mehrfach vor.")
            self.case_studies[iri] = graph
        for iri, graph in other.actors.items():
            self.actors.setdefault(iri, graph)


def slug_of(iri: Node) -> str:
    """The last part of a case study's or actor's IRI."""
    return str(iri).rsplit("/", 1)[-1]


def closure(graph: Graph, subject: Node) -> Graph:
    """``subject``'s triples and those of the blank nodes below it (its concise description)."""
    found = Graph()
    pending: list[Node] = [subject]
    seen: set[Node] = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in graph.triples((node, None, None)):
            found.add(triple)
            if isinstance(triple[2], BNode):
                pending.append(triple[2])
    return found


def from_graph(graph: Graph) -> Contribution:
    """Split a parsed RDF upload into case studies and actors, refusing anything else."""
    if len(graph) == 0:
        raise InputError("Die Eingabe enthält keine Tripel.")
    contribution = Contribution()
    covered: set[tuple[Node, Node, Node]] = set()
    for subject in sorted(set(graph.subjects()), key=str):
        if isinstance(subject, BNode):
            continue
        iri = str(subject)
        if iri.startswith(str(FS)) and (subject, RDF.type, WG.CaseStudy) in graph:
            target, namespace = contribution.case_studies, str(FS)
        elif iri.startswith(str(AKTEUR)) and (subject, RDF.type, WG.Actor) in graph:
            target, namespace = contribution.actors, str(AKTEUR)
        else:
            part = closure(graph, subject)
            covered.update(part)
            contribution.context += part
            continue
        # exactly the form the project mints: a write may only touch the files of what it names
        if not is_slug(iri[len(namespace) :]):
            raise ParameterError(
                f"{iri}: erlaubt sind nur IRIs der Form {namespace}<kennung>, die Kennung aus "
                "Kleinbuchstaben, Ziffern und Bindestrichen, ohne weitere Schrägstriche."
            )
        part = closure(graph, subject)
        covered.update(part)
        target[subject] = part  # type: ignore[index]  # an IRI: it matched FS or AKTEUR
    stray = [t for t in graph if t not in covered]
    if stray:
        subject = stray[0][0]
        raise InputError(
            f"{len(stray)} Tripel gehören zu keiner Fallstudie und keinem Akteur "
            f"(z. B. an {subject.n3()}); leere Knoten müssen unter einer Fallstudie hängen."
        )
    if not contribution.case_studies:
        raise InputError("Die Eingabe beschreibt keine Fallstudie (a wg:CaseStudy).")
    return contribution


#: What makes a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def refuse_formulas(contribution: Contribution) -> None:
    """No text may start like a spreadsheet formula: curators open our CSVs in spreadsheets.

    Refused at the door for every input format, so the stored data never holds a formula and every
    export (the SPARQL CSV included) can stay faithful to it. Signed numbers are fine.
    """
    for part in [*contribution.case_studies.values(), *contribution.actors.values()]:
        for subject, predicate, value in part:
            text = str(value)
            if isinstance(value, Literal) and text.startswith(_FORMULA_START):
                if _NUMBER.match(text):
                    continue
                raise ParameterError(
                    f"{slug_of(subject) if isinstance(subject, URIRef) else 'Angabe'}: "
                    f"{predicate.n3()} beginnt mit {text[:1]!r} ({text[:40]!r}); Tabellen-"
                    "programme lesen das als Formel. Bitte ohne dieses Zeichen am Anfang."
                )


def unknown_context(contribution: Contribution, stored: Graph) -> list[tuple[Node, Node, Node]]:
    """Context statements the graph does not already make (blank-node values aside)."""
    return [
        triple
        for triple in contribution.context
        if not isinstance(triple[2], BNode) and triple not in stored
    ]


def referenced(graphs: Iterable[Graph]) -> set[URIRef]:
    """IRIs the contribution points to (concepts, actors), for validation against the graph."""
    found: set[URIRef] = set()
    for graph in graphs:
        for _, predicate, obj in graph:
            if isinstance(obj, URIRef) and predicate not in _EXTERNAL_LINKS:
                found.add(obj)
    return found


_EXTERNAL_LINKS = {
    URIRef("http://purl.org/dc/terms/source"),
    URIRef("http://xmlns.com/foaf/0.1/homepage"),
}

"""Reading RDF files from the project's folders into rdflib graphs; errors name the file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from wissensgraph.errors import InputError
from wissensgraph.namespaces import PREFIXES

#: File endings read as RDF, with the rdflib parser for each.
RDF_FORMATS: dict[str, str] = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml"}


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound, so serialisations read well."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the RDF files below them, sorted, so builds read in a fixed order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in RDF_FORMATS
            )
        elif path.is_file():
            if path.suffix not in RDF_FORMATS:
                known = ", ".join(sorted(RDF_FORMATS))
                raise InputError(f"{path}: unbekanntes Dateiformat (erwartet: {known})")
            found.append(path)
        else:
            raise InputError(f"{path}: Datei oder Ordner nicht gefunden")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


@dataclass
class LoadedFiles:
    """A graph parsed from files, remembering which file described which subject."""

    graph: Graph
    files: list[Path]
    origin: dict[Node, Path] = field(default_factory=dict)

    def file_of(self, node: Node) -> Path | None:
        """The file that describes ``node``, for reports that point a curator to the right place."""
        return self.origin.get(node)


def parse_files(files: Iterable[Path]) -> LoadedFiles:
    """Parse every file into one graph; a syntax error names the file and the parser's message."""
    graph = new_graph()
    loaded = LoadedFiles(graph=graph, files=[])
    for path in files:
        part = Graph()
        try:
            part.parse(path, format=RDF_FORMATS.get(path.suffix, "turtle"))
        except Exception as exc:  # rdflib raises many unrelated types for bad syntax
            message = " ".join(str(exc).split())
            raise InputError(f"{path}: nicht lesbar ({type(exc).__name__}): {message}") from exc
        for subject in set(part.subjects()):
            if isinstance(subject, URIRef):
                loaded.origin.setdefault(subject, path)
        graph += part
        loaded.files.append(path)
    return loaded


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _from_ox(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    datatype = ox.NamedNode(str(term.datatype)) if term.datatype else None
    return ox.Literal(str(term), datatype=datatype)


def read_turtle(path: Path) -> Graph:
    """A Turtle file as an rdflib graph, parsed by Oxigraph (many times faster for large files)."""
    graph = new_graph()
    try:
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            graph.add(
                (_from_ox(triple.subject), _from_ox(triple.predicate), _from_ox(triple.object))
            )
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}") from exc
    return graph


def sorted_turtle(graph: Graph) -> bytes:
    """Turtle in a fixed order (subject, predicate, object), so a change shows as a small diff."""
    triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    iris = {str(term) for triple in triples for term in triple if isinstance(term, URIRef)}
    iris |= {str(t[2].datatype) for t in triples if isinstance(t[2], Literal) and t[2].datatype}
    used = {p: str(ns) for p, ns in PREFIXES.items() if any(i.startswith(str(ns)) for i in iris)}
    written = ox.serialize(
        (ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in triples),  # type: ignore[arg-type]
        format=ox.RdfFormat.TURTLE,
        prefixes=used,
    )
    return written or b""  # without an output file, serialize returns the bytes

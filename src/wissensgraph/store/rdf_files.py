"""Reading RDF files from the project's folders into rdflib graphs; errors name the file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
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

"""SHACL at the door: a contribution is validated with just the part of the graph it points to.

Copying a large store into pyshacl for every write would cost seconds (pySHACL issue #226). The
shapes only need, besides the new resources, the types and scheme memberships of what they refer
to (concepts, existing actors) and the class hierarchy; one CONSTRUCT fetches that.
"""

from __future__ import annotations

import threading
from pathlib import Path

from rdflib import Graph, URIRef

from wissensgraph.curation.contribution import Contribution, referenced
from wissensgraph.errors import ShapeViolation
from wissensgraph.store.graph import KnowledgeGraph
from wissensgraph.store.rdf_files import collect_files

_lock = threading.Lock()
_shapes: dict[Path, tuple[tuple[tuple[str, int], ...], Graph]] = {}


def shapes(shapes_dir: Path) -> Graph:
    """The shapes graph, parsed once and again only when a shapes file changes."""
    from wissensgraph.validation.shacl import load_shapes

    files = collect_files([shapes_dir])
    signature = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    with _lock:
        cached = _shapes.get(shapes_dir)
        if cached is None or cached[0] != signature:
            cached = (signature, load_shapes(shapes_dir))
            _shapes[shapes_dir] = cached
        return cached[1]


_CONTEXT = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s rdf:type ?t . ?s skos:inScheme ?scheme . ?c rdfs:subClassOf ?d }
WHERE {
  { VALUES ?s { %s } ?s rdf:type ?t FILTER (?t != skos:Concept) }
  UNION { VALUES ?s { %s } ?s skos:inScheme ?scheme }
  UNION { ?c rdfs:subClassOf ?d }
}"""


def context_of(data: Graph, graph: KnowledgeGraph) -> Graph:
    """What the shapes ask of referenced resources: their types and schemes, and the classes.

    Concepts come without their labels, so the concept shapes (checked at build time) do not
    run again on every write.
    """
    own = {s for s in data.subjects() if isinstance(s, URIRef)}
    values = " ".join(f"<{iri}>" for iri in sorted(referenced([data]) - own))
    return graph.construct(_CONTEXT % (values, values))


def check(
    contribution: Contribution, graph: KnowledgeGraph, shapes_dir: Path, extra: Graph | None = None
) -> None:
    """Raise ShapeViolation with the report unless every new resource conforms.

    ``extra`` is more that the write states, checked in the same run (NLC link suggestions).
    Only results about the contribution count: existing actors in the context are seen with
    their type alone and were validated when they entered the graph.
    """
    data = contribution.graph()
    if extra is not None:
        data += extra
    check_graph(data, graph, shapes_dir)


def check_graph(data: Graph, graph: KnowledgeGraph, shapes_dir: Path) -> None:
    """Raise ShapeViolation unless the resources ``data`` describes conform; ``data`` grows."""
    from wissensgraph.validation.shacl import validate_graph

    mine = set(data.subjects())
    data += context_of(data, graph)
    report = validate_graph(data, shapes(shapes_dir), inplace=True, only=mine)
    if not report.conforms:
        raise ShapeViolation(report)

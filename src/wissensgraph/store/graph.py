"""The persistent knowledge graph: an embedded Oxigraph store, built atomically from files."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib import Graph

from wissensgraph.config import Settings
from wissensgraph.errors import InputError, QuerySyntaxError, ShapeViolation, StoreError
from wissensgraph.namespaces import DATA_GRAPH, HISTORY_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from wissensgraph.queries import load_query
from wissensgraph.store.locking import data_lock
from wissensgraph.store.rdf_files import collect_files, parse_files
from wissensgraph.store.versions import (
    build_marker,
    drop_version,
    new_version_path,
    remove_unused,
    switch,
)

log = logging.getLogger(__name__)

#: Folder of ``data/`` that holds the write history; it goes to its own named graph.
HISTORY_FOLDER = "historie"

if TYPE_CHECKING:
    from wissensgraph.sparql.query import QueryForm
    from wissensgraph.validation.shacl import ValidationReport

#: A SPARQL result row: variable name -> the value as text (None when unbound).
Row = dict[str, str | None]
#: The kind of result a query form gives (QuerySolutions, QueryBoolean, QueryTriples).
R = TypeVar("R")


class KnowledgeGraph:
    """Read access to a built store; the union of its named graphs is the default graph.

    ``location`` is the store directory that was opened (the symlink resolved), so whatever is
    derived from the graph can say which store version it came from; None for a remote endpoint.
    """

    location: Path | None = None

    def __init__(self, store: ox.Store, location: Path | None = None) -> None:
        self._store = store
        self.location = location

    @property
    def store(self) -> ox.Store:
        """The open pyoxigraph store (read-only), for the write path's checkpoint."""
        return self._store

    def build_id(self) -> str | None:
        """Which build this version descends from; the same across writes, new per build."""
        if self.location is None or not build_marker(self.location).exists():
            return None
        return build_marker(self.location).read_text(encoding="utf-8").strip() or None

    @classmethod
    def open(cls, settings: Settings) -> KnowledgeGraph:
        """Open the current store read-only (or the remote endpoint the settings name)."""
        if settings.sparql_endpoint:
            return RemoteKnowledgeGraph(settings)
        path = settings.store_dir
        if not path.exists():
            raise StoreError(f"Kein Graph unter {path}. Zuerst bauen: wissensgraph build")
        resolved = path.resolve()
        try:
            return cls(ox.Store.read_only(str(resolved)), resolved)
        except OSError as exc:
            raise StoreError(f"Graph unter {path} kann nicht geöffnet werden: {exc}") from exc

    def __len__(self) -> int:
        return len(self._store)

    def _run(self, query: str, expected: type[R], form: str) -> R:
        try:
            result = self._store.query(query, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        if not isinstance(result, expected):
            raise QuerySyntaxError(f"Erwartet wurde eine {form}-Abfrage.")
        return result

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query and return its rows with plain text values."""
        result = self._run(query, ox.QuerySolutions, "SELECT")
        names = [v.value for v in result.variables]
        return [
            {name: (None if (term := row[name]) is None else term.value) for name in names}
            for row in result
        ]

    def ask(self, query: str) -> bool:
        """Run an ASK query."""
        return bool(self._run(query, ox.QueryBoolean, "ASK"))

    def named(self, name: str) -> list[Row]:
        """Run one of the package's own queries by name."""
        return self.select(load_query(name))

    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT query; the result as an rdflib graph (for small results)."""
        result = self._run(query, ox.QueryTriples, "CONSTRUCT")
        payload = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        graph = Graph()
        graph.parse(data=payload, format="nt")
        return graph


class RemoteKnowledgeGraph(KnowledgeGraph):
    """The same reads against a remote SPARQL 1.1 endpoint."""

    def __init__(self, settings: Settings) -> None:
        from wissensgraph.store.remote import RemoteExecutor

        assert settings.sparql_endpoint
        self._executor = RemoteExecutor(
            settings.sparql_endpoint,
            timeout=settings.sparql_timeout,
            max_bytes=int(settings.sparql_max_result_mb * 1_000_000),
        )

    def _json(self, query: str, form: QueryForm) -> dict[str, Any]:
        """The endpoint's SPARQL JSON results, as parsed."""
        from wissensgraph.sparql.query import QueryRequest

        response = self._executor.execute(
            QueryRequest(query=query, form=form, media_type="application/sparql-results+json")
        )
        return json.loads(response.body)

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"] or 0)

    def select(self, query: str) -> list[Row]:
        """Run a SELECT query remotely and return rows with plain text values."""
        result = self._json(query, "SELECT")
        names = result["head"]["vars"]
        bindings = result["results"]["bindings"]
        return [{n: (b[n]["value"] if n in b else None) for n in names} for b in bindings]

    def ask(self, query: str) -> bool:
        """Run an ASK query remotely."""
        return bool(self._json(query, "ASK")["boolean"])


@dataclass(frozen=True)
class BuildSummary:
    """What a build loaded, for the report the CLI prints."""

    store: Path
    files: int
    ontology_triples: int
    data_triples: int
    case_studies_per_action_field: list[Row]
    seconds: float


@dataclass(frozen=True)
class Sources:
    """Validated, parsed input of a build."""

    vocabulary: Graph
    data: Graph
    history: Graph
    report: ValidationReport
    files: int


def read_sources(settings: Settings, data_paths: list[Path] | None = None) -> Sources:
    """Parse ontology and data and validate them together; nothing is written."""
    from wissensgraph.validation.shacl import (  # pyshacl: only when needed
        load_shapes,
        validate_graph,
    )

    vocabulary = parse_files(collect_files([settings.ontology_dir]))
    history_dir = (settings.data_dir / HISTORY_FOLDER).resolve()
    files = collect_files(data_paths or [settings.data_dir])
    data = parse_files(f for f in files if history_dir not in f.parents)
    history = parse_files(f for f in files if history_dir in f.parents)
    combined = Graph()
    combined.namespace_manager = data.graph.namespace_manager
    combined += vocabulary.graph
    combined += data.graph
    report = validate_graph(combined, load_shapes(settings.shapes_dir), loaded=data)
    return Sources(
        vocabulary=vocabulary.graph,
        data=data.graph,
        history=history.graph,
        report=report,
        files=len(vocabulary.files) + len(data.files) + len(history.files),
    )


def build(settings: Settings) -> BuildSummary:
    """Validate everything, write a fresh store beside the old one, then switch atomically.

    The current store is replaced only after the new one is complete, by renaming a symlink,
    so a failed or interrupted build leaves the previous graph untouched.
    """
    from wissensgraph.store.journal import recover

    started = time.perf_counter()
    with data_lock(settings.lock_dir):  # no curator write half-way through the files we read
        recover(settings)
        sources = read_sources(settings)
        if not sources.report.conforms:
            raise ShapeViolation(sources.report)
        if settings.sparql_endpoint:
            _build_remote(settings, sources)
        else:
            _build_embedded(settings, sources)
    graph = KnowledgeGraph.open(settings)
    log.info(
        "Graph gebaut aus %s: %d Dateien, %d Tripel, %.1f s",
        settings.data_dir,
        sources.files,
        len(sources.vocabulary) + len(sources.data),
        time.perf_counter() - started,
    )
    return BuildSummary(
        store=settings.store_dir
        if not settings.sparql_endpoint
        else Path(settings.sparql_endpoint),
        files=sources.files,
        ontology_triples=len(sources.vocabulary),
        data_triples=len(sources.data),
        case_studies_per_action_field=graph.named("case_studies_per_action_field"),
        seconds=time.perf_counter() - started,
    )


def _build_remote(settings: Settings, sources: Sources) -> None:
    from wissensgraph.store.remote import replace_graphs

    endpoint = settings.sparql_update_endpoint or settings.sparql_endpoint
    assert endpoint
    replace_graphs(
        endpoint,
        {
            str(ONTOLOGY_GRAPH): sources.vocabulary,
            str(DATA_GRAPH): sources.data,
            str(HISTORY_GRAPH): sources.history,
        },
        timeout=settings.sparql_timeout,
    )


def _build_embedded(settings: Settings, sources: Sources) -> None:
    target = new_version_path(settings.home / "stores")
    try:
        store = ox.Store(str(target))
        _load(store, sources.vocabulary, ONTOLOGY_GRAPH)
        _load(store, sources.data, DATA_GRAPH)
        _load(store, sources.history, HISTORY_GRAPH)
        store.flush()
        del store
        build_marker(target).write_text(uuid.uuid4().hex, encoding="utf-8")
    except OSError as exc:
        drop_version(target)
        raise StoreError(f"Graph konnte nicht nach {target} geschrieben werden: {exc}") from exc
    switch(settings.store_dir, target)
    remove_unused(settings.store_dir)


def _load(store: ox.Store, graph: Graph, into: object) -> None:
    payload = graph.serialize(format="nt", encoding="utf-8")
    store.bulk_load(payload, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(into)))


#: Export formats: name -> (pyoxigraph format, keeps named graphs).
EXPORT_FORMATS: dict[str, tuple[str, bool]] = {
    "nquads": ("N_QUADS", True),
    "trig": ("TRIG", True),
    "turtle": ("TURTLE", False),
    "ntriples": ("N_TRIPLES", False),
}


def export(settings: Settings, output: BinaryIO, fmt: str = "nquads") -> None:
    """Write the whole store; triple formats get the union of all graphs."""
    if settings.sparql_endpoint:
        raise StoreError(
            "Export liest den eingebetteten Speicher; "
            "ein entfernter Endpunkt hat seinen eigenen Dump."
        )
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"Unbekanntes Exportformat {fmt!r} (möglich: {', '.join(EXPORT_FORMATS)})")
    name, keeps_graphs = EXPORT_FORMATS[fmt]
    if not settings.store_dir.exists():
        raise StoreError(f"Kein Graph unter {settings.store_dir}. Zuerst bauen: wissensgraph build")
    store = ox.Store.read_only(str(settings.store_dir.resolve()))
    rdf_format = getattr(ox.RdfFormat, name)
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    if keeps_graphs:
        store.dump(output, format=rdf_format)
    else:
        ox.serialize((quad.triple for quad in store), output, format=rdf_format, prefixes=prefixes)


@contextmanager
def opened(settings: Settings) -> Iterator[KnowledgeGraph]:
    """Open the store for the duration of a block."""
    graph = KnowledgeGraph.open(settings)
    try:
        yield graph
    finally:
        del graph

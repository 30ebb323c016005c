"""The commit of every write: new store version, files under the undo journal, switch, history.

A write (case studies added, replaced or deleted; a suggestion accepted or rejected; suggestions
generated) first works out, under the data lock, what changes: the files' new contents, the
statements that leave and come into the store, the history record. ``commit`` then applies it
the one way: the store version is prepared by one SPARQL Update on a copy, the old file contents
go into the journal, the files are written and synced, and switching the store link is the
commit point. Whatever fails before the switch leaves files and store as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import FOAF, PROV, RDFS

from wissensgraph.config import Settings
from wissensgraph.errors import StoreError
from wissensgraph.linking.records import FILE_NAME as SUGGESTIONS_FILE
from wissensgraph.namespaces import DATA_GRAPH, HISTORY_GRAPH, WG
from wissensgraph.store.durable_files import remove_durable, sync_folder, write_atomic
from wissensgraph.store.graph import HISTORY_FOLDER, KnowledgeGraph
from wissensgraph.store.journal import begin, finish, recover
from wissensgraph.store.rdf_files import new_graph, read_turtle, sorted_turtle
from wissensgraph.store.versions import remove_unused, switch, write_version

log = logging.getLogger(__name__)


def writable(settings: Settings) -> None:
    """Refuse a write, before any work, where this installation must not write: the shipped
    collection, or a remote endpoint (its data is not ours to change)."""
    if settings.data_is_shipped:
        raise StoreError(
            f"{settings.data_dir} ist die mitgelieferte Sammlung und bleibt unverändert. Für eine "
            "eigene Wissensbasis: 'wissensgraph init ORDNER', dort bauen und den Server starten "
            "(oder WISSENSGRAPH_DATA_DIR setzen)."
        )
    if settings.sparql_endpoint:
        raise StoreError(
            "Schreiben geht nur mit dem eingebetteten Speicher; mit einem entfernten Endpunkt "
            "(WISSENSGRAPH_SPARQL_ENDPOINT) bitte die Dateien in data/ ändern und neu bauen."
        )


def case_study_file(settings: Settings, slug: str) -> Path:
    """The one file a case study written through the API lives in."""
    return settings.data_dir / "fallstudien" / f"{slug}.ttl"


def suggestions_file(settings: Settings) -> Path:
    """The file of NLC link suggestions; only a commit writes it."""
    return settings.data_dir / SUGGESTIONS_FILE


def read_suggestions(settings: Settings) -> Graph:
    """The suggestions file as it is (empty if there is none yet)."""
    path = suggestions_file(settings)
    return read_turtle(path) if path.exists() else new_graph()


def turtle(graph: Graph) -> bytes:
    """A graph as Turtle with the project's prefixes, as every written file is."""
    out = new_graph()
    out += graph
    return out.serialize(format="turtle", encoding="utf-8")


def _nt(graph: Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


@dataclass
class Work:
    """What one write changes; ``commit`` applies it all or nothing."""

    #: New file contents (None: the file goes).
    files: dict[Path, bytes | None] = field(default_factory=dict)
    #: SPARQL Update operations that run first (removing described resources).
    removals: list[str] = field(default_factory=list)
    #: Statements leaving and entering the data graph.
    deleted: Graph = field(default_factory=Graph)
    inserted: Graph = field(default_factory=Graph)
    #: The history record: file name and triples (None for the system's own writes).
    history: tuple[str, Graph] | None = None
    #: The case studies whose search documents change.
    changed: list[URIRef] = field(default_factory=list)

    def replace_suggestions(self, settings: Settings, before: Graph, after: Graph) -> None:
        """The suggestions file goes from ``before`` to ``after``, the store by the difference.

        The file has no blank nodes, so the difference is exact.
        """
        gone, new = before - after, after - before
        if not len(gone) and not len(new):
            return
        if any(isinstance(term, BNode) for part in (gone, new) for t in part for term in t):
            raise StoreError(f"{SUGGESTIONS_FILE} darf keine leeren Knoten enthalten.")
        self.files[suggestions_file(settings)] = sorted_turtle(after)
        self.deleted += gone
        self.inserted += new


_ENDED = PROV.endedAtTime


def commit(settings: Settings, graph: KnowledgeGraph, work: Work) -> str:
    """Apply ``work``: store version, journal, files, switch; returns the history activity.

    The caller holds the data lock and settled any interrupted write before reading ``graph``.
    """
    files = dict(work.files)
    operations = list(work.removals)
    if len(work.deleted):
        operations.append(f"DELETE DATA {{ GRAPH <{DATA_GRAPH}> {{ {_nt(work.deleted)} }} }}")
    inserts = [f"GRAPH <{DATA_GRAPH}> {{ {_nt(work.inserted)} }}"] if len(work.inserted) else []
    activity = ""
    if work.history is not None:
        name, record = work.history
        files[settings.data_dir / HISTORY_FOLDER / name] = turtle(record)
        inserts.append(f"GRAPH <{HISTORY_GRAPH}> {{ {_nt(record)} }}")
        activity = str(next(iter(record.subjects(predicate=_ENDED)), ""))
    if inserts:
        operations.append(f"INSERT DATA {{ {' '.join(inserts)} }}")
    if not operations and not files:
        return activity
    version = write_version(
        settings.store_dir,
        " ;\n".join(operations),
        graph.store,
        changed=[str(iri) for iri in work.changed],
    )
    try:
        begin(settings, files, version)
        for path, content in files.items():
            if content is None:
                remove_durable(path, sync=False)
            else:
                write_atomic(path, content, sync=False)
        for folder in {path.parent for path in files}:  # one sync per folder, not per file
            sync_folder(folder)
        switch(settings.store_dir, version)  # the commit point
        finish(settings)
    except BaseException:
        recover(settings)
        raise
    remove_unused(settings.store_dir)
    _log(work, version.name, activity)
    return activity


def _log(work: Work, version: str, activity: str) -> None:
    """One line per write: who, what, which store version (the history holds the details)."""
    if work.history is None:
        log.info("Systemschreibvorgang: Speicherstand %s", version)
        return
    record = work.history[1]
    curator = ", ".join(sorted(str(n) for n in record.objects(None, FOAF.name)))
    source = ", ".join(str(s) for s in record.objects(None, WG.changeSource))
    what = ", ".join(sorted(str(label) for label in record.objects(None, RDFS.label)))
    log.info(
        "Schreibvorgang von %s (%s): %s; Speicherstand %s",
        curator,
        source,
        what,
        version,
        extra={"curator": curator, "change": activity, "store_version": version},
    )


def rebuild_with(settings: Settings, files: dict[Path, bytes]) -> None:
    """For a remote store, which only a build loads: write ``files``, then build from them.

    A failed build puts the files back as they were.
    """
    from wissensgraph.store.graph import build

    begin(settings, files, None)
    try:
        for path, content in files.items():
            write_atomic(path, content)
        build(settings)
    except BaseException:
        recover(settings)
        raise
    finish(settings)

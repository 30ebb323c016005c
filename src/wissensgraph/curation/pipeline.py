"""Curators' writes: add, replace, delete and import case studies, all or nothing, with history.

One write at a time per data folder (the data lock). Inside it: settle any interrupted write,
turn the input into RDF, check the rules and the SHACL shapes against the part of the graph it
points to, prepare the new store version, then change the files under an undo journal and switch
the store. The data files stay the source of truth (a rebuild gives the same graph); the search
index follows the store version it was made from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rdflib import Graph, URIRef

from wissensgraph.config import Settings
from wissensgraph.curation import shape_check as door
from wissensgraph.curation.contribution import (
    Contribution,
    from_graph,
    refuse_formulas,
    slug_of,
    unknown_context,
)
from wissensgraph.curation.form import ActorDirectory, CaseStudyForm, Vocabulary, to_contribution
from wissensgraph.curation.history import Change, record
from wissensgraph.errors import Conflict, InputError, NotFound, ParameterError, StoreError
from wissensgraph.namespaces import DATA_GRAPH, FS, HISTORY_GRAPH, WG
from wissensgraph.store.durable_files import remove_durable, sync_folder, write_atomic
from wissensgraph.store.graph import HISTORY_FOLDER, KnowledgeGraph
from wissensgraph.store.journal import begin, finish, recover
from wissensgraph.store.locking import data_lock
from wissensgraph.store.rdf_files import new_graph
from wissensgraph.store.versions import remove_unused, switch, write_version

log = logging.getLogger(__name__)

Mode = Literal["create", "replace", "upsert"]
#: What a write hands in: forms (JSON, spreadsheets) or a parsed RDF graph.
Submission = list[CaseStudyForm] | Graph

SUGGESTIONS_FILE = "vorschlaege.ttl"


@dataclass(frozen=True)
class WriteResult:
    """What one write changed; ``change`` is the history activity that records it."""

    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    actors_created: list[str] = field(default_factory=list)
    change: str = ""


_SUGGESTED = f"<{WG.suggestedLink}>"

_OWN = f"""
CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{DATA_GRAPH}> {{
  VALUES ?r {{ %s }}
  {{ ?r ?p ?o FILTER (?p != {_SUGGESTED}) BIND (?r AS ?s) }}
  UNION {{ ?r ?q ?s FILTER (?q != {_SUGGESTED} && isBlank(?s)) ?s ?p ?o }}
}} }}"""

_DELETE_OWN = f"""
DELETE {{ GRAPH <{DATA_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{DATA_GRAPH}> {{
  VALUES ?r {{ %s }}
  {{ ?r ?p ?o FILTER (?p != {_SUGGESTED}) BIND (?r AS ?s) }}
  UNION {{ ?r ?q ?s FILTER (?q != {_SUGGESTED} && isBlank(?s)) ?s ?p ?o }}
}} }}"""

_DELETE_SUGGESTIONS = f"""
DELETE {{ GRAPH <{DATA_GRAPH}> {{ ?r {_SUGGESTED} ?n . ?n ?p ?o }} }}
WHERE {{ GRAPH <{DATA_GRAPH}> {{ VALUES ?r {{ %s }} ?r {_SUGGESTED} ?n . ?n ?p ?o }} }}"""


def _values(iris: list[URIRef]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def require_writable(settings: Settings) -> None:
    """Refuse a write, before any work, where this installation must not write."""
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


def submit(
    settings: Settings,
    submission: Submission,
    *,
    mode: Mode,
    curator: str,
    source: str,
    slug: str | None = None,
    single: bool = False,
) -> WriteResult:
    """Validate and store case studies; on any problem nothing changes.

    ``slug`` demands that the submission describes exactly that case study (PUT), ``single``
    exactly one (POST).
    """
    require_writable(settings)
    if not curator.strip():
        raise InputError("Der Name der Kuratorin oder des Kurators fehlt.")
    with data_lock(settings.lock_dir):
        recover(settings)
        graph = KnowledgeGraph.open(settings)
        contribution = _contribution(submission, graph)
        if slug is not None and contribution.slugs() != [slug]:
            raise ParameterError(
                f"Der Inhalt muss genau die Fallstudie {slug} beschreiben, "
                f"nicht: {', '.join(contribution.slugs())}"
            )
        if single and len(contribution.case_studies) != 1:
            raise ParameterError(
                f"Erwartet wird genau eine Fallstudie, nicht {len(contribution.case_studies)}."
            )
        iris = list(contribution.case_studies)
        existing = {
            URIRef(row["r"] or "")
            for row in graph.select(
                f"SELECT ?r WHERE {{ VALUES ?r {{ {_values(iris)} }} ?r a <{WG.CaseStudy}> }}"
            )
        }
        if mode == "create" and existing:
            names = ", ".join(sorted(slug_of(i) for i in existing))
            raise Conflict(f"Fallstudie(n) gibt es schon: {names} (ändern mit PUT).")
        if mode == "replace" and (missing := [i for i in iris if i not in existing]):
            raise NotFound(f"Fallstudie(n) nicht gefunden: {', '.join(map(slug_of, missing))}")
        for iri in existing:
            if not case_study_file(settings, slug_of(iri)).exists():
                raise InputError(
                    f"{slug_of(iri)} wird nicht in fallstudien/{slug_of(iri)}.ttl gepflegt und "
                    "lässt sich daher nicht über diesen Weg ändern."
                )
        _drop_known_actors(contribution, graph)
        door.check(contribution, graph, settings.shapes_dir)
        before = _descriptions(graph, sorted(existing))
        changes = [
            Change(iri, before.get(iri), part) for iri, part in contribution.case_studies.items()
        ]
        return _commit(settings, graph, changes, contribution.actors, curator.strip(), source)


def delete(settings: Settings, slug: str, *, curator: str, source: str) -> WriteResult:
    """Remove a case study (and the suggestions made for it); its history stays."""
    require_writable(settings)
    if not curator.strip():
        raise InputError("Der Name der Kuratorin oder des Kurators fehlt.")
    iri = FS[slug]
    with data_lock(settings.lock_dir):
        recover(settings)
        graph = KnowledgeGraph.open(settings)
        if not graph.ask(f"ASK {{ <{iri}> a <{WG.CaseStudy}> }}"):
            raise NotFound(f"Fallstudie {slug} nicht gefunden.")
        if not case_study_file(settings, slug).exists():
            raise InputError(f"{slug} wird nicht in fallstudien/{slug}.ttl gepflegt.")
        referrers = graph.select(
            f"SELECT DISTINCT ?s WHERE {{ ?s ?p <{iri}> FILTER (?p != <{WG.suggestedLink}>) "
            f"FILTER NOT EXISTS {{ ?s a <http://www.w3.org/ns/prov#Entity> }} }}"
        )
        if referrers:
            names = ", ".join(sorted(str(r["s"]) for r in referrers)[:5])
            raise Conflict(f"{slug} wird noch verwendet von: {names}")
        before = _descriptions(graph, [iri])
        change = Change(iri, before[iri], None)
        return _commit(settings, graph, [change], {}, curator.strip(), source)


def _contribution(submission: Submission, graph: KnowledgeGraph) -> Contribution:
    if isinstance(submission, Graph):
        contribution = from_graph(submission)
        _check_context(contribution, graph)
    else:
        if not submission:
            raise InputError("Keine Fallstudie übergeben.")
        vocabulary, actors = Vocabulary.read(graph), ActorDirectory(graph)
        contribution = Contribution()
        for form in submission:
            contribution.add(to_contribution(form, vocabulary, actors))
    refuse_formulas(contribution)
    return contribution


def _check_context(contribution: Contribution, graph: KnowledgeGraph) -> None:
    """Statements about other resources must repeat the graph; they are never written."""
    subjects = sorted({s for s in contribution.context.subjects() if isinstance(s, URIRef)})
    if not subjects:
        return
    stored = graph.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_values(subjects)} }} ?s ?p ?o }}"
    )
    unknown = unknown_context(contribution, stored)
    if unknown:
        subject, predicate, value = unknown[0]
        raise InputError(
            f"{subject}: hier dürfen nur Fallstudien (wg:CaseStudy unter {FS}) und Akteure "
            f"(wg:Actor) beschrieben werden; über andere Ressourcen nur, was der Graph schon "
            f"sagt. Neu wäre z. B. {predicate.n3()} {value.n3()} ({len(unknown)} Aussage(n))."
        )


def _drop_known_actors(contribution: Contribution, graph: KnowledgeGraph) -> None:
    """An upload may repeat an existing actor as it is; changing one goes another way."""
    for iri in list(contribution.actors):
        stored = graph.construct(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
        if len(stored) == 0:
            continue
        if all(triple in stored for triple in contribution.actors[iri]):
            del contribution.actors[iri]
        else:
            raise Conflict(
                f"Den Akteur {slug_of(iri)} gibt es schon mit anderer Beschreibung; Akteure "
                "werden hier nur verwendet, nicht geändert."
            )


def _descriptions(graph: KnowledgeGraph, iris: list[URIRef]) -> dict[URIRef, Graph]:
    if not iris:
        return {}
    merged = graph.construct(_OWN % _values(iris))
    from wissensgraph.curation.contribution import closure

    return {iri: closure(merged, iri) for iri in iris}


def _turtle(graph: Graph) -> bytes:
    out = new_graph()
    out += graph
    return out.serialize(format="turtle", encoding="utf-8")


def _commit(
    settings: Settings,
    graph: KnowledgeGraph,
    changes: list[Change],
    actors: dict[URIRef, Graph],
    curator: str,
    source: str,
) -> WriteResult:
    history_name, history = record(changes, curator=curator, source=source)
    files: dict[Path, bytes | None] = {}
    for change in changes:
        path = case_study_file(settings, slug_of(change.case_study))
        files[path] = None if change.after is None else _turtle(change.after)
    for iri, part in actors.items():
        path = settings.data_dir / "akteure" / f"{slug_of(iri)}.ttl"
        if path.exists():
            raise Conflict(f"Die Datei {path.name} für den neuen Akteur gibt es schon.")
        files[path] = _turtle(part)
    deleted = [c.case_study for c in changes if c.after is None]
    if deleted:
        files.update(_without_suggestions(settings, deleted))
    files[settings.data_dir / HISTORY_FOLDER / history_name] = _turtle(history)

    inserted = Graph()
    for change in changes:
        if change.after is not None:
            inserted += change.after
    for part in actors.values():
        inserted += part
    operations = []
    replaced = [c.case_study for c in changes if c.before is not None]
    if replaced:
        operations.append(_DELETE_OWN % _values(replaced))
    if deleted:
        operations.append(_DELETE_SUGGESTIONS % _values(deleted))
    data = inserted.serialize(format="nt", encoding="utf-8").decode("utf-8")
    record_nt = history.serialize(format="nt", encoding="utf-8").decode("utf-8")
    operations.append(
        f"INSERT DATA {{ GRAPH <{DATA_GRAPH}> {{ {data} }} "
        f"GRAPH <{HISTORY_GRAPH}> {{ {record_nt} }} }}"
    )
    # actors are only ever added, so the case studies below are all whose documents change
    version = write_version(
        settings.store_dir,
        " ;\n".join(operations),
        graph.store,
        changed=[str(c.case_study) for c in changes],
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
    activity = next(iter(history.subjects(predicate=_ENDED)), "")
    log.info(
        "Schreibvorgang von %s (%s): %s; Speicherstand %s",
        curator,
        source,
        ", ".join(f"{slug_of(c.case_study)} {c.kind}" for c in changes),
        version.name,
        extra={"curator": curator, "change": str(activity), "store_version": version.name},
    )
    return WriteResult(
        created=[slug_of(c.case_study) for c in changes if c.kind == "angelegt"],
        replaced=[slug_of(c.case_study) for c in changes if c.kind == "geaendert"],
        deleted=[slug_of(c) for c in deleted],
        actors_created=[slug_of(a) for a in actors],
        change=str(activity),
    )


_ENDED = URIRef("http://www.w3.org/ns/prov#endedAtTime")


def _without_suggestions(settings: Settings, deleted: list[URIRef]) -> dict[Path, bytes]:
    path = settings.data_dir / SUGGESTIONS_FILE
    if not path.exists():
        return {}
    graph = new_graph()
    graph.parse(path, format="turtle")
    changed = False
    for iri in deleted:
        for node in list(graph.objects(iri, WG.suggestedLink)):
            graph.remove((iri, WG.suggestedLink, node))
            graph.remove((node, None, None))
            changed = True
    return {path: graph.serialize(format="turtle", encoding="utf-8")} if changed else {}

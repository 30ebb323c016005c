"""Curators' writes: add, replace, delete and import case studies, all or nothing, with history.

One write at a time per data folder (the data lock). Inside it: settle any interrupted write,
turn the input into RDF, check the rules and the SHACL shapes against the part of the graph it
points to, prepare the new store version, then change the files under an undo journal and switch
the store. The data files stay the source of truth (a rebuild gives the same graph); the search
index follows the store version it was made from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from wissensgraph.config import Settings
from wissensgraph.curation import shape_check as door
from wissensgraph.curation.commit import (
    Work,
    case_study_file,
    commit,
    read_suggestions,
    turtle,
    writable,
)
from wissensgraph.curation.contribution import (
    Contribution,
    closure,
    from_graph,
    refuse_formulas,
    slug_of,
    unknown_context,
)
from wissensgraph.curation.form import ActorDirectory, CaseStudyForm, Vocabulary, to_contribution
from wissensgraph.curation.history import Change, record
from wissensgraph.errors import Conflict, InputError, NotFound, ParameterError
from wissensgraph.linking import records
from wissensgraph.namespaces import DATA_GRAPH, FS, WG
from wissensgraph.store.graph import KnowledgeGraph
from wissensgraph.store.journal import recover
from wissensgraph.store.locking import data_lock

if TYPE_CHECKING:
    from wissensgraph.documents import SearchDocument
    from wissensgraph.linking.suggest import Linker

Mode = Literal["create", "replace", "upsert"]
#: What a write hands in: forms (JSON, spreadsheets) or a parsed RDF graph.
Submission = list[CaseStudyForm] | Graph


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


def _values(iris: list[URIRef]) -> str:
    return " ".join(f"<{iri}>" for iri in iris)


def submit(
    settings: Settings,
    submission: Submission,
    *,
    mode: Mode,
    curator: str,
    source: str,
    slug: str | None = None,
    single: bool = False,
    linker: Linker | None = None,
) -> WriteResult:
    """Validate and store case studies; on any problem nothing changes.

    ``slug`` demands that the submission describes exactly that case study (PUT), ``single``
    exactly one (POST). With a ``linker``, the case studies' NLC link suggestions are made in
    the same write, so curators can decide on them at once.
    """
    writable(settings)
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
        work = Work()
        made = Graph()
        if linker is not None:
            suggestions = read_suggestions(settings)
            fresh = records.for_documents(
                suggestions,
                linker,
                _documents(contribution),
                _curated(contribution),
                model=settings.search_model,
            )
            for node in set((fresh - suggestions).subjects()):
                if (node, RDF.type, WG.NLCLinkSuggestion) in fresh:
                    made += records.description(fresh, node)
            work.replace_suggestions(settings, suggestions, fresh)
        door.check(contribution, graph, settings.shapes_dir, extra=made)
        before = _descriptions(graph, sorted(existing))
        changes = [
            Change(iri, before.get(iri), part) for iri, part in contribution.case_studies.items()
        ]
        return _commit(settings, graph, work, changes, contribution.actors, curator, source)


def delete(settings: Settings, slug: str, *, curator: str, source: str) -> WriteResult:
    """Remove a case study (and the suggestions made for it); its history stays."""
    writable(settings)
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
        work = Work()
        suggestions = read_suggestions(settings)
        work.replace_suggestions(settings, suggestions, records.without(suggestions, [iri]))
        return _commit(settings, graph, work, [change], {}, curator, source)


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
    return {iri: closure(merged, iri) for iri in iris}


def _documents(contribution: Contribution) -> list[SearchDocument]:
    from wissensgraph.documents import documents_of

    return documents_of(contribution.graph())


def _curated(contribution: Contribution) -> dict[str, set[str]]:
    """Per case study: its curated targets and action fields, which are not suggested."""
    out: dict[str, set[str]] = {}
    for iri, part in contribution.case_studies.items():
        links = part.objects(iri, WG.curatedLink)
        targets = {t for link in links for t in part.objects(link, WG.target)}
        out[str(iri)] = {str(t) for t in targets | set(part.objects(iri, WG.actionField))}
    return out


def _commit(
    settings: Settings,
    graph: KnowledgeGraph,
    work: Work,
    changes: list[Change],
    actors: dict[URIRef, Graph],
    curator: str,
    source: str,
) -> WriteResult:
    """Case studies and actors into ``work``, then the one commit with its history record."""
    work.history = record(changes, curator=curator.strip(), source=source)
    for change in changes:
        path = case_study_file(settings, slug_of(change.case_study))
        work.files[path] = None if change.after is None else turtle(change.after)
        if change.after is not None:
            work.inserted += change.after
    for iri, part in actors.items():
        path = settings.data_dir / "akteure" / f"{slug_of(iri)}.ttl"
        if path.exists():
            raise Conflict(f"Die Datei {path.name} für den neuen Akteur gibt es schon.")
        work.files[path] = turtle(part)
        work.inserted += part
    replaced = [c.case_study for c in changes if c.before is not None]
    if replaced:
        work.removals.append(_DELETE_OWN % _values(replaced))
    # actors are only ever added, so the case studies below are all whose documents change
    work.changed = [c.case_study for c in changes]
    activity = commit(settings, graph, work)
    return WriteResult(
        created=[slug_of(c.case_study) for c in changes if c.kind == "angelegt"],
        replaced=[slug_of(c.case_study) for c in changes if c.kind == "geaendert"],
        deleted=[slug_of(c.case_study) for c in changes if c.after is None],
        actors_created=[slug_of(a) for a in actors],
        change=activity,
    )

"""NLC link suggestions kept as their own resources, with provenance, in data/vorschlaege.ttl.

The system writes suggestions; curators decide. Accepting one marks it accepted (who, when) and
adds a curated link to the case study's own file, derived from the suggestion; rejecting keeps the
record. Every change is validated by a full build before it counts; a failed build restores the
files as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import FOAF, PROV, RDF, XSD

from wissensgraph.config import Settings
from wissensgraph.errors import InputError, NotFound
from wissensgraph.linking.suggest import Linker
from wissensgraph.namespaces import FS, ID, STATUS, WG
from wissensgraph.slugs import slugify
from wissensgraph.store.durable_files import write_atomic
from wissensgraph.store.locking import data_lock
from wissensgraph.store.rdf_files import new_graph

FILE_NAME = "vorschlaege.ttl"
#: Recorded as the activity's method, so a reader of the file knows what produced a suggestion.
METHOD = (
    "kombiniert: Zero-Shot über Begriffsdefinitionen (Einbettung und Wörter) + Modelle aus den "
    "kuratierten Links und ihren Begründungen; jede Fallstudie von einem Modell ohne sie bewertet"
)
Decision = Literal["accept", "reject"]


def suggestion_iri(case_study: str, target: str) -> URIRef:
    """One stable IRI per case study and target (IRI or slug): a new run updates, not duplicates."""
    return ID[f"vorschlag/{case_study.rsplit('/', 1)[-1]}/{target.rstrip('/').rsplit('/', 1)[-1]}"]


@dataclass(frozen=True)
class WriteSummary:
    """What a run of the suggester wrote."""

    path: Path
    proposed: int
    kept: int


def write_suggestions(linker: Linker, data_dir: Path, *, model: str) -> WriteSummary:
    """Suggest links for every case study; decided suggestions keep their status and history."""
    path = data_dir / FILE_NAME
    previous = Graph()
    if path.exists():
        previous.parse(path, format="turtle")
    decided = {
        s
        for s in previous.subjects(WG.suggestionStatus, None)
        if previous.value(s, WG.suggestionStatus) != STATUS.vorgeschlagen
    }
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    activity = ID[f"aktivitaet/vorschlaege-{now.strftime('%Y%m%dT%H%M%SZ')}"]
    graph = new_graph()
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.startedAtTime, RdfLiteral(now.isoformat(), datatype=XSD.dateTime)))
    graph.add((activity, WG.method, RdfLiteral(METHOD, lang="de")))
    graph.add((activity, WG.model, RdfLiteral(model)))
    graph.add(
        (activity, WG.threshold, RdfLiteral(round(linker.threshold, 4), datatype=XSD.decimal))
    )
    for subject in decided:  # curators' decisions are never overwritten
        for triple in previous.triples((subject, None, None)):
            graph.add(triple)
        case_study = previous.value(predicate=WG.suggestedLink, object=subject)
        if case_study is not None:
            graph.add((case_study, WG.suggestedLink, subject))
        for activity_triple in previous.triples(
            (previous.value(subject, PROV.wasGeneratedBy), None, None)
        ):
            graph.add(activity_triple)
    proposed = 0
    for document in linker.index.documents:
        curated = set(linker.curated_targets(document.iri))
        for item in linker.suggest_for_case_study(document.slug):
            node = suggestion_iri(document.iri, item.target)
            if not item.suggest or item.target in curated or node in decided:
                continue
            graph.add((URIRef(document.iri), WG.suggestedLink, node))
            graph.add((node, RDF.type, WG.NLCLinkSuggestion))
            graph.add((node, WG.target, URIRef(item.target)))
            graph.add((node, WG.score, RdfLiteral(round(item.score, 4), datatype=XSD.decimal)))
            graph.add(
                (node, WG.passage, RdfLiteral(item.passage, lang=_language(document, item.passage)))
            )
            graph.add((node, WG.suggestionStatus, STATUS.vorgeschlagen))
            graph.add((node, PROV.wasGeneratedBy, activity))
            proposed += 1
    write_atomic(path, graph.serialize(format="turtle"))
    return WriteSummary(path=path, proposed=proposed, kept=len(decided))


def _language(document: object, passage: str) -> str:
    return (
        "en"
        if passage in getattr(document, "abstract_en", "")
        or passage.startswith(getattr(document, "title_en", "\0"))
        else "de"
    )


def decide(
    settings: Settings,
    *,
    case_study: str,
    target: str,
    decision: Decision,
    curator: str,
    justification: str | None = None,
) -> URIRef:
    """Accept or reject one suggestion, then rebuild; on any failure nothing is changed."""
    if not curator.strip():
        raise InputError("Der Name der Kuratorin oder des Kurators fehlt (--kurator).")
    if decision == "accept" and not (justification and len(justification.strip()) >= 10):
        raise InputError(
            "Eine angenommene Verknüpfung braucht eine Begründung (mindestens 10 Zeichen)."
        )
    with data_lock(settings.lock_dir):  # read, decide and write as one step
        return _apply(settings, case_study, target, decision, curator.strip(), justification)


def _apply(
    settings: Settings,
    case_study: str,
    target: str,
    decision: Decision,
    curator: str,
    justification: str | None,
) -> URIRef:
    from wissensgraph.store.graph import build

    path = settings.data_dir / FILE_NAME
    node = suggestion_iri(str(FS[case_study]), target)
    graph = new_graph()
    if path.exists():
        graph.parse(path, format="turtle")
    if (node, RDF.type, WG.NLCLinkSuggestion) not in graph:
        raise NotFound(f"Keinen Vorschlag {node} gefunden (erst 'wissensgraph link generate').")
    if graph.value(node, WG.suggestionStatus) != STATUS.vorgeschlagen:
        raise InputError(f"Über den Vorschlag {node} ist schon entschieden.")
    now = RdfLiteral(
        dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime
    )
    person = ID[f"kurator/{slugify(curator)}"]
    status = STATUS.angenommen if decision == "accept" else STATUS.abgelehnt
    graph.set((node, WG.suggestionStatus, status))
    graph.add((node, PROV.wasAttributedTo, person))
    graph.add((node, WG.decidedAt, now))
    graph.add((person, RDF.type, PROV.Person))
    graph.add((person, FOAF.name, RdfLiteral(curator)))
    case_file = settings.data_dir / "fallstudien" / f"{case_study}.ttl"
    backups = [(p, p.read_bytes()) for p in (path, case_file) if p.exists()]
    try:
        write_atomic(path, graph.serialize(format="turtle"))
        if decision == "accept":
            if not case_file.exists():
                raise NotFound(f"{case_file} fehlt.")
            quoted = RdfLiteral((justification or "").strip(), lang="de").n3()
            one_line = " ".join(curator.split())  # a name must not break out of the comment
            block = (
                f"\n# Aus Vorschlag übernommen von {one_line} am {now}\n"
                f"<{FS[case_study]}> <{WG.curatedLink}> [\n"
                f"    a <{WG.CuratedNLCLink}> ;\n"
                f"    <{WG.target}> <{graph.value(node, WG.target)}> ;\n"
                f"    <{WG.justification}> {quoted} ;\n"
                f"    <{PROV.wasDerivedFrom}> <{node}> ;\n"
                f"    <{PROV.wasAttributedTo}> <{person}>\n] .\n"
            )
            write_atomic(case_file, case_file.read_text(encoding="utf-8") + block)
        build(settings)
    except BaseException:
        for file, content in backups:
            write_atomic(file, content)
        raise
    return node

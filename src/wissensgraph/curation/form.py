"""The documented JSON form of a case study, and how it becomes RDF.

Curators and spreadsheets name concepts the way people do ("Altbauquartiere", "Träger") or by
their id ("altbauquartiere"); both resolve against the concept schemes in the graph. A name that
matches nothing is kept as an id, so that SHACL at the door reports it with the scheme it missed.
Actors are matched to existing ones by name before a new one is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, XSD

from wissensgraph.curation.contribution import Contribution
from wissensgraph.namespaces import (
    AG,
    AKTEUR,
    FMT,
    FS,
    GEO,
    HF,
    INST,
    LAGE,
    MODUS,
    NLC,
    REGION,
    ROLLE,
    STATUS,
    WG,
)
from wissensgraph.slugs import SLUG_PATTERN, name_key, slugify
from wissensgraph.store.graph import KnowledgeGraph

#: An http(s) address with nothing in it that would break an IRI.
Url = Annotated[str, Field(pattern=r"^https?://[^\s<>\"{}|\\^`]+$", max_length=2000)]


class ActorEntry(BaseModel):
    """One actor's part in the case study; an existing actor is found by ``id`` or by name."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=300, description="Name, e.g. 'Stadt Leipzig'.")
    id: str | None = Field(default=None, pattern=SLUG_PATTERN, description="Id of an actor.")
    rolle: str = Field(description="Role: initiator, traeger, eigentuemer, partner, …")
    gruppe: str | None = Field(
        default=None, description="Actor group, needed only for a new actor (e.g. 'kommune')."
    )
    modus: str | None = Field(default=None, description="Mode, e.g. 'ko-produktion'.")
    homepage: Url | None = Field(default=None, description="Only for new actors.")


class NlcEntry(BaseModel):
    """A curated link to a New Leipzig Charter concept, with the reason in German."""

    model_config = ConfigDict(extra="forbid")

    ziel: str = Field(description="NLC concept id or label, e.g. 'beteiligung-koproduktion'.")
    begruendung: str = Field(min_length=10, max_length=2000)


class CaseStudyForm(BaseModel):
    """A case study as JSON: German text is required, English is welcome."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        default=None,
        pattern=SLUG_PATTERN,
        max_length=80,
        description="Id (last part of the IRI); made from the German title when missing.",
    )
    titel: str = Field(min_length=2, max_length=300)
    titel_en: str | None = Field(default=None, min_length=2, max_length=300)
    zusammenfassung: str = Field(min_length=20, max_length=20_000)
    zusammenfassung_en: str | None = Field(default=None, min_length=20, max_length=20_000)
    stadt: str = Field(min_length=2, max_length=200)
    bundesland: str = Field(description="Region id or name, e.g. 'sachsen' or 'Sachsen'.")
    quartier: str | None = Field(default=None, max_length=300)
    startjahr: int = Field(description="Year the project started.")
    endjahr: int | None = None
    status: str = Field(description="geplant, laufend or abgeschlossen.")
    handlungsfelder: list[str] = Field(default_factory=list, max_length=20)
    instrumente: list[str] = Field(default_factory=list, max_length=50)
    formate: list[str] = Field(default_factory=list, max_length=50)
    akteure: list[ActorEntry] = Field(default_factory=list, max_length=200)
    nlc: list[NlcEntry] = Field(default_factory=list, max_length=50)
    nlc_nein: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="NLC concepts judged and not linked (id or label): a judgement, not a gap.",
    )
    quellen: list[Url] = Field(default_factory=list, max_length=50)
    breite: float | None = Field(default=None, description="Latitude (WGS84).")
    laenge: float | None = Field(default=None, description="Longitude (WGS84).")
    lage_genauigkeit: str | None = Field(
        default=None, description="How precise the point is: gebaeude, quartier or stadt."
    )
    lage_quelle: Url | None = Field(default=None, description="The page that states the point.")


_VOCABULARIES: dict[str, Vocabulary] = {}


@dataclass
class Vocabulary:
    """Concept ids and labels per scheme namespace, read from the graph."""

    by_key: dict[str, dict[str, URIRef]] = field(default_factory=dict)

    @classmethod
    def read(cls, graph: KnowledgeGraph) -> Vocabulary:
        """Every concept with its labels, grouped by the namespace it lives in.

        Concepts change only with a build, never with a write; the answer is kept per build.
        """
        build_id = graph.build_id()
        cached = _VOCABULARIES.get(build_id) if build_id else None
        if cached is not None:
            return cached
        vocabulary = cls()
        rows = graph.select(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?c ?label WHERE { ?c skos:inScheme ?s . "
            "OPTIONAL { ?c skos:prefLabel|skos:altLabel ?label } }"
        )
        for row in rows:
            iri = row["c"] or ""
            namespace, _, slug = iri.rpartition("/")
            keys = vocabulary.by_key.setdefault(namespace + "/", {})
            keys[name_key(slug)] = URIRef(iri)
            if row["label"]:
                keys.setdefault(name_key(row["label"]), URIRef(iri))
        if build_id:
            _VOCABULARIES.clear()
            _VOCABULARIES[build_id] = vocabulary
        return vocabulary

    def resolve(self, namespace: Namespace, value: str) -> URIRef:
        """The concept named by id or label; unknown names stay ids for SHACL to report."""
        key = name_key(value)
        return self.by_key.get(str(namespace), {}).get(key, namespace[slugify(value)])


@dataclass
class ActorDirectory:
    """Finds existing actors by name and makes new ones, one per name within a contribution.

    Looks up only the names a contribution uses (exact label, or the id the name would give),
    so a write costs the same in a graph of a hundred actors or of a hundred thousand.
    """

    graph: KnowledgeGraph
    made: dict[str, URIRef] = field(default_factory=dict)
    taken: set[URIRef] = field(default_factory=set)

    def find(self, entry: ActorEntry) -> URIRef | None:
        """The actor an entry means, if it exists (or was made earlier in this contribution)."""
        if entry.id:
            return AKTEUR[entry.id]
        key = name_key(entry.name)
        if key in self.made:
            return self.made[key]
        name = " ".join(entry.name.split())
        literals = " ".join(
            Literal(name, lang=lang).n3() if lang else Literal(name).n3()
            for lang in ("de", "en", None)
        )
        rows = self.graph.select(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
            f"SELECT ?a WHERE {{ {{ VALUES ?name {{ {literals} }} "
            f"?a skos:prefLabel|skos:altLabel|foaf:name ?name . ?a a <{WG.Actor}> }} "
            f"UNION {{ BIND (<{AKTEUR[slugify(name)]}> AS ?a) ?a a <{WG.Actor}> }} }} "
            "ORDER BY ?a LIMIT 1"
        )
        return URIRef(rows[0]["a"] or "") if rows else None

    def make(self, name: str) -> URIRef:
        """A fresh IRI for a new actor, never one already in use."""
        base = slugify(name)
        iri, number = AKTEUR[base], 2
        while iri in self.taken or self.graph.ask(f"ASK {{ <{iri}> ?p ?o }}"):
            iri, number = AKTEUR[f"{base}-{number}"], number + 1
        self.taken.add(iri)
        self.made[name_key(name)] = iri
        return iri


def to_contribution(
    form: CaseStudyForm, vocabulary: Vocabulary, actors: ActorDirectory
) -> Contribution:
    """The RDF of one form; new actors are made and remembered in ``actors``."""
    slug = form.id or slugify(form.titel)
    subject = FS[slug]
    graph = Graph()
    add = graph.add
    add((subject, RDF.type, WG.CaseStudy))
    add((subject, DCTERMS.title, Literal(form.titel.strip(), lang="de")))
    if form.titel_en:
        add((subject, DCTERMS.title, Literal(form.titel_en.strip(), lang="en")))
    add((subject, DCTERMS.abstract, Literal(form.zusammenfassung.strip(), lang="de")))
    if form.zusammenfassung_en:
        add((subject, DCTERMS.abstract, Literal(form.zusammenfassung_en.strip(), lang="en")))
    add((subject, WG.city, Literal(form.stadt.strip())))
    add((subject, WG.region, vocabulary.resolve(REGION, form.bundesland)))
    if form.quartier:
        add((subject, WG.quarter, Literal(form.quartier.strip())))
    add((subject, WG.startYear, _year(form.startjahr)))
    if form.endjahr is not None:
        add((subject, WG.endYear, _year(form.endjahr)))
    add((subject, WG.status, vocabulary.resolve(STATUS, form.status)))
    for value in _filled(form.handlungsfelder):
        add((subject, WG.actionField, vocabulary.resolve(HF, value)))
    for value in _filled(form.instrumente):
        add((subject, WG.instrument, vocabulary.resolve(INST, value)))
    for value in _filled(form.formate):
        add((subject, WG["format"], vocabulary.resolve(FMT, value)))
    for url in _filled(form.quellen):
        add((subject, DCTERMS.source, URIRef(url.strip())))
    if form.breite is not None:
        add((subject, GEO.lat, Literal(_decimal(form.breite), datatype=XSD.decimal)))
    if form.laenge is not None:
        add((subject, GEO.long, Literal(_decimal(form.laenge), datatype=XSD.decimal)))
    if form.lage_genauigkeit:
        add((subject, WG.locationPrecision, vocabulary.resolve(LAGE, form.lage_genauigkeit)))
    if form.lage_quelle:
        add((subject, WG.locationSource, URIRef(form.lage_quelle.strip())))
    for value in _filled(form.nlc_nein):
        add((subject, WG.judgedNotLinked, vocabulary.resolve(NLC, value)))
    for link in form.nlc:
        node = BNode()
        add((subject, WG.curatedLink, node))
        add((node, RDF.type, WG.CuratedNLCLink))
        add((node, WG.target, vocabulary.resolve(NLC, link.ziel)))
        add((node, WG.justification, Literal(link.begruendung.strip(), lang="de")))
    contribution = Contribution(case_studies={subject: graph})
    for entry in form.akteure:
        actor = actors.find(entry)
        if actor is None:
            actor = actors.make(entry.name)
            contribution.actors[actor] = _new_actor(actor, entry, vocabulary)
        node = BNode()
        add((subject, WG.participation, node))
        add((node, RDF.type, WG.Participation))
        add((node, WG.actor, actor))
        add((node, WG.role, vocabulary.resolve(ROLLE, entry.rolle)))
        if entry.modus:
            add((node, WG.mode, vocabulary.resolve(MODUS, entry.modus)))
    return contribution


def _new_actor(actor: URIRef, entry: ActorEntry, vocabulary: Vocabulary) -> Graph:
    graph = Graph()
    graph.add((actor, RDF.type, WG.Actor))
    graph.add((actor, SKOS.prefLabel, Literal(" ".join(entry.name.split()), lang="de")))
    if entry.gruppe:  # without a group SHACL says what is missing
        graph.add((actor, WG.actorGroup, vocabulary.resolve(AG, entry.gruppe)))
    if entry.homepage:
        graph.add((actor, FOAF.homepage, URIRef(entry.homepage.strip())))
    return graph


def _filled(values: list[str]) -> list[str]:
    """Spreadsheet cells and forms leave empty entries behind; they mean nothing."""
    return [value for value in values if value.strip()]


def _year(year: int) -> Literal:
    return Literal(f"{year:04d}" if 0 <= year <= 9999 else str(year), datatype=XSD.gYear)


def _decimal(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")

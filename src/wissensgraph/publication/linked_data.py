"""Linked data: what the graph says about one IRI, the ontology as a document, and VoID/DCAT.

Every read goes through a ``QueryExecutor``, so pages obey the same time limits as SPARQL and work
on the embedded store and on a remote endpoint alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from wissensgraph.errors import NotFound
from wissensgraph.namespaces import BASE, ONTOLOGY_GRAPH, PREFIXES, WG, compact
from wissensgraph.queries import load_query
from wissensgraph.sparql.query import QueryExecutor, QueryRequest
from wissensgraph.store.rdf_files import new_graph

VOID = Namespace("http://rdfs.org/ns/void#")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
ONTOLOGY_IRI = URIRef(BASE + "ontology")

#: The JSON-LD context the API publishes and uses to compact its JSON-LD.
JSONLD_CONTEXT: dict[str, str] = {prefix: str(ns) for prefix, ns in PREFIXES.items()}


def _construct(executor: QueryExecutor, query: str) -> Graph:
    response = executor.execute(
        QueryRequest(query=query, form="CONSTRUCT", media_type="application/n-triples")
    )
    graph = new_graph()
    graph.parse(data=response.body.decode("utf-8"), format="nt")
    return graph


def describe(executor: QueryExecutor, iri: str) -> Graph:
    """The resource's statements, owned blank nodes, incoming links and labels, or NotFound."""
    query = load_query("describe_resource").replace(
        "WHERE {", f"WHERE {{\n  VALUES ?resource {{ <{iri}> }}", 1
    )
    graph = _construct(executor, query)
    if (URIRef(iri), None, None) not in graph and (None, None, URIRef(iri)) not in graph:
        raise NotFound(f"Keine Aussagen über {iri} im Graphen.")
    return graph


def ontology(executor: QueryExecutor) -> Graph:
    """The ontology and concept schemes, as loaded from ontology/."""
    return _construct(
        executor, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    )


def void_description(executor: QueryExecutor, *, base_url: str) -> Graph:
    """VoID and DCAT description of the dataset, with counts read from the store."""
    from wissensgraph.sparql.query import QueryRequest as Request

    response = executor.execute(
        Request(query=load_query("void_statistics"), form="SELECT", media_type="text/csv")
    )
    rows = [line.split(",") for line in response.body.decode("utf-8").splitlines()[1:] if line]
    triples_csv = executor.execute(
        Request(
            query="SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            form="SELECT",
            media_type="text/csv",
        )
    ).body.decode("utf-8")
    triples = int(triples_csv.splitlines()[1])
    graph = new_graph()
    graph.bind("void", VOID)
    graph.bind("dcat", DCAT)
    dataset = URIRef(BASE + "id/datensatz/wissensgraph")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add(
        (dataset, DCTERMS.title, Literal("Wissensgraph Gemeinsam für das Quartier", lang="de"))
    )
    graph.add(
        (
            dataset,
            DCTERMS.title,
            Literal("Knowledge graph Together for the Neighbourhood", lang="en"),
        )
    )
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Reale, belegte Fallstudien ko-kreativer Quartiersentwicklung mit Akteuren, "
                "Handlungsfeldern "
                "und Verknüpfungen zur Neuen Leipzig-Charta.",
                lang="de",
            ),
        )
    )
    graph.add((dataset, DCTERMS.license, LICENSE))
    graph.add((dataset, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(base_url + "sparql")))
    graph.add((dataset, VOID.dataDump, URIRef(base_url + "dump")))
    graph.add((dataset, VOID.uriSpace, Literal(BASE + "id/")))
    graph.add((dataset, VOID.vocabulary, URIRef(str(WG))))
    graph.add((dataset, FOAF.homepage, URIRef(base_url)))
    distribution = URIRef(BASE + "id/datensatz/wissensgraph/dump")
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCAT.downloadURL, URIRef(base_url + "dump")))
    graph.add((distribution, DCAT.mediaType, Literal("application/n-quads")))
    graph.add((distribution, DCTERMS.license, LICENSE))
    for row in rows:
        cls, entities = row[0], int(row[1])
        partition = BNode()
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(entities, datatype=XSD.integer)))
    return graph


@dataclass
class Value:
    """One object of a statement, ready for a page: text, and a link if it is a resource."""

    text: str
    href: str | None = None
    lang: str | None = None
    nested: list[tuple[str, list[Value]]] = field(default_factory=list)


@dataclass
class ResourcePage:
    """What a human reads about a resource."""

    iri: str
    label: str
    types: list[Value]
    statements: list[tuple[str, list[Value]]]
    incoming: list[tuple[str, list[Value]]]


def local_href(iri: str) -> str | None:
    """The API path where an IRI of ours dereferences, or None for outside IRIs."""
    if iri.startswith(str(WG)):
        return "/ontology#" + iri[len(str(WG)) :]
    if iri.startswith(BASE):
        return "/" + iri[len(BASE) :]
    return None


def label_of(graph: Graph, node: Node, lang: str = "de") -> str:
    """The best human label: prefLabel, title or rdfs:label in ``lang``, else compact IRI."""
    for predicate in (SKOS.prefLabel, DCTERMS.title, RDFS.label):
        labels = list(graph.objects(node, predicate))
        for label in labels:
            if isinstance(label, Literal) and label.language == lang:
                return str(label)
        if labels:
            return str(labels[0])
    return compact(str(node)) if isinstance(node, URIRef) else "…"


def _value(graph: Graph, node: Node, lang: str) -> Value:
    if isinstance(node, Literal):
        return Value(text=str(node), lang=node.language)
    if isinstance(node, BNode):
        return Value(text="", nested=_statements(graph, node, lang))
    iri = str(node)
    href = local_href(iri) or (iri if iri.startswith(("http://", "https://")) else None)
    return Value(text=label_of(graph, node, lang), href=href)


def _statements(graph: Graph, subject: URIRef | BNode, lang: str) -> list[tuple[str, list[Value]]]:
    rows: dict[str, list[Value]] = {}
    for predicate in sorted(set(graph.predicates(subject)), key=str):
        if predicate == RDF.type:
            continue
        values = [_value(graph, o, lang) for o in graph.objects(subject, predicate)]
        values.sort(key=lambda v: (v.lang not in (lang, None), v.text))
        rows[label_of(graph, predicate, lang)] = values
    return list(rows.items())


def resource_page(graph: Graph, iri: str, lang: str = "de") -> ResourcePage:
    """Arrange a described resource for its HTML page."""
    node = URIRef(iri)
    incoming: dict[str, list[Value]] = {}
    for subject, predicate in graph.subject_predicates(node):
        incoming.setdefault(label_of(graph, predicate, lang), []).append(
            _value(graph, subject, lang)
        )
    return ResourcePage(
        iri=iri,
        label=label_of(graph, node, lang),
        types=[_value(graph, t, lang) for t in graph.objects(node, RDF.type)],
        statements=_statements(graph, node, lang),
        incoming=sorted(incoming.items()),
    )


@dataclass
class Term:
    """An ontology class, property or concept scheme for the ontology page."""

    anchor: str
    iri: str
    kind: str
    label: str
    definition: str


def ontology_terms(graph: Graph, lang: str = "de") -> list[Term]:
    """Classes, properties and concept schemes in reading order."""
    from rdflib.namespace import OWL

    kinds = [
        (OWL.Class, "Klasse" if lang == "de" else "Class"),
        (OWL.ObjectProperty, "Objekteigenschaft" if lang == "de" else "Object property"),
        (OWL.DatatypeProperty, "Dateneigenschaft" if lang == "de" else "Datatype property"),
        (SKOS.ConceptScheme, "Begriffsschema" if lang == "de" else "Concept scheme"),
    ]
    terms = []
    for cls, kind in kinds:
        for subject in sorted(graph.subjects(RDF.type, cls), key=str):
            iri = str(subject)
            anchor = iri.split("#", 1)[1] if "#" in iri else iri.rstrip("/").rsplit("/", 2)[-2]
            definition = next(
                (
                    str(d)
                    for d in graph.objects(subject, SKOS.definition)
                    if isinstance(d, Literal) and d.language == lang
                ),
                "",
            )
            terms.append(Term(anchor, iri, kind, label_of(graph, subject, lang), definition))
    return terms

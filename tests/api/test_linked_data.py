"""Linked data: instance IRIs and ontology terms dereference; VoID, context and dump are served."""

from __future__ import annotations

import httpx
import pytest
import rdflib
from rdflib.namespace import DCTERMS

from tests.api.conftest import Server
from wissensgraph.store.graph import KnowledgeGraph

HANAU = "https://w3id.org/wissensgraph/id/fallstudie/stadthof-hanau"


def test_case_study_as_html_page(server: Server) -> None:
    response = httpx.get(
        server.url + "/id/fallstudie/stadthof-hanau", headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Stadthof Hanau" in response.text
    assert 'href="/id/akteur/stadt-hanau?lang=de"' in response.text  # actor, linked
    assert 'href="/id/handlungsfeld/zentrenentwicklung?lang=de"' in response.text


def test_case_study_as_turtle_and_json_ld(server: Server) -> None:
    turtle = httpx.get(
        server.url + "/id/fallstudie/stadthof-hanau", headers={"Accept": "text/turtle"}
    )
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    titles = {str(t) for t in graph.objects(rdflib.URIRef(HANAU), DCTERMS.title)}
    assert any(t.startswith("Stadthof Hanau") for t in titles)
    jsonld = httpx.get(
        server.url + "/id/fallstudie/stadthof-hanau", headers={"Accept": "application/ld+json"}
    )
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert "/context.jsonld" in jsonld.headers["link"]
    assert "@context" in jsonld.json()
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


def test_unknown_resource_is_404(server: Server) -> None:
    response = httpx.get(server.url + "/id/fallstudie/gibt-es-nicht")
    assert response.status_code == 404


def test_concepts_and_actors_dereference(server: Server) -> None:
    for path in (
        "/id/nlc/gemeinwohlorientierung",
        "/id/akteur/montag-stiftung-urbane-raeume",
        "/id/handlungsfeld/schema",
    ):
        response = httpx.get(server.url + path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path


def test_ontology_whole_in_turtle_json_ld_and_html(server: Server) -> None:
    turtle = httpx.get(server.url + "/ontology", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/wissensgraph/ontology#CaseStudy"), None, None) in graph
    jsonld = httpx.get(server.url + "/ontology", headers={"Accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)
    html = httpx.get(server.url + "/ontology", headers={"Accept": "text/html"})
    assert 'id="CaseStudy"' in html.text and "Fallstudie" in html.text


def test_void_description_counts_the_store(server: Server) -> None:
    response = httpx.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    (triples,) = list(graph.objects(None, void.triples))
    assert int(triples) == len(KnowledgeGraph.open(server.settings))
    assert (None, void.sparqlEndpoint, rdflib.URIRef(server.url + "/sparql")) in graph
    assert (None, DCTERMS.license, None) in graph


def test_context_lists_the_prefixes(server: Server) -> None:
    context = httpx.get(server.url + "/context.jsonld").json()["@context"]
    assert context["wg"] == "https://w3id.org/wissensgraph/ontology#"


def test_dump_holds_the_whole_graph(server: Server) -> None:
    if server.settings.sparql_endpoint:
        pytest.skip("a remote store publishes its own dump")
    size = len(KnowledgeGraph.open(server.settings))
    nquads = httpx.get(server.url + "/dump", timeout=60)
    assert nquads.headers["content-type"].startswith("application/n-quads")
    dataset = rdflib.Dataset()
    dataset.parse(data=nquads.text, format="nquads")
    assert len(dataset) == size
    turtle = httpx.get(server.url + "/dump", params={"format": "turtle"}, timeout=60)
    union = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert (rdflib.URIRef(HANAU), DCTERMS.title, None) in union
    assert 0.9 * size <= len(union) <= size  # the same triples, graphs merged

"""The dataset of a query: FROM / FROM NAMED honoured, protocol parameters win, both store modes."""

from __future__ import annotations

import httpx

from tests.api.conftest import Server
from wissensgraph.namespaces import DATA_GRAPH, ONTOLOGY_GRAPH

COUNT = "SELECT (COUNT(*) AS ?n) %s WHERE { ?s ?p ?o }"


def _count(server: Server, query: str, **params: str | list[str]) -> int:
    response = httpx.get(
        server.url + "/sparql",
        params={"query": query, **params},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_from_in_the_query_text_is_honoured(server: Server) -> None:
    everything = _count(server, COUNT % "")
    ontology = _count(server, COUNT % f"FROM <{ONTOLOGY_GRAPH}>")
    data = _count(server, COUNT % f"FROM <{DATA_GRAPH}>")
    assert 0 < ontology < everything and 0 < data < everything
    assert _count(server, COUNT % f"FROM <{ONTOLOGY_GRAPH}> FROM <{DATA_GRAPH}>") == (
        ontology + data
    )
    assert _count(server, COUNT % "FROM <http://example.org/nonexistent>") == 0


def test_from_named_alone_leaves_the_default_graph_empty(server: Server) -> None:
    assert _count(server, COUNT % f"FROM NAMED <{DATA_GRAPH}>") == 0


def test_protocol_parameters_override_the_query_dataset(server: Server) -> None:
    ontology = _count(server, COUNT % f"FROM <{ONTOLOGY_GRAPH}>")
    query = COUNT % "FROM <http://example.org/nonexistent>"
    assert _count(server, query, **{"default-graph-uri": str(ONTOLOGY_GRAPH)}) == ontology
    assert _count(server, COUNT % "", **{"named-graph-uri": str(DATA_GRAPH)}) == 0

"""The SPARQL 1.1 Protocol as real clients speak it, against a live server on loopback.

Every test runs twice: over the embedded store and over a real ``oxigraph serve``.
"""

from __future__ import annotations

import csv
import io
import json
import time

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.api.conftest import Server
from wissensgraph.config import PROJECT_ROOT

COUNT = (
    "PREFIX wg: <https://w3id.org/wissensgraph/ontology#> "
    "SELECT (COUNT(?c) AS ?n) WHERE { ?c a wg:CaseStudy }"
)
CONSTRUCT = (
    "PREFIX wg: <https://w3id.org/wissensgraph/ontology#> "
    "CONSTRUCT { ?c a wg:CaseStudy } WHERE { ?c a wg:CaseStudy }"
)


def _case_study_count(server: Server) -> int:
    response = httpx.get(server.url + "/sparql", params={"query": COUNT})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_get_form_post_and_direct_post_agree(server: Server) -> None:
    via_get = httpx.get(server.url + "/sparql", params={"query": COUNT})
    via_form = httpx.post(server.url + "/sparql", data={"query": COUNT})
    via_body = httpx.post(
        server.url + "/sparql", content=COUNT, headers={"Content-Type": "application/sparql-query"}
    )
    for response in (via_get, via_form, via_body):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert via_get.json() == via_form.json() == via_body.json()
    assert _case_study_count(server) >= 40


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ],
)
def test_select_results_by_accept(server: Server, accept: str, expected: str) -> None:
    response = httpx.get(
        server.url + "/sparql", params={"query": COUNT}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    n = str(_case_study_count(server))
    if expected == "text/csv":
        assert list(csv.reader(io.StringIO(response.text)))[1] == [n]
    else:
        assert n in response.text


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_by_accept(server: Server, accept: str, rdflib_format: str) -> None:
    response = httpx.get(
        server.url + "/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=response.text, format=rdflib_format)
    assert len(graph) == _case_study_count(server)


def test_unknown_accept_is_406_with_the_offer(server: Server) -> None:
    response = httpx.get(
        server.url + "/sparql", params={"query": COUNT}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    assert "text/csv" in response.text and "application/sparql-results+xml" in response.text


def test_update_is_refused_and_says_where_writes_go(server: Server) -> None:
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    for response in (
        httpx.post(server.url + "/sparql", data={"update": update}),
        httpx.post(
            server.url + "/sparql",
            content=update,
            headers={"Content-Type": "application/sparql-update"},
        ),
        httpx.get(server.url + "/sparql", params={"query": update}),
    ):
        assert response.status_code == 403
        assert "nur lesend" in response.text and "wissensgraph build" in response.text


def test_syntax_error_quotes_parser_and_position(server: Server) -> None:
    response = httpx.get(server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "1:" in response.text  # line:column from the parser


def test_missing_query_is_400(server: Server) -> None:
    response = httpx.get(server.url + "/sparql")
    assert response.status_code == 400 and "query" in response.text


def test_service_is_off_by_default(server: Server) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = httpx.get(server.url + "/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.text


def test_default_graph_uri_is_honoured(server: Server) -> None:
    ontology_graph = "https://w3id.org/wissensgraph/graph/ontology"
    response = httpx.get(
        server.url + "/sparql", params={"query": COUNT, "default-graph-uri": ontology_graph}
    )
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_sparqlwrapper_client(server: Server) -> None:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(
        (PROJECT_ROOT / "data" / "queries" / "cq07-jahresschwerpunkt-2021.rq").read_text()
    )
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    cities = {b["city"]["value"] for b in result["results"]["bindings"]}  # type: ignore[index]
    assert "Hanau" in cities


def test_rdflib_sparqlstore_gets_xml(server: Server) -> None:
    """rdflib's SPARQLStore asks for XML results (the rdflib-endpoint PR #24 trap)."""
    graph = rdflib.Graph(SPARQLStore(server.url + "/sparql", returnFormat="xml"))
    rows = list(graph.query(COUNT))
    assert int(rows[0][0]) == _case_study_count(server)


def test_competency_query_over_http(server: Server) -> None:
    query = (PROJECT_ROOT / "data" / "queries" / "cq05-akteursnetzwerk.rq").read_text()
    response = httpx.post(
        server.url + "/sparql", data={"query": query}, headers={"Accept": "application/json"}
    )
    actors = {b["actor"]["value"] for b in json.loads(response.text)["results"]["bindings"]}
    assert "https://w3id.org/wissensgraph/id/akteur/montag-stiftung-urbane-raeume" in actors


def test_workers_move_to_in_memory_copies_with_the_same_answers(server: Server) -> None:
    query = (PROJECT_ROOT / "data" / "queries" / "cq09-bundesland-jahrzehnt.rq").read_text()
    views: list[str | None] = []
    answers = set()
    with httpx.Client(timeout=10) as client:
        for _ in range(60):  # bounded: the copies of the real graph load in well under a second
            response = client.post(server.url + "/sparql", data={"query": query})
            assert response.status_code == 200
            views.append(response.headers.get("wissensgraph-store-view"))
            answers.add(response.content)
            if views[-4:] == ["memory"] * 4:  # the default server has four workers, used in turn
                break
            time.sleep(0.1)
    if server.settings.sparql_endpoint:
        assert set(views) == {None}, "a remote store has no views of ours"
    else:
        assert views[-4:] == ["memory"] * 4, views
    assert len(answers) == 1, "disk view and copy answer alike"

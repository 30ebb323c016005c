"""Search over HTTP: ranked JSON with reasons, filters, similar case studies, 422 for bad input."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import httpx
import pytest

from tests.api.conftest import Server
from wissensgraph.api import deps


def test_search_returns_ranked_explained_hits(server: Server) -> None:
    response = httpx.get(
        server.url + "/search", params={"q": "Leerstand Kaufhaus Innenstadt", "k": 5}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["hits"]) == 5
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    top = body["hits"][0]
    assert {"dense", "lexical", "concept", "passage", "concepts", "ranks"} <= set(top)
    department_stores = {"stadthof-hanau", "aufhof-kaufhof-zwischennutzung-hannover"}
    assert department_stores & {h["slug"] for h in body["hits"]}
    timing = dict(
        part.strip().split(";dur=") for part in response.headers["server-timing"].split(",")
    )
    assert 0 < float(timing["search"]) <= float(timing["handler"]), timing


def test_filters_combine(server: Server) -> None:
    response = httpx.get(
        server.url + "/search",
        params={
            "q": "Quartier",
            "handlungsfeld": "konversion",
            "akteursgruppe": "zivilgesellschaft",
            "von": 2010,
            "k": 50,
        },
    )
    assert response.status_code == 200
    slugs = {h["slug"] for h in response.json()["hits"]}
    assert "hallen-kalk-koeln" in slugs and "stadthof-hanau" not in slugs


def test_bad_parameters_are_422_and_name_the_problem(server: Server) -> None:
    cases = [
        ({"q": ""}, "q"),
        ({"q": "   "}, "leer"),
        ({"q": "x", "k": 0}, "k"),
        ({"q": "x", "k": 101}, "k"),
        ({"q": "x", "handlungsfeld": "mondbasis"}, "mondbasis"),
        ({"q": "x", "von": 2020, "bis": 2010}, "von"),
    ]
    for params, word in cases:
        response = httpx.get(server.url + "/search", params=params)
        assert response.status_code == 422, (params, response.text)
        assert word in response.text


def test_similar_case_studies(server: Server) -> None:
    response = httpx.get(server.url + "/fallstudien/kalkbreite-zuerich/aehnliche", params={"k": 3})
    assert response.status_code == 200
    hits = response.json()
    assert len(hits) == 3 and "kalkbreite-zuerich" not in {h["slug"] for h in hits}
    assert httpx.get(server.url + "/fallstudien/gibt-es-nicht/aehnliche").status_code == 404


def test_search_is_in_the_openapi_spec(server: Server) -> None:
    spec = httpx.get(server.url + "/openapi.json").json()
    parameters = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {
        "q",
        "k",
        "handlungsfeld",
        "prinzip",
        "akteursgruppe",
        "bundesland",
        "von",
        "bis",
    } <= parameters


def test_nlc_suggestions_over_http(server: Server) -> None:
    text = (
        "Kreative und eine Genossenschaft beleben ein leeres Kaufhaus in der Innenstadt "
        "gemeinsam mit der Stadt."
    )
    response = httpx.post(server.url + "/nlc/vorschlaege", json={"text": text}, timeout=60)
    assert response.status_code == 200, response.text
    items = response.json()
    assert items and {"target", "score", "suggest", "passage"} <= set(items[0])
    assert httpx.post(server.url + "/nlc/vorschlaege", json={"text": "kurz"}).status_code == 422
    case = httpx.get(server.url + "/fallstudien/kalkbreite-zuerich/nlc-vorschlaege", timeout=60)
    assert case.status_code == 200 and case.json()[0]["suggest"] is True


def test_coverage_over_http(server: Server) -> None:
    data = httpx.get(server.url + "/nlc/abdeckung").json()
    assert len(data) == 45
    svg = httpx.get(server.url + "/nlc/abdeckung", params={"format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    csv_text = httpx.get(server.url + "/nlc/abdeckung", headers={"Accept": "text/csv"}).text
    assert csv_text.startswith("handlungsfeld,prinzip")


@pytest.mark.parametrize(("passages", "inline"), [(10, True), (deps.INLINE_PASSAGES + 1, False)])
def test_a_search_runs_inline_for_a_small_index_and_in_a_thread_for_a_large_one(
    passages: int, inline: bool
) -> None:
    searcher = SimpleNamespace(index=SimpleNamespace(passages=range(passages)))

    async def where() -> tuple[threading.Thread, threading.Thread]:
        return threading.current_thread(), await deps.run_search(
            searcher,  # type: ignore[arg-type]
            threading.current_thread,
        )

    loop_thread, work_thread = asyncio.run(where())
    assert (work_thread is loop_thread) is inline

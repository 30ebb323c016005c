"""Curators decide on suggestions over HTTP: bearer tokens, constant-time check, recorded names."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from tests.api.conftest import start_server, stop
from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.linking.records import FILE_NAME
from wissensgraph.namespaces import STATUS, WG
from wissensgraph.store.graph import build

TOKEN = "geheim-1234567890"


def _copy_data(tmp: Path) -> Path:
    data = tmp / "data"
    for item in ("fallstudien", "akteure"):
        shutil.copytree(PROJECT_ROOT / "data" / item, data / item)
    shutil.copy(PROJECT_ROOT / "data" / FILE_NAME, data / FILE_NAME)
    return data


@pytest.fixture(scope="module")
def curated_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("curation")
    data = _copy_data(tmp)
    build(Settings(home=tmp / "home", data_dir=data))
    process, url = start_server(
        {
            "WISSENSGRAPH_HOME": str(tmp / "home"),
            "WISSENSGRAPH_DATA_DIR": str(data),
            "WISSENSGRAPH_CURATOR_TOKENS": f'{{"{TOKEN}": "Erika Muster"}}',
            "WISSENSGRAPH_SEARCH_ENABLED": "false",
        }
    )
    try:
        yield url, data
    finally:
        stop(process)


def _open_suggestion(data: Path) -> tuple[str, str]:
    graph = Graph().parse(data / FILE_NAME)
    node = sorted(graph.subjects(WG.suggestionStatus, STATUS.vorgeschlagen))[0]
    case_study = str(graph.value(predicate=WG.suggestedLink, object=node)).rsplit("/", 1)[-1]
    return case_study, str(node).rsplit("/", 1)[-1]


def test_writes_need_a_valid_bearer_token(curated_site: tuple[str, Path]) -> None:
    url, data = curated_site
    slug, target = _open_suggestion(data)
    path = f"{url}/fallstudien/{slug}/nlc-vorschlaege/{target}/ablehnen"
    missing = httpx.post(path)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.post(path, headers={"Authorization": "Bearer falsch"})
    assert wrong.status_code == 403
    assert (
        Graph()
        .parse(data / FILE_NAME)
        .value(predicate=WG.suggestionStatus, object=STATUS.abgelehnt)
        is None
    )  # nothing was written


def test_accept_over_http_records_the_curator(curated_site: tuple[str, Path]) -> None:
    url, data = curated_site
    slug, target = _open_suggestion(data)
    response = httpx.post(
        f"{url}/fallstudien/{slug}/nlc-vorschlaege/{target}/annehmen",
        json={"begruendung": "Die Quellen belegen das ausdrücklich."},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert response.json()["curator"] == "Erika Muster"
    query = (
        f"ASK {{ ?cs <{WG.curatedLink}>/<http://www.w3.org/ns/prov#wasDerivedFrom> "
        f"<{response.json()['suggestion']}> }}"
    )
    answer = httpx.get(url + "/sparql", params={"query": query}, timeout=30).json()
    assert answer["boolean"] is True
    again = httpx.post(
        f"{url}/fallstudien/{slug}/nlc-vorschlaege/{target}/ablehnen",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert again.status_code == 400 and "schon entschieden" in again.text


def test_without_configured_tokens_writes_are_off(server: object) -> None:
    response = httpx.post(
        f"{server.url}/fallstudien/kalkbreite-zuerich/nlc-vorschlaege/quartier/ablehnen",  # type: ignore[attr-defined]
        headers={"Authorization": "Bearer irgendwas"},
    )
    assert response.status_code == 403 and "abgeschaltet" in response.text

"""Over HTTP: a new case study's suggestions are decided at once, recorded and shown as decided."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import start_server, stop
from tests.writes.conftest import form, server_env, writable_copy

TOKEN = "entscheidungs-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SLUG = "api-entscheidung"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = writable_copy(tmp_path_factory.mktemp("decisions-api"))
    env = server_env(
        settings,
        {TOKEN: "Erika Muster"},
        WISSENSGRAPH_SEARCH_ENABLED="true",
        WISSENSGRAPH_SEARCH_MODEL="all-MiniLM-L6-v2",
    )
    process, url = start_server(env, wait=300)  # the index is built from the graph at start
    try:
        yield url
    finally:
        stop(process)


def test_new_case_study_suggestions_are_decided_recorded_and_shown(site: str) -> None:
    url = site
    created = httpx.post(f"{url}/fallstudien", json=form(SLUG), headers=AUTH, timeout=300)
    assert created.status_code == 201, created.text
    listed = httpx.get(f"{url}/fallstudien/{SLUG}/nlc-vorschlaege", timeout=300).json()
    recorded = [s for s in listed if s["status"] == "vorgeschlagen"]
    assert len(recorded) >= 2, listed  # made by the write itself, no 'link generate' needed
    assert all(s["suggest"] for s in recorded)
    rejected = recorded[0]
    accepted = next(s for s in recorded[1:] if s["kind"] != "action-field")
    response = httpx.post(
        f"{url}/fallstudien/{SLUG}/nlc-vorschlaege/{rejected['target'].rsplit('/', 1)[-1]}"
        "/ablehnen",
        headers=AUTH,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "abgelehnt"
    accept = httpx.post(
        f"{url}/fallstudien/{SLUG}/nlc-vorschlaege/{accepted['target'].rsplit('/', 1)[-1]}"
        "/annehmen",
        json={"begruendung": "Die Nachbarschaft entscheidet über den Platz mit."},
        headers=AUTH,
        timeout=60,
    )
    assert accept.status_code == 200, accept.text

    history = httpx.get(f"{url}/fallstudien/{SLUG}/historie", timeout=60).json()
    assert [h["art"] for h in history] == [
        "angelegt",
        "vorschlag-abgelehnt",
        "vorschlag-angenommen",
    ]
    assert {h["kurator"] for h in history} == {"Erika Muster"}
    assert [h["vorschlag"] for h in history[1:]] == [
        response.json()["suggestion"],
        accept.json()["suggestion"],
    ]
    assert history[1]["quelle"] == "API ablehnen" and history[1]["eigenschaften"] == []
    assert history[2]["eigenschaften"] == ["https://w3id.org/wissensgraph/ontology#curatedLink"]

    listed = httpx.get(f"{url}/fallstudien/{SLUG}/nlc-vorschlaege", timeout=60).json()
    (item,) = [s for s in listed if s["target"] == rejected["target"]]
    assert item["status"] == "abgelehnt" and item["suggest"] is False
    (taken,) = [s for s in listed if s["target"] == accepted["target"]]
    assert taken["status"] == "angenommen"

    page = httpx.get(f"{url}/id/fallstudie/{SLUG}", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200
    items = page.text.split("<li")
    (line,) = [row for row in items if 'class="rejected"' in row]
    assert line.startswith(f' class="rejected">{item["label"]} ') and "abgelehnt" in line
    assert not [row for row in items if row.startswith(f' class="suggested">{item["label"]} ')]
    curated = [row for row in items if 'class="curated"' in row]
    assert any(f">{accepted['label']}</a>" in row for row in curated)

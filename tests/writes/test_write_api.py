"""The write API over HTTP against a real server on loopback: tokens, formats, errors, history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import start_server, stop
from tests.writes.conftest import form, server_env, writable_copy

TOKEN = "geheim-token-erika"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    settings = writable_copy(tmp_path_factory.mktemp("api-writes"))
    env = server_env(settings, {TOKEN: "Erika Muster"}, WISSENSGRAPH_WRITE_MAX_MB="0.2")
    process, url = start_server(env)
    yield url, settings.data_dir
    stop(process)


def test_create_read_replace_delete_with_history(site: tuple[str, Path]) -> None:
    url, data_dir = site
    created = httpx.post(f"{url}/fallstudien", json=form("api-platz"), headers=AUTH)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/id/fallstudie/api-platz"
    page = httpx.get(f"{url}/id/fallstudie/api-platz", headers={"Accept": "text/turtle"})
    assert "Testplatz api-platz" in page.text
    replaced = httpx.put(
        f"{url}/fallstudien/api-platz", json=form("api-platz", status="abgeschlossen"), headers=AUTH
    )
    assert replaced.status_code == 200 and replaced.json()["ersetzt"] == ["api-platz"]
    assert httpx.delete(f"{url}/fallstudien/api-platz", headers=AUTH).status_code == 200
    history = httpx.get(f"{url}/fallstudien/api-platz/historie").json()
    assert [h["art"] for h in history] == ["angelegt", "geaendert", "geloescht"]
    assert {h["kurator"] for h in history} == {"Erika Muster"}
    assert "https://w3id.org/wissensgraph/ontology#status" in history[1]["eigenschaften"]
    assert not (data_dir / "fallstudien" / "api-platz.ttl").exists()
    assert httpx.get(f"{url}/fallstudien/gibt-es-nicht/historie").status_code == 404


def test_tokens_missing_wrong_right(site: tuple[str, Path]) -> None:
    url, _ = site
    missing = httpx.post(f"{url}/fallstudien", json=form("api-token"))
    assert missing.status_code == 401 and "Bearer" in missing.headers["www-authenticate"]
    wrong = httpx.post(
        f"{url}/fallstudien", json=form("api-token"), headers={"Authorization": "Bearer falsch"}
    )
    assert wrong.status_code == 403
    assert httpx.get(f"{url}/fallstudien/api-token/historie").status_code == 404


def test_violation_report_in_the_clients_language(site: tuple[str, Path]) -> None:
    url, _ = site
    bad = form("api-kaputt", bundesland="Atlantis")
    german = httpx.post(f"{url}/fallstudien", json=bad, headers=AUTH)
    english = httpx.post(
        f"{url}/fallstudien", json=bad, headers={**AUTH, "Accept-Language": "en-GB,en;q=0.8"}
    )
    assert german.status_code == english.status_code == 422
    (violation,) = english.json()["violations"]
    assert violation["fokus"] == "fs:api-kaputt" and violation["wert"].endswith("/atlantis")
    assert "region" in violation["meldung"].lower()
    assert "Region" in german.json()["verstoesse"][0]["meldung"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"@prefix x: <y> . x:a x:b", "text/turtle", 400),
        (b"a,b\n", "text/plain", 415),
        (b'{"titel": 3}', "application/json", 422),
        (b"x" * 300_000, "text/turtle", 413),
        (
            json.dumps({"@context": "https://example.org/ctx.jsonld", "@id": "x"}).encode(),
            "application/ld+json",
            400,
        ),
        (
            b"<https://example.org/fremd> a <https://w3id.org/wissensgraph/ontology#CaseStudy> .",
            "text/turtle",
            400,
        ),
    ],
)
def test_bad_input_is_a_clear_4xx(
    site: tuple[str, Path], body: bytes, content_type: str, status: int
) -> None:
    url, _ = site
    response = httpx.post(
        f"{url}/fallstudien/import", content=body, headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status_code == status, response.text
    assert response.text.strip()


def test_turtle_and_csv_imports(site: tuple[str, Path]) -> None:
    url, data_dir = site
    # What the linked-data page exports (with labels of linked resources) imports again.
    source = httpx.get(
        f"{url}/id/fallstudie/gaengeviertel-hamburg", headers={"Accept": "text/turtle"}
    ).text
    turtle = source.replace("fs:gaengeviertel-hamburg a", "fs:api-turtle a")
    response = httpx.post(
        f"{url}/fallstudien",
        content=turtle.encode(),
        headers={**AUTH, "Content-Type": "text/turtle"},
    )
    assert response.status_code == 201, response.text
    template = httpx.get(f"{url}/fallstudien/vorlage.csv").text
    columns = template.strip().split(",")
    row = form("api-csv")
    values = {
        **{k: v for k, v in row.items() if isinstance(v, str | int)},
        "handlungsfelder": "altbauquartiere",
        "akteure": "Gängeviertel e.V. (initiator); Stadt Hamburg Test (eigentuemer, kommune)",
        "nlc": "quartier: Der Platz wird Teil des Quartiers.",
        "quellen": "https://example.org/csv",
    }
    line = ",".join(json.dumps(str(values.get(c, "")), ensure_ascii=False) for c in columns)
    response = httpx.post(
        f"{url}/fallstudien/import",
        content=(template + line + "\n").encode(),
        headers={**AUTH, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["angelegt"] == ["api-csv"]


def test_script_in_text_is_escaped_in_pages(site: tuple[str, Path]) -> None:
    url, _ = site
    attack = form("api-skript", titel="<script>alert('x')</script> Platz")
    assert httpx.post(f"{url}/fallstudien", json=attack, headers=AUTH).status_code == 201
    page = httpx.get(f"{url}/id/fallstudie/api-skript", headers={"Accept": "text/html"}).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_writes_are_off_without_tokens(tmp_path: Path) -> None:
    settings = writable_copy(tmp_path)
    process, url = start_server(server_env(settings, {}))
    try:
        response = httpx.post(f"{url}/fallstudien", json=form("aus"), headers=AUTH)
        assert response.status_code == 403 and "abgeschaltet" in response.text
    finally:
        stop(process)

"""CSV results per SPARQL 1.1 and RFC 4180: every competency query's CSV reads back whole."""

from __future__ import annotations

import csv
import io

import httpx
import pandas
import pytest

from tests.api.conftest import Server
from wissensgraph.config import PROJECT_ROOT

QUERIES = sorted((PROJECT_ROOT / "data" / "queries").glob("cq*.rq"))
SOURCES = (
    "PREFIX dcterms: <http://purl.org/dc/terms/> "
    "SELECT ?cs ?q WHERE { ?cs dcterms:source ?q } ORDER BY ?cs ?q"
)


def _both(server: Server, query: str) -> tuple[str, dict]:
    params = {"query": query}
    text = httpx.get(
        server.url + "/sparql", params=params, headers={"Accept": "text/csv"}, timeout=60
    )
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    data = httpx.get(
        server.url + "/sparql",
        params=params,
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ).json()
    return text.text, data


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_competency_query_csv_reads_back_with_csv_and_pandas(server: Server, path) -> None:
    text, data = _both(server, path.read_text(encoding="utf-8"))
    names = data["head"]["vars"]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == names and len(rows) - 1 == len(data["results"]["bindings"])
    table = pandas.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(table.columns) == names and len(table) == len(data["results"]["bindings"])
    for row, binding in zip(rows[1:], data["results"]["bindings"], strict=True):
        assert row == [binding.get(n, {}).get("value", "") for n in names]


def test_iris_with_commas_stay_in_their_column(server: Server) -> None:
    text, data = _both(server, SOURCES)
    assert any("," in b["q"]["value"] for b in data["results"]["bindings"])  # the hard case
    table = pandas.read_csv(io.StringIO(text), dtype=str)
    assert list(table.columns) == ["cs", "q"]
    assert table["q"].tolist() == [b["q"]["value"] for b in data["results"]["bindings"]]
    assert text.endswith("\r\n") and "\r\n" in text.splitlines(keepends=True)[0]

"""Every body is limited while it is read: 413 before any parsing, chunked or not."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from tests.api.conftest import Server

MB = 1_000_000


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"#" * piece


def test_declared_oversize_sparql_post_is_refused_unread(server: Server) -> None:
    body = b"ASK {} #" + b"x" * (2 * MB)
    response = httpx.post(
        server.url + "/sparql",
        content=body,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 413 and "1 MB" in response.text


def test_chunked_oversize_body_is_cut_off_while_read(server: Server) -> None:
    response = httpx.post(
        server.url + "/nlc/vorschlaege",
        content=_chunks(20 * MB),  # no Content-Length: counted as it arrives
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}).status_code == 200


def test_oversize_form_post_is_413_not_a_framework_400(server: Server) -> None:
    response = httpx.post(
        server.url + "/sparql", data={"query": "ASK {} #" + "x" * (MB + 10)}, timeout=30
    )
    assert response.status_code == 413


def test_a_query_under_the_limit_still_runs(server: Server) -> None:
    query = "ASK { ?s ?p ?o } #" + "x" * (MB // 2)
    response = httpx.post(
        server.url + "/sparql",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["boolean"] is True

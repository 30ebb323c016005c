"""No query knocks the server over: time limit, size limit, and other clients keep being served."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import start_server, stop
from wissensgraph.config import PROJECT_ROOT, Settings

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "ASK { ?s ?p ?o }"
QUERIES = PROJECT_ROOT / "data" / "queries"


def _server(settings: Settings, timeout: int, workers: int, max_mb: float) -> Iterator[str]:
    process, url = start_server(
        {
            "WISSENSGRAPH_HOME": str(settings.home),
            "WISSENSGRAPH_SPARQL_TIMEOUT": str(timeout),
            "WISSENSGRAPH_SPARQL_WORKERS": str(workers),
            "WISSENSGRAPH_SPARQL_MAX_RESULT_MB": str(max_mb),
            "WISSENSGRAPH_SEARCH_ENABLED": "false",
        }
    )
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def strict_server(built_settings: Settings) -> Iterator[str]:
    """A server with a 2 s time limit and a 50 kB result limit."""
    yield from _server(built_settings, timeout=2, workers=2, max_mb=0.05)


def test_pathological_query_times_out_while_others_are_answered(strict_server: str) -> None:
    """Quick queries are answered while a slow one holds a worker: shown by order, not by time."""
    outcome: dict[str, httpx.Response] = {}

    def slow() -> None:
        outcome["slow"] = httpx.get(strict_server + "/sparql", params={"query": SLOW}, timeout=30)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)  # let the slow query reach a worker (not an assertion about speed)
    quick = [
        httpx.get(strict_server + "/sparql", params={"query": QUICK}, timeout=30) for _ in range(5)
    ]
    still_running = thread.is_alive() and "slow" not in outcome
    thread.join(timeout=30)
    assert [r.status_code for r in quick] == [200] * 5
    assert still_running, "the quick queries waited for the slow one to end"
    slow_response = outcome["slow"]
    assert slow_response.status_code == 504
    assert "Zeitlimit" in slow_response.text and slow_response.headers["retry-after"]
    after = httpx.get(strict_server + "/sparql", params={"query": QUICK}, timeout=5)
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_result_size_limit_has_a_clear_message(strict_server: str) -> None:
    response = httpx.get(strict_server + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 413
    assert "LIMIT" in response.text
    small = httpx.get(
        strict_server + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"}
    )
    assert small.status_code == 200


def test_concurrent_queries_do_not_block_each_other(strict_server: str) -> None:
    results: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=10) as http:
            for _ in range(10):
                status = http.get(strict_server + "/sparql", params={"query": QUICK}).status_code
                with lock:
                    results.append(status)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [200] * 80


@pytest.fixture(scope="module")
def loaded_server(built_settings: Settings) -> Iterator[str]:
    """A server with 6 query workers and a 3 s time limit, for many clients at once."""
    yield from _server(built_settings, timeout=3, workers=6, max_mb=10)


FORMATS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]
COMPETENCY = [path.read_text(encoding="utf-8") for path in sorted(QUERIES.glob("cq*.rq"))]


@pytest.mark.parametrize("seconds", [float(os.environ.get("WISSENSGRAPH_STRESS_SECONDS", "10"))])
def test_fifty_clients_with_runaway_queries_among_them(loaded_server: str, seconds: float) -> None:
    """48 clients ask the competency questions in all result formats while 2 send runaway
    queries: every question is answered, every runaway query ends in a 504, nothing else."""
    answered: list[int] = []
    runaway: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def researcher(number: int) -> None:
        with httpx.Client(timeout=30) as http:
            n = number
            while time.monotonic() < stop_at:
                query, accept = COMPETENCY[n % len(COMPETENCY)], FORMATS[n % len(FORMATS)]
                n += 1
                response = http.post(
                    loaded_server + "/sparql", data={"query": query}, headers={"Accept": accept}
                )
                with lock:
                    answered.append(response.status_code)

    def runaway_client() -> None:
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < stop_at:
                response = http.get(loaded_server + "/sparql", params={"query": SLOW})
                with lock:
                    runaway.append(response.status_code)

    threads = [threading.Thread(target=researcher, args=(i,)) for i in range(48)]
    threads += [threading.Thread(target=runaway_client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    print(f"\n{seconds:.0f} s: {len(answered)} questions answered, {len(runaway)} runaway queries")
    assert answered and set(answered) == {200}, sorted(set(answered))
    assert runaway and set(runaway) == {504}, sorted(set(runaway))

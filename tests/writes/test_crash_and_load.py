"""A real server killed with SIGKILL during writes, and many readers and writers at once."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import start_server, stop
from tests.writes.conftest import form, server_env, writable_copy
from wissensgraph.config import Settings

TOKEN = "crash-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COUNT = (
    "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/wissensgraph/ontology#CaseStudy> "
    'FILTER (STRSTARTS(STR(?s), "https://w3id.org/wissensgraph/id/fallstudie/%s")) }'
)


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    return server_env(settings, {TOKEN: "Crash Test"}, **extra)


def stored(url: str, prefix: str) -> int:
    response = httpx.get(f"{url}/sparql", params={"query": COUNT % prefix}, timeout=30)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def files(settings: Settings, prefix: str) -> int:
    return len(list((settings.data_dir / "fallstudien").glob(f"{prefix}*.ttl")))


def _kill_when(process: subprocess.Popen[bytes], condition: Callable[[], bool]) -> bool:
    """SIGKILL the server the moment ``condition`` holds (polled without pause, 60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            os.kill(process.pid, signal.SIGKILL)
            return True
    os.kill(process.pid, signal.SIGKILL)
    return False


def test_kill_during_bulk_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    """Each kill is aimed at a moment of the write and the test checks that it hit it: while the
    undo journal exists (files half written: the restart must settle it and say so), and after
    the answer (the write must survive, with nothing to settle)."""
    settings = writable_copy(tmp_path)
    journal = settings.data_dir / ".schreibjournal.json"
    for attempt, moment in enumerate(["journal", "journal", "journal", "answered"]):
        prefix = f"kill{attempt}-"
        batch = [form(f"{prefix}{n}") for n in range(25)]
        process, url = start_server(env_for(settings))
        answer: list[int] = []

        def send(url: str = url, batch: list = batch, answer: list[int] = answer) -> None:
            try:
                answer.append(
                    httpx.post(
                        f"{url}/fallstudien/import", json=batch, headers=AUTH, timeout=60
                    ).status_code
                )
            except httpx.TransportError:
                answer.append(0)

        sender = threading.Thread(target=send)
        sender.start()
        hit = _kill_when(
            process, journal.exists if moment == "journal" else lambda a=answer: bool(a)
        )
        process.wait()
        sender.join()
        assert hit, f"attempt {attempt}: the kill missed the moment {moment}"
        if moment == "journal":
            assert journal.exists() and answer == [0]  # killed inside the write
        else:
            assert answer == [200] and not journal.exists()
        process, url = start_server(env_for(settings))  # recovery runs at start
        try:
            in_store, on_disk = stored(url, prefix), files(settings, prefix)
        finally:
            stop(process)
        log = process.stderr.read().decode("utf-8") if process.stderr else ""
        assert in_store in (0, 25) and on_disk == in_store, (moment, in_store, on_disk)
        assert not journal.exists()
        if moment == "journal":
            assert "Unterbrochener Schreibvorgang" in log, log[-2000:]
        else:
            assert in_store == 25 and "Unterbrochener Schreibvorgang" not in log


def test_acknowledged_write_survives_kill_and_index_follows(tmp_path: Path) -> None:
    settings = writable_copy(tmp_path)
    process, url = start_server(env_for(settings))
    response = httpx.post(
        f"{url}/fallstudien",
        json=form("ack-1", titel="Quittierter Zeppelinplatz"),
        headers=AUTH,
        timeout=60,
    )
    assert response.status_code == 201
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process, url = start_server(
        env_for(
            settings,
            WISSENSGRAPH_SEARCH_ENABLED="true",
            WISSENSGRAPH_SEARCH_MODEL="all-MiniLM-L6-v2",
        ),
        wait=300,  # the index is rebuilt from the graph at start
    )
    try:
        assert stored(url, "ack-1") == 1
        hits = httpx.get(f"{url}/search", params={"q": "Zeppelinplatz"}, timeout=120).json()
        assert hits["hits"][0]["slug"] == "ack-1"  # the index followed the graph
    finally:
        stop(process)


@pytest.mark.parametrize("seconds", [float(os.environ.get("WISSENSGRAPH_STRESS_SECONDS", "12"))])
def test_concurrent_readers_and_writers(tmp_path: Path, seconds: float) -> None:
    settings = writable_copy(tmp_path)
    process, url = start_server(env_for(settings, WISSENSGRAPH_SPARQL_WORKERS="4"))
    created: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def writer(number: int) -> None:
        with httpx.Client(timeout=60) as client:
            n = 0
            while time.monotonic() < stop_at:
                slug = f"last-{number}-{n}"
                n += 1
                r = client.post(f"{url}/fallstudien", json=form(slug), headers=AUTH)
                with lock:
                    statuses.append(r.status_code)
                    if r.status_code == 201:
                        created.append(slug)

    def reader(number: int) -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop_at:
                if number % 2:
                    r = client.get(f"{url}/sparql", params={"query": COUNT % "last-"})
                else:
                    r = client.get(f"{url}/id/fallstudie/gaengeviertel-hamburg")
                with lock:
                    statuses.append(r.status_code)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(10)]
    threads += [threading.Thread(target=reader, args=(i,)) for i in range(40)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        reads = len(statuses) - len(created)
        print(f"\n{seconds:.0f} s: {len(created)} writes acknowledged, {reads} other requests")
        assert created, "no write went through"
        assert not [s for s in statuses if s >= 500 and s != 503], sorted(set(statuses))
        assert stored(url, "last-") == len(created) == len(set(created))
        assert files(settings, "last-") == len(created)
    finally:
        stop(process)

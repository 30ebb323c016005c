"""Live servers on loopback: our own (embedded store or remote) and a real ``oxigraph serve``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.store.graph import build

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {seconds} s")


@dataclass
class Server:
    url: str
    settings: Settings


def start_server(env: dict[str, str], wait: float = 30) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "wissensgraph"), "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        # warnings and errors only: nobody reads the pipe until the server ends, and a full pipe
        # would block the server
        env={**os.environ, "WISSENSGRAPH_LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/context.jsonld", process, wait)
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server (PyPI package oxigraph), loaded through our own build."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen(
        [
            str(BIN / "oxigraph"),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/query?query=ASK%7B%7D", process)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session", params=["embedded", "remote"])
def server(
    request: pytest.FixtureRequest,
    built_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    """Our API on loopback, once over the embedded store and once over a remote Oxigraph server."""
    env = {"WISSENSGRAPH_HOME": str(built_settings.home), "WISSENSGRAPH_SPARQL_TIMEOUT": "3"}
    settings = built_settings
    if request.param == "remote":
        remote = request.getfixturevalue("oxigraph_server")
        env["WISSENSGRAPH_SPARQL_ENDPOINT"] = remote + "/query"
        env["WISSENSGRAPH_SPARQL_UPDATE_ENDPOINT"] = remote + "/update"
        settings = Settings(
            home=tmp_path_factory.mktemp("remote-home"),
            sparql_endpoint=remote + "/query",
            sparql_update_endpoint=remote + "/update",
        )
        build(settings)
    process, url = start_server(env)
    try:
        yield Server(url, settings)
    finally:
        stop(process)

"""Schemathesis fuzzes the write API from its OpenAPI description: no request may cause a 500."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.api.conftest import start_server, stop
from tests.writes.conftest import server_env, writable_copy

BIN = Path(sys.executable).parent
WRITE_PATHS = r"^/fallstudien(/import|/vorlage\.csv|/\{slug\}|/\{slug\}/historie)?$"


def test_fuzzed_writes_never_cause_a_server_error(tmp_path: Path) -> None:
    settings = writable_copy(tmp_path)
    process, url = start_server(server_env(settings, {"fuzz-token": "Schemathesis"}))
    try:
        run = subprocess.run(
            [
                str(BIN / "st"),
                "run",
                f"{url}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--include-path-regex",
                WRITE_PATHS,
                "--header",
                "Authorization: Bearer fuzz-token",
                "--max-examples",
                "15",
                "--seed",
                "7",
                "--workers",
                "1",
                "--request-timeout",
                "60",
            ],
            cwd=tmp_path,  # schemathesis keeps its example cache in the working folder
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        stop(process)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "fallstudien" in run.stdout  # the operations were really exercised

"""The wheel works anywhere: installed into a fresh environment, run from an empty folder.

It carries ontology, shapes and the curated collection; the shipped collection is read-only;
``wissensgraph init`` makes a knowledge base of one's own, which builds, serves, takes a curator's
write and finds it in search; the installation folder is the same afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port, stop, wait_until_up
from tests.writes.conftest import form
from wissensgraph.config import PROJECT_ROOT


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` (bytecode caches aside) with its size and change time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(bin folder, installed package folder) of a fresh environment holding only the wheel;
    its dependencies come from the test environment through a .pth line."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root), "."],
        PROJECT_ROOT,
        dict(os.environ),
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = root.glob("wissensgraph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "wissensgraph/content/ontology/wissensgraph.ttl" in names
    assert "wissensgraph/content/shapes/wissensgraph-shapes.ttl" in names
    assert any(n.startswith("wissensgraph/content/data/fallstudien/") for n in names)
    env_dir = root / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    site = Path(
        sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)})
    )
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = env_dir / "bin" / "python"
    done = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        root,
        dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    package = site / "wissensgraph"
    assert (package / "content" / "data").is_dir()
    return env_dir / "bin", package


def test_from_an_empty_folder_the_installed_package_builds_serves_and_takes_writes(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    bin_dir, package = installed
    before = _snapshot(package)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WISSENSGRAPH_", "PYTHONPATH"))}
    env["WISSENSGRAPH_CURATOR_TOKENS"] = json.dumps({"geheim": "Erika Muster"})
    empty = tmp_path / "leer"
    empty.mkdir()
    command = str(bin_dir / "wissensgraph")

    # the shipped collection is read-only: an import from an empty folder is refused, clearly
    csv_file = empty / "neu.csv"
    csv_file.write_text("titel\nx\n", encoding="utf-8")
    refused = _run([command, "import", str(csv_file), "--kurator", "E"], empty, env)
    assert refused.returncode != 0
    assert "mitgelieferte Sammlung" in refused.stderr and "init" in refused.stderr

    created = _run([command, "init", "kb"], empty, env)
    assert created.returncode == 0, created.stderr
    kb = empty / "kb"
    assert (kb / "data" / "fallstudien").is_dir()
    built = _run([command, "build"], kb, env)
    assert built.returncode == 0, built.stderr
    assert (kb / "var" / "store").exists()

    port = free_port()
    process = subprocess.Popen(
        [command, "serve", "--port", str(port)],
        cwd=kb,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/context.jsonld", process, 120)
        with httpx.Client(base_url=url, timeout=60) as client:
            answer = client.post(
                "/fallstudien",
                json=form("radweg-werkstatt-kassel", titel="Radwegwerkstatt am Kanal"),
                headers={"Authorization": "Bearer geheim"},
            )
            assert answer.status_code == 201, answer.text
            hits = client.get("/search", params={"q": "Radwegwerkstatt am Kanal"}).json()
            assert hits["hits"][0]["slug"] == "radweg-werkstatt-kassel"
    finally:
        stop(process)
    assert (kb / "data" / "fallstudien" / "radweg-werkstatt-kassel.ttl").exists()
    assert _snapshot(package) == before

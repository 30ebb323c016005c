"""Shared fixtures: settings on a temporary home and one build of the real data per session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.linking.suggest import Linker, build_linker
from wissensgraph.search.encoder import get_encoder
from wissensgraph.search.freshness import ensure_index
from wissensgraph.search.hybrid import Searcher
from wissensgraph.store.graph import KnowledgeGraph, build

CLI = Path(sys.executable).with_name("wissensgraph")


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose store holds the real ontology and data, built once for the session."""
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def kg(built_settings: Settings) -> Iterator[KnowledgeGraph]:
    """The real knowledge graph, read-only."""
    yield KnowledgeGraph.open(built_settings)


@pytest.fixture(scope="session")
def searcher(built_settings: Settings) -> Searcher:
    """The hybrid searcher over the real data with the default encoder, built once."""
    index, _ = ensure_index(built_settings, KnowledgeGraph.open(built_settings))
    return Searcher(
        index, get_encoder(built_settings.search_model), rrf_k=built_settings.search_rrf_k
    )


@pytest.fixture(scope="session")
def linker(searcher: Searcher, built_settings: Settings) -> Linker:
    """The NLC link suggester over the real data, calibrated once."""
    return build_linker(searcher.index, searcher.encoder, KnowledgeGraph.open(built_settings))


def run_cli(
    *args: str, home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``wissensgraph`` command as a user would, from the project root."""
    full_env = {**os.environ, "WISSENSGRAPH_HOME": str(home), **(env or {})}
    return subprocess.run(
        [str(CLI), *args],
        cwd=PROJECT_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

"""Fixtures for the write path: a copy of the real data that tests may change, built once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.store.graph import build

ABSTRACT = (
    "Im Quartier am Kanal bauen die Stadt und ein Nachbarschaftsverein gemeinsam einen "
    "leeren Platz um. Zuerst gab es offene Werkstätten im Stadtteilzentrum, dann Probeaufbauten "
    "mit Sitzmöbeln und Beeten, schließlich eine Abstimmung über zwei Entwürfe."
)


def form(slug: str, **changes: Any) -> dict[str, Any]:
    """A complete, valid case study in the JSON form (test data, never stored in data/)."""
    base: dict[str, Any] = {
        "id": slug,
        "titel": f"Testplatz {slug}",
        "titel_en": f"Test square {slug}",
        "zusammenfassung": ABSTRACT,
        "stadt": "Kassel",
        "bundesland": "Hessen",
        "startjahr": 2021,
        "status": "laufend",
        "handlungsfelder": ["Altbauquartiere"],
        "instrumente": ["stadtumbau"],
        "formate": ["Werkstatt", ""],
        "akteure": [
            {"name": "Gängeviertel e.V.", "rolle": "Initiator"},
            {
                "name": f"Nachbarschaftsverein {slug}",
                "rolle": "traeger",
                "gruppe": "Zivilgesellschaft",
            },
        ],
        "nlc": [
            {
                "ziel": "beteiligung-koproduktion",
                "begruendung": "Die Nachbarschaft entwirft den Platz mit.",
            }
        ],
        "quellen": ["https://example.org/testplatz"],
    }
    base.update(changes)
    return base


def writable_copy(root: Path) -> Settings:
    """Data copied to ``root`` and built there; the repository's data stays untouched."""
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    settings = Settings(home=root / "home", data_dir=root / "data", search_enabled=False)
    build(settings)
    return settings


def server_env(settings: Settings, tokens: dict[str, str], **extra: str) -> dict[str, str]:
    """Environment of a server on a writable copy, search off unless a test turns it on."""
    return {
        "WISSENSGRAPH_HOME": str(settings.home),
        "WISSENSGRAPH_DATA_DIR": str(settings.data_dir),
        "WISSENSGRAPH_SEARCH_ENABLED": "false",
        "WISSENSGRAPH_CURATOR_TOKENS": json.dumps(tokens),
        **extra,
    }


@pytest.fixture(scope="session")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One writable copy per session; tests use their own case study ids."""
    return writable_copy(tmp_path_factory.mktemp("writable"))

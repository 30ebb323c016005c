"""A knowledge base of one's own: a folder with the Turtle files (data/) and the state (var/).

The software ships the curated collection read-only; ``init`` copies it into a folder where
curators may change it, so nothing is ever written into an installed package.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from wissensgraph.config import SHIPPED_DATA
from wissensgraph.errors import InputError

log = logging.getLogger(__name__)

#: Files of a data folder that belong to one running installation, not to the collection.
_PRIVATE = (".*", "__pycache__")


def init(folder: Path) -> Path:
    """Make ``folder/data`` a copy of the shipped collection and return it; refuses to overwrite."""
    data = folder / "data"
    if data.exists():
        raise InputError(f"{data} gibt es schon; eine Wissensbasis wird nur einmal angelegt.")
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / ".data.init"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(SHIPPED_DATA, staging, ignore=shutil.ignore_patterns(*_PRIVATE))
    staging.rename(data)  # a folder appears whole or not at all
    log.info("Wissensbasis angelegt: %s (aus %s)", data, SHIPPED_DATA)
    return data

"""The undo journal of a write: what the data files were before, and which store version is new.

A write touches several files (case study, new actors, history) and the store. Before the first
file changes, the journal records their old contents and the name of the store version the write
prepared. Switching the store symlink to that version is the commit point. Whoever takes the data
lock next (a server starting, the next write, a build) finds a leftover journal and settles it:
symlink switched -> the write committed, keep it; not switched -> restore the old files and drop
the prepared version. A write killed at any moment therefore ends complete or without a trace.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wissensgraph.config import Settings
from wissensgraph.store.durable_files import remove_durable, write_atomic
from wissensgraph.store.versions import drop_version

log = logging.getLogger(__name__)

JOURNAL_NAME = ".schreibjournal.json"


def journal_path(settings: Settings) -> Path:
    """Where the journal of the data folder lives (hidden, never read as data)."""
    return settings.data_dir / JOURNAL_NAME


def begin(settings: Settings, files: Iterable[Path], new_version: Path | None) -> None:
    """Record the current contents of ``files`` (absent ones as absent) and the new version."""
    before: dict[str, str | None] = {}
    for path in files:
        before[str(path.resolve())] = (
            base64.b64encode(path.read_bytes()).decode("ascii") if path.exists() else None
        )
    record = {"files": before, "version": str(new_version) if new_version else None}
    write_atomic(journal_path(settings), json.dumps(record))


def finish(settings: Settings) -> None:
    """The write is complete: forget the undo information."""
    remove_durable(journal_path(settings))


@dataclass(frozen=True)
class Recovery:
    """What settling a leftover journal did."""

    committed: bool
    restored: int


def recover(settings: Settings) -> Recovery | None:
    """Settle a journal left by an interrupted write; the caller holds the data lock."""
    path = journal_path(settings)
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None  # a journal cut off while written: no file had been changed yet
    if record is None:
        remove_durable(path)
        log.warning("Abgebrochenes Schreibjournal entfernt; keine Datei war geändert.")
        return Recovery(committed=False, restored=0)
    version = Path(record["version"]) if record.get("version") else None
    store = settings.store_dir
    if version is not None and store.exists() and store.resolve() == version.resolve():
        remove_durable(path)
        log.warning("Unterbrochener Schreibvorgang war schon gültig (Speicherstand %s).", version)
        return Recovery(committed=True, restored=0)
    for name, content in record["files"].items():
        if content is None:
            remove_durable(Path(name))
        else:
            write_atomic(Path(name), base64.b64decode(content))
    if version is not None:
        drop_version(version)
    remove_durable(path)
    log.warning(
        "Unterbrochener Schreibvorgang zurückgenommen: %d Datei(en) wiederhergestellt, "
        "Speicherstand %s verworfen.",
        len(record["files"]),
        version,
    )
    return Recovery(committed=False, restored=len(record["files"]))

"""Versions of the embedded store: each build or write makes a new one, a symlink names the current.

Readers open the current version read-only. Oxigraph forbids a writer beside read-only openers of
the same folder, so a write never touches the current version: it copies it (a RocksDB checkpoint
of hard links, milliseconds even at a million triples), applies one SPARQL Update transaction to
the copy, flushes and closes it, and only then switches the symlink. The switch is the single
moment a write becomes visible; before it, the copy is just an unused folder.

A write also leaves a change record beside its version: the version it was copied from and the
case studies it changed. Whatever is derived from the graph (the search index) can then follow a
chain of writes by re-reading only those case studies; a build leaves none, so after a build
everything is read again.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from wissensgraph.errors import StoreError
from wissensgraph.store.durable_files import sync_folder, write_atomic

#: Versions kept besides the current one, for readers that opened them a moment ago.
KEEP_VERSIONS = 3
#: A version younger than this is never removed (a long query may still read it).
GRACE_SECONDS = 60.0
#: Longest chain of change records followed; beyond it, reading everything again is as quick.
MAX_CHAIN = 100


def build_marker(version: Path) -> Path:
    """Beside each version: the id of the build it descends from (writes keep it, builds renew)."""
    return version.with_name(version.name + ".build")


def changes_record(version: Path) -> Path:
    """Beside a version made by a write: its parent version and the case studies it changed."""
    return version.with_name(version.name + ".changes")


def snapshot_file(version: Path) -> Path:
    """Beside a version query workers read: its quads as N-Quads, to load in-memory copies from."""
    return version.with_name(version.name + ".nq")


def snapshot_lock(version: Path) -> Path:
    """Held by the one worker that writes a version's snapshot while the others wait for it."""
    return version.with_name(version.name + ".nq.lock")


def drop_version(version: Path) -> None:
    """Remove a version's folder and the files beside it (marker, record, snapshot)."""
    shutil.rmtree(version, ignore_errors=True)
    build_marker(version).unlink(missing_ok=True)
    changes_record(version).unlink(missing_ok=True)
    # the snapshot, its lock, and a partial dump of a worker killed while writing it
    for snapshot in version.parent.glob(glob.escape(snapshot_file(version).name) + "*"):
        snapshot.unlink(missing_ok=True)


@dataclass(frozen=True)
class Changes:
    """What one write changed: made from ``parent`` (a version's folder name), these IRIs."""

    parent: str
    changed: tuple[str, ...]


def read_changes(version: Path) -> Changes | None:
    """The change record of a version, or None if it has none (a build) or it is unreadable."""
    try:
        found = json.loads(changes_record(version).read_text(encoding="utf-8"))
        parent, changed = found["parent"], found["changed"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(parent, str) or not all(isinstance(i, str) for i in changed):
        return None
    return Changes(parent, tuple(changed))


def changed_since(ancestor: str, version: Path) -> set[str] | None:
    """The case studies changed from version ``ancestor`` (a folder name) to ``version``.

    None when the chain of change records between them is broken (a build, a missing or
    unreadable record, too many steps): the caller must then read everything again.
    """
    changed: set[str] = set()
    name = version.name
    for _ in range(MAX_CHAIN):
        if name == ancestor:
            return changed
        record = read_changes(version.with_name(name))
        if record is None:
            return None
        changed.update(record.changed)
        name = record.parent
    return changed if name == ancestor else None


def new_version_path(stores: Path) -> Path:
    """A fresh, sortable folder name for the next version."""
    stores.mkdir(parents=True, exist_ok=True)
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now / 1e9))
    return stores / f"{stamp}.{now % 1_000_000_000:09d}-{uuid.uuid4().hex[:6]}"


def write_version(
    store_link: Path,
    update: str,
    current: ox.Store | None = None,
    *,
    changed: Iterable[str] | None = None,
) -> Path:
    """Copy the current version and apply ``update`` to the copy; the current one is untouched.

    ``current`` is the current version opened read-only, when the caller has it open already.
    ``changed`` names every case study the update touches (created, replaced or deleted); it is
    recorded, synced, beside the new version before anyone can switch to it. Without it, no record
    is written and followers read the whole graph again.
    """
    if not store_link.exists():
        raise StoreError(f"Kein Graph unter {store_link}. Zuerst bauen: wissensgraph build")
    source = store_link.resolve()
    target = new_version_path(store_link.parent / "stores")
    try:
        (current or ox.Store.read_only(str(source))).backup(str(target))
        if build_marker(source).exists():
            shutil.copyfile(build_marker(source), build_marker(target))
        store = ox.Store(str(target))
        store.update(update)
        store.flush()  # a later checkpoint copies files only: the change must be in them
        del store
        if changed is not None:
            record = {"parent": source.name, "changed": sorted(set(changed))}
            write_atomic(changes_record(target), json.dumps(record, ensure_ascii=False))
    except BaseException as exc:
        drop_version(target)
        if isinstance(exc, OSError):
            raise StoreError(f"Neue Version des Graphen nicht schreibbar: {exc}") from exc
        raise
    return target


def switch(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` in one rename, the only step readers can observe."""
    if link.exists() and not link.is_symlink():
        raise StoreError(f"{link} ist kein vom Build verwalteter Verweis; bitte entfernen.")
    staging = link.with_name(f".{link.name}.{os.getpid()}")
    if staging.is_symlink():
        staging.unlink()
    staging.symlink_to(target.relative_to(link.parent))
    os.replace(staging, link)
    sync_folder(link.parent)


def remove_unused(store_link: Path) -> None:
    """Delete old versions, keeping the current, a few before it and any that are very young."""
    stores = store_link.parent / "stores"
    if not stores.is_dir():
        return
    current = store_link.resolve() if store_link.exists() else None
    versions = sorted((p for p in stores.iterdir() if p.is_dir()), key=lambda p: p.name)
    now = time.time()
    for old in versions[: -(KEEP_VERSIONS + 1)]:
        if old.resolve() == current or now - old.stat().st_mtime < GRACE_SECONDS:
            continue
        drop_version(old)

"""The store a query worker reads: a version's disk view at once, an in-memory copy once loaded.

At a million triples Oxigraph answers the competency queries 4-15x faster from an in-memory store
than from a read-only RocksDB view, where every join probe and every ORDER BY comparison decodes
terms from disk. Loading a copy takes seconds, so a worker serves from the disk view the moment it
starts or a new version appears, while a background thread loads the copy and swaps it in. A copy
is only ever used for the version it was loaded from: after a switch the disk view of the new
version answers until its own copy is ready, so no query sees stale data.

The first worker to need a version's copy dumps that version once to an N-Quads snapshot beside
it; the other workers, and workers started later, load that file, which takes about a third of
the time of a dump. A copy is loaded only when the estimate of its size fits the worker's share of
the memory budget; a larger store stays on the disk view.
"""

from __future__ import annotations

import fcntl
import glob
import logging
import os
import threading
from pathlib import Path

import pyoxigraph as ox

from wissensgraph.errors import StoreError
from wissensgraph.store.versions import snapshot_file, snapshot_lock

log = logging.getLogger(__name__)

#: Resident bytes one quad takes in an in-memory store, with a margin (about 420 measured on the
#: synthetic benchmark data at a million triples).
BYTES_PER_QUAD = 500


def copy_fits(quads: int, budget: int) -> bool:
    """Whether an in-memory copy of a store with ``quads`` quads fits ``budget`` bytes."""
    return quads * BYTES_PER_QUAD <= budget


#: Scheduling priority of the loader thread and the threads it starts (19 is the lowest).
LOADER_NICENESS = 19


def _snapshot(disk: ox.Store, version: Path) -> Path:
    """The version's N-Quads snapshot, dumped once by whichever worker comes first."""
    target = snapshot_file(version)
    if target.exists():
        return target
    with snapshot_lock(version).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():  # another worker may have written it while we waited
            for stale in version.parent.glob(glob.escape(target.name) + ".*.tmp"):
                stale.unlink(missing_ok=True)  # left by a worker ended while dumping
            partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            try:
                disk.dump(output=str(partial), format=ox.RdfFormat.N_QUADS)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
    return target


def load_copy(disk: ox.Store, version: Path, quads: int) -> ox.Store:
    """An in-memory store with the ``quads`` quads of ``disk``, the read-only view of ``version``.

    A snapshot that does not give back every quad (cut short by a crash, say) is dumped again.
    """
    for _ in range(2):
        copy = ox.Store()
        try:
            snapshot = _snapshot(disk, version)
        except OSError:  # the store's folder is read-only to us: dump into memory instead
            copy.bulk_load(disk.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
            return copy
        try:
            copy.bulk_load(path=str(snapshot), format=ox.RdfFormat.N_QUADS)
            if len(copy) == quads:
                return copy
        except SyntaxError:
            pass
        snapshot.unlink(missing_ok=True)
    raise StoreError(f"Keine vollständige Kopie von {version.name} ladbar.")


class StoreViews:
    """The current version's store for one worker, following the symlink a build or write moves.

    ``budget`` is the most memory, in bytes, this worker's in-memory copy may take; 0 keeps the
    worker on disk views. Only the worker's own thread calls ``current``; the loader thread only
    ever replaces the copy.
    """

    def __init__(self, link: str, budget: int) -> None:
        self._link = link
        self._budget = budget
        self._changed = threading.Condition()
        self._target = ""
        self._disk: ox.Store | None = None
        self._copy: tuple[str, ox.Store] | None = None
        self._tried = ""  # the last version the loader finished with, copied or not
        if budget > 0:
            threading.Thread(target=self._load_forever, daemon=True).start()

    def current(self) -> tuple[ox.Store, str]:
        """The store the next query runs on, and which view it is: ``memory`` or ``disk``."""
        target = os.path.realpath(self._link)
        if target != self._target or self._disk is None:
            disk = ox.Store.read_only(target)
            with self._changed:
                self._target, self._disk, self._copy = target, disk, None
                self._changed.notify_all()
        copy = self._copy
        if copy is not None and copy[0] == target:
            return copy[1], "memory"
        return self._disk, "disk"

    def settled(self, timeout: float) -> bool:
        """Wait until the loader is done with the version last opened; True if a copy is in use."""
        with self._changed:
            self._changed.wait_for(lambda: not self._budget or not self._pending(), timeout=timeout)
            return self._copy is not None and self._copy[0] == self._target

    def _pending(self) -> bool:
        return self._disk is not None and self._tried != self._target

    def _load_forever(self) -> None:
        try:  # copying is background work: queries and the server's start go first (Linux)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOADER_NICENESS)
        except (AttributeError, OSError):
            pass
        while True:
            with self._changed:
                self._changed.wait_for(self._pending)
                target, disk = self._target, self._disk
            copy = None
            try:
                quads = len(disk)  # type: ignore[arg-type]  # set whenever pending; 0.4 s at 1M
                if copy_fits(quads, self._budget):
                    copy = load_copy(disk, Path(target), quads)  # type: ignore[arg-type]  # as above
            except Exception:  # noqa: BLE001 - a failed copy only means queries stay on disk
                log.warning(
                    "Speicherkopie im Arbeitsspeicher fehlgeschlagen: %s", target, exc_info=True
                )
                copy = None
            with self._changed:
                if copy is not None and self._target == target:
                    self._copy = (target, copy)
                self._tried = target
                self._changed.notify_all()

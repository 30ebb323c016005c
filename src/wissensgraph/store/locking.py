"""One writer at a time per data folder, across processes and threads, re-entrant in a thread.

Builds, curator writes and suggestion decisions all read the data folder, change it and switch
the store; they take this lock so that none of them sees another's half-done work. A thread that
holds the lock may take it again (a run of the suggester that ends in a build), another thread
waits.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".wissensgraph.lock"

_guard = threading.Lock()
_held: dict[Path, tuple[threading.RLock, list[int]]] = {}


def _thread_lock(folder: Path) -> tuple[threading.RLock, list[int]]:
    with _guard:
        return _held.setdefault(folder, (threading.RLock(), [0]))


@contextmanager
def data_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data folder's lock for the duration of a block."""
    folder = data_dir.resolve()
    rlock, depth = _thread_lock(folder)
    with rlock:
        if depth[0]:
            depth[0] += 1
            try:
                yield
            finally:
                depth[0] -= 1
            return
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / LOCK_NAME).open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            depth[0] = 1
            try:
                yield
            finally:
                depth[0] = 0
                fcntl.flock(handle, fcntl.LOCK_UN)

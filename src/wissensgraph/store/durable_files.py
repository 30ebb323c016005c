"""Files that survive a crash: written beside their target, synced, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def sync_folder(folder: Path) -> None:
    """Make a rename, deletion or symlink switch inside ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomic(path: Path, content: bytes | str, *, sync: bool = True) -> None:
    """Replace ``path`` in one rename; readers see the old or the new file, never a mix.

    ``sync=False`` leaves syncing the folder to the caller, who writes several files at once.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "wb", dir=path.parent, delete=False, prefix=f".{path.name}."
    ) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    Path(handle.name).replace(path)
    if sync:
        sync_folder(path.parent)


def remove_durable(path: Path, *, sync: bool = True) -> None:
    """Delete ``path`` (if present) so that the deletion itself survives a crash."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    if sync:
        sync_folder(path.parent)

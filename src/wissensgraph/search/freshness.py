"""Whether the saved index fits the store the settings point to now; load, follow or rebuild it."""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from wissensgraph.config import Settings
from wissensgraph.documents import (
    load_concepts,
    load_documents,
)
from wissensgraph.errors import StoreError
from wissensgraph.search.encoder import get_encoder, preload
from wissensgraph.search.follow import follow
from wissensgraph.search.index import (
    _VERSION_KEYS,
    SearchIndex,
    build_index,
    load_index,
    manifest_for,
    matches_settings,
    read_manifest,
    save_index,
)
from wissensgraph.store.graph import KnowledgeGraph

log = logging.getLogger(__name__)


def _version(stat: os.stat_result) -> str:
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_mtime_ns}"


def store_version(location: Path | None) -> str | None:
    """Which store snapshot ``location`` (a store directory) is, or None if unknown.

    A snapshot is never written once the store link points at it (a build or a write makes a new
    directory and switches the link), so its device, inode and change time identify its content.
    """
    if location is None:
        return None
    try:
        return _version(location.stat())
    except OSError:
        return None


def current_store_version(settings: Settings) -> str | None:
    """The version of the store the settings point to now (None for a remote endpoint).

    One stat call through the store link: cheap enough to ask on every request.
    """
    if settings.sparql_endpoint:
        return None
    try:
        return _version(os.stat(settings.store_dir))
    except OSError:
        return None


@dataclass(frozen=True)
class IndexStatus:
    """Whether the index on disk was reused or rebuilt, and how long that took."""

    rebuilt: bool
    reason: str
    seconds: float
    encoded: int = 0


def _fast_path(settings: Settings, version: str | None) -> SearchIndex | None:
    """The saved index if it was derived from exactly this store version, else None."""
    folder = settings.index_dir
    found = read_manifest(folder)
    if version is None or found.get("store") != version or not matches_settings(found, settings):
        return None
    try:
        index = load_index(folder)
    except StoreError as exc:
        log.warning("Suchindex nicht lesbar, wird neu aufgebaut: %s", exc)
        return None
    if index.manifest.get("store") != version:  # swapped while reading
        return None
    encoder = get_encoder(settings.search_model, settings.model_dir)
    if index.vectors.dimension != encoder.dimension or found.get("dimension") != encoder.dimension:
        return None
    return index


def _rewrite_manifest(folder: Path, manifest: dict[str, object]) -> None:
    staging = folder / f".manifest.{uuid.uuid4().hex[:8]}.json"
    staging.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(staging, folder / "manifest.json")


def ensure_index(
    settings: Settings, graph: KnowledgeGraph, *, progress: bool = False
) -> tuple[SearchIndex, IndexStatus]:
    """The current index: loaded if its manifest matches the graph and settings, else rebuilt.

    If the index was derived from the very store version ``graph`` reads, it is loaded without a
    query. If it was derived from an earlier version and writes' change records lead from there
    to this one, only the case studies they name are read again (see ``follow``). Otherwise all
    documents are read from the graph and compared by fingerprint; a rebuild re-encodes only
    documents whose embedded text changed.
    """
    index, status = _ensure(settings, graph, progress=progress)
    log.info(
        "Suchindex %s: %s, %s Dokumente (%.1f s)",
        settings.search_model,
        "neu gebaut (" + status.reason + ")" if status.rebuilt else "aktuell",
        index.manifest.get("documents"),
        status.seconds,
    )
    return index, status


def _ensure(
    settings: Settings, graph: KnowledgeGraph, *, progress: bool
) -> tuple[SearchIndex, IndexStatus]:
    started = time.perf_counter()
    # the model loads while the index files are read
    preload(settings.search_model, settings.model_dir)
    version = store_version(graph.location)
    index = _fast_path(settings, version)
    if index is not None:
        return index, IndexStatus(False, "aktuell", time.perf_counter() - started)
    folder_name = graph.location.name if graph.location is not None else None
    followed = follow(settings, graph, version)
    if followed is not None:
        index, changed = followed
        encoded = int(index.manifest["encoded_documents"])  # type: ignore[call-overload]  # manifest_for writes an int
        reason = f"nachgeführt: {changed} geänderte Fallstudie(n)"
        return index, IndexStatus(True, reason, time.perf_counter() - started, encoded)
    documents = load_documents(graph)
    concepts = load_concepts(graph)
    encoder = get_encoder(settings.search_model, settings.model_dir)
    expected = manifest_for(settings, encoder, documents, concepts, version, folder_name)
    folder = settings.index_dir
    found = read_manifest(folder)
    reason = "kein Index vorhanden"
    previous: SearchIndex | None = None
    if found:
        mismatched = [
            k for k, v in expected.items() if k not in _VERSION_KEYS and found.get(k) != v
        ]
        try:
            previous = load_index(folder) if matches_settings(found, settings) else None
        except StoreError:
            previous, mismatched = None, mismatched or ["unlesbar"]
        if not mismatched and previous is not None:
            if found.get("store") != version or found.get("store_folder") != folder_name:
                previous.manifest["store"] = version
                previous.manifest["store_folder"] = folder_name
                _rewrite_manifest(folder, previous.manifest)
            return previous, IndexStatus(False, "aktuell", time.perf_counter() - started)
        reason = "veraltet: " + ", ".join(mismatched)
    index = build_index(
        documents,
        concepts,
        encoder,
        settings,
        progress=progress,
        previous=previous,
        store=version,
        store_folder=folder_name,
    )
    save_index(index, folder)
    encoded = int(index.manifest["encoded_documents"])  # type: ignore[call-overload]  # manifest_for writes an int
    return index, IndexStatus(True, reason, time.perf_counter() - started, encoded)

"""Query workers' views of the store: in-memory copies answer like the disk view, never stale."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.store.versions import (
    drop_version,
    snapshot_file,
    snapshot_lock,
    switch,
    write_version,
)
from wissensgraph.store.views import BYTES_PER_QUAD, StoreViews, load_copy

EX = "http://example.org/"
GRAPH = ox.NamedNode(EX + "graph")
PLENTY = 100_000_000


def _opened(link: Path, budget: int) -> StoreViews:
    """Views as a worker has them after its start: the current version opened."""
    views = StoreViews(str(link), budget)
    views.current()
    return views


@pytest.fixture()
def link(tmp_path: Path) -> Path:
    """A store link pointing at a first version with three quads."""
    version = tmp_path / "stores" / "v1"
    version.parent.mkdir()
    store = ox.Store(str(version))
    for n in range(3):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(EX + "p"), ox.Literal(n), GRAPH))
    store.flush()
    del store
    switch(tmp_path / "store", version)
    return tmp_path / "store"


def _count(store: ox.Store) -> int:
    (row,) = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(row["n"].value)


def test_copy_replaces_the_disk_view_once_loaded(link: Path) -> None:
    views = _opened(link, PLENTY)
    assert views.settled(timeout=30) is True
    store, view = views.current()
    assert view == "memory"
    assert _count(store) == 3
    assert snapshot_file(link.resolve()).is_file()


def test_a_switched_version_answers_at_once_and_gets_its_own_copy(link: Path) -> None:
    views = _opened(link, PLENTY)
    assert views.settled(timeout=30)
    newer = write_version(link, f"INSERT DATA {{ GRAPH <{EX}graph> {{ <{EX}s9> <{EX}p> 9 }} }}")
    switch(link, newer)
    store, _ = views.current()  # whichever view: it must already be the new version
    assert _count(store) == 4
    assert views.settled(timeout=30)
    store, view = views.current()
    assert view == "memory" and _count(store) == 4
    assert snapshot_file(newer).is_file()


def test_workers_share_one_snapshot_per_version(link: Path) -> None:
    assert _opened(link, PLENTY).settled(timeout=30)
    snapshot = snapshot_file(link.resolve())
    written = snapshot.stat()
    assert _opened(link, PLENTY).settled(timeout=30)
    again = snapshot.stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)


def test_a_store_over_budget_stays_on_the_disk_view(link: Path) -> None:
    views = _opened(link, 3 * BYTES_PER_QUAD - 1)
    assert views.settled(timeout=30) is False
    assert views.current()[1] == "disk"
    assert not snapshot_file(link.resolve()).exists(), "nothing dumped for a copy never loaded"


def test_no_budget_means_no_loader(link: Path) -> None:
    threads = threading.active_count()
    views = _opened(link, 0)
    assert threading.active_count() == threads, "no loader thread for a worker without budget"
    assert views.settled(timeout=0.1) is False
    assert views.current()[1] == "disk"


def test_a_snapshot_cut_short_is_dumped_again(link: Path) -> None:
    version = link.resolve()
    disk = ox.Store.read_only(str(version))
    complete = load_copy(disk, version, len(disk))
    snapshot = snapshot_file(version)
    lines = snapshot.read_bytes().splitlines(keepends=True)
    snapshot.write_bytes(b"".join(lines[:-1]))  # as if the last quad never reached the disk
    again = load_copy(disk, version, len(disk))
    assert len(again) == len(complete) == 3
    assert len(snapshot.read_bytes().splitlines()) == 3


def test_dropping_a_version_removes_its_snapshot(link: Path) -> None:
    version = link.resolve()
    assert _opened(link, PLENTY).settled(timeout=30)
    assert snapshot_file(version).exists() and snapshot_lock(version).exists()
    partial = version.with_name(f"{snapshot_file(version).name}.4242.tmp")  # a killed dump
    partial.write_bytes(b"")
    drop_version(version)
    assert not snapshot_file(version).exists() and not snapshot_lock(version).exists()
    assert not partial.exists()


def test_copy_of_the_real_graph_answers_every_competency_question_alike(
    built_settings: Settings, tmp_path: Path
) -> None:
    version = tmp_path / "v"
    ox.Store.read_only(str(built_settings.store_dir.resolve())).backup(str(version))
    disk = ox.Store.read_only(str(version))
    copy = load_copy(disk, version, len(disk))
    assert len(copy) == len(disk)
    assert set(copy.named_graphs()) == set(disk.named_graphs())
    queries = sorted((PROJECT_ROOT / "data" / "queries").glob("cq*.rq"))
    assert len(queries) == 12
    for path in queries:
        answers = [_rows(store, path.read_text(encoding="utf-8")) for store in (disk, copy)]
        assert answers[0] == answers[1], path.name
        assert answers[0], f"{path.name} has rows to compare"


def _rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    """Rows in a comparable form: GROUP_CONCAT lists in any order, rows of equal keys too."""
    result = store.query(query, use_default_graph_as_union=True)
    text = result.serialize(format=ox.QueryResultsFormat.CSV).decode()
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return sorted(tuple(" | ".join(sorted(cell.split(" | "))) for cell in row) for row in rows)

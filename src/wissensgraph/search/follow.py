"""Following writes: the index of an earlier store version, brought up to date case by case.

A curator's write changes a few case studies and records which (``store_versions``). Reading
every document again, re-hashing every passage and re-tokenising every text for that took minutes
at 100,000 case studies, while searches waited. When an unbroken chain of change records leads
from the version the saved index was derived from to the current one, only the case studies they
name are read from the graph; every other document keeps its passages, vectors and term counts. The
result is the index a full build would make (same documents in the same order, same vectors, same
BM25 scores); anything that could make it differ (a build, a missing record, other settings,
changed concept labels, an index saved without term counts) leaves it to the full path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from wissensgraph.config import Settings
from wissensgraph.documents import (
    Concept,
    SearchDocument,
    document_line,
    load_concepts,
    load_documents,
)
from wissensgraph.errors import StoreError
from wissensgraph.search.encoder import Encoder, get_encoder
from wissensgraph.search.index import (
    SearchIndex,
    built_manifest,
    load_index,
    matches_settings,
    read_manifest,
    save_index,
)
from wissensgraph.search.passages import (
    LazyDocuments,
    PassageList,
    concepts_fingerprint,
    document_lines,
    passage_hash,
)
from wissensgraph.search.vectors import VectorIndex
from wissensgraph.store.graph import KnowledgeGraph
from wissensgraph.store.versions import changed_since

T = TypeVar("T")


def follow(
    settings: Settings, graph: KnowledgeGraph, version: str | None
) -> tuple[SearchIndex, int] | None:
    """The saved index brought up to ``graph`` (store ``version``) and saved, with the number of
    changed case studies; None if it cannot be followed and must be built from all documents."""
    if graph.location is None or version is None:
        return None
    folder = settings.index_dir
    found = read_manifest(folder)
    ancestor = found.get("store_folder")
    if not isinstance(ancestor, str) or not matches_settings(found, settings):
        return None
    changed = changed_since(ancestor, graph.location)
    if changed is None:
        return None
    concepts = load_concepts(graph)  # a few hundred rows; labels feed every keyword document
    if concepts_fingerprint(concepts) != found.get("concepts"):
        return None
    try:
        previous = load_index(folder)
    except StoreError:
        return None
    encoder = get_encoder(settings.search_model, settings.model_dir)
    iris = previous.table.iris
    if (
        previous.manifest.get("store_folder") != ancestor  # swapped since the manifest was read
        or any(a >= b for a, b in zip(iris, iris[1:], strict=False))  # not in IRI order
        or not previous.lexical.updatable
        or previous.vectors.dimension != encoder.dimension
        or previous.manifest.get("model") != encoder.name
    ):
        return None
    try:
        fresh = load_documents(graph, sorted(changed))
    except ValueError:  # a recorded name that cannot be an IRI: read everything
        return None
    index = updated_index(
        previous,
        changed,
        fresh,
        concepts,
        encoder,
        settings,
        store=version,
        store_folder=graph.location.name,
    )
    save_index(index, folder)
    return index, len(changed)


def updated_index(
    previous: SearchIndex,
    changed: set[str],
    fresh: Sequence[SearchDocument],
    concepts: dict[str, Concept],
    encoder: Encoder,
    settings: Settings,
    *,
    store: str | None,
    store_folder: str | None,
) -> SearchIndex:
    """``previous`` without the documents of ``changed`` and with ``fresh`` (the changed ones
    that still exist), in IRI order as the graph gives them (``previous`` must be in IRI order);
    only ``fresh`` documents whose embedded text changed are encoded. Unchanged documents are
    copied as runs (slices of arrays, lists and saved lines), never one by one."""
    old_iris = previous.table.iris
    old_passages = previous.passage_list
    bounds = np.searchsorted(old_passages.owners, np.arange(len(old_iris) + 1))
    fresh = sorted(fresh, key=lambda d: d.iri)
    removed = [i for i, iri in enumerate(old_iris) if iri in changed]
    kept = np.delete(np.arange(len(old_iris), dtype=np.int64), removed)
    kept_iris = np.delete(np.array(old_iris, dtype=object), removed)
    # per document of the new index: its old number, or -1 - i for fresh[i]
    slots = np.searchsorted(kept_iris, np.array([d.iri for d in fresh], dtype=object))
    order = np.insert(kept, slots, -1 - np.arange(len(fresh), dtype=np.int64))
    runs = _runs(order)

    pieces = [d.passages() for d in fresh]
    fresh_hashes = [passage_hash(d) for d in fresh]
    old_vectors = previous.vectors.stored()
    before = {old_iris[i]: i for i in removed}
    fresh_vectors: list[np.ndarray] = []
    to_encode: list[str] = []
    encoded_documents = 0
    for document, digest, piece in zip(fresh, fresh_hashes, pieces, strict=True):
        old = before.get(document.iri)
        if old is not None and previous.hashes[old] == digest:  # same text: same vectors
            fresh_vectors.append(np.array(old_vectors[bounds[old] : bounds[old + 1]]))
        else:
            fresh_vectors.append(np.empty((0, encoder.dimension), dtype=np.float32))
            to_encode.extend(text for _, text in piece)
            encoded_documents += 1
    if to_encode:
        encoded = iter(encoder.encode(to_encode))
        for number, piece in enumerate(pieces):
            if len(fresh_vectors[number]) != len(piece):
                fresh_vectors[number] = np.array([next(encoded) for _ in piece], np.float32)
    fresh_doc_vectors = [_document_vector(v, encoder.dimension) for v in fresh_vectors]

    def rows(run: tuple[int, int]) -> slice:
        return slice(int(bounds[run[0]]), int(bounds[run[1]]))

    counts = np.diff(bounds)
    sizes = np.concatenate(
        [counts[r[0] : r[1]] if isinstance(r, tuple) else [len(pieces[r])] for r in runs]
    ).astype(np.int64)
    vectors = _joined(
        [old_vectors[rows(r)] if isinstance(r, tuple) else fresh_vectors[r] for r in runs],
        encoder.dimension,
    )
    doc_vectors = _joined(
        [
            previous.doc_vectors[r[0] : r[1]] if isinstance(r, tuple) else fresh_doc_vectors[r]
            for r in runs
        ],
        encoder.dimension,
    )
    langs = _spliced(
        runs, lambda r: old_passages.langs[rows(r)], lambda i: [g for g, _ in pieces[i]]
    )
    texts = _spliced(
        runs, lambda r: old_passages.texts[rows(r)], lambda i: [t for _, t in pieces[i]]
    )
    hashes = _spliced(runs, lambda r: previous.hashes[r[0] : r[1]], lambda i: [fresh_hashes[i]])
    old_lines = document_lines(previous.documents)
    lines = _spliced(runs, lambda r: old_lines[r[0] : r[1]], lambda i: [document_line(fresh[i])])
    documents = LazyDocuments(None, len(lines), lines)

    fresh_texts = [d.lexical_text(concepts) for d in fresh]
    lexical = previous.lexical.updated(
        _spliced(runs, lambda r: list(range(r[0], r[1])), lambda i: [fresh_texts[i]])
    )
    manifest = built_manifest(
        settings,
        encoder,
        documents,
        concepts,
        store,
        store_folder,
        passages=len(texts),
        encoded_documents=encoded_documents,
    )
    return SearchIndex(
        documents=documents,
        concepts=concepts,
        passages=PassageList(np.repeat(np.arange(len(order), dtype=np.int64), sizes), langs, texts),
        vectors=VectorIndex.build(vectors, settings.search_index),
        doc_vectors=doc_vectors,
        lexical=lexical,
        manifest=manifest,
        table=previous.table.updated(order, fresh),
        hashes=hashes,
    )


Run = tuple[int, int] | int


def _runs(order: np.ndarray) -> list[Run]:
    """``order`` (old numbers, or -1 - i for fresh document i) as runs of consecutive old
    numbers ``(first, stop)`` and single fresh documents ``i``."""
    if not len(order):
        return []
    step = np.diff(order) != 1
    breaks = np.flatnonzero(step | (order[1:] < 0) | (order[:-1] < 0)) + 1
    runs: list[Run] = []
    for first, stop in zip([0, *breaks.tolist()], [*breaks.tolist(), len(order)], strict=True):
        if order[first] >= 0:
            runs.append((int(order[first]), int(order[stop - 1]) + 1))
        else:
            runs.extend(int(-1 - f) for f in order[first:stop].tolist())
    return runs


def _spliced(
    runs: list[Run],
    old: Callable[[tuple[int, int]], Sequence[T]],
    new: Callable[[int], Sequence[T]],
) -> list[T]:
    """The items of each run in order: ``old(run)`` for a run of old documents, ``new(i)`` for
    fresh document i."""
    out: list[T] = []
    for run in runs:
        out.extend(old(run) if isinstance(run, tuple) else new(run))
    return out


def _joined(parts: list[np.ndarray], dimension: int) -> np.ndarray:
    """Rows of float32 arrays one after another, copied once."""
    if not parts:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)


def _document_vector(vectors: np.ndarray, dimension: int) -> np.ndarray:
    """The normalised sum of a document's passage vectors, added row by row as a build adds."""
    total = np.zeros((1, dimension), dtype=np.float32)
    np.add.at(total, np.zeros(len(vectors), dtype=np.int64), vectors)
    norm = np.linalg.norm(total, axis=1, keepdims=True)
    return total / np.where(norm == 0, 1, norm)

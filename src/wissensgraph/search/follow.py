"""Following writes: the index of an earlier store version, brought up to date case by case.

A curator's write changes a few case studies and records which (``store_versions``). Reading
every document again, re-hashing every passage and re-tokenising every text for that took minutes
at 100,000 case studies, while searches waited. When an unbroken chain of change records leads
from the version the saved index was derived from to the current one, only the case studies they
name are read from the graph; every other document keeps its passages, vectors and tokens. The
result is the index a full build would make (same documents in the same order, same vectors, same
BM25 scores); anything that could make it differ (a build, a missing record, other settings,
changed concept labels, an index saved without token numbers) leaves it to the full path.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Sequence

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
from wissensgraph.graph import KnowledgeGraph
from wissensgraph.search.encoder import Encoder, get_encoder
from wissensgraph.search.index import (
    LazyDocuments,
    PassageList,
    SearchIndex,
    concepts_fingerprint,
    document_lines,
    load_index,
    manifest_for,
    matches_settings,
    passage_hash,
    read_manifest,
    save_index,
)
from wissensgraph.search.vectors import VectorIndex
from wissensgraph.store_versions import changed_since


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
    encoder = get_encoder(settings.search_model)
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
    moved as arrays and saved lines, never as Python objects one by one."""
    old_iris = previous.table.iris
    old_passages = previous.passage_list
    old_bounds = np.searchsorted(old_passages.owners, np.arange(len(old_iris) + 1))
    fresh = sorted(fresh, key=lambda d: d.iri)
    removed = np.array([iri in changed for iri in old_iris], dtype=bool)
    kept = np.flatnonzero(~removed)
    kept_iris = [old_iris[i] for i in kept.tolist()]
    # per document of the new index: its old number, or -1 - i for fresh[i]
    slots = [bisect.bisect_left(kept_iris, d.iri) for d in fresh]
    order = np.insert(kept, slots, -1 - np.arange(len(fresh), dtype=np.int64))
    is_old = order >= 0
    old_numbers = order[is_old]
    fresh_numbers = np.flatnonzero(~is_old)  # where fresh[0], fresh[1], ... went

    pieces = [d.passages() for d in fresh]
    counts = np.empty(len(order), dtype=np.int64)
    counts[is_old] = np.diff(old_bounds)[old_numbers]
    counts[~is_old] = [len(p) for p in pieces]
    owners = np.repeat(np.arange(len(order), dtype=np.int64), counts)
    row_is_old = is_old[owners]
    old_rows = _rows(old_bounds, old_numbers)
    fresh_rows = np.flatnonzero(~row_is_old)
    langs = _placed(old_passages.langs, old_rows, row_is_old, [g for p in pieces for g, _ in p])
    texts = _placed(old_passages.texts, old_rows, row_is_old, [t for p in pieces for _, t in p])

    # vectors: old documents keep theirs; a fresh one whose embedded text is unchanged takes its
    # old vectors, any other is encoded
    old_vectors = previous.vectors.all_vectors()
    vectors = np.empty((len(texts), encoder.dimension), dtype=np.float32)
    vectors[row_is_old] = old_vectors[old_rows]
    fresh_hashes = [passage_hash(d) for d in fresh]
    hashes = _placed(previous.hashes, old_numbers, is_old, fresh_hashes)
    before = {old_iris[i]: i for i in np.flatnonzero(removed).tolist()}
    starts = np.concatenate([[0], np.cumsum(counts)])
    encode: list[int] = []
    encoded_documents = 0
    for document, number, digest in zip(fresh, fresh_numbers.tolist(), fresh_hashes, strict=True):
        first, stop = int(starts[number]), int(starts[number + 1])
        old = before.get(document.iri)
        if old is not None and previous.hashes[old] == digest:
            vectors[first:stop] = old_vectors[old_bounds[old] : old_bounds[old] + stop - first]
        else:
            encode.extend(range(first, stop))
            encoded_documents += 1
    if encode:
        vectors[encode] = encoder.encode([texts[r] for r in encode])

    # document vectors: the mean of a document's passage vectors, normalised, as a build makes it
    doc_vectors = np.zeros((len(order), encoder.dimension), dtype=np.float32)
    doc_vectors[is_old] = np.asarray(previous.doc_vectors)[old_numbers]
    if len(fresh_rows):
        np.add.at(doc_vectors, owners[fresh_rows], vectors[fresh_rows])
        norms = np.linalg.norm(doc_vectors[fresh_numbers], axis=1, keepdims=True)
        doc_vectors[fresh_numbers] /= np.where(norms == 0, 1, norms)

    positions = order.tolist()
    fresh_texts = [d.lexical_text(concepts) for d in fresh]
    lexical = previous.lexical.updated([i if i >= 0 else fresh_texts[-1 - i] for i in positions])
    old_lines = document_lines(previous.documents)
    fresh_lines = [document_line(d) for d in fresh]
    lines = [old_lines[i] if i >= 0 else fresh_lines[-1 - i] for i in positions]
    documents = LazyDocuments(None, len(lines), lines)
    manifest = manifest_for(settings, encoder, documents, concepts, store, store_folder)
    manifest["passages"] = len(texts)
    manifest["encoded_documents"] = encoded_documents
    manifest["build"] = uuid.uuid4().hex
    return SearchIndex(
        documents=documents,
        concepts=concepts,
        passages=PassageList(owners, langs, texts),
        vectors=VectorIndex.build(vectors, settings.search_index),
        doc_vectors=doc_vectors,
        lexical=lexical,
        manifest=manifest,
        table=previous.table.updated(order, fresh),
        hashes=hashes,
    )


def _placed(old: list[str], picked: np.ndarray, is_old: np.ndarray, new: list[str]) -> list[str]:
    """A list with ``old[picked]`` where ``is_old`` is set and ``new`` elsewhere, in order."""
    out = np.empty(len(is_old), dtype=object)
    out[is_old] = np.array(old, dtype=object)[picked]
    out[~is_old] = np.array(new, dtype=object)
    result: list[str] = out.tolist()
    return result


def _rows(bounds: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """The passage rows of documents ``numbers``, in that order (``bounds``: first row of each
    document, and the row count at the end)."""
    if not len(numbers):
        return np.zeros(0, dtype=np.int64)
    first, stop = bounds[numbers], bounds[numbers + 1]
    counts = stop - first
    offsets = np.repeat(first - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return np.arange(int(counts.sum()), dtype=np.int64) + offsets

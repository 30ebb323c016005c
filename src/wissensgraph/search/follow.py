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

import uuid
from collections.abc import Sequence

import numpy as np

from wissensgraph.config import Settings
from wissensgraph.documents import Concept, SearchDocument, load_concepts, load_documents
from wissensgraph.errors import StoreError
from wissensgraph.graph import KnowledgeGraph
from wissensgraph.search.encoder import Encoder, get_encoder
from wissensgraph.search.index import (
    PassageList,
    SearchIndex,
    concepts_fingerprint,
    load_index,
    manifest_for,
    matches_settings,
    passage_hash,
    read_manifest,
    save_index,
)
from wissensgraph.search.table import DocumentTable
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
    if (
        previous.manifest.get("store_folder") != ancestor  # swapped since the manifest was read
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
    that still exist), in IRI order as the graph gives them; only ``fresh`` documents whose
    embedded text changed are encoded."""
    old_iris = previous.table.iris
    old_passages = previous.passage_list
    old_bounds = np.searchsorted(old_passages.owners, np.arange(len(old_iris) + 1))
    # every document, in IRI order: an old one by its number, a fresh one as itself
    fresh = sorted(fresh, key=lambda d: d.iri)
    kept: list[tuple[str, int | SearchDocument]] = [
        (iri, number) for number, iri in enumerate(old_iris) if iri not in changed
    ]
    sources = [source for _, source in sorted(kept + [(d.iri, d) for d in fresh])]
    is_old = np.array([isinstance(s, int) for s in sources], dtype=bool)

    old_documents = previous.documents
    documents = [old_documents[s] if isinstance(s, int) else s for s in sources]
    pieces = {d.iri: d.passages() for d in fresh}
    counts = np.array(
        [
            old_bounds[s + 1] - old_bounds[s] if isinstance(s, int) else len(pieces[s.iri])
            for s in sources
        ],
        dtype=np.int64,
    )
    owners = np.repeat(np.arange(len(sources), dtype=np.int64), counts)
    langs: list[str] = []
    texts: list[str] = []
    for source in sources:
        if isinstance(source, int):
            first, stop = int(old_bounds[source]), int(old_bounds[source + 1])
            langs.extend(old_passages.langs[first:stop])
            texts.extend(old_passages.texts[first:stop])
        else:
            langs.extend(lang for lang, _ in pieces[source.iri])
            texts.extend(text for _, text in pieces[source.iri])

    # vectors: old documents keep theirs; a fresh one whose embedded text is unchanged takes its
    # old vectors, any other is encoded
    old_vectors = previous.vectors.all_vectors()
    vectors = np.empty((len(texts), encoder.dimension), dtype=np.float32)
    row_is_old = is_old[owners]
    old_numbers = np.array([s for s in sources if isinstance(s, int)], dtype=np.int64)
    vectors[row_is_old] = old_vectors[_rows(old_bounds, old_numbers)]
    hashes = [previous.hashes[s] if isinstance(s, int) else passage_hash(s) for s in sources]
    before = {iri: number for number, iri in enumerate(old_iris) if iri in changed}
    encode: list[int] = []
    encoded_documents = 0
    starts = np.concatenate([[0], np.cumsum(counts)])
    for number in np.flatnonzero(~is_old).tolist():
        document = sources[number]
        assert not isinstance(document, int)
        rows = range(int(starts[number]), int(starts[number + 1]))
        old = before.get(document.iri)
        if old is not None and previous.hashes[old] == hashes[number]:
            first = int(old_bounds[old])
            vectors[rows.start : rows.stop] = old_vectors[first : first + len(rows)]
        else:
            encode.extend(rows)
            encoded_documents += 1
    if encode:
        vectors[encode] = encoder.encode([texts[r] for r in encode])

    # document vectors: the mean of a document's passage vectors, normalised, as a build makes it
    doc_vectors = np.zeros((len(sources), encoder.dimension), dtype=np.float32)
    doc_vectors[is_old] = np.asarray(previous.doc_vectors)[old_numbers]
    fresh_rows = np.flatnonzero(~row_is_old)
    if len(fresh_rows):
        np.add.at(doc_vectors, owners[fresh_rows], vectors[fresh_rows])
        fresh_numbers = np.flatnonzero(~is_old)
        norms = np.linalg.norm(doc_vectors[fresh_numbers], axis=1, keepdims=True)
        doc_vectors[fresh_numbers] /= np.where(norms == 0, 1, norms)

    lexical = previous.lexical.updated(
        [s if isinstance(s, int) else s.lexical_text(concepts) for s in sources]
    )
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
        table=DocumentTable.from_documents(documents),
        hashes=hashes,
    )


def _rows(bounds: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """The passage rows of documents ``numbers``, in that order (``bounds``: first row of each
    document, and the row count at the end)."""
    if not len(numbers):
        return np.zeros(0, dtype=np.int64)
    first, stop = bounds[numbers], bounds[numbers + 1]
    counts = stop - first
    offsets = np.repeat(first - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return np.arange(int(counts.sum()), dtype=np.int64) + offsets

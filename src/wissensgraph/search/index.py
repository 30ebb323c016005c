"""The search index: built from the graph's documents, saved as plain files, never served stale.

Files (no pickle): ``index.faiss`` (passage vectors), ``passage_docs.npy`` and ``passages.json``
(passage -> document, language, text), ``documents.json``, ``hashes.json`` (what each document
embeds, hashed), ``table.json``/``table.npz`` (columns a query needs), ``concepts.json``,
``doc_vectors.npy`` (for "more like this"), ``bm25/`` and ``manifest.json`` (model, dimension,
index kind, fingerprints of documents and concepts, the store version it was derived from).

Whether a saved index may be served, and how it is brought up to date, is ``freshness``'s job.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from wissensgraph import __version__
from wissensgraph.config import Settings
from wissensgraph.documents import (
    Concept,
    SearchDocument,
    fingerprint_of_lines,
)
from wissensgraph.errors import StoreError
from wissensgraph.search.encoder import Encoder
from wissensgraph.search.lexical import LexicalIndex
from wissensgraph.search.passages import (
    LazyDocuments,
    Passage,
    PassageList,
    _documents_file,
    concepts_fingerprint,
    document_lines,
    passage_hash,
)
from wissensgraph.search.table import DocumentTable
from wissensgraph.search.vectors import VectorIndex

FORMAT_VERSION = 2
#: Manifest entries that must equal the settings and code for an index to be usable at all.
_SETTINGS_KEYS = ("format", "model", "index", "wissensgraph")
#: Manifest entries that name the store version the index was derived from.
_VERSION_KEYS = ("store", "store_folder")


@dataclass
class SearchIndex:
    """Everything a search needs in memory."""

    documents: Sequence[SearchDocument]
    concepts: dict[str, Concept]
    passages: Sequence[Passage]
    vectors: VectorIndex
    doc_vectors: np.ndarray
    lexical: LexicalIndex
    manifest: dict[str, object]
    table: DocumentTable
    hashes: list[str]

    def __post_init__(self) -> None:
        self.passages = PassageList.of(self.passages)

    @property
    def passage_list(self) -> PassageList:
        """The passages with their columns (always a PassageList after construction)."""
        assert isinstance(self.passages, PassageList)
        return self.passages


def manifest_for(
    settings: Settings,
    encoder: Encoder,
    documents: Sequence[SearchDocument],
    concepts: dict[str, Concept],
    store: str | None,
    store_folder: str | None = None,
) -> dict[str, object]:
    """What an index of ``documents`` says about itself; ``store`` identifies the store version
    (see ``store_version``), ``store_folder`` names its folder, where writes' change records
    start (see ``store_versions.changed_since``)."""
    return {
        "format": FORMAT_VERSION,
        "model": encoder.name,
        "dimension": encoder.dimension,
        "index": settings.search_index,
        "fingerprint": fingerprint_of_lines(document_lines(documents)),
        "concepts": concepts_fingerprint(concepts),
        "documents": len(documents),
        "wissensgraph": __version__,
        "store": store,
        "store_folder": store_folder,
    }


def built_manifest(
    settings: Settings,
    encoder: Encoder,
    documents: Sequence[SearchDocument],
    concepts: dict[str, Concept],
    store: str | None,
    store_folder: str | None,
    *,
    passages: int,
    encoded_documents: int,
) -> dict[str, object]:
    """The manifest of a newly made index: what it is derived from, plus what making it did and
    a build id that tells readers a swapped folder from the one they started reading."""
    manifest = manifest_for(settings, encoder, documents, concepts, store, store_folder)
    manifest["passages"] = passages
    manifest["encoded_documents"] = encoded_documents
    manifest["build"] = uuid.uuid4().hex
    return manifest


def _reusable(previous: SearchIndex | None, encoder: Encoder) -> dict[str, tuple[int, int]]:
    """Passage hash -> (first row, row count) of the previous index, if its vectors fit."""
    if previous is None or previous.vectors.dimension != encoder.dimension:
        return {}
    if previous.manifest.get("model") != encoder.name:
        return {}
    passages = previous.passage_list
    bounds = np.searchsorted(passages.owners, np.arange(len(previous.hashes) + 1))
    return {
        h: (int(bounds[i]), int(bounds[i + 1] - bounds[i])) for i, h in enumerate(previous.hashes)
    }


def build_index(
    documents: list[SearchDocument],
    concepts: dict[str, Concept],
    encoder: Encoder,
    settings: Settings,
    *,
    progress: bool = False,
    previous: SearchIndex | None = None,
    store: str | None = None,
    store_folder: str | None = None,
) -> SearchIndex:
    """Embed every passage and index every document's words.

    With a ``previous`` index of the same model, passages of documents whose embedded text is
    unchanged take their vectors from it, so a write of one case study encodes one case study.
    """
    pieces = [doc.passages() for doc in documents]
    passages = PassageList(
        np.repeat(np.arange(len(documents), dtype=np.int64), [len(p) for p in pieces]),
        [lang for p in pieces for lang, _ in p],
        [text for p in pieces for _, text in p],
    )
    hashes = [passage_hash(d) for d in documents]
    reusable = _reusable(previous, encoder)
    vectors = np.empty((len(passages), encoder.dimension), dtype=np.float32)
    reused: list[int] = []  # rows of this index whose vectors are taken ...
    reused_from: list[int] = []  # ... from these rows of the previous one
    encode: list[int] = []
    encoded_documents = 0
    row = 0
    for doc_hash, piece in zip(hashes, pieces, strict=True):
        rows = range(row, row + len(piece))
        found = reusable.get(doc_hash)
        if found is not None and found[1] == len(piece):
            reused.extend(rows)
            reused_from.extend(range(found[0], found[0] + found[1]))
        else:
            encode.extend(rows)
            encoded_documents += 1
        row += len(piece)
    if reused:
        assert previous is not None
        vectors[reused] = previous.vectors.vectors(np.array(reused_from, dtype=np.int64))
    if encode:
        vectors[encode] = encoder.encode([passages.texts[r] for r in encode], progress=progress)
    doc_vectors = np.zeros((len(documents), encoder.dimension), dtype=np.float32)
    if len(passages):
        np.add.at(doc_vectors, passages.owners, vectors)
    norms = np.linalg.norm(doc_vectors, axis=1, keepdims=True)
    doc_vectors /= np.where(norms == 0, 1, norms)
    manifest = built_manifest(
        settings,
        encoder,
        documents,
        concepts,
        store,
        store_folder,
        passages=len(passages),
        encoded_documents=encoded_documents,
    )
    return SearchIndex(
        documents=documents,
        concepts=concepts,
        passages=passages,
        vectors=VectorIndex.build(vectors, settings.search_index),
        doc_vectors=doc_vectors,
        lexical=LexicalIndex.build([d.lexical_text(concepts) for d in documents]),
        manifest=manifest,
        table=DocumentTable.from_documents(documents),
        hashes=hashes,
    )


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def save_index(index: SearchIndex, folder: Path) -> None:
    """Write all files into a new folder, then swap it in, so a reader never sees half an index."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    index.manifest.setdefault("build", uuid.uuid4().hex)
    passages = index.passage_list
    index.vectors.save(staging / "index.faiss")
    np.save(staging / "doc_vectors.npy", np.asarray(index.doc_vectors), allow_pickle=False)
    np.save(staging / "passage_docs.npy", passages.owners, allow_pickle=False)
    index.lexical.save(staging / "bm25")
    _write_json(staging / "passages.json", {"lang": passages.langs, "text": passages.texts})
    (staging / "documents.json").write_bytes(_documents_file(document_lines(index.documents)))
    _write_json(staging / "hashes.json", index.hashes)
    _write_json(staging / "concepts.json", [asdict(c) for c in index.concepts.values()])
    index.table.save(staging)
    (staging / "manifest.json").write_text(json.dumps(index.manifest, indent=2), encoding="utf-8")
    old = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> dict[str, object]:
    """The manifest of the index in ``folder``; empty if there is none or it is unreadable."""
    try:
        found = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _load_once(folder: Path) -> SearchIndex:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(f"Format {manifest.get('format')} statt {FORMAT_VERSION}")
    concepts = {
        c["iri"]: Concept(**c)
        for c in json.loads((folder / "concepts.json").read_text(encoding="utf-8"))
    }
    columns = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
    passages = PassageList(
        np.load(folder / "passage_docs.npy", allow_pickle=False), columns["lang"], columns["text"]
    )
    table = DocumentTable.load(folder)
    documents = LazyDocuments((folder / "documents.json").open("rb"), len(table))
    return SearchIndex(
        documents=documents,
        concepts=concepts,
        passages=passages,
        vectors=VectorIndex.load(folder / "index.faiss"),
        doc_vectors=np.load(folder / "doc_vectors.npy", mmap_mode="r", allow_pickle=False),
        lexical=LexicalIndex.load(folder / "bm25"),
        manifest=manifest,
        table=table,
        hashes=json.loads((folder / "hashes.json").read_text(encoding="utf-8")),
    )


def load_index(folder: Path) -> SearchIndex:
    """Read a saved index; raises StoreError if a file is missing or unreadable.

    Reads again if another process swapped in a newer index while this one was being read, so
    the files always come from one build.
    """
    for _ in range(3):
        try:
            index = _load_once(folder)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"Suchindex unter {folder} ist unvollständig: {exc}") from exc
        if read_manifest(folder).get("build") == index.manifest.get("build"):
            return index
    raise StoreError(f"Suchindex unter {folder} wird gerade neu geschrieben; bitte später erneut.")


def matches_settings(found: dict[str, object], settings: Settings) -> bool:
    """Whether a manifest was written for these settings and this code at all."""
    expected = {
        "format": FORMAT_VERSION,
        "model": settings.search_model,
        "index": settings.search_index,
        "wissensgraph": __version__,
    }
    return all(found.get(key) == expected[key] for key in _SETTINGS_KEYS)

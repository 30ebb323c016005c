"""The search index: built from the graph's documents, saved as plain files, never served stale.

Files (no pickle): ``index.faiss`` (passage vectors), ``passages.jsonl`` (passage -> document),
``documents.json``, ``concepts.json``, ``doc_vectors.npy`` (for "more like this"), ``bm25/`` and
``manifest.json`` (model, dimension, index kind, data fingerprint, version). A manifest that does
not match the graph and settings means the index is rebuilt.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from wissensgraph import __version__
from wissensgraph.config import Settings
from wissensgraph.documents import (
    Concept,
    SearchDocument,
    fingerprint,
    load_concepts,
    load_documents,
)
from wissensgraph.errors import StoreError
from wissensgraph.graph import KnowledgeGraph
from wissensgraph.search.encoder import Encoder, get_encoder
from wissensgraph.search.lexical import LexicalIndex
from wissensgraph.search.vectors import VectorIndex

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Passage:
    """A piece of a document that is embedded on its own."""

    doc: int
    lang: str
    text: str


@dataclass
class SearchIndex:
    """Everything a search needs in memory."""

    documents: list[SearchDocument]
    concepts: dict[str, Concept]
    passages: list[Passage]
    vectors: VectorIndex
    doc_vectors: np.ndarray
    lexical: LexicalIndex
    manifest: dict[str, object]


def _manifest(
    settings: Settings, encoder: Encoder, documents: list[SearchDocument]
) -> dict[str, object]:
    return {
        "format": FORMAT_VERSION,
        "model": encoder.name,
        "dimension": encoder.dimension,
        "index": settings.search_index,
        "fingerprint": fingerprint(documents),
        "documents": len(documents),
        "wissensgraph": __version__,
    }


def build_index(
    documents: list[SearchDocument],
    concepts: dict[str, Concept],
    encoder: Encoder,
    settings: Settings,
    *,
    progress: bool = False,
) -> SearchIndex:
    """Embed every passage and index every document's words."""
    passages = [
        Passage(i, lang, text) for i, doc in enumerate(documents) for lang, text in doc.passages()
    ]
    vectors = encoder.encode([p.text for p in passages], progress=progress)
    owners = np.array([p.doc for p in passages], dtype=np.int64)
    doc_vectors = np.zeros((len(documents), encoder.dimension), dtype=np.float32)
    np.add.at(doc_vectors, owners, vectors)
    norms = np.linalg.norm(doc_vectors, axis=1, keepdims=True)
    doc_vectors /= np.where(norms == 0, 1, norms)
    manifest = _manifest(settings, encoder, documents)
    manifest["passages"] = len(passages)
    return SearchIndex(
        documents=documents,
        concepts=concepts,
        passages=passages,
        vectors=VectorIndex.build(vectors, settings.search_index),
        doc_vectors=doc_vectors,
        lexical=LexicalIndex.build([d.lexical_text(concepts) for d in documents]),
        manifest=manifest,
    )


def save_index(index: SearchIndex, folder: Path) -> None:
    """Write all files into a new folder, then swap it in, so a reader never sees half an index."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    index.vectors.save(staging / "index.faiss")
    np.save(staging / "doc_vectors.npy", index.doc_vectors, allow_pickle=False)
    index.lexical.save(staging / "bm25")
    with (staging / "passages.jsonl").open("w", encoding="utf-8") as out:
        for passage in index.passages:
            out.write(json.dumps(asdict(passage), ensure_ascii=False) + "\n")
    (staging / "documents.json").write_text(
        json.dumps([asdict(d) for d in index.documents], ensure_ascii=False), encoding="utf-8"
    )
    (staging / "concepts.json").write_text(
        json.dumps([asdict(c) for c in index.concepts.values()], ensure_ascii=False),
        encoding="utf-8",
    )
    (staging / "manifest.json").write_text(json.dumps(index.manifest, indent=2), encoding="utf-8")
    old = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def load_index(folder: Path) -> SearchIndex:
    """Read a saved index; raises StoreError if a file is missing or unreadable."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        documents = [
            SearchDocument(**d)
            for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        ]
        concepts = {
            c["iri"]: Concept(**c)
            for c in json.loads((folder / "concepts.json").read_text(encoding="utf-8"))
        }
        with (folder / "passages.jsonl").open(encoding="utf-8") as lines:
            passages = [Passage(**json.loads(line)) for line in lines]
        return SearchIndex(
            documents=documents,
            concepts=concepts,
            passages=passages,
            vectors=VectorIndex.load(folder / "index.faiss"),
            doc_vectors=np.load(folder / "doc_vectors.npy", allow_pickle=False),
            lexical=LexicalIndex.load(folder / "bm25"),
            manifest=manifest,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"Suchindex unter {folder} ist unvollständig: {exc}") from exc


@dataclass(frozen=True)
class IndexStatus:
    """Whether the index on disk was reused or rebuilt, and how long that took."""

    rebuilt: bool
    reason: str
    seconds: float


def ensure_index(
    settings: Settings, graph: KnowledgeGraph, *, progress: bool = False
) -> tuple[SearchIndex, IndexStatus]:
    """The current index: loaded if its manifest matches the graph and settings, else rebuilt."""
    started = time.perf_counter()
    documents = load_documents(graph)
    encoder = get_encoder(settings.search_model)
    expected = _manifest(settings, encoder, documents)
    folder = settings.index_dir
    reason = "kein Index vorhanden"
    if (folder / "manifest.json").exists():
        try:
            found = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except ValueError:
            found = {}
        mismatched = [key for key, value in expected.items() if found.get(key) != value]
        if not mismatched:
            index = load_index(folder)
            return index, IndexStatus(False, "aktuell", time.perf_counter() - started)
        reason = "veraltet: " + ", ".join(mismatched)
    index = build_index(documents, load_concepts(graph), encoder, settings, progress=progress)
    save_index(index, folder)
    return index, IndexStatus(True, reason, time.perf_counter() - started)

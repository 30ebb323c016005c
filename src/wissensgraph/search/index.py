"""The search index: built from the graph's documents, saved as plain files, never served stale.

Files (no pickle): ``index.faiss`` (passage vectors), ``passage_docs.npy`` and ``passages.json``
(passage -> document, language, text), ``documents.json``, ``hashes.json`` (what each document
embeds, hashed), ``table.json``/``table.npz`` (columns a query needs), ``concepts.json``,
``doc_vectors.npy`` (for "more like this"), ``bm25/`` and ``manifest.json`` (model, dimension,
index kind, fingerprints of documents and concepts, the store version it was derived from).

A server start with an index derived from the store it is pointed at reads these files and asks
the graph nothing. When the store changed, the documents are read again; the index is kept if
their fingerprint is unchanged, else rebuilt, re-encoding only documents whose embedded text
changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO, overload

import numpy as np

from wissensgraph import __version__
from wissensgraph.config import Settings
from wissensgraph.documents import (
    Concept,
    SearchDocument,
    document_line,
    fingerprint_of_lines,
    load_concepts,
    load_documents,
)
from wissensgraph.errors import StoreError
from wissensgraph.graph import KnowledgeGraph
from wissensgraph.search.encoder import Encoder, get_encoder, preload
from wissensgraph.search.lexical import LexicalIndex
from wissensgraph.search.table import DocumentTable
from wissensgraph.search.vectors import VectorIndex

FORMAT_VERSION = 2
#: Manifest entries that must equal the settings and code for an index to be usable at all.
_SETTINGS_KEYS = ("format", "model", "index", "wissensgraph")
#: Manifest entries that name the store version the index was derived from.
_VERSION_KEYS = ("store", "store_folder")


@dataclass(frozen=True)
class Passage:
    """A piece of a document that is embedded on its own."""

    doc: int
    lang: str
    text: str


class PassageList(Sequence[Passage]):
    """All passages as columns; the owners array serves searches, ``Passage`` objects the rest."""

    def __init__(self, owners: np.ndarray, langs: list[str], texts: list[str]) -> None:
        self.owners = np.asarray(owners, dtype=np.int64)
        self.langs = langs
        self.texts = texts

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> PassageList:
        """Columns of a list of passages (a PassageList is returned as it is)."""
        if isinstance(passages, PassageList):
            return passages
        return cls(
            np.array([p.doc for p in passages], dtype=np.int64),
            [p.lang for p in passages],
            [p.text for p in passages],
        )

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, row: int) -> Passage: ...

    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...

    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        return Passage(int(self.owners[row]), self.langs[row], self.texts[row])

    def __iter__(self) -> Iterator[Passage]:
        for owner, lang, text in zip(self.owners.tolist(), self.langs, self.texts, strict=True):
            yield Passage(owner, lang, text)

    def rows_of(self, doc: int) -> range:
        """The rows of one document's passages (they are stored together, in document order)."""
        first, stop = np.searchsorted(self.owners, [doc, doc + 1])
        return range(int(first), int(stop))


class LazyDocuments(Sequence[SearchDocument]):
    """The documents of a saved index, parsed on first use: a search does not need them.

    The file is opened when the index is loaded, so a newer index saved in the same place later
    cannot be read in by mistake. Following a write needs only their lines (``lines``), which
    are split from the file without parsing it.
    """

    def __init__(
        self, source: BinaryIO | None, count: int, lines: list[bytes] | None = None
    ) -> None:
        self._source = source
        self._count = count
        self._lines = lines
        self._documents: list[SearchDocument] | None = None
        self._lock = threading.Lock()

    def _read(self) -> bytes:
        assert self._source is not None
        with self._source:
            raw = self._source.read()
        self._source = None
        return raw

    def _load(self) -> list[SearchDocument]:
        with self._lock:
            if self._documents is None:
                if self._lines is not None:
                    raw = json.loads(b"[" + b",".join(self._lines) + b"]")
                else:
                    raw = json.loads(self._read())
                self._documents = [SearchDocument(**d) for d in raw]
            return self._documents

    def lines(self) -> list[bytes]:
        """Each document's ``document_line``, in order."""
        with self._lock:
            if self._lines is None:
                if self._documents is None and self._source is not None:
                    raw = self._read()
                    self._lines = _split_documents_file(raw, self._count)
                    if self._lines is not None:
                        return self._lines
                    # an older index wrote them on one line: parse them once
                    self._documents = [SearchDocument(**d) for d in json.loads(raw)]
                assert self._documents is not None
                self._lines = [document_line(d) for d in self._documents]
            return self._lines

    def __del__(self) -> None:
        if self._source is not None:  # never needed: close the file quietly
            self._source.close()

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, i: int) -> SearchDocument: ...

    @overload
    def __getitem__(self, i: slice) -> list[SearchDocument]: ...

    def __getitem__(self, i: int | slice) -> SearchDocument | list[SearchDocument]:
        return self._load()[i]

    def __iter__(self) -> Iterator[SearchDocument]:
        return iter(self._load())


def document_lines(documents: Sequence[SearchDocument]) -> list[bytes]:
    """Each document's ``document_line``; a saved index's come from its file as they are."""
    if isinstance(documents, LazyDocuments):
        return documents.lines()
    return [document_line(d) for d in documents]


def _documents_file(lines: list[bytes]) -> bytes:
    """``documents.json``: a JSON list with one document per line."""
    return b"[\n" + b",\n".join(lines) + b"\n]\n"


def _split_documents_file(raw: bytes, count: int) -> list[bytes] | None:
    """The lines ``_documents_file`` joined, or None for a file written otherwise.

    JSON escapes line breaks inside strings, so a line break only ever ends a document.
    """
    if not (raw.startswith(b"[\n") and raw.endswith(b"\n]\n")):
        return None
    body = raw[2:-3]
    lines = body.split(b",\n") if body else []
    return lines if len(lines) == count else None


def passage_hash(document: SearchDocument) -> str:
    """A hash of what a document embeds: equal hashes mean its passage vectors can be reused."""
    payload = json.dumps(document.passages(), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def concepts_fingerprint(concepts: dict[str, Concept]) -> str:
    """A hash of every concept and label: they expand queries and feed the keyword index."""
    payload = json.dumps([asdict(c) for c in concepts.values()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
    table: DocumentTable = field(default=None)  # type: ignore[assignment]
    hashes: list[str] = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.passages = PassageList.of(self.passages)
        if self.table is None:
            self.table = DocumentTable.from_documents(self.documents)
        if self.hashes is None:
            self.hashes = [passage_hash(d) for d in self.documents]

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


def matches_settings(found: dict[str, object], settings: Settings) -> bool:
    """Whether a manifest was written for these settings and this code at all."""
    expected = {
        "format": FORMAT_VERSION,
        "model": settings.search_model,
        "index": settings.search_index,
        "wissensgraph": __version__,
    }
    return all(found.get(key) == expected[key] for key in _SETTINGS_KEYS)


def _fast_path(settings: Settings, version: str | None) -> SearchIndex | None:
    """The saved index if it was derived from exactly this store version, else None."""
    folder = settings.index_dir
    found = read_manifest(folder)
    if version is None or found.get("store") != version or not matches_settings(found, settings):
        return None
    try:
        index = load_index(folder)
    except StoreError:
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
    from wissensgraph.search.follow import follow  # it builds on this module

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
        encoded = int(index.manifest["encoded_documents"])  # type: ignore[call-overload]
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
    encoded = int(index.manifest["encoded_documents"])  # type: ignore[call-overload]
    return index, IndexStatus(True, reason, time.perf_counter() - started, encoded)

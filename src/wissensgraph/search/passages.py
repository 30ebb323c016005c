"""Passages and documents of a search index: what is embedded; the documents file read lazily."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import BinaryIO, overload

import numpy as np

from wissensgraph.documents import (
    Concept,
    SearchDocument,
    document_line,
)


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

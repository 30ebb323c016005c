"""What a query needs of every case study, as columns and inverted lists.

Built from the documents when the index is built and saved beside it, so a search never walks all
documents in Python (filters, concept matches and their rarity are array operations), and a server
start reads these small files instead of parsing every document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wissensgraph.documents import SearchDocument
from wissensgraph.namespaces import FS

#: The facets of a document that link it to concepts; "linked" is their union.
FACETS = ("fields", "nlc", "groups", "instruments", "region", "linked")
#: End year of a case study that is still running, for year filters.
OPEN_END = 9999


@dataclass
class Postings:
    """For each concept, the sorted document numbers linked to it through one facet."""

    concepts: dict[str, int]
    starts: np.ndarray
    documents: np.ndarray

    def documents_of(self, concept: str) -> np.ndarray:
        """Document numbers linked to ``concept`` (empty if none)."""
        position = self.concepts.get(concept)
        if position is None:
            return self.documents[:0]
        return self.documents[self.starts[position] : self.starts[position + 1]]

    def frequency(self, concept: str) -> int:
        """How many documents are linked to ``concept``."""
        return len(self.documents_of(concept))


def _values(document: SearchDocument, facet: str) -> list[str]:
    if facet == "region":
        return [document.region] if document.region else []
    if facet == "linked":
        return sorted(
            {*document.fields, *document.nlc, *document.groups, *document.instruments}
            | ({document.region} if document.region else set())
        )
    values: list[str] = getattr(document, facet)
    return sorted(set(values))


def _postings(documents: Sequence[SearchDocument], facet: str) -> Postings:
    lists: dict[str, list[int]] = {}
    for number, document in enumerate(documents):
        for value in _values(document, facet):
            lists.setdefault(value, []).append(number)
    concepts = sorted(lists)
    sizes = np.array([len(lists[c]) for c in concepts], dtype=np.int64)
    starts = np.zeros(len(concepts) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    flat = [n for c in concepts for n in lists[c]]
    return Postings({c: i for i, c in enumerate(concepts)}, starts, np.array(flat, dtype=np.int32))


def _entries(postings: Postings) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Concept names, and per entry its concept (position) and document."""
    names = list(postings.concepts)
    return names, np.repeat(np.arange(len(names)), np.diff(postings.starts)), postings.documents


def _merged(old: Postings, renumbered: np.ndarray, new: Postings, placed: np.ndarray) -> Postings:
    """Old lists with documents renumbered (-1: gone) and new documents' lists, as one, in the
    form ``_postings`` gives (concepts sorted, documents ascending, no empty lists)."""
    old_names, old_concepts, old_documents = _entries(old)
    new_names, new_concepts, new_documents = _entries(new)
    documents = np.concatenate([renumbered[old_documents], placed[new_documents]])
    names = sorted(set(old_names) | set(new_names))
    position = {name: i for i, name in enumerate(names)}
    concepts = np.concatenate(
        [
            np.array([position[n] for n in old_names], dtype=np.int64)[old_concepts],
            np.array([position[n] for n in new_names], dtype=np.int64)[new_concepts],
        ]
    )
    keep = documents >= 0
    documents, concepts = documents[keep], concepts[keep]
    order = np.lexsort((documents, concepts))
    documents, concepts = documents[order], concepts[order]
    sizes = np.bincount(concepts, minlength=len(names))
    used = sizes > 0
    starts = np.zeros(int(used.sum()) + 1, dtype=np.int64)
    np.cumsum(sizes[used], out=starts[1:])
    kept_names = [name for name, u in zip(names, used.tolist(), strict=True) if u]
    return Postings({c: i for i, c in enumerate(kept_names)}, starts, documents.astype(np.int32))


@dataclass
class DocumentTable:
    """Per document: IRI, titles, city and years; per facet: concept -> documents."""

    iris: list[str]
    titles_de: list[str]
    titles_en: list[str]
    cities: list[str]
    start: np.ndarray
    end: np.ndarray
    postings: dict[str, Postings]

    @classmethod
    def from_documents(cls, documents: Sequence[SearchDocument]) -> DocumentTable:
        """Columns and inverted lists of ``documents``, in their order."""
        return cls(
            iris=[d.iri for d in documents],
            titles_de=[d.title_de for d in documents],
            titles_en=[d.title_en for d in documents],
            cities=[d.city for d in documents],
            start=np.array([d.start for d in documents], dtype=np.int32),
            end=np.array(
                [d.end if d.end is not None else OPEN_END for d in documents], dtype=np.int32
            ),
            postings={facet: _postings(documents, facet) for facet in FACETS},
        )

    def __len__(self) -> int:
        return len(self.iris)

    def updated(self, order: np.ndarray, fresh: Sequence[SearchDocument]) -> DocumentTable:
        """The table of a new document order: ``order`` holds, per document, its old number, or
        -1 - i for ``fresh[i]``. Equals ``from_documents`` of those documents, without walking
        the unchanged ones in Python."""
        other = DocumentTable.from_documents(fresh)
        is_old = order >= 0
        old_numbers, fresh_numbers = order[is_old], -1 - order[~is_old]
        positions = order.tolist()

        def column(mine: list[str], theirs: list[str]) -> list[str]:
            return [mine[i] if i >= 0 else theirs[-1 - i] for i in positions]

        def numbers(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
            out = np.empty(len(order), dtype=mine.dtype)
            out[is_old], out[~is_old] = mine[old_numbers], theirs[fresh_numbers]
            return out

        renumbered = np.full(len(self), -1, dtype=np.int64)  # old number -> new number
        renumbered[old_numbers] = np.flatnonzero(is_old)
        placed = np.flatnonzero(~is_old)[np.argsort(fresh_numbers)]  # fresh[i] -> new number
        return DocumentTable(
            iris=column(self.iris, other.iris),
            titles_de=column(self.titles_de, other.titles_de),
            titles_en=column(self.titles_en, other.titles_en),
            cities=column(self.cities, other.cities),
            start=numbers(self.start, other.start),
            end=numbers(self.end, other.end),
            postings={
                facet: _merged(self.postings[facet], renumbered, other.postings[facet], placed)
                for facet in FACETS
            },
        )

    def slug(self, number: int) -> str:
        """The slug of a document, as ``SearchDocument.slug`` has it."""
        return self.iris[number].removeprefix(str(FS))

    def title(self, number: int, lang: str = "de") -> str:
        """Title in ``lang``, falling back to German, as ``SearchDocument.title`` has it."""
        english = self.titles_en[number]
        return english if lang == "en" and english else self.titles_de[number]

    def save(self, folder: Path) -> None:
        """Write ``table.json`` (texts and concept names) and ``table.npz`` (numbers)."""
        columns = {
            "iris": self.iris,
            "titles_de": self.titles_de,
            "titles_en": self.titles_en,
            "cities": self.cities,
            "concepts": {facet: list(p.concepts) for facet, p in self.postings.items()},
        }
        (folder / "table.json").write_text(json.dumps(columns, ensure_ascii=False), "utf-8")
        arrays = {"start": self.start, "end": self.end}
        for facet, postings in self.postings.items():
            arrays[f"{facet}_starts"] = postings.starts
            arrays[f"{facet}_documents"] = postings.documents
        with (folder / "table.npz").open("wb") as out:
            np.savez(out, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, folder: Path) -> DocumentTable:
        """Read what ``save`` wrote."""
        columns = json.loads((folder / "table.json").read_text(encoding="utf-8"))
        with np.load(folder / "table.npz", allow_pickle=False) as arrays:
            postings = {
                facet: Postings(
                    {c: i for i, c in enumerate(columns["concepts"][facet])},
                    arrays[f"{facet}_starts"],
                    arrays[f"{facet}_documents"],
                )
                for facet in FACETS
            }
            return cls(
                iris=columns["iris"],
                titles_de=columns["titles_de"],
                titles_en=columns["titles_en"],
                cities=columns["cities"],
                start=arrays["start"],
                end=arrays["end"],
                postings=postings,
            )

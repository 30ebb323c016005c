"""BM25 over German and English text with stemming, so exact terms and place names are found."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import Stemmer

if TYPE_CHECKING:
    import bm25s

_WORD = re.compile(r"\w+", re.UNICODE)
#: Short words that carry no meaning for search, in both languages.
STOPWORDS = frozenset(
    """der die das den dem des ein eine einer eines einem einen und oder aber mit von vom zu zum
    zur im in ins am an auf aus bei für über unter nach vor als wie was wer wo ist sind wird
    werden wurde wurden hat haben sich nicht auch noch nur so es sie er wir ihr ihre sein
    seine dass daß bis um durch gegen ohne the a an and or of to in on at for with by from as
    is are was were be been it its this that these those which who how what where when""".split()
)


@cache
def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    return Stemmer.Stemmer("german"), Stemmer.Stemmer("english")


def normalise(word: str) -> str:
    """Lower case with umlauts folded, so 'Städte', 'Staedte' and 'stadte' meet."""
    word = word.lower()
    return (
        word.replace("ä", "a")
        .replace("ö", "o")
        .replace("ü", "u")
        .replace("ß", "ss")
        .replace("ae", "a")
        .replace("oe", "o")
        .replace("ue", "u")
    )


@lru_cache(maxsize=1 << 20)
def _word_tokens(raw: str) -> tuple[str, ...]:
    """The tokens of one word; cached, because a corpus repeats its words and stemming is slow."""
    lowered = raw.lower()
    if lowered in STOPWORDS or len(lowered) < 2:
        return ()
    german, english = _stemmers()
    stem = normalise(german.stemWord(lowered))
    other = normalise(english.stemWord(lowered))
    return (stem,) if other == stem else (stem, other)


def tokens(text: str) -> list[str]:
    """Stemmed tokens: the German stem of each word, and its English stem where that differs."""
    return list(chain.from_iterable(map(_word_tokens, _WORD.findall(text))))


#: Beside bm25s's own files: each document's terms (numbers of the vocabulary) with their counts,
#: document by document, so an update neither tokenises nor counts the unchanged texts again.
_TERMS, _COUNTS, _STARTS = "document_terms.npy", "document_counts.npy", "document_starts.npy"


@dataclass(frozen=True)
class TermCounts:
    """Per document, its distinct terms (in order of first use) and how often each occurs."""

    terms: np.ndarray  # int32, all documents one after the other
    counts: np.ndarray  # int32, beside terms
    starts: np.ndarray  # int64, where each document begins, and the end

    @classmethod
    def of(cls, documents: list[tuple[list[int], list[int]]]) -> TermCounts:
        """From (terms, counts) pairs, one per document."""
        sizes = np.array([len(terms) for terms, _ in documents], dtype=np.int64)
        starts = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        total = int(starts[-1])
        terms = np.fromiter(chain.from_iterable(t for t, _ in documents), np.int32, total)
        counts = np.fromiter(chain.from_iterable(c for _, c in documents), np.int32, total)
        return cls(terms, counts, starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def pick(self, numbers: np.ndarray) -> TermCounts:
        """The entries of some documents, in the order given."""
        first, stop = self.starts[numbers], self.starts[numbers + 1]
        sizes = stop - first
        starts = np.zeros(len(numbers) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        rows = np.arange(int(starts[-1]), dtype=np.int64) + np.repeat(first - starts[:-1], sizes)
        return TermCounts(self.terms[rows], self.counts[rows], starts)


def _count(document: list[str], vocabulary: dict[str, int]) -> tuple[list[int], list[int]]:
    """A document's distinct terms, numbered (new ones join ``vocabulary``), and their counts."""
    counter = Counter(vocabulary.setdefault(t, len(vocabulary)) for t in document)
    return list(counter), list(counter.values())


class LexicalIndex:
    """A BM25 index over one text per document, scored as bm25s scores.

    It keeps each document's terms and their counts. BM25 weighs every term by the whole
    collection (document count, mean length, document frequency), so a changed document changes
    every score; ``updated`` recomputes the score matrix from the kept counts, in array
    operations, without tokenising, stemming or counting the unchanged texts again. The matrix is
    the one bm25s builds from the same tokens (the test suite compares them).
    """

    def __init__(self, retriever: bm25s.BM25, counts: TermCounts | None = None) -> None:
        self._retriever = retriever
        self._counts = counts

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index ``texts``, one per document."""
        vocabulary: dict[str, int] = {}
        counts = TermCounts.of([_count(tokens(t), vocabulary) for t in texts])
        return cls._scored(vocabulary, counts)

    @classmethod
    def _scored(cls, vocabulary: dict[str, int], counts: TermCounts) -> LexicalIndex:
        """The BM25 matrix of ``counts``, computed as bm25s computes it (Lucene variant): per
        term, its IDF; per document and term, the IDF times the saturated, length-normalised
        count."""
        import bm25s  # heavy; only where an index is built or loaded
        from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer
        from scipy.sparse import csr_matrix

        retriever = bm25s.BM25()
        if retriever.method in retriever.methods_requiring_nonoccurrence:
            raise ValueError(f"BM25-Variante {retriever.method} wird hier nicht nachgebildet.")
        documents, terms = len(counts), len(vocabulary)
        tf = counts.counts.astype(np.float32)
        sizes = np.diff(counts.starts)
        running = np.concatenate([[0], np.cumsum(counts.counts, dtype=np.int64)])
        lengths = running[counts.starts[1:]] - running[counts.starts[:-1]]  # tokens per document
        frequencies = np.bincount(counts.terms, minlength=terms)
        idf_of = _select_idf_scorer(retriever.idf_method)
        idf = np.zeros(terms, dtype=retriever.dtype)
        for term in np.flatnonzero(frequencies).tolist():  # math.log, as bm25s: same bits
            idf[term] = idf_of(int(frequencies[term]), N=documents)
        tfc = _select_tfc_scorer(retriever.method)(
            tf_array=tf,
            l_d=np.repeat(lengths, sizes),
            l_avg=lengths.mean() if documents else 0.0,
            k1=retriever.k1,
            b=retriever.b,
            delta=retriever.delta,
        )
        data = (idf[counts.terms] * tfc).astype(retriever.dtype)
        matrix = csr_matrix((data, counts.terms, counts.starts), shape=(documents, terms)).tocsc()
        matrix.sort_indices()
        retriever.scores = {
            "data": matrix.data.astype(retriever.dtype),
            "indices": matrix.indices.astype(retriever.int_dtype),
            "indptr": matrix.indptr.astype(np.int64),
            "num_docs": documents,
        }
        retriever.nonoccurrence_array = None
        retriever.vocab_dict = {**vocabulary, "": terms}  # bm25s's empty token, as index() adds
        retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
        return cls(retriever, counts)

    @property
    def updatable(self) -> bool:
        """Whether the documents' term counts are at hand (an index saved by an older version
        has none)."""
        return self._counts is not None

    def updated(self, sources: list[int | str]) -> LexicalIndex:
        """A new index whose documents are, in order, old documents (by number, their counts as
        they are) and new texts (tokenised); scores equal those of building it from all texts."""
        if self._counts is None:
            raise ValueError("Dieser Index hat keine gespeicherten Termhäufigkeiten.")
        vocabulary = {t: i for t, i in self._retriever.vocab_dict.items() if t != ""}
        old = np.array([s if isinstance(s, int) else -1 for s in sources], dtype=np.int64)
        kept = self._counts.pick(old[old >= 0])
        fresh = TermCounts.of(
            [_count(tokens(s), vocabulary) for s in sources if not isinstance(s, int)]
        )
        return self._scored(vocabulary, _interleave(old >= 0, kept, fresh))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query (zero where no term matches)."""
        query_tokens = [t for t in tokens(query) if t in self._retriever.vocab_dict]
        if not query_tokens:
            return np.zeros(self._size(), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(query_tokens), dtype=np.float32)

    def _size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder))
        if self._counts is not None:
            np.save(folder / _TERMS, self._counts.terms, allow_pickle=False)
            np.save(folder / _COUNTS, self._counts.counts, allow_pickle=False)
            np.save(folder / _STARTS, self._counts.starts, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read what ``save`` wrote; the term counts are mapped, read only when updating."""
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=False)
        if not (folder / _TERMS).exists():
            return cls(retriever)
        counts = TermCounts(
            np.load(folder / _TERMS, mmap_mode="r", allow_pickle=False),
            np.load(folder / _COUNTS, mmap_mode="r", allow_pickle=False),
            np.load(folder / _STARTS, allow_pickle=False),
        )
        return cls(retriever, counts)


def _interleave(is_old: np.ndarray, old: TermCounts, new: TermCounts) -> TermCounts:
    """One TermCounts with the documents of ``old`` where ``is_old`` is set, ``new`` elsewhere,
    each in its order."""
    sizes = np.empty(len(is_old), dtype=np.int64)
    sizes[is_old] = np.diff(old.starts)
    sizes[~is_old] = np.diff(new.starts)
    starts = np.zeros(len(is_old) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    from_old = np.repeat(is_old, sizes)
    terms = np.empty(int(starts[-1]), dtype=np.int32)
    counts = np.empty(int(starts[-1]), dtype=np.int32)
    terms[from_old], counts[from_old] = old.terms, old.counts
    terms[~from_old], counts[~from_old] = new.terms, new.counts
    return TermCounts(terms, counts, starts)

"""BM25 over German and English text with stemming, so exact terms and place names are found."""

from __future__ import annotations

import re
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


#: Beside bm25s's own files: each document's token numbers, so an update need not tokenise again.
_TOKENS, _STARTS = "document_tokens.npy", "document_starts.npy"


class LexicalIndex:
    """A BM25 index over one text per document.

    It keeps each document's tokens as numbers of its vocabulary. BM25 weighs every term by the
    whole collection (document count, mean length, document frequency), so a changed document
    changes every score; ``updated`` recomputes them from the kept numbers, which gives exactly
    the scores of indexing all texts again, without tokenising and stemming them again.
    """

    def __init__(
        self,
        retriever: bm25s.BM25,
        token_ids: np.ndarray | None = None,
        starts: np.ndarray | None = None,
    ) -> None:
        self._retriever = retriever
        self._token_ids = token_ids
        self._starts = starts

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index ``texts``, one per document."""
        return cls._from_documents({}, [tokens(t) for t in texts])

    @classmethod
    def _from_documents(
        cls, vocabulary: dict[str, int], documents: list[list[int] | list[str]]
    ) -> LexicalIndex:
        """Index documents given as token numbers of ``vocabulary`` or as new tokens (strings),
        which are numbered on the way (``vocabulary`` grows)."""
        import bm25s  # heavy; only where an index is built or loaded

        numbered: list[list[int]] = []
        for document in documents:
            if document and isinstance(document[0], str):
                numbered.append(
                    [vocabulary.setdefault(t, len(vocabulary)) for t in document]  # type: ignore[misc]
                )
            else:
                numbered.append(document)  # type: ignore[arg-type]
        retriever = bm25s.BM25()
        # bm25s adds its empty token to the dictionary it is given: give it a copy
        retriever.index((numbered, dict(vocabulary)), show_progress=False)
        lengths = np.array([len(d) for d in numbered], dtype=np.int64)
        starts = np.zeros(len(numbered) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        flat = np.fromiter(chain.from_iterable(numbered), dtype=np.int32, count=int(starts[-1]))
        return cls(retriever, flat, starts)

    @property
    def updatable(self) -> bool:
        """Whether the documents' token numbers are at hand (an index saved by an older version
        has none)."""
        return self._token_ids is not None and self._starts is not None

    def updated(self, sources: list[int | str]) -> LexicalIndex:
        """A new index whose documents are, in order, old documents (by number, their tokens as
        they are) and new texts (tokenised); scores equal those of building it from all texts."""
        if self._token_ids is None or self._starts is None:
            raise ValueError("Dieser Index hat keine gespeicherten Token.")
        vocabulary = {t: i for t, i in self._retriever.vocab_dict.items() if t != ""}
        flat: list[int] = self._token_ids.tolist()
        starts: list[int] = self._starts.tolist()
        documents: list[list[int] | list[str]] = [
            flat[starts[s] : starts[s + 1]] if isinstance(s, int) else tokens(s) for s in sources
        ]
        return self._from_documents(vocabulary, documents)

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
        if self._token_ids is not None and self._starts is not None:
            np.save(folder / _TOKENS, self._token_ids, allow_pickle=False)
            np.save(folder / _STARTS, self._starts, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read what ``save`` wrote; the token numbers are mapped, read only when updating."""
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=False)
        if not (folder / _TOKENS).exists():
            return cls(retriever)
        return cls(
            retriever,
            np.load(folder / _TOKENS, mmap_mode="r", allow_pickle=False),
            np.load(folder / _STARTS, allow_pickle=False),
        )

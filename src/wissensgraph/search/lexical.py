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


class LexicalIndex:
    """A BM25 index over one text per document."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s  # heavy; only where an index is built or loaded

        retriever = bm25s.BM25()
        retriever.index([tokens(t) for t in texts], show_progress=False)
        return cls(retriever)

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

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=False))

"""Search quality against graded judgements: nDCG@10, MRR and Recall@10 per retriever and encoder.

The judgements (data/eval/search_queries.jsonl) were made by reading the case studies, independent
of the search system. Grades: 3 exactly what was asked, 2 clearly relevant, 1 partly relevant.
MRR and Recall count grades 2 and 3 as relevant; nDCG uses every grade (gain 2^grade - 1).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from wissensgraph.errors import InputError
from wissensgraph.search.hybrid import Searcher
from wissensgraph.search.results import Mode

CUTOFF = 10


@dataclass(frozen=True)
class Judged:
    """One evaluation query with its graded relevant case studies (by slug)."""

    id: str
    query: str
    lang: str
    kind: str
    relevant: dict[str, int]


@dataclass(frozen=True)
class Scores:
    """Mean metrics of one retriever over all queries, with its median query time."""

    ndcg: float
    mrr: float
    recall: float
    latency_ms: float
    queries: int


def load_judgements(path: Path) -> list[Judged]:
    """Read the JSON-lines file; a malformed line is an InputError naming it."""
    judged = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            judged.append(
                Judged(
                    item["id"],
                    item["query"],
                    item.get("lang", "de"),
                    item.get("kind", ""),
                    {k: int(v) for k, v in item["relevant"].items()},
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number}: keine gültige Bewertung ({exc})") from exc
    return judged


def ndcg(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    """Normalised discounted cumulative gain of a ranking."""
    gain = sum(
        (2 ** relevant.get(s, 0) - 1) / math.log2(i + 2) for i, s in enumerate(ranked[:cutoff])
    )
    ideal = sorted(relevant.values(), reverse=True)[:cutoff]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    """1/rank of the first case study graded 2 or 3."""
    return next((1 / (i + 1) for i, s in enumerate(ranked) if relevant.get(s, 0) >= 2), 0.0)


def recall(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> float:
    """Share of the case studies graded 2 or 3 found in the top ``cutoff``."""
    wanted = {s for s, g in relevant.items() if g >= 2}
    return len(wanted & set(ranked[:cutoff])) / len(wanted) if wanted else 0.0


def load_pool(path: Path) -> frozenset[str] | None:
    """The case studies a judgement set was made over (one id a line), if the file exists.

    Case studies added later are unjudged, not irrelevant: metrics rank within the pool.
    """
    if not path.exists():
        return None
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").split() if line)


def evaluate(
    searcher: Searcher, judged: list[Judged], mode: Mode, pool: frozenset[str] | None = None
) -> Scores:
    """Run every query in one mode and average the metrics (ranked within ``pool`` if given)."""
    n, m, r, times = [], [], [], []
    depth = CUTOFF if pool is None else 100
    for item in judged:
        started = time.perf_counter()
        result = searcher.search(item.query, k=depth, mode=mode, lang=item.lang)
        times.append(time.perf_counter() - started)
        ranked = [hit.slug for hit in result.hits if pool is None or hit.slug in pool][:CUTOFF]
        n.append(ndcg(ranked, item.relevant))
        m.append(reciprocal_rank(ranked, item.relevant))
        r.append(recall(ranked, item.relevant))
    return Scores(
        ndcg=statistics.fmean(n),
        mrr=statistics.fmean(m),
        recall=statistics.fmean(r),
        latency_ms=statistics.median(times) * 1000,
        queries=len(judged),
    )

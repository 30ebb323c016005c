"""Search and "more like this" over HTTP; the work happens in ``wissensgraph.search``."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from wissensgraph.api.deps import SearcherDep, run_search
from wissensgraph.errors import ParameterError
from wissensgraph.search.results import Filters, Hit, SearchResult

router = APIRouter(tags=["Suche / Search"])


class SearchOut(BaseModel):
    """A ranked answer and how the query was read."""

    query: str
    mode: str
    total: int
    expanded: list[str]
    hits: list[Hit]


@router.get("/search", response_model=SearchOut, summary="Search case studies")
async def search(
    searcher: SearcherDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Query, German or English.")],
    k: Annotated[int, Query(ge=1, le=100, description="Number of hits.")] = 10,
    handlungsfeld: Annotated[list[str], Query(description="Action field slug(s).")] = [],  # noqa: B006
    prinzip: Annotated[list[str], Query(description="NLC concept slug(s).")] = [],  # noqa: B006
    akteursgruppe: Annotated[list[str], Query(description="Actor group slug(s).")] = [],  # noqa: B006
    bundesland: Annotated[list[str], Query(description="Region slug(s).")] = [],  # noqa: B006
    von: Annotated[int | None, Query(ge=1900, le=2100, description="Active in or after.")] = None,
    bis: Annotated[int | None, Query(ge=1900, le=2100, description="Active in or before.")] = None,
    mode: Annotated[Literal["hybrid", "dense", "lexical"], Query()] = "hybrid",
    lang: Annotated[Literal["de", "en"], Query()] = "de",
) -> JSONResponse:
    """Hybrid search (dense + BM25 + graph concepts), filters applied before ranking."""
    if not q.strip():
        raise ParameterError("Die Suchanfrage ist leer. The query is empty.")
    filters = Filters(
        tuple(handlungsfeld), tuple(prinzip), tuple(akteursgruppe), tuple(bundesland), von, bis
    )
    started = time.perf_counter()

    def ranked() -> tuple[SearchResult, float]:
        began = time.perf_counter()
        found = searcher.search(q, k=k, filters=filters, mode=mode, lang=lang)
        return found, time.perf_counter() - began

    result, ranking_s = await run_search(searcher, ranked)
    # The hits are plain dataclasses the core built and checked: written as they are, without a
    # second validation pass (SearchOut still documents the shape in the OpenAPI spec).
    response = JSONResponse(
        {
            "query": result.query,
            "mode": result.mode,
            "total": result.total,
            "expanded": result.expanded,
            "hits": [vars(hit) for hit in result.hits],
        }
    )
    # Server-Timing (shown by browsers' developer tools): the ranking itself, and the handler
    # around it (for a large index the hop to a thread and back; the JSON)
    response.headers["Server-Timing"] = (
        f"search;dur={ranking_s * 1000:.2f}, "
        f"handler;dur={(time.perf_counter() - started) * 1000:.2f}"
    )
    return response


@router.get(
    "/fallstudien/{slug}/aehnliche", response_model=list[Hit], summary="Similar case studies"
)
async def similar(
    searcher: SearcherDep,
    slug: str,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    lang: Annotated[Literal["de", "en"], Query()] = "de",
) -> list[Hit]:
    """Case studies closest in meaning to the given one."""
    return await run_search(searcher, lambda: searcher.similar(slug, k=k, lang=lang))

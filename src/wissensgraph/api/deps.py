"""Dependencies shared by the routers: settings and the query executor built at start-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from wissensgraph.config import Settings
from wissensgraph.errors import ServiceBusy
from wissensgraph.linking.suggest import Linker
from wissensgraph.search.hybrid import Searcher
from wissensgraph.sparql.query import QueryExecutor

T = TypeVar("T")
#: Up to this many passages a search runs on the event loop; above, in a thread. A search holds
#: the interpreter lock for most of its few milliseconds, so a thread lets little else run
#: meanwhile, and the hop there and back costs two thread wake-ups. Measured at 10k case studies
#: (30,000 passages) on a slow day: /search 8.5-9.4 ms inline against 10.5-11.2 ms through the
#: thread pool; with four concurrent clients 123 against 136 requests per second. A larger index
#: searches long enough (its vector scan frees the lock) that the loop should stay free meanwhile.
INLINE_PASSAGES = 60_000


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (async: no thread hop per request)."""
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_executor(request: Request) -> QueryExecutor:
    """The executor created in the app's lifespan."""
    return request.app.state.executor  # type: ignore[no-any-return]


async def get_searcher(request: Request) -> Searcher:
    """The searcher for the graph as it is now; a reload (after a write) happens in a thread."""
    state = request.app.state.search
    if state is None:
        raise ServiceBusy("Die Suche ist abgeschaltet (WISSENSGRAPH_SEARCH_ENABLED=false).")
    searcher = state.ready()
    if searcher is None:
        searcher = await run_in_threadpool(state.current)
    return searcher


def linker_if_searching(request: Request) -> Linker | None:
    """The NLC link suggester for the graph as it is now, None when search is off (blocks)."""
    state = request.app.state.search
    if state is None or request.app.state.settings.sparql_endpoint:  # no writes there
        return None
    return state.linker()  # type: ignore[no-any-return]


async def run_search(searcher: Searcher, work: Callable[[], T]) -> T:
    """``work`` (a search on ``searcher``) inline for a small index, else in a thread."""
    if len(searcher.index.passages) <= INLINE_PASSAGES:
        return work()
    return await run_in_threadpool(work)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]
SearcherDep = Annotated[Searcher, Depends(get_searcher)]

"""The FastAPI application, built by a factory so tests can pass their own settings."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from wissensgraph import __version__
from wissensgraph.api import contributions, errors, linked_data, linking, search, sparql
from wissensgraph.api.body_limit import BodyLimit
from wissensgraph.config import Settings, get_settings
from wissensgraph.linking.suggest import Linker, build_linker
from wissensgraph.search.hybrid import Searcher
from wissensgraph.sparql.executors import open_executor
from wissensgraph.sparql.query import QueryExecutor
from wissensgraph.web import pages as web


class SearchState:
    """The searcher for the graph the store points to now; a new store version makes it reload.

    A version is a store snapshot directory (see ``store_version``): each build or write makes a
    new one and switches the store link, and the next request sees the change and waits for the
    reload, so it is never answered from an index of an older graph.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._built_from: str | None = None
        self._searcher: Searcher | None = None
        self._linker: Linker | None = None
        self.current()

    def ready(self) -> Searcher | None:
        """The searcher if it was built from the graph as it is now, else None (reload first)."""
        from wissensgraph.search.freshness import current_store_version

        if self._searcher is not None and current_store_version(self._settings) == self._built_from:
            return self._searcher
        return None

    def current(self) -> Searcher:
        """The searcher, reloaded first if the graph changed since it was built (never stale)."""
        from wissensgraph.search.freshness import current_store_version

        searcher = self.ready()
        if searcher is not None:
            return searcher
        with self._lock:
            if self._searcher is None or current_store_version(self._settings) != self._built_from:
                from wissensgraph.search.encoder import get_encoder
                from wissensgraph.search.freshness import ensure_index
                from wissensgraph.store.graph import KnowledgeGraph

                settings = self._settings
                index, _ = ensure_index(settings, KnowledgeGraph.open(settings))
                self._searcher = Searcher(
                    index,
                    get_encoder(settings.search_model, settings.model_dir),
                    rrf_k=settings.search_rrf_k,
                )
                self._linker = None
                # the version the index was derived from, which the graph read (not a later one)
                built_from = index.manifest.get("store")
                self._built_from = built_from if isinstance(built_from, str) else None
            return self._searcher

    def linker(self) -> Linker:
        """The NLC link suggester for the same index, calibrated on first use."""
        searcher = self.current()
        with self._lock:
            if self._linker is None:
                from wissensgraph.store.graph import KnowledgeGraph

                self._linker = build_linker(
                    searcher.index, searcher.encoder, KnowledgeGraph.open(self._settings)
                )
            return self._linker


def _settle_interrupted_write(settings: Settings) -> None:
    """A write cut off by a crash is completed or undone before anyone reads."""
    from wissensgraph.store.journal import recover
    from wissensgraph.store.locking import data_lock

    with data_lock(settings.lock_dir):
        recover(settings)


def create_app(settings: Settings | None = None, executor: QueryExecutor | None = None) -> FastAPI:
    """Create the app; the query executor starts with the app (unless given) and stops with it.

    ``serve`` passes an executor it started first, so the query processes come up while this
    process is still importing the app.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.sparql_endpoint:
            _settle_interrupted_write(settings)  # before anything reads the store
        # search first: the query worker processes start in the background and would take the
        # cores from loading the index and the model
        search = SearchState(settings) if settings.search_enabled else None
        app.state.executor = executor or open_executor(settings)
        try:
            app.state.search = search
            yield
        finally:
            app.state.executor.close()

    app = FastAPI(
        title="Wissensgraph Gemeinsam für das Quartier",
        version=__version__,
        description="SPARQL 1.1 endpoint and linked data of co-creative neighbourhood development.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(BodyLimit, settings=settings)
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(search.router)
    app.include_router(linking.router)
    app.include_router(contributions.router)
    app.include_router(linked_data.router)
    app.include_router(web.router)
    _document_write_bodies(app)
    return app


def _document_write_bodies(app: FastAPI) -> None:
    """Write endpoints read their bodies themselves (many formats); OpenAPI still shows the form."""
    generate = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = generate()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(contributions.SCHEMAS)
        return app.openapi_schema or schema

    app.openapi = openapi  # type: ignore[method-assign]

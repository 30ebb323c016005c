"""The FastAPI application, built by a factory so tests can pass their own settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from wissensgraph import __version__
from wissensgraph.api import errors, linked_data, sparql, web
from wissensgraph.config import Settings, get_settings
from wissensgraph.executors import open_executor


def create_app(settings: Settings | None = None) -> FastAPI:
    """Create the app; the query executor starts with the app and stops with it."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.executor = open_executor(settings)
        try:
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
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(linked_data.router)
    app.include_router(web.router)
    return app

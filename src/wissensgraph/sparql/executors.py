"""Choose where queries run: the embedded store's worker processes or a remote SPARQL endpoint."""

from __future__ import annotations

from wissensgraph.config import Settings
from wissensgraph.sparql.query import QueryExecutor


def open_executor(settings: Settings) -> QueryExecutor:
    """The executor the settings ask for; the caller closes it."""
    max_bytes = int(settings.sparql_max_result_mb * 1_000_000)
    if settings.sparql_endpoint:
        from wissensgraph.store.remote import RemoteExecutor

        return RemoteExecutor(
            settings.sparql_endpoint, timeout=settings.sparql_timeout, max_bytes=max_bytes
        )
    from wissensgraph.sparql.workers import WorkerPool

    return WorkerPool(
        settings.store_dir,
        workers=settings.sparql_workers,
        timeout=settings.sparql_timeout,
        max_bytes=max_bytes,
        memory_bytes=int(settings.sparql_memory_mb * 1_000_000),
    )

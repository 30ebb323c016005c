"""The serve command: the SPARQL endpoint, linked data and pages over HTTP."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from wissensgraph.cli.common import app, handles_errors
from wissensgraph.config import ONE_BLAS_THREAD, get_settings
from wissensgraph.errors import (
    StoreError,
)


@app.command()
@handles_errors
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: setting).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: setting).")] = None,
) -> None:
    """Serve the SPARQL endpoint, linked data and web pages (default http://127.0.0.1:8000)."""
    import os

    for variable, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(variable, value)
    from wissensgraph.sparql.executors import open_executor

    settings = get_settings()
    if not settings.sparql_endpoint and not settings.store_dir.exists():
        raise StoreError(f"Kein Graph unter {settings.store_dir}. Zuerst bauen: wissensgraph build")
    # The query processes start first and open the store while this one imports the web app.
    executor = open_executor(settings)
    try:
        import uvicorn

        from wissensgraph.api.app import create_app

        host = host or settings.host
        port = port or settings.port
        typer.echo(f"SPARQL: http://{host}:{port}/sparql   Seiten: http://{host}:{port}/")
        logging.getLogger("wissensgraph.server").info(
            "Server startet auf %s:%s; Daten %s%s, Zustand %s",
            host,
            port,
            settings.data_dir,
            " (mitgeliefert, nur lesend)" if settings.data_is_shipped else "",
            settings.home,
        )
        uvicorn.run(create_app(settings, executor), host=host, port=port, log_level="warning")
    finally:
        executor.close()

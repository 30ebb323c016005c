"""Dependencies shared by the routers: settings and the query executor built at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from wissensgraph.config import Settings
from wissensgraph.sparql import QueryExecutor


async def get_settings_dep(request: Request) -> Settings:
    """The settings the app was created with (async: no thread hop per request)."""
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_executor(request: Request) -> QueryExecutor:
    """The executor created in the app's lifespan."""
    return request.app.state.executor  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ExecutorDep = Annotated[QueryExecutor, Depends(get_executor)]

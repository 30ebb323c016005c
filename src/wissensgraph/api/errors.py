"""One status code per core error, with the message as plain text (SPARQL clients show it as is)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from wissensgraph.errors import (
    FederationRefused,
    Forbidden,
    InputError,
    NotAcceptable,
    NotFound,
    ParameterError,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServiceBusy,
    ShapeViolation,
    StoreError,
    Unauthenticated,
    UpdateRefused,
    WissensgraphError,
)

STATUS: dict[type[WissensgraphError], int] = {
    ParameterError: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    QuerySyntaxError: 400,
    InputError: 400,
    UpdateRefused: 403,
    FederationRefused: 403,
    NotFound: 404,
    NotAcceptable: 406,
    ResultTooLarge: 413,
    ShapeViolation: 422,
    ServiceBusy: 503,
    StoreError: 503,
    QueryTimeout: 504,
}


async def _handle(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WissensgraphError)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
    headers = {}
    if isinstance(exc, ServiceBusy | QueryTimeout):
        headers["Retry-After"] = "5"
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="wissensgraph"'
    text = str(exc)
    if isinstance(exc, NotAcceptable):
        text += "\n" + "\n".join(exc.offered)
    return PlainTextResponse(text + "\n", status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handler for every core error type."""
    app.add_exception_handler(WissensgraphError, _handle)

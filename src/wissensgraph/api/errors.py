"""One status code per core error, with the message as plain text (SPARQL clients show it as is)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from wissensgraph.errors import (
    Conflict,
    FederationRefused,
    Forbidden,
    InputError,
    NotAcceptable,
    NotFound,
    ParameterError,
    PayloadTooLarge,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServiceBusy,
    ShapeViolation,
    StoreError,
    Unauthenticated,
    UnsupportedMediaType,
    UpdateRefused,
    WissensgraphError,
)

STATUS: dict[type[WissensgraphError], int] = {
    ParameterError: 422,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Conflict: 409,
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
    if isinstance(exc, ShapeViolation):
        return _violations(request, exc)
    text = str(exc)
    if isinstance(exc, NotAcceptable):
        text += "\n" + "\n".join(exc.offered)
    return PlainTextResponse(text + "\n", status_code=status, headers=headers)


def _violations(request: Request, exc: ShapeViolation) -> Response:
    """The SHACL report as JSON, messages in the language the client asks for."""
    wanted = request.headers.get("accept-language", "de").lower()
    lang = "en" if wanted.startswith("en") else "de"
    title = (
        "Die Daten verletzen die SHACL-Formen; nichts wurde gespeichert."
        if lang == "de"
        else "The data violates the SHACL shapes; nothing was stored."
    )
    body = {
        "fehler" if lang == "de" else "error": title,
        "verstoesse" if lang == "de" else "violations": [
            {
                "fokus": r.focus,
                "pfad": r.path,
                "wert": r.value,
                "meldung": r.message(lang),
                "form": r.shape,
                "schwere": r.severity,
            }
            for r in exc.report.results
        ],
    }
    return JSONResponse(body, status_code=422, headers={"Content-Language": lang})


def install(app: FastAPI) -> None:
    """Register the handler for every core error type."""
    app.add_exception_handler(WissensgraphError, _handle)

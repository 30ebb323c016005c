"""Every request body is limited while it is read, before anything parses it.

A declared ``Content-Length`` over the limit is answered with 413 at once; a chunked body is
counted as it arrives and refused the moment it passes the limit, so no request can make the
server hold more than the limit in memory. Writes and imports may send more than the read routes
(a SPARQL query, a text for suggestions, a decision).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wissensgraph.config import Settings

#: Routes whose bodies are curators' uploads: case studies one by one or in bulk.
WRITE_PREFIX = "/fallstudien"
_WRITE_METHODS = {"POST", "PUT"}


def limit_for(settings: Settings, method: str, path: str) -> int:
    """The largest body, in bytes, that a request to ``path`` may send."""
    upload = method in _WRITE_METHODS and path.startswith(WRITE_PREFIX) and "/nlc-" not in path
    megabytes = settings.write_max_mb if upload else settings.request_max_mb
    return int(megabytes * 1_000_000)


def _message(limit: int) -> str:
    size = f"{limit / 1_000_000:g} MB"
    return f"Der Inhalt ist größer als {size}. The request body is larger than {size}."


class BodyLimit:
    """ASGI middleware: refuses bodies over the route's limit with 413 while they are read."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(self.settings, scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # answer 413 now, whatever the handler makes of a body that stops here
                    if not started:
                        await _refuse(send, limit)
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has gone out; the handler's own answer is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not refused:
                raise
            # the handler failed on the body we cut off: already answered with 413


async def _refuse(send: Send, limit: int) -> None:
    body = _message(limit).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""Who may write: curators with a bearer token from the settings, compared in constant time."""

from __future__ import annotations

import hmac

from wissensgraph.config import Settings
from wissensgraph.errors import Forbidden, Unauthenticated


def curator_for(settings: Settings, authorization: str | None) -> str:
    """The curator's name for an ``Authorization: Bearer …`` header, or the reason there is none."""
    if not settings.curator_tokens:
        raise Forbidden(
            "Schreiben ist abgeschaltet: es ist kein Kuratoren-Token konfiguriert "
            "(WISSENSGRAPH_CURATOR_TOKENS). Writes are off: no curator token is configured."
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Schreiben braucht ein Bearer-Token. Writes need a bearer token.")
    found = None
    for known, name in settings.curator_tokens.items():  # look at every token: constant time
        if hmac.compare_digest(known.encode("utf-8"), token.strip().encode("utf-8")):
            found = name
    if found is None:
        raise Forbidden("Das Token ist ungültig. The token is not valid.")
    return found

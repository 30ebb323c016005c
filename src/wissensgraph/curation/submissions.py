"""Bytes in a named format -> what the write path takes; every parse error is the curator's to fix.

The API (by Content-Type) and the CLI (by file ending) share this, so a file that imports on the
command line imports over HTTP too. JSON-LD never makes the server fetch a remote context: only
the project's own context is known, anything else is refused.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from rdflib import Graph

from wissensgraph.curation.form import CaseStudyForm
from wissensgraph.curation.pipeline import Submission
from wissensgraph.curation.spreadsheets import read_csv, read_xlsx
from wissensgraph.errors import InputError, ParameterError, UnsupportedMediaType
from wissensgraph.publication.linked_data import JSONLD_CONTEXT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Media types the write path reads, and the file endings that mean them.
MEDIA_TYPES: dict[str, str] = {
    "application/json": ".json",
    "application/ld+json": ".jsonld",
    "text/turtle": ".ttl",
    "application/n-triples": ".nt",
    "text/csv": ".csv",
    XLSX: ".xlsx",
}
_RDF = {"text/turtle": "turtle", "application/n-triples": "nt"}
_OWN_CONTEXTS = {"/context.jsonld", "https://w3id.org/wissensgraph/context.jsonld"}


def media_type_of_file(name: str) -> str:
    """The media type for a file name, by its ending."""
    for media_type, ending in MEDIA_TYPES.items():
        if name.lower().endswith(ending):
            return media_type
    raise InputError(f"{name}: unbekanntes Format (erwartet: {', '.join(MEDIA_TYPES.values())})")


def parse(data: bytes, media_type: str, *, single: bool = False) -> Submission:
    """Read a submission; ``single`` demands exactly one case study (POST and PUT)."""
    media_type = media_type.split(";", 1)[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Format {media_type or '(keins)'} wird nicht gelesen; möglich: "
            + ", ".join(MEDIA_TYPES)
        )
    if not data.strip():
        raise InputError("Der Inhalt ist leer.")
    if media_type == "application/json":
        return _forms(_json(data), single=single)
    if media_type == "text/csv":
        return _one(read_csv(data), single)
    if media_type == XLSX:
        return _one(read_xlsx(data), single)
    graph = Graph()
    try:
        if media_type == "application/ld+json":
            graph.parse(data=json.dumps(_local_contexts(_json(data))), format="json-ld")
        else:
            graph.parse(data=data.decode("utf-8"), format=_RDF[media_type])
    except UnicodeDecodeError as exc:
        raise InputError(f"Der Inhalt ist nicht UTF-8 (Byte {exc.start}).") from exc
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        message = " ".join(str(exc).split())[:500]
        raise InputError(f"{media_type} nicht lesbar ({type(exc).__name__}): {message}") from exc
    return graph


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"JSON nicht lesbar: {exc}") from exc


def _forms(value: Any, *, single: bool) -> list[CaseStudyForm]:
    items = value if isinstance(value, list) else [value]
    if single and not isinstance(value, dict):
        raise ParameterError("Erwartet wird ein JSON-Objekt mit einer Fallstudie.")
    forms, problems = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"Eintrag {number}: kein JSON-Objekt")
            continue
        try:
            forms.append(CaseStudyForm.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"]) or "?"
                prefix = "" if single else f"Eintrag {number}, "
                problems.append(f"{prefix}Feld {where}: {error['msg']}")
    if problems:
        raise ParameterError("Die Eingabe hat Fehler:\n" + "\n".join(problems))
    return forms


def _one(forms: list[CaseStudyForm], single: bool) -> list[CaseStudyForm]:
    if single and len(forms) != 1:
        raise ParameterError(f"Erwartet wird genau eine Fallstudie, nicht {len(forms)}.")
    return forms


def _local_contexts(value: Any) -> Any:
    """Replace references to our own context by its content; refuse any other remote one."""
    if isinstance(value, list):
        return [_local_contexts(v) for v in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key == "@context":
            result[key] = _context(item)
        elif key == "@import":
            raise InputError("JSON-LD: @import wird nicht unterstützt.")
        else:
            result[key] = _local_contexts(item)
    return result


def _context(item: Any) -> Any:
    if isinstance(item, list):
        return [_context(i) for i in item]
    if isinstance(item, str):
        if item in _OWN_CONTEXTS:
            return JSONLD_CONTEXT
        raise InputError(
            f"JSON-LD: der entfernte Kontext {item!r} wird nicht geladen; bitte den Kontext "
            "einbetten oder /context.jsonld verwenden."
        )
    if isinstance(item, dict):
        return _local_contexts(item)
    return item

"""Curators' write API: add, replace, delete and import case studies; read their history.

Writes need a bearer token; each goes through the core's write path, which validates against the
SHACL shapes before anything is stored and records the curator in the history. With search on,
a write also makes the NLC link suggestions of its case studies, so curators can decide on them
right away.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from wissensgraph.api.deps import ExecutorDep, SettingsDep, linker_if_searching
from wissensgraph.api.sparql import run_query
from wissensgraph.config import Settings
from wissensgraph.curation.auth import curator_for
from wissensgraph.curation.form import CaseStudyForm
from wissensgraph.curation.pipeline import Submission, WriteResult, delete, submit
from wissensgraph.curation.spreadsheets import template
from wissensgraph.curation.submissions import MEDIA_TYPES, parse
from wissensgraph.errors import NotFound, ParameterError
from wissensgraph.namespaces import FS, HISTORY_GRAPH
from wissensgraph.slugs import is_slug
from wissensgraph.sparql.query import QueryRequest

router = APIRouter(tags=["Beiträge (Kuratorinnen und Kuratoren)"])

_FORM = CaseStudyForm.model_json_schema(ref_template="#/components/schemas/{model}")
#: Schemas the request bodies refer to; the app adds them to the OpenAPI components.
SCHEMAS: dict[str, Any] = {**_FORM.pop("$defs", {}), "CaseStudyForm": _FORM}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CaseStudyForm"}},
            **{t: {"schema": {"type": "string"}} for t in MEDIA_TYPES if t != "application/json"},
        },
    }
}


class WriteOut(BaseModel):
    """What a write changed, and the history record of it."""

    angelegt: list[str]
    ersetzt: list[str]
    geloescht: list[str]
    neue_akteure: list[str]
    aenderung: str


def _out(result: WriteResult) -> WriteOut:
    return WriteOut(
        angelegt=result.created,
        ersetzt=result.replaced,
        geloescht=result.deleted,
        neue_akteure=result.actors_created,
        aenderung=result.change,
    )


async def _submission(
    request: Request, settings: Settings, authorization: str | None, *, single: bool
) -> tuple[str, Submission]:
    """Who writes (token checked first, before the body is read) and what they hand in."""
    curator = curator_for(settings, authorization)
    data = await request.body()  # limited while read (api.body_limit)
    media_type = request.headers.get("content-type", "")
    # parsing a large upload takes seconds: off the event loop, so other requests go on
    return curator, await run_in_threadpool(parse, data, media_type, single=single)


def _slug(value: str) -> str:
    if not is_slug(value) or len(value) > 80:
        raise ParameterError(
            f"Kennung {value[:80]!r} ist ungültig: Kleinbuchstaben, Ziffern und Bindestriche."
        )
    return value


@router.post(
    "/fallstudien",
    response_model=WriteOut,
    status_code=201,
    summary="Add one case study (curators, bearer token)",
    openapi_extra=_BODY,
)
async def create(
    request: Request,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """JSON (the documented form), JSON-LD, Turtle, N-Triples, CSV or XLSX with one case study."""
    curator, submission = await _submission(request, settings, authorization, single=True)
    result = await run_in_threadpool(
        submit,
        settings,
        submission,
        mode="create",
        curator=curator,
        source="API POST",
        single=True,
        linker=await run_in_threadpool(linker_if_searching, request),
    )
    location = f"/id/fallstudie/{result.created[0]}"
    return JSONResponse(_out(result).model_dump(), status_code=201, headers={"Location": location})


@router.post(
    "/fallstudien/import",
    response_model=WriteOut,
    summary="Import many case studies at once, all or nothing (curators, bearer token)",
    openapi_extra=_BODY,
)
async def bulk_import(
    request: Request,
    settings: SettingsDep,
    ersetzen: Annotated[bool, Query(description="Replace case studies that exist.")] = False,
    authorization: Annotated[str | None, Header()] = None,
) -> WriteOut:
    """A JSON list, CSV, XLSX, Turtle, N-Triples or JSON-LD; one invalid entry stops all."""
    curator, submission = await _submission(request, settings, authorization, single=False)
    result = await run_in_threadpool(
        submit,
        settings,
        submission,
        mode="upsert" if ersetzen else "create",
        curator=curator,
        source="API Import",
        linker=await run_in_threadpool(linker_if_searching, request),
    )
    return _out(result)


@router.get("/fallstudien/vorlage.csv", summary="Spreadsheet template (CSV header)")
async def spreadsheet_template() -> Response:
    """The columns a spreadsheet import reads; README explains each."""
    return Response(
        template(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="fallstudien-vorlage.csv"'},
    )


@router.put(
    "/fallstudien/{slug}",
    response_model=WriteOut,
    summary="Replace a case study (curators, bearer token)",
    openapi_extra=_BODY,
)
async def replace(
    slug: str,
    request: Request,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> WriteOut:
    """The whole new description; what is not in it is no longer said."""
    slug = _slug(slug)
    curator, submission = await _submission(request, settings, authorization, single=True)
    if isinstance(submission, list):
        for form in submission:
            if form.id is None:
                form.id = slug
    result = await run_in_threadpool(
        submit,
        settings,
        submission,
        mode="replace",
        curator=curator,
        source="API PUT",
        slug=slug,
        linker=await run_in_threadpool(linker_if_searching, request),
    )
    return _out(result)


@router.delete(
    "/fallstudien/{slug}",
    response_model=WriteOut,
    summary="Delete a case study; its history stays (curators, bearer token)",
)
async def remove(
    slug: str,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> WriteOut:
    """The case study and the suggestions made for it leave the graph."""
    slug = _slug(slug)
    curator = curator_for(settings, authorization)
    result = await run_in_threadpool(delete, settings, slug, curator=curator, source="API DELETE")
    return _out(result)


_HISTORY = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX wg: <https://w3id.org/wissensgraph/ontology#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?aenderung ?zeit ?kurator ?art ?quelle ?hinzu ?weg ?vorschlag
       (GROUP_CONCAT(STR(?eigenschaft); separator=" ") AS ?eigenschaften)
WHERE { GRAPH <%s> {
  ?revision prov:specializationOf <%s> ; prov:wasGeneratedBy ?aenderung ;
            prov:generatedAtTime ?zeit ; wg:changeKind ?art ;
            wg:statementsAdded ?hinzu ; wg:statementsRemoved ?weg .
  ?aenderung prov:wasAssociatedWith ?person ; wg:changeSource ?quelle .
  ?person foaf:name ?kurator .
  OPTIONAL { ?revision wg:changedProperty ?eigenschaft }
  OPTIONAL { ?revision wg:decidedSuggestion ?vorschlag }
} }
GROUP BY ?aenderung ?zeit ?kurator ?art ?quelle ?hinzu ?weg ?vorschlag
ORDER BY ?zeit ?aenderung"""


@router.get("/fallstudien/{slug}/historie", summary="Write history of a case study (PROV-O)")
async def history(slug: str, executor: ExecutorDep) -> list[dict[str, Any]]:
    """Every recorded write, oldest first: when, who, what kind, which properties; for a decision
    on an NLC link suggestion (art vorschlag-angenommen or vorschlag-abgelehnt) the suggestion."""
    slug = _slug(slug)
    iri = FS[slug]
    response = await run_query(
        executor,
        QueryRequest(
            query=_HISTORY % (HISTORY_GRAPH, iri),
            form="SELECT",
            media_type="application/sparql-results+json",
        ),
    )
    rows = json.loads(response.body)["results"]["bindings"]
    if not rows:
        known = await run_query(
            executor,
            QueryRequest(
                query=f"ASK {{ <{iri}> ?p ?o }}",
                form="ASK",
                media_type="application/sparql-results+json",
            ),
        )
        if not json.loads(known.body)["boolean"]:
            raise NotFound(f"Fallstudie {slug} nicht gefunden.")
    return [
        {
            "aenderung": r["aenderung"]["value"],
            "zeit": r["zeit"]["value"],
            "kurator": r["kurator"]["value"],
            "art": r["art"]["value"].rsplit("/", 1)[-1],
            "quelle": r["quelle"]["value"],
            "eigenschaften": r.get("eigenschaften", {}).get("value", "").split(),
            "hinzugefuegt": int(r["hinzu"]["value"]),
            "entfernt": int(r["weg"]["value"]),
            "vorschlag": r["vorschlag"]["value"] if "vorschlag" in r else None,
        }
        for r in rows
    ]

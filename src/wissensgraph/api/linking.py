"""NLC link suggestions and the coverage matrix over HTTP."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from wissensgraph.api.deps import SettingsDep
from wissensgraph.config import Settings
from wissensgraph.errors import ServiceBusy
from wissensgraph.linking import coverage as coverage_matrix
from wissensgraph.linking import records
from wissensgraph.linking.suggest import Linker, Suggestion
from wissensgraph.sparql.query import choose_media_type
from wissensgraph.store.graph import KnowledgeGraph

router = APIRouter(tags=["NLC"])


class TextIn(BaseModel):
    """A text to suggest NLC links for, e.g. the abstract of a new case study."""

    text: str = Field(min_length=20, max_length=20_000)
    lang: Literal["de", "en"] = "de"


def _linker(request: Request) -> Linker:
    state = request.app.state.search
    if state is None:
        raise ServiceBusy("Vorschläge brauchen die Suche (WISSENSGRAPH_SEARCH_ENABLED=false).")
    return state.linker()  # type: ignore[no-any-return]


@router.post(
    "/nlc/vorschlaege", response_model=list[Suggestion], summary="Suggest NLC links for a text"
)
async def suggest_for_text(request: Request, body: TextIn) -> list[Suggestion]:
    """Ranked NLC principles, dimensions, spatial levels and action fields for any text."""
    linker = await run_in_threadpool(_linker, request)
    return await run_in_threadpool(linker.suggest_for_text, body.text, lang=body.lang)


@router.get(
    "/fallstudien/{slug}/nlc-vorschlaege",
    response_model=list[Suggestion],
    summary="Suggest NLC links for a case study",
)
async def suggest_for_case_study(
    request: Request,
    settings: SettingsDep,
    slug: str,
    lang: Annotated[Literal["de", "en"], Query()] = "de",
) -> list[Suggestion]:
    """Suggestions computed without the case study's own curated links; ``status`` says what
    curators decided about a recorded one (a rejected one is never ``suggest``)."""
    linker = await run_in_threadpool(_linker, request)
    return await run_in_threadpool(case_study_suggestions, settings, linker, slug, lang)


def case_study_suggestions(
    settings: Settings, linker: Linker, slug: str, lang: str
) -> list[Suggestion]:
    """A case study's live suggestions with the status recorded for each (blocks)."""
    return records.with_status(linker, KnowledgeGraph.open(settings), slug, lang=lang)


class DecisionIn(BaseModel):
    """A curator's justification when accepting a suggestion (German, one line)."""

    begruendung: str = Field(min_length=10, max_length=500)


class DecisionOut(BaseModel):
    """The suggestion decided, and by whom."""

    suggestion: str
    status: str
    curator: str


async def _decide(
    request: Request,
    settings: SettingsDep,
    slug: str,
    target: str,
    decision: Literal["accept", "reject"],
    authorization: str | None,
    justification: str | None,
) -> DecisionOut:
    from wissensgraph.curation.auth import curator_for
    from wissensgraph.curation.decisions import decide

    curator = curator_for(settings, authorization)
    node = await run_in_threadpool(
        decide,
        settings,
        case_study=slug,
        target=target,
        decision=decision,
        curator=curator,
        justification=justification,
        source="API " + ("annehmen" if decision == "accept" else "ablehnen"),
    )
    return DecisionOut(
        suggestion=str(node),
        status="angenommen" if decision == "accept" else "abgelehnt",
        curator=curator,
    )


@router.post(
    "/fallstudien/{slug}/nlc-vorschlaege/{target}/annehmen",
    response_model=DecisionOut,
    summary="Accept a suggestion (curators, bearer token)",
)
async def accept(
    request: Request,
    settings: SettingsDep,
    slug: str,
    target: str,
    body: DecisionIn,
    authorization: Annotated[str | None, Header()] = None,
) -> DecisionOut:
    """The suggestion becomes a curated link derived from it; the curator is recorded."""
    return await _decide(request, settings, slug, target, "accept", authorization, body.begruendung)


@router.post(
    "/fallstudien/{slug}/nlc-vorschlaege/{target}/ablehnen",
    response_model=DecisionOut,
    summary="Reject a suggestion (curators, bearer token)",
)
async def reject(
    request: Request,
    settings: SettingsDep,
    slug: str,
    target: str,
    authorization: Annotated[str | None, Header()] = None,
) -> DecisionOut:
    """The suggestion stays on record, marked rejected, with the curator."""
    return await _decide(request, settings, slug, target, "reject", authorization, None)


@router.get("/nlc/abdeckung", summary="Coverage matrix action field x NLC principle")
async def coverage(
    settings: SettingsDep,
    format: Annotated[Literal["json", "csv", "svg"] | None, Query()] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """JSON (default), CSV or an SVG heat map, by ?format= or Accept."""
    kinds = {"json": "application/json", "csv": "text/csv", "svg": "image/svg+xml"}
    media_type = kinds[format] if format else choose_media_type(accept, list(kinds.values()))
    cells = await run_in_threadpool(coverage_matrix.coverage, KnowledgeGraph.open(settings))
    if media_type == "text/csv":
        return Response(coverage_matrix.to_csv(cells), media_type="text/csv")
    if media_type == "image/svg+xml":
        return Response(coverage_matrix.to_svg(cells), media_type="image/svg+xml")
    return JSONResponse([c.__dict__ for c in cells])

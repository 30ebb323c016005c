"""Linked data: every IRI under the base dereferences here (HTML, Turtle, JSON-LD, N-Triples)."""

from __future__ import annotations

import os
import tempfile
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from rdflib import Graph
from starlette.background import BackgroundTask

from wissensgraph.api.deps import ExecutorDep, SettingsDep
from wissensgraph.api.linking import case_study_suggestions
from wissensgraph.namespaces import BASE
from wissensgraph.publication import linked_data
from wissensgraph.sparql.query import choose_media_type
from wissensgraph.store.graph import export
from wissensgraph.web import views
from wissensgraph.web.pages import page_language, templates

router = APIRouter(tags=["Linked Data"])

DOCUMENT_TYPES = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}
CONTEXT_LINK = (
    '</context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
)


def _rdf(graph: Graph, media_type: str) -> Response:
    if media_type == "application/ld+json":
        body = graph.serialize(
            format="json-ld", context=linked_data.JSONLD_CONTEXT, auto_compact=True
        )
        return Response(
            body, media_type=media_type, headers={"Link": CONTEXT_LINK, "Vary": "Accept"}
        )
    body = graph.serialize(format=RDFLIB_FORMATS[media_type])
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


@router.get("/id/{path:path}", summary="Dereference an instance IRI")
async def resource(
    path: str,
    request: Request,
    executor: ExecutorDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    iri = BASE + "id/" + path
    media_type = choose_media_type(accept, DOCUMENT_TYPES)
    graph = await run_in_threadpool(linked_data.describe, executor, iri)
    if media_type != "text/html":
        return _rdf(graph, media_type)
    lang = page_language(request)
    kind = path.split("/", 1)[0]
    if kind == "fallstudie":
        return await _case_study_page(request, executor, iri, path.split("/", 1)[1], lang)
    page = linked_data.resource_page(graph, iri, lang)
    if kind in CONCEPT_KINDS and not path.endswith("/schema"):
        case_studies = await run_in_threadpool(views.concept_case_studies, executor, iri)
        return templates.TemplateResponse(
            request,
            "concept.html",
            {"page": page, "lang": lang, "case_studies": case_studies},
            headers={"Vary": "Accept"},
        )
    return templates.TemplateResponse(
        request, "resource.html", {"page": page, "lang": lang}, headers={"Vary": "Accept"}
    )


CONCEPT_KINDS = {"handlungsfeld", "nlc", "akteursgruppe", "instrument", "format", "region"}


async def _case_study_page(
    request: Request, executor: ExecutorDep, iri: str, slug: str, lang: str
) -> Response:
    view = await run_in_threadpool(views.case_study_view, executor, iri, lang)
    state = request.app.state.search
    similar, suggestions = [], []
    if state is not None:
        searcher = await run_in_threadpool(state.current)
        linker = await run_in_threadpool(state.linker)
        similar = searcher.similar(slug, k=5, lang=lang)
        items = await run_in_threadpool(
            case_study_suggestions, request.app.state.settings, linker, slug, lang
        )
        suggestions = views.page_suggestions(items, view)
    return templates.TemplateResponse(
        request,
        "case_study.html",
        {"cs": view, "lang": lang, "similar": similar, "suggestions": suggestions},
        headers={"Vary": "Accept"},
    )


@router.get("/ontology", summary="The ontology and concept schemes")
async def ontology(
    request: Request,
    executor: ExecutorDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    media_type = choose_media_type(accept, DOCUMENT_TYPES)
    graph = await run_in_threadpool(linked_data.ontology, executor)
    if media_type != "text/html":
        return _rdf(graph, media_type)
    lang = page_language(request)
    return templates.TemplateResponse(
        request, "ontology.html", {"terms": linked_data.ontology_terms(graph, lang), "lang": lang}
    )


@router.get("/context.jsonld", summary="The JSON-LD context of the API")
async def context() -> JSONResponse:
    return JSONResponse({"@context": linked_data.JSONLD_CONTEXT}, media_type="application/ld+json")


@router.get("/.well-known/void", summary="VoID and DCAT description of the dataset")
async def void(
    request: Request,
    executor: ExecutorDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    media_type = choose_media_type(accept, DOCUMENT_TYPES[1:])
    base_url = str(request.base_url)
    graph = await run_in_threadpool(linked_data.void_description, executor, base_url=base_url)
    return _rdf(graph, media_type)


@router.get("/dump", summary="The whole dataset as N-Quads, TriG, Turtle or N-Triples")
async def dump(
    settings: SettingsDep,
    format: Annotated[Literal["nquads", "trig", "turtle", "ntriples"], Query()] = "nquads",
) -> FileResponse:
    media = {
        "nquads": ("application/n-quads", "nq"),
        "trig": ("application/trig", "trig"),
        "turtle": ("text/turtle", "ttl"),
        "ntriples": ("application/n-triples", "nt"),
    }[format]
    handle = tempfile.NamedTemporaryFile(prefix="wissensgraph-dump-", delete=False)  # noqa: SIM115
    with handle:
        await run_in_threadpool(export, settings, handle, format)

    return FileResponse(
        handle.name,
        media_type=media[0],
        filename=f"wissensgraph.{media[1]}",
        background=BackgroundTask(os.unlink, handle.name),
    )

"""The SPARQL 1.1 Protocol endpoint: query by GET, form POST or direct POST; read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from wissensgraph.api.deps import ExecutorDep, SettingsDep
from wissensgraph.errors import InputError, UpdateRefused
from wissensgraph.sparql import UPDATE_REFUSED, prepare

router = APIRouter(tags=["SPARQL"])

_DESCRIPTION = (
    "SPARQL 1.1 query endpoint (read-only). Results by content negotiation: SELECT/ASK as "
    "SPARQL JSON (default), XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle (default), JSON-LD, "
    "N-Triples, RDF/XML. The default graph is the union of all graphs."
)


async def _answer(
    query: str | None,
    accept: str | None,
    default_graphs: list[str],
    named_graphs: list[str],
    executor: ExecutorDep,
    settings: SettingsDep,
) -> Response:
    if query is None:
        raise InputError("Der Parameter 'query' fehlt. The 'query' parameter is missing.")
    request = prepare(
        query,
        accept=accept,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        service_allow=settings.sparql_service_allow,
    )
    run_async = getattr(executor, "execute_async", None)
    if run_async is not None:
        result = await run_async(request)
    else:
        result = await run_in_threadpool(executor.execute, request)
    return Response(
        content=result.body,
        media_type=result.media_type,
        headers={"Vary": "Accept", "Access-Control-Allow-Origin": "*"},
    )


@router.get("/sparql", summary="SPARQL query (GET)", description=_DESCRIPTION)
async def sparql_get(
    executor: ExecutorDep,
    settings: SettingsDep,
    query: Annotated[str | None, Query(description="The SPARQL query.")] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    return await _answer(query, accept, default_graph_uri, named_graph_uri, executor, settings)


@router.post("/sparql", summary="SPARQL query (POST)", description=_DESCRIPTION)
async def sparql_post(
    request: Request,
    executor: ExecutorDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
    content_type: Annotated[str | None, Header()] = None,
) -> Response:
    kind = (content_type or "").split(";")[0].strip().lower()
    params = request.query_params
    default_graphs = params.getlist("default-graph-uri")
    named_graphs = params.getlist("named-graph-uri")
    if kind == "application/sparql-query":
        query: str | None = (await request.body()).decode("utf-8")
    elif kind == "application/x-www-form-urlencoded":
        form = await request.form()
        if "update" in form:
            raise UpdateRefused(UPDATE_REFUSED)
        value = form.get("query")
        query = value if isinstance(value, str) else None
        default_graphs += [v for v in form.getlist("default-graph-uri") if isinstance(v, str)]
        named_graphs += [v for v in form.getlist("named-graph-uri") if isinstance(v, str)]
    elif kind == "application/sparql-update":
        raise UpdateRefused(UPDATE_REFUSED)
    else:
        raise InputError(
            f"Nicht unterstützter Content-Type {content_type!r}: erwartet "
            "application/x-www-form-urlencoded oder application/sparql-query."
        )
    return await _answer(query, accept, default_graphs, named_graphs, executor, settings)

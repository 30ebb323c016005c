"""The SPARQL 1.1 Protocol endpoint: query by GET, form POST or direct POST; read-only."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from wissensgraph.api.deps import ExecutorDep, SettingsDep
from wissensgraph.errors import (
    InputError,
    NotAcceptable,
    QuerySyntaxError,
    UpdateRefused,
    WissensgraphError,
)
from wissensgraph.sparql.query import (
    GRAPH_TYPES,
    RESULT_TYPES,
    UPDATE_REFUSED,
    QueryRequest,
    QueryResponse,
    choose_media_type,
    prepare,
)

router = APIRouter(tags=["SPARQL"])

#: Says whether the embedded store answered from its in-memory copy or its disk view.
STORE_VIEW_HEADER = "Wissensgraph-Store-View"

_DESCRIPTION = (
    "SPARQL 1.1 query endpoint (read-only). Results by content negotiation: SELECT/ASK as "
    "SPARQL JSON (default), XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle (default), JSON-LD, "
    "N-Triples, RDF/XML. The default graph is the union of all graphs."
)


async def run_query(executor: ExecutorDep, request: QueryRequest) -> QueryResponse:
    """Await the query in the event loop where the executor can, else in a thread."""
    run_async = getattr(executor, "execute_async", None)
    if run_async is not None:
        return await run_async(request)  # type: ignore[no-any-return]
    return await run_in_threadpool(executor.execute, request)


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
    result = await run_query(executor, request)
    headers = {"Vary": "Accept", "Access-Control-Allow-Origin": "*"}
    if result.store_view:
        headers[STORE_VIEW_HEADER] = result.store_view
    return Response(content=result.body, media_type=result.media_type, headers=headers)


ResultFormat = Literal["json", "xml", "csv", "tsv", "turtle", "jsonld", "ntriples"]

#: ``?format=`` for links that cannot set an Accept header (a CSV download in the browser).
FORMAT_PARAMETER = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
}


@router.get("/sparql", summary="SPARQL query (GET)", description=_DESCRIPTION)
async def sparql_get(
    request: Request,
    executor: ExecutorDep,
    settings: SettingsDep,
    query: Annotated[str | None, Query(description="The SPARQL query.")] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
    format: Annotated[
        ResultFormat | None,
        Query(description="Result format, overriding Accept (for download links)."),
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    if format is not None:
        accept = FORMAT_PARAMETER[format]
    elif _wants_page(accept):
        return await _page(request, query, executor, settings)
    return await _answer(query, accept, default_graph_uri, named_graph_uri, executor, settings)


def _wants_page(accept: str | None) -> bool:
    """A browser (text/html preferred over every SPARQL format) gets the query page."""
    if not accept or "text/html" not in accept:
        return False
    offered = ["text/html", *RESULT_TYPES, *GRAPH_TYPES]
    try:
        return choose_media_type(accept, offered) == "text/html"
    except NotAcceptable:
        return False


async def _page(
    request: Request, query: str | None, executor: ExecutorDep, settings: SettingsDep
) -> Response:
    """The SPARQL page: examples, editor, results as a table."""
    from wissensgraph.web.pages import page_language, templates

    lang = page_language(request)
    examples = []
    for path in sorted((settings.data_dir / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title = text.splitlines()[0].lstrip("# ") if text.startswith("#") else path.stem
        examples.append((path.stem, title, text))
    context: dict[str, object] = {
        "lang": lang,
        "query": query or (examples[1][2] if len(examples) > 1 else ""),
        "examples": examples,
        "columns": [],
        "rows": [],
        "boolean": None,
        "error": "",
    }
    if query:
        try:
            request_ = prepare(
                query,
                accept="application/sparql-results+json",
                service_allow=settings.sparql_service_allow,
            )
            if request_.form in ("CONSTRUCT", "DESCRIBE"):
                raise QuerySyntaxError(
                    "Die Seite zeigt SELECT und ASK als Tabelle; CONSTRUCT bitte über die "
                    "Schnittstelle /sparql mit Accept: text/turtle."
                )
            result = json.loads((await run_query(executor, request_)).body)
            if "boolean" in result:
                context["boolean"] = result["boolean"]
            else:
                columns = result["head"]["vars"]
                context["columns"] = columns
                context["rows"] = [
                    {c: b[c]["value"] if c in b else None for c in columns}
                    for b in result["results"]["bindings"]
                ]
        except WissensgraphError as exc:
            context["error"] = str(exc)
    return templates.TemplateResponse(request, "sparql.html", context)


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

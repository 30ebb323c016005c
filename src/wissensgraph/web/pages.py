"""Server-rendered pages for people: search, coverage, landing page. Work without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from wissensgraph.api.deps import SearcherDep, run_search
from wissensgraph.errors import ParameterError
from wissensgraph.namespaces import BASE
from wissensgraph.search.results import Filters, Hit
from wissensgraph.web import views

TEMPLATES = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.globals["BASE"] = BASE

router = APIRouter(include_in_schema=False)


def page_language(request: Request) -> str:
    """``?lang=`` first, then the browser's Accept-Language; German by default."""
    wanted = request.query_params.get("lang") or request.headers.get("accept-language", "de")
    return "en" if wanted.lower().startswith("en") else "de"


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> Response:
    return templates.TemplateResponse(request, "index.html", {"lang": page_language(request)})


def _year(text: str | None) -> int | None:
    if not text:
        return None
    if not text.strip().isdigit():
        raise ParameterError(f"Jahr {text!r} ist keine Zahl.")
    return int(text)


def _reason(hit: Hit, lang: str) -> str:
    parts = []
    if hit.dense is not None:
        parts.append(f"{'Bedeutung' if lang == 'de' else 'meaning'} {hit.dense:.2f}")
    if hit.lexical is not None:
        parts.append(f"{'Wörter' if lang == 'de' else 'words'} {hit.lexical:.1f}")
    if hit.concepts:
        parts.append(f"{'Begriffe' if lang == 'de' else 'concepts'}: {', '.join(hit.concepts)}")
    return " · ".join(parts)


@router.get("/suche", response_class=HTMLResponse)
async def search_page(
    request: Request,
    searcher: SearcherDep,
    q: str = "",
    handlungsfeld: Annotated[list[str], Query()] = [],  # noqa: B006
    prinzip: Annotated[list[str], Query()] = [],  # noqa: B006
    akteursgruppe: Annotated[list[str], Query()] = [],  # noqa: B006
    bundesland: Annotated[list[str], Query()] = [],  # noqa: B006
    von: str | None = None,
    bis: str | None = None,
    seite: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    lang = page_language(request)
    error = ""
    try:
        filters = Filters(
            tuple(handlungsfeld),
            tuple(prinzip),
            tuple(akteursgruppe),
            tuple(bundesland),
            _year(von),
            _year(bis),
        )
        searcher.allowed(filters)
    except ParameterError as exc:
        error, filters = str(exc), Filters()
    start = (seite - 1) * views.PAGE_SIZE
    expanded: list[str] = []
    if q.strip():
        result = await run_search(
            searcher,
            lambda: searcher.search(q, k=start + views.PAGE_SIZE, filters=filters, lang=lang),
        )
        hits, total, expanded = result.hits[start:], result.total, result.expanded
    else:
        mask = searcher.allowed(filters)
        documents = sorted(
            (d for d, keep in zip(searcher.index.documents, mask, strict=True) if keep),
            key=lambda d: d.title(lang),
        )
        total = len(documents)
        hits = [
            Hit(d.iri, d.slug, d.title(lang), d.city, 0.0, passage=d.abstract_de[:240] + " …")
            for d in documents[start : start + views.PAGE_SIZE]
        ]
    shown = [
        {
            **hit.__dict__,
            "highlighted": views.highlight(hit.passage, q),
            "reason": _reason(hit, lang),
        }
        for hit in hits
    ]
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "lang": lang,
            "q": q,
            "hits": shown,
            "total": total,
            "expanded": expanded,
            "first": start + 1,
            "error": error,
            "von": filters.von,
            "bis": filters.bis,
            "facets": views.facets(searcher, filters, lang),
            "prev_url": str(request.url.include_query_params(seite=seite - 1))
            if seite > 1
            else None,
            "next_url": str(request.url.include_query_params(seite=seite + 1))
            if start + views.PAGE_SIZE < total
            else None,
        },
    )


@router.get("/abdeckung", response_class=HTMLResponse)
async def coverage_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "coverage.html", {"lang": page_language(request)})

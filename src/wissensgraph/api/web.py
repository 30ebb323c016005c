"""Server-rendered pages: templates shared by the routers, and the landing page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from wissensgraph.namespaces import BASE

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.globals["BASE"] = BASE

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    lang = "en" if request.query_params.get("lang") == "en" else "de"
    return templates.TemplateResponse(request, "index.html", {"lang": lang})

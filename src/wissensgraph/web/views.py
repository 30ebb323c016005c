"""What the web pages show, prepared from the graph and the search index; no HTTP here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from wissensgraph.linking.suggest import Suggestion
from wissensgraph.publication.linked_data import local_href
from wissensgraph.queries import load_query
from wissensgraph.search.hybrid import Searcher
from wissensgraph.search.lexical import tokens
from wissensgraph.search.results import Filters
from wissensgraph.sparql.query import QueryExecutor, QueryRequest

Row = dict[str, str | None]
PAGE_SIZE = 10


def select_rows(executor: QueryExecutor, query: str) -> list[Row]:
    """A SELECT through the executor (time-limited like every query), rows as plain text."""
    response = executor.execute(
        QueryRequest(query=query, form="SELECT", media_type="application/sparql-results+json")
    )
    result = json.loads(response.body)
    names = result["head"]["vars"]
    return [
        {n: b[n]["value"] if n in b else None for n in names} for b in result["results"]["bindings"]
    ]


def _bind(query: str, iri: str) -> str:
    return query.replace("WHERE {", f"WHERE {{\n  VALUES ?resource {{ <{iri}> }}", 1)


def highlight(text: str, query: str) -> Markup:
    """The text, HTML-escaped, with the words that match the query (by stem) in <mark>."""
    wanted = set(tokens(query))
    parts = []
    for piece in re.split(r"(\w+)", text):
        if piece and re.fullmatch(r"\w+", piece) and set(tokens(piece)) & wanted:
            parts.append(f"<mark>{escape(piece)}</mark>")
        else:
            parts.append(escape(piece))
    return Markup("".join(parts))


@dataclass
class Link:
    """A labelled link on a page."""

    label: str
    href: str | None = None
    note: str = ""
    extra: str = ""


@dataclass
class CaseStudyView:
    """The case-study page."""

    iri: str
    title: str
    abstract: str
    city: str
    quarter: str
    region: str
    years: str
    status: str
    point: tuple[str, str] | None
    fields: list[Link] = field(default_factory=list)
    instruments: list[Link] = field(default_factory=list)
    formats: list[Link] = field(default_factory=list)
    actors: list[Link] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def case_study_view(executor: QueryExecutor, iri: str, lang: str) -> CaseStudyView:
    """Read one case study for its page, labels in ``lang`` where the graph has them."""
    rows = select_rows(executor, _bind(load_query("case_study_view"), iri))

    def texts(kind: str) -> list[Row]:
        chosen = [r for r in rows if r["kind"] == kind and r["lang"] in (lang, None, "")]
        return chosen or [r for r in rows if r["kind"] == kind and r["lang"] == "de"]

    def first(kind: str) -> str:
        found = texts(kind)
        return found[0]["label"] or "" if found else ""

    def links(kind: str) -> list[Link]:
        seen: dict[str, Link] = {}
        for r in texts(kind):
            key = r["value"] or r["label"] or ""
            seen.setdefault(
                key,
                Link(
                    r["label"] or "",
                    local_href(r["value"] or ""),
                    r["extra"] or "",
                    r["extra2"] or "",
                ),
            )
        return sorted(seen.values(), key=lambda link: link.label)

    start, end = first("start"), first("end")
    point = next(((r["label"] or "", r["extra"] or "") for r in rows if r["kind"] == "point"), None)
    return CaseStudyView(
        iri=iri,
        title=first("title"),
        abstract=first("abstract"),
        city=first("city"),
        quarter=first("quarter"),
        region=first("region"),
        years=f"{start}–{end}" if end else (f"seit {start}" if lang == "de" else f"since {start}"),
        status=first("status"),
        point=point,
        fields=links("field"),
        instruments=links("instrument"),
        formats=links("format"),
        actors=links("actor"),
        links=links("link"),
        sources=sorted({r["label"] or "" for r in rows if r["kind"] == "source"}),
    )


def page_suggestions(items: list[Suggestion], view: CaseStudyView) -> list[Suggestion]:
    """NLC suggestions for the page: the five best open ones, then every one curators rejected.

    Action fields and concepts the case study is curated with already are left out.
    """
    curated = {link.href for link in view.links}
    shown = [s for s in items if s.kind != "action-field" and local_href(s.target) not in curated]
    return [s for s in shown if s.suggest][:5] + [s for s in shown if s.status == "abgelehnt"]


def concept_case_studies(executor: QueryExecutor, iri: str) -> list[Link]:
    """Case studies under a concept or any narrower one."""
    rows = select_rows(executor, _bind(load_query("concept_view"), iri))
    return [Link(r["title"] or "", local_href(r["cs"] or ""), r["city"] or "") for r in rows]


@dataclass
class Facet:
    """One filter with the values on offer and how many case studies each would keep."""

    name: str
    label: str
    values: list[tuple[str, str, int, bool]]


FACETS = {
    "handlungsfeld": ("Handlungsfeld", "Action field"),
    "prinzip": ("NLC-Begriff", "NLC concept"),
    "akteursgruppe": ("Akteursgruppe", "Actor group"),
    "bundesland": ("Bundesland / Region", "State / region"),
}


def facets(searcher: Searcher, filters: Filters, lang: str) -> list[Facet]:
    """Counts per facet value among the case studies the other filters let through."""
    out = []
    for name, labels in FACETS.items():
        others = Filters(**{**filters.__dict__, name: ()})
        namespace, _ = searcher._facets[name]  # noqa: SLF001 - same package
        chosen = set(getattr(filters, name))
        values = []
        for slug, count in searcher.facet_counts(name, searcher.allowed(others)).items():
            iri = str(namespace) + slug
            if count or slug in chosen:
                label = (
                    searcher.index.concepts[iri].label(lang)
                    if iri in searcher.index.concepts
                    else slug
                )
                values.append((slug, label, count, slug in chosen))
        values.sort(key=lambda v: (-v[2], v[1]))
        out.append(Facet(name, labels[0] if lang == "de" else labels[1], values))
    return out

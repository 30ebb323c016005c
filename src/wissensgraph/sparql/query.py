"""Read-only SPARQL: what a query is, whether it may run, and in which format its answer goes out.

Execution itself happens in ``query_workers`` (embedded store) or ``remote`` (a SPARQL server);
both take a ``QueryRequest`` and return a ``QueryResponse``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

from wissensgraph.errors import FederationRefused, NotAcceptable, QuerySyntaxError, UpdateRefused

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

#: Media types offered for SELECT/ASK results, the first being the default.
RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
}
#: Media types offered for CONSTRUCT/DESCRIBE graphs, the first being the default.
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "TURTLE",
    "application/ld+json": "JSON_LD",
    "application/n-triples": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
}
#: Accept values clients send that mean one of the above.
ALIASES: dict[str, str] = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/x-ld+json": "application/ld+json",
}
#: Where writes go instead of SPARQL Update; said whenever an update is refused.
UPDATE_REFUSED = (
    "Dieser Endpunkt ist nur lesend; SPARQL Update wird abgelehnt. Daten ändern: Turtle-Dateien "
    "in data/ bearbeiten, dann 'wissensgraph build' (prüft per SHACL und ersetzt den Graphen). "
    "This endpoint is read-only: edit the Turtle files in data/ and run 'wissensgraph build'."
)
UPDATE_KEYWORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}

_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''  # short strings
    r"|#[^\n]*"  # comments
    r"|<[^<>\"{}|^`\\\s]*>"  # IRIs
    r"|[A-Za-z_][\w-]*(?::[\w.-]*)?|\?\w+|\$\w+|\S",
    re.DOTALL,
)


@dataclass(frozen=True)
class QueryInfo:
    """What a query is, read from its text without running it."""

    form: QueryForm
    services: list[str] = field(default_factory=list)
    #: The query's own dataset (FROM / FROM NAMED), as written; it then replaces the union.
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)

    @property
    def dataset(self) -> bool:
        """Whether the query names its own dataset."""
        return bool(self.from_graphs or self.from_named)


def analyse(query: str) -> QueryInfo:
    """Find the query form and every SERVICE target; refuse updates with a pointer to writes."""
    tokens = [t for t in _TOKEN.findall(query) if not t.startswith("#")]
    words = [t.upper() for t in tokens]
    form: QueryForm | None = None
    for word in words:
        if word in UPDATE_KEYWORDS:
            raise UpdateRefused(UPDATE_REFUSED)
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            form = word
            break
    if form is None:
        raise QuerySyntaxError("Keine SELECT-, ASK-, CONSTRUCT- oder DESCRIBE-Abfrage gefunden.")
    services = []
    for i, word in enumerate(words):
        if word == "SERVICE":
            j = i + 1
            if j < len(words) and words[j] == "SILENT":
                j += 1
            services.append(tokens[j] if j < len(tokens) else "")
    info = QueryInfo(form=form, services=services)
    for i, word in enumerate(words):
        if word == "FROM":
            named = i + 1 < len(words) and words[i + 1] == "NAMED"
            j = i + 2 if named else i + 1
            target = tokens[j] if j < len(tokens) else ""
            (info.from_named if named else info.from_graphs).append(target)
    return info


def check_federation(info: QueryInfo, allowed: list[str]) -> None:
    """SERVICE makes the server fetch a URL: refused unless every target is on the allow-list."""
    for target in info.services:
        iri = target[1:-1] if target.startswith("<") else None
        if iri is None or iri not in allowed:
            raise FederationRefused(
                f"SERVICE {target} ist nicht erlaubt: Föderation ist abgeschaltet oder das Ziel "
                "steht nicht auf der Liste WISSENSGRAPH_SPARQL_SERVICE_ALLOW. "
                f"SERVICE {target} is not allowed on this endpoint."
            )


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    entries = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        quality = 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        entries.append((pieces[0].lower(), quality))
    return entries


def offered_types(form: QueryForm) -> list[str]:
    """The media types a query of this form can be answered in, default first."""
    return list(RESULT_TYPES if form in ("SELECT", "ASK") else GRAPH_TYPES)


def negotiate(accept: str | None, form: QueryForm) -> str:
    """Pick the best media type for a query's answer."""
    return choose_media_type(accept, offered_types(form))


def choose_media_type(accept: str | None, offered: list[str]) -> str:
    """Pick the best offered media type for an Accept header (RFC 9110 q-values)."""
    if not accept or not accept.strip():
        return offered[0]
    candidates: list[tuple[float, int, int, str]] = []
    for position, (wanted, quality) in enumerate(_parse_accept(accept)):
        wanted = ALIASES.get(wanted, wanted)
        if quality <= 0:
            continue
        if wanted.endswith("/*"):
            prefix = wanted[:-1]
            match = next((o for o in offered if wanted == "*/*" or o.startswith(prefix)), None)
            specificity = 0
        else:
            match = wanted if wanted in offered else None
            specificity = 1
        if match:
            candidates.append((quality, specificity, -position, match))
    best = max(candidates) if candidates else None
    if best is None:
        raise NotAcceptable(
            f"Keines der angebotenen Formate passt zu Accept: {accept}. "
            f"Angeboten: {', '.join(offered)}",
            offered,
        )
    return best[3]


@dataclass(frozen=True)
class QueryRequest:
    """A query ready to run: text, answer format and dataset, as the protocol defines them."""

    query: str
    form: QueryForm
    media_type: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    #: FROM / FROM NAMED in the text: honoured unless the protocol names graphs, which win.
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()

    @property
    def query_dataset(self) -> bool:
        """Whether the query text names its own dataset."""
        return bool(self.from_graphs or self.from_named)


@dataclass(frozen=True)
class QueryResponse:
    """The serialised answer, and for the embedded store which view answered it."""

    media_type: str
    body: bytes
    store_view: str = ""  # "memory" or "disk" (see ``store_views``); empty for a remote store


class QueryExecutor(Protocol):
    """Runs read-only queries within the time and size limits; embedded or remote."""

    def execute(self, request: QueryRequest) -> QueryResponse:
        """Run one query and return its serialised result."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


def prepare(
    query: str,
    *,
    accept: str | None,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    service_allow: list[str] | None = None,
) -> QueryRequest:
    """Check a protocol request and turn it into a ``QueryRequest``, or raise why it cannot run."""
    if not query or not query.strip():
        raise QuerySyntaxError("Leere Abfrage: der Parameter 'query' fehlt oder ist leer.")
    info = analyse(query)
    check_federation(info, service_allow or [])
    return QueryRequest(
        query=query,
        form=info.form,
        media_type=negotiate(accept, info.form),
        default_graphs=tuple(default_graphs or ()),
        named_graphs=tuple(named_graphs or ()),
        from_graphs=tuple(info.from_graphs),
        from_named=tuple(info.from_named),
    )

"""A remote SPARQL 1.1 store in place of the embedded one: queries by protocol, builds by Update.

Any SPARQL 1.1 server works (Oxigraph server, Fuseki, GraphDB, Virtuoso) if its default graph is
the union of the named graphs, as with ``oxigraph serve --union-default-graph``.
"""

from __future__ import annotations

import httpx
from rdflib import Graph

from wissensgraph.errors import (
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
)
from wissensgraph.sparql.csv_results import SOURCE_TYPE as CSV_SOURCE
from wissensgraph.sparql.csv_results import csv_from_json
from wissensgraph.sparql.query import QueryRequest, QueryResponse


def _iri(token: str) -> str:
    """A FROM target as the protocol needs it: a full IRI (prefixed names are refused, clearly)."""
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    raise QuerySyntaxError(
        f"FROM {token}: mit dem entfernten Speicher bitte eine vollständige IRI in <…> angeben. "
        f"FROM {token}: please give a full IRI in <…> with the remote store."
    )


class RemoteExecutor:
    """Sends each query to the remote endpoint and passes its answer through, within the limits."""

    def __init__(self, endpoint: str, *, timeout: float, max_bytes: int) -> None:
        self._endpoint = endpoint
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0))

    def execute(self, request: QueryRequest) -> QueryResponse:
        """POST the query (form-encoded, as the protocol allows) and stream the answer back."""
        params: dict[str, str | list[str]] = {"query": request.query}
        if request.default_graphs:
            params["default-graph-uri"] = list(request.default_graphs)
        if request.named_graphs:
            params["named-graph-uri"] = list(request.named_graphs)
        if request.query_dataset and not (request.default_graphs or request.named_graphs):
            # a server whose default graph is the union may ignore FROM: say it by protocol
            params["default-graph-uri"] = [_iri(t) for t in request.from_graphs]
            params["named-graph-uri"] = [_iri(t) for t in request.from_named]
        wants_csv = request.media_type == "text/csv"
        accept = CSV_SOURCE if wants_csv else request.media_type  # CSV is written by us
        try:
            with self._client.stream(
                "POST", self._endpoint, data=params, headers={"Accept": accept}
            ) as response:
                if response.status_code == 400:
                    raise QuerySyntaxError(response.read().decode("utf-8", "replace")[:2000])
                if response.status_code != 200:
                    raise StoreError(
                        f"Entfernter SPARQL-Endpunkt antwortete {response.status_code}: "
                        f"{response.read().decode('utf-8', 'replace')[:500]}"
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise ResultTooLarge(
                            "Das Ergebnis ist größer als das Limit; bitte mit LIMIT eingrenzen."
                        )
                    chunks.append(chunk)
                media_type = response.headers.get("content-type", request.media_type).split(";")[0]
        except httpx.TimeoutException:
            raise QueryTimeout(
                f"Der entfernte Endpunkt hat nicht innerhalb von {self._timeout:g} s geantwortet."
            ) from None
        except httpx.TransportError as exc:
            raise StoreError(f"Entfernter SPARQL-Endpunkt nicht erreichbar: {exc}") from exc
        if wants_csv:
            return QueryResponse(media_type="text/csv", body=csv_from_json(b"".join(chunks)))
        return QueryResponse(media_type=media_type, body=b"".join(chunks))

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


def replace_graphs(update_endpoint: str, graphs: dict[str, Graph], *, timeout: float) -> None:
    """Replace each named graph in one SPARQL Update request, applied atomically by the server."""
    parts = []
    for name, graph in graphs.items():
        body = graph.serialize(format="nt")
        parts.append(
            f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}"
        )
    update = " ;\n".join(parts)
    try:
        response = httpx.post(
            update_endpoint,
            content=update.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
            timeout=max(timeout, 60.0),
        )
    except httpx.HTTPError as exc:
        raise StoreError(f"Entfernter Update-Endpunkt nicht erreichbar: {exc}") from exc
    if response.status_code not in (200, 204):
        raise StoreError(
            f"Entfernter Update-Endpunkt antwortete {response.status_code}: {response.text[:500]}"
        )

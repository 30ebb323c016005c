"""Command line: one thin command per verb; the work happens in the core modules."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from wissensgraph.config import get_settings
from wissensgraph.errors import (
    InputError,
    NotFound,
    QuerySyntaxError,
    ShapeViolation,
    StoreError,
    WissensgraphError,
)

app = typer.Typer(
    help="Wissensgraph Gemeinsam für das Quartier: validate, build and query the knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: One exit code per kind of failure, so scripts can tell them apart.
EXIT_CODES: dict[type[WissensgraphError], int] = {
    ShapeViolation: 1,
    InputError: 2,
    QuerySyntaxError: 2,
    NotFound: 2,
    StoreError: 3,
}

Lang = Annotated[Literal["de", "en"], typer.Option("--lang", help="Language of the report.")]
F = TypeVar("F", bound=Callable[..., Any])


def _handles_errors(func: F) -> F:
    """Turn the core's errors into one readable line (or report) and an exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ShapeViolation as exc:
            lang = kwargs.get("lang") or get_settings().language
            typer.echo(exc.report.render(lang), err=True)
            raise typer.Exit(EXIT_CODES[ShapeViolation]) from None
        except WissensgraphError as exc:
            typer.echo(f"Fehler: {exc}", err=True)
            raise typer.Exit(EXIT_CODES.get(type(exc), 2)) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@_handles_errors
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Turtle files or folders to check (default: the data folder)."),
    ] = None,
    lang: Lang = "de",
) -> None:
    """Check data against the SHACL shapes, together with the ontology; exit 1 on violations."""
    from wissensgraph.graph import read_sources

    sources = read_sources(get_settings(), paths or None)
    if not sources.report.conforms:
        raise ShapeViolation(sources.report)
    ok = "Gültig" if lang == "de" else "Valid"
    typer.echo(
        f"{ok}: {sources.files} Dateien, {len(sources.data)} Tripel. " + sources.report.render(lang)
    )


@app.command()
@_handles_errors
def build(lang: Lang = "de") -> None:
    """Validate ontology and data, then write them into the store; invalid input changes nothing."""
    from wissensgraph.graph import build as build_graph

    summary = build_graph(get_settings())
    de = lang == "de"
    typer.echo(
        f"{'Graph gebaut' if de else 'Graph built'}: {summary.store} "
        f"({summary.seconds:.1f} s, {summary.files} {'Dateien' if de else 'files'})"
    )
    typer.echo(
        f"  {'Ontologie und Begriffe' if de else 'Ontology and concepts'}: "
        f"{summary.ontology_triples} {'Tripel' if de else 'triples'}"
    )
    typer.echo(
        f"  {'Daten' if de else 'Data'}: {summary.data_triples} {'Tripel' if de else 'triples'}"
    )
    typer.echo(f"  {'Fallstudien je Handlungsfeld' if de else 'Case studies per action field'}:")
    for row in summary.case_studies_per_action_field:
        typer.echo(f"    {row['count']:>4}  {row['label']}")


@app.command()
@_handles_errors
def stats(lang: Lang = "de") -> None:
    """Print the collection's shape: counts per field, region, NLC concept, decade; gaps."""
    from wissensgraph.collection import collection_stats, render_stats
    from wissensgraph.graph import KnowledgeGraph

    typer.echo(render_stats(collection_stats(KnowledgeGraph.open(get_settings())), lang))


@app.command()
@_handles_errors
def query(
    sparql: Annotated[
        str, typer.Argument(help="A SPARQL SELECT/ASK query, or the path of a .rq file.")
    ],
    output: Annotated[
        Literal["table", "csv", "json"], typer.Option("--format", help="Output format.")
    ] = "table",
) -> None:
    """Run a read-only SPARQL query against the built store."""
    from wissensgraph.graph import KnowledgeGraph
    from wissensgraph.namespaces import sparql_prologue

    text = sparql
    if sparql.endswith(".rq"):
        path = Path(sparql)
        if not path.is_file():
            raise InputError(f"{path}: Datei nicht gefunden")
        text = path.read_text(encoding="utf-8")
    if "PREFIX" not in text.upper():
        text = sparql_prologue() + text
    graph = KnowledgeGraph.open(get_settings())
    if text.lstrip().upper().startswith("ASK") or "\nASK" in text.upper():
        typer.echo("true" if graph.ask(text) else "false")
        return
    rows = graph.select(text)
    _print_rows(rows, output)


@app.command()
@_handles_errors
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: setting).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: setting).")] = None,
) -> None:
    """Serve the SPARQL endpoint, linked data and web pages (default http://127.0.0.1:8000)."""
    import uvicorn

    from wissensgraph.api.app import create_app

    settings = get_settings()
    if not settings.sparql_endpoint and not settings.store_dir.exists():
        raise StoreError(f"Kein Graph unter {settings.store_dir}. Zuerst bauen: wissensgraph build")
    host = host or settings.host
    port = port or settings.port
    typer.echo(f"SPARQL: http://{host}:{port}/sparql   Seiten: http://{host}:{port}/")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
@_handles_errors
def export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
    fmt: Annotated[
        Literal["nquads", "trig", "turtle", "ntriples"], typer.Option("--format", help="Format.")
    ] = "nquads",
) -> None:
    """Write the whole graph as N-Quads (default), TriG, Turtle or N-Triples."""
    from wissensgraph.graph import export as export_graph

    if output is None:
        export_graph(get_settings(), sys.stdout.buffer, fmt)
        return
    tmp = output.with_name(f".{output.name}.part")
    try:
        with tmp.open("wb") as handle:
            export_graph(get_settings(), handle, fmt)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    typer.echo(f"Geschrieben: {output}", err=True)


def _print_rows(rows: list[dict[str, str | None]], output: str) -> None:
    from wissensgraph.namespaces import compact

    names = list(rows[0]) if rows else []
    if output == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows([[row[n] or "" for n in names] for row in rows])
    else:
        rows = [{n: compact(v) if v else v for n, v in row.items()} for row in rows]
        widths = {n: min(60, max([len(n)] + [len(row[n] or "") for row in rows])) for n in names}
        typer.echo("  ".join(n.ljust(widths[n]) for n in names))
        typer.echo("  ".join("-" * widths[n] for n in names))
        for row in rows:
            typer.echo("  ".join(_cut(row[n] or "", widths[n]).ljust(widths[n]) for n in names))
        typer.echo(f"({len(rows)} Zeilen)")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def main() -> None:
    """Entry point of the ``wissensgraph`` command."""
    app()

"""Commands on the knowledge base: init, validate, build, stats, query, export, coverage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from wissensgraph.cli.common import Lang, app, cut, handles_errors, print_rows
from wissensgraph.config import get_settings
from wissensgraph.errors import (
    InputError,
    ShapeViolation,
)


@app.command()
@handles_errors
def init(
    folder: Annotated[Path, typer.Argument(help="Folder of the new knowledge base.")] = Path("."),
) -> None:
    """Start a knowledge base of your own: copy the curated collection into FOLDER/data."""
    from wissensgraph.knowledge_base import init as init_knowledge_base

    data = init_knowledge_base(folder)
    typer.echo(f"Angelegt: {data}")
    typer.echo(f"Weiter: cd {folder} && wissensgraph build && wissensgraph serve")


@app.command()
@handles_errors
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Turtle files or folders to check (default: the data folder)."),
    ] = None,
    lang: Lang = "de",
) -> None:
    """Check data against the SHACL shapes, together with the ontology; exit 1 on violations."""
    from wissensgraph.store.graph import read_sources

    sources = read_sources(get_settings(), paths or None)
    if not sources.report.conforms:
        raise ShapeViolation(sources.report)
    ok = "Gültig" if lang == "de" else "Valid"
    typer.echo(
        f"{ok}: {sources.files} Dateien, {len(sources.data)} Tripel. " + sources.report.render(lang)
    )


@app.command()
@handles_errors
def build(
    lang: Lang = "de",
    index: Annotated[bool, typer.Option(help="Also build the search index.")] = True,
) -> None:
    """Validate ontology and data, write them into the store, then the search index.

    Invalid input changes nothing.
    """
    from wissensgraph.store.graph import build as build_graph

    settings = get_settings()
    summary = build_graph(settings)
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
    if index:
        from wissensgraph.search.freshness import ensure_index
        from wissensgraph.store.graph import KnowledgeGraph

        search_index, status = ensure_index(settings, KnowledgeGraph.open(settings), progress=True)
        state = (
            ("neu gebaut" if de else "rebuilt")
            if status.rebuilt
            else ("aktuell" if de else "current")
        )
        typer.echo(
            f"  {'Suchindex' if de else 'Search index'} ({settings.search_model}): {state}, "
            f"{search_index.manifest['documents']} {'Dokumente' if de else 'documents'}, "
            f"{search_index.manifest.get('passages', '?')} {'Passagen' if de else 'passages'} "
            f"({status.seconds:.1f} s)"
        )


@app.command()
@handles_errors
def stats(lang: Lang = "de") -> None:
    """Print the collection's shape: counts per field, region, NLC concept, decade; gaps."""
    from wissensgraph.publication.statistics import collection_stats, render_stats
    from wissensgraph.store.graph import KnowledgeGraph

    typer.echo(render_stats(collection_stats(KnowledgeGraph.open(get_settings())), lang))


@app.command()
@handles_errors
def query(
    sparql: Annotated[
        str, typer.Argument(help="A SPARQL SELECT/ASK query, or the path of a .rq file.")
    ],
    output: Annotated[
        Literal["table", "csv", "json"], typer.Option("--format", help="Output format.")
    ] = "table",
) -> None:
    """Run a read-only SPARQL query against the built store."""
    from wissensgraph.namespaces import sparql_prologue
    from wissensgraph.sparql.query import analyse
    from wissensgraph.store.graph import KnowledgeGraph

    text = sparql
    if sparql.endswith(".rq"):
        path = Path(sparql)
        if not path.is_file():
            raise InputError(f"{path}: Datei nicht gefunden")
        text = path.read_text(encoding="utf-8")
    if "PREFIX" not in text.upper():
        text = sparql_prologue() + text
    form = analyse(text).form  # the same reading of a query as the endpoint's; refuses updates
    graph = KnowledgeGraph.open(get_settings())
    if form == "ASK":
        typer.echo("true" if graph.ask(text) else "false")
        return
    rows = graph.select(text)
    print_rows(rows, output)


@app.command()
@handles_errors
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
    from wissensgraph.store.graph import export as export_graph

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


@app.command()
@handles_errors
def coverage(
    fmt: Annotated[
        Literal["table", "csv", "json", "svg"], typer.Option("--format", help="Output format.")
    ] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """The matrix action field x NLC principle (curated links), as a table, CSV, JSON or SVG."""
    from wissensgraph.linking import coverage as matrix
    from wissensgraph.store.graph import KnowledgeGraph

    cells = matrix.coverage(KnowledgeGraph.open(get_settings()))
    if fmt == "csv":
        text = matrix.to_csv(cells)
    elif fmt == "json":
        text = json.dumps([c.__dict__ for c in cells], ensure_ascii=False, indent=2)
    elif fmt == "svg":
        text = matrix.to_svg(cells)
    else:
        principles = list(dict.fromkeys(c.principle_label for c in cells))
        lines = [" " * 44 + "".join(f"{p[:12]:>13}" for p in principles)]
        for field_label in dict.fromkeys(c.field_label for c in cells):
            row = [c.curated for c in cells if c.field_label == field_label]
            lines.append(f"{cut(field_label, 43):<44}" + "".join(f"{v:>13}" for v in row))
        text = "\n".join(lines)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Geschrieben: {output}", err=True)

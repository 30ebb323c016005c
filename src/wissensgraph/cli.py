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

from wissensgraph.config import ONE_BLAS_THREAD, get_settings
from wissensgraph.errors import (
    Conflict,
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

eval_app = typer.Typer(
    help="Measure quality against the judgements in data/eval/.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")
link_app = typer.Typer(help="NLC link suggestions.", no_args_is_help=True)
app.add_typer(link_app, name="link")

#: One exit code per kind of failure, so scripts can tell them apart.
EXIT_CODES: dict[type[WissensgraphError], int] = {
    ShapeViolation: 1,
    InputError: 2,
    QuerySyntaxError: 2,
    NotFound: 2,
    Conflict: 2,
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
def build(
    lang: Lang = "de",
    index: Annotated[bool, typer.Option(help="Also build the search index.")] = True,
) -> None:
    """Validate ontology and data, write them into the store, then the search index.

    Invalid input changes nothing.
    """
    from wissensgraph.graph import build as build_graph

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
        from wissensgraph.graph import KnowledgeGraph
        from wissensgraph.search.index import ensure_index

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
@_handles_errors
def stats(lang: Lang = "de") -> None:
    """Print the collection's shape: counts per field, region, NLC concept, decade; gaps."""
    from wissensgraph.collection import collection_stats, render_stats
    from wissensgraph.graph import KnowledgeGraph

    typer.echo(render_stats(collection_stats(KnowledgeGraph.open(get_settings())), lang))


def _searcher(settings: Any) -> Any:
    from wissensgraph.graph import KnowledgeGraph
    from wissensgraph.search.encoder import get_encoder
    from wissensgraph.search.hybrid import Searcher
    from wissensgraph.search.index import ensure_index

    index, _ = ensure_index(settings, KnowledgeGraph.open(settings), progress=True)
    return Searcher(
        index, get_encoder(settings.search_model, settings.model_dir), rrf_k=settings.search_rrf_k
    )


@app.command()
@_handles_errors
def search(
    text: Annotated[str, typer.Argument(help="What to look for, in German or English.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Number of hits.")] = 10,
    handlungsfeld: Annotated[list[str] | None, typer.Option(help="Action field slug.")] = None,
    prinzip: Annotated[list[str] | None, typer.Option(help="NLC concept slug.")] = None,
    akteursgruppe: Annotated[list[str] | None, typer.Option(help="Actor group slug.")] = None,
    bundesland: Annotated[list[str] | None, typer.Option(help="Region slug.")] = None,
    von: Annotated[int | None, typer.Option(help="Active in or after this year.")] = None,
    bis: Annotated[int | None, typer.Option(help="Active in or before this year.")] = None,
    mode: Annotated[
        Literal["hybrid", "dense", "lexical"], typer.Option(help="Retriever.")
    ] = "hybrid",
    lang: Lang = "de",
) -> None:
    """Search case studies by meaning and words; prints a ranked table with the reasons."""
    from wissensgraph.search.hybrid import Filters

    filters = Filters(
        tuple(handlungsfeld or ()),
        tuple(prinzip or ()),
        tuple(akteursgruppe or ()),
        tuple(bundesland or ()),
        von,
        bis,
    )
    result = _searcher(get_settings()).search(text, k=k, filters=filters, mode=mode, lang=lang)
    de = lang == "de"
    if result.expanded:
        typer.echo(
            f"{'Begriffe erkannt' if de else 'Concepts recognised'}: {', '.join(result.expanded)}"
        )
    if not result.hits:
        typer.echo("Keine Treffer." if de else "No hits.")
    for rank, hit in enumerate(result.hits, start=1):
        parts = ", ".join(
            f"{name} {value:.2f}"
            for name, value in (
                ("dense", hit.dense),
                ("bm25", hit.lexical),
                ("concept", hit.concept),
            )
            if value is not None
        )
        typer.echo(f"{rank:>2}. {hit.title} ({hit.city})  [{hit.score:.4f}; {parts}]")
        if hit.concepts:
            typer.echo(f"    {'über' if de else 'via'}: {', '.join(hit.concepts)}")
        if hit.passage:
            typer.echo(f"    „{_cut(hit.passage, 160)}“")
        typer.echo(f"    /id/fallstudie/{hit.slug}")


@eval_app.command("search")
@_handles_errors
def eval_search(
    models: Annotated[
        list[str] | None,
        typer.Option("--model", help="Encoders to compare (default: MiniLM and USE multilingual)."),
    ] = None,
    judgements: Annotated[Path | None, typer.Option(help="JSON-lines judgements file.")] = None,
) -> None:
    """nDCG@10, MRR and Recall@10 for dense, lexical and hybrid search, per encoder."""
    from wissensgraph.evaluation import evaluate, load_judgements

    settings = get_settings()
    judged = load_judgements(judgements or settings.data_dir / "eval" / "search_queries.jsonl")
    names = models or ["all-MiniLM-L6-v2", "use-multilingual-v3"]
    typer.echo(f"{len(judged)} Anfragen / queries\n")
    typer.echo(
        f"{'encoder':<22} {'retriever':<8} {'nDCG@10':>8} {'MRR':>6} {'R@10':>6} "
        f"{'nDCG de':>8} {'nDCG en':>8} {'p50 ms':>7}"
    )
    german = [j for j in judged if j.lang == "de"]
    english = [j for j in judged if j.lang == "en"]
    for name in names:
        searcher = _searcher(settings.model_copy(update={"search_model": name}))
        for mode in ("dense", "lexical", "hybrid"):
            scores = evaluate(searcher, judged, mode)  # type: ignore[arg-type]
            de_scores = evaluate(searcher, german, mode)  # type: ignore[arg-type]
            en_scores = evaluate(searcher, english, mode)  # type: ignore[arg-type]
            typer.echo(
                f"{name:<22} {mode:<8} {scores.ndcg:>8.3f} {scores.mrr:>6.3f} "
                f"{scores.recall:>6.3f} {de_scores.ndcg:>8.3f} {en_scores.ndcg:>8.3f} "
                f"{scores.latency_ms:>7.1f}"
            )


def _linker(settings: Any) -> Any:
    from wissensgraph.graph import KnowledgeGraph
    from wissensgraph.linking import build_linker

    searcher = _searcher(settings)
    return build_linker(searcher.index, searcher.encoder, KnowledgeGraph.open(settings))


@link_app.command("suggest")
@_handles_errors
def link_suggest(
    slug: Annotated[
        str | None, typer.Argument(help="Case study slug, e.g. kalkbreite-zuerich.")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Any text instead of a case study.")] = None,
    top: Annotated[int, typer.Option(min=1, help="How many concepts to show.")] = 10,
    lang: Lang = "de",
) -> None:
    """Suggest NLC principles, dimensions, spatial levels and action fields, with evidence."""
    if (slug is None) == (text is None):
        raise InputError("Genau eines angeben: eine Fallstudie (SLUG) oder --text.")
    linker = _linker(get_settings())
    items = (
        linker.suggest_for_text(text, lang=lang)
        if text is not None
        else linker.suggest_for_case_study(slug, lang=lang)
    )
    threshold = linker.threshold if slug is None else linker.case_study_threshold(slug)
    typer.echo(f"Schwelle (kalibriert): {threshold:.2f}")
    for item in items[:top]:
        mark = "✔" if item.suggest else " "
        typer.echo(
            f"{mark} {item.score:.2f}  {item.label} ({item.kind})  "
            f"[zero-shot {item.zero_shot:.2f}, überwacht {item.supervised:.2f}]"
        )
        typer.echo(f"      „{_cut(item.passage, 140)}“")


@link_app.command("generate")
@_handles_errors
def link_generate() -> None:
    """Write suggestions for every case study to data/vorschlaege.ttl (decisions are kept)."""
    from wissensgraph.graph import build as build_graph
    from wissensgraph.suggestion_records import write_suggestions

    settings = get_settings()
    summary = write_suggestions(_linker(settings), settings.data_dir, model=settings.search_model)
    build_graph(settings)
    typer.echo(
        f"{summary.proposed} offene Vorschläge, {summary.kept} entschiedene behalten: "
        f"{summary.path}"
    )


@link_app.command("accept")
@_handles_errors
def link_accept(
    slug: Annotated[str, typer.Argument(help="Case study slug.")],
    target: Annotated[str, typer.Argument(help="Concept slug, e.g. gemeinwohlorientierung.")],
    curator: Annotated[str, typer.Option("--kurator", help="Who decides (recorded).")],
    justification: Annotated[
        str, typer.Option("--begruendung", help="One-line justification (German).")
    ],
) -> None:
    """Accept a suggestion: it becomes a curated link in the case study's file, with provenance."""
    _decide(slug, target, "accept", curator, justification)


@link_app.command("reject")
@_handles_errors
def link_reject(
    slug: Annotated[str, typer.Argument(help="Case study slug.")],
    target: Annotated[str, typer.Argument(help="Concept slug.")],
    curator: Annotated[str, typer.Option("--kurator", help="Who decides (recorded).")],
) -> None:
    """Reject a suggestion; the record stays, marked rejected."""
    _decide(slug, target, "reject", curator, None)


def _decide(slug: str, target: str, decision: str, curator: str, justification: str | None) -> None:
    from wissensgraph.suggestion_records import decide

    node = decide(
        get_settings(),
        case_study=slug,
        target=target,
        decision=decision,  # type: ignore[arg-type]
        curator=curator,
        justification=justification,
    )
    typer.echo(f"{'Angenommen' if decision == 'accept' else 'Abgelehnt'}: {node}")


@app.command("import")
@_handles_errors
def import_(
    file: Annotated[
        Path | None,
        typer.Argument(help="Case studies as .ttl, .jsonld, .nt, .json, .csv or .xlsx."),
    ] = None,
    curator: Annotated[
        str, typer.Option("--kurator", help="Who imports (recorded in the history).")
    ] = "",
    replace: Annotated[
        bool, typer.Option("--ersetzen", help="Replace case studies that already exist.")
    ] = False,
    template: Annotated[
        bool, typer.Option("--vorlage", help="Print the spreadsheet template (CSV) and stop.")
    ] = False,
    lang: Lang = "de",
) -> None:
    """Add case studies from a file, all or nothing: validated, stored, recorded in the history.

    Spreadsheet columns (one row per case study, several values separated by ';'):
    run with --vorlage for the header row; README.md explains each column.
    """
    from wissensgraph.spreadsheets import template as spreadsheet_template

    if template:
        typer.echo(spreadsheet_template(), nl=False)
        return
    if file is None:
        raise InputError("Welche Datei? wissensgraph import DATEI --kurator NAME")
    from wissensgraph.submissions import media_type_of_file, parse
    from wissensgraph.writes import submit

    if not file.is_file():
        raise InputError(f"{file}: Datei nicht gefunden")
    if not curator.strip():
        raise InputError("Wer importiert? --kurator NAME (wird in der Historie vermerkt)")
    submission = parse(file.read_bytes(), media_type_of_file(file.name))
    result = submit(
        get_settings(),
        submission,
        mode="upsert" if replace else "create",
        curator=curator,
        source=f"CLI import {file.name}",
    )
    typer.echo(
        f"Importiert: {len(result.created)} neu, {len(result.replaced)} ersetzt, "
        f"{len(result.actors_created)} neue Akteure. Historie: {result.change}"
    )
    for slug in result.created + result.replaced:
        typer.echo(f"  {slug}")


@eval_app.command("linking")
@_handles_errors
def eval_linking() -> None:
    """Leave-one-out over the curated links: micro/macro F1, precision@3, per concept."""
    from wissensgraph.linking import evaluate_linking

    linker = _linker(get_settings())
    typer.echo(f"{'method':<11} {'threshold':>9} {'micro-F1':>9} {'macro-F1':>9} {'P@3':>6}")
    results = {}
    for method in ("zero-shot", "supervised", "combined"):
        result = evaluate_linking(linker, method)  # type: ignore[arg-type]
        results[method] = result
        typer.echo(
            f"{method:<11} {result.threshold:>9.2f} {result.micro_f1:>9.3f} "
            f"{result.macro_f1:>9.3f} {result.precision_at_3:>6.3f}"
        )
    typer.echo(f"\n{'combined, per concept':<48} {'P':>5} {'R':>5} {'F1':>5} {'n':>3}")
    for iri, (p, r, f1, n) in sorted(
        results["combined"].per_concept.items(), key=lambda x: -x[1][3]
    ):
        label = linker.index.concepts[iri].label() if iri in linker.index.concepts else iri
        typer.echo(f"{_cut(label, 48):<48} {p:>5.2f} {r:>5.2f} {f1:>5.2f} {n:>3}")
    typer.echo(
        f"\nLeave-one-out über {len(linker.index.documents)} Fallstudien: Gewichte und Schwelle "
        "je Durchgang nur aus den übrigen kalibriert; 'threshold' ist die des Modells aus allen."
    )


@app.command()
@_handles_errors
def coverage(
    fmt: Annotated[
        Literal["table", "csv", "json", "svg"], typer.Option("--format", help="Output format.")
    ] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """The matrix action field x NLC principle (curated links), as a table, CSV, JSON or SVG."""
    from wissensgraph import coverage as matrix
    from wissensgraph.graph import KnowledgeGraph

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
            lines.append(f"{_cut(field_label, 43):<44}" + "".join(f"{v:>13}" for v in row))
        text = "\n".join(lines)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Geschrieben: {output}", err=True)


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
    from wissensgraph.sparql import analyse

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
    import os

    for variable, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(variable, value)
    from wissensgraph.executors import open_executor

    settings = get_settings()
    if not settings.sparql_endpoint and not settings.store_dir.exists():
        raise StoreError(f"Kein Graph unter {settings.store_dir}. Zuerst bauen: wissensgraph build")
    # The query processes start first and open the store while this one imports the web app.
    executor = open_executor(settings)
    try:
        import uvicorn

        from wissensgraph.api.app import create_app

        host = host or settings.host
        port = port or settings.port
        typer.echo(f"SPARQL: http://{host}:{port}/sparql   Seiten: http://{host}:{port}/")
        uvicorn.run(create_app(settings, executor), host=host, port=port, log_level="warning")
    finally:
        executor.close()


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

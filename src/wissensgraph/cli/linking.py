"""Commands of NLC linking: link suggest|generate|accept|reject, eval linking."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from wissensgraph.cli.common import Lang, cut, eval_app, handles_errors, link_app
from wissensgraph.cli.search import searcher_for
from wissensgraph.config import get_settings
from wissensgraph.errors import (
    InputError,
)


def _linker(settings: Any) -> Any:
    from wissensgraph.linking.suggest import build_linker
    from wissensgraph.store.graph import KnowledgeGraph

    searcher = searcher_for(settings)
    return build_linker(searcher.index, searcher.encoder, KnowledgeGraph.open(settings))


@link_app.command("suggest")
@handles_errors
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
        typer.echo(f"      „{cut(item.passage, 140)}“")


@link_app.command("generate")
@handles_errors
def link_generate() -> None:
    """Write suggestions for every case study to data/vorschlaege.ttl (decisions are kept)."""
    from wissensgraph.curation.decisions import generate

    settings = get_settings()
    summary = generate(settings, _linker(settings))
    typer.echo(
        f"{summary.proposed} offene Vorschläge, {summary.kept} entschiedene behalten: "
        f"{summary.path}"
    )


@link_app.command("accept")
@handles_errors
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
@handles_errors
def link_reject(
    slug: Annotated[str, typer.Argument(help="Case study slug.")],
    target: Annotated[str, typer.Argument(help="Concept slug.")],
    curator: Annotated[str, typer.Option("--kurator", help="Who decides (recorded).")],
) -> None:
    """Reject a suggestion; the record stays, marked rejected."""
    _decide(slug, target, "reject", curator, None)


def _decide(slug: str, target: str, decision: str, curator: str, justification: str | None) -> None:
    from wissensgraph.curation.decisions import decide

    node = decide(
        get_settings(),
        case_study=slug,
        target=target,
        decision=decision,  # type: ignore[arg-type]
        curator=curator,
        justification=justification,
        source=f"CLI link {decision}",
    )
    typer.echo(f"{'Angenommen' if decision == 'accept' else 'Abgelehnt'}: {node}")


@eval_app.command("linking")
@handles_errors
def eval_linking() -> None:
    """Leave-one-out over the curated links: micro/macro F1, precision@3, per concept."""
    from wissensgraph.linking.suggest import evaluate_linking

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
        typer.echo(f"{cut(label, 48):<48} {p:>5.2f} {r:>5.2f} {f1:>5.2f} {n:>3}")
    typer.echo(
        f"\nLeave-one-out über {len(linker.index.documents)} Fallstudien: Gewichte und Schwelle "
        "je Durchgang nur aus den übrigen kalibriert; 'threshold' ist die des Modells aus allen."
    )

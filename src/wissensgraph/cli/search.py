"""Commands of search: search, eval search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from wissensgraph.cli.common import Lang, app, cut, eval_app, handles_errors
from wissensgraph.config import get_settings


def searcher_for(settings: Any) -> Any:
    """A searcher over the current index (built or brought up to date first)."""
    from wissensgraph.search.encoder import get_encoder
    from wissensgraph.search.freshness import ensure_index
    from wissensgraph.search.hybrid import Searcher
    from wissensgraph.store.graph import KnowledgeGraph

    index, _ = ensure_index(settings, KnowledgeGraph.open(settings), progress=True)
    return Searcher(
        index, get_encoder(settings.search_model, settings.model_dir), rrf_k=settings.search_rrf_k
    )


@app.command()
@handles_errors
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
    from wissensgraph.search.results import Filters

    filters = Filters(
        tuple(handlungsfeld or ()),
        tuple(prinzip or ()),
        tuple(akteursgruppe or ()),
        tuple(bundesland or ()),
        von,
        bis,
    )
    result = searcher_for(get_settings()).search(text, k=k, filters=filters, mode=mode, lang=lang)
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
            typer.echo(f"    „{cut(hit.passage, 160)}“")
        typer.echo(f"    /id/fallstudie/{hit.slug}")


@eval_app.command("search")
@handles_errors
def eval_search(
    models: Annotated[
        list[str] | None,
        typer.Option("--model", help="Encoders to compare (default: MiniLM and USE multilingual)."),
    ] = None,
    judgements: Annotated[Path | None, typer.Option(help="JSON-lines judgements file.")] = None,
) -> None:
    """nDCG@10, MRR and Recall@10 for dense, lexical and hybrid search, per encoder."""
    from wissensgraph.search.evaluation import evaluate, load_judgements, load_pool

    settings = get_settings()
    judged = load_judgements(judgements or settings.data_dir / "eval" / "search_queries.jsonl")
    pool = load_pool(settings.data_dir / "eval" / "judged_pool.txt")
    names = models or ["all-MiniLM-L6-v2", "use-multilingual-v3"]
    typer.echo(f"{len(judged)} Anfragen / queries\n")
    typer.echo(
        f"{'encoder':<22} {'retriever':<8} {'nDCG@10':>8} {'MRR':>6} {'R@10':>6} "
        f"{'nDCG de':>8} {'nDCG en':>8} {'p50 ms':>7}"
    )
    german = [j for j in judged if j.lang == "de"]
    english = [j for j in judged if j.lang == "en"]
    for name in names:
        searcher = searcher_for(settings.model_copy(update={"search_model": name}))
        for mode in ("dense", "lexical", "hybrid"):
            scores = evaluate(searcher, judged, mode, pool)  # type: ignore[arg-type]
            de_scores = evaluate(searcher, german, mode, pool)  # type: ignore[arg-type]
            en_scores = evaluate(searcher, english, mode, pool)  # type: ignore[arg-type]
            typer.echo(
                f"{name:<22} {mode:<8} {scores.ndcg:>8.3f} {scores.mrr:>6.3f} "
                f"{scores.recall:>6.3f} {de_scores.ndcg:>8.3f} {en_scores.ndcg:>8.3f} "
                f"{scores.latency_ms:>7.1f}"
            )

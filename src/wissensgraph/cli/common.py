"""What every command shares: the typer apps, one exit code per error, printing rows."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal, TypeVar

import typer

from wissensgraph.config import get_settings
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


def handles_errors(func: F) -> F:
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


def print_rows(rows: list[dict[str, str | None]], output: str) -> None:
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
            typer.echo("  ".join(cut(row[n] or "", widths[n]).ljust(widths[n]) for n in names))
        typer.echo(f"({len(rows)} Zeilen)")


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

"""Commands of curation: import case studies from files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wissensgraph.cli.common import Lang, app, handles_errors
from wissensgraph.config import get_settings
from wissensgraph.errors import (
    InputError,
)


@app.command("import")
@handles_errors
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
    from wissensgraph.curation.spreadsheets import template as spreadsheet_template

    if template:
        typer.echo(spreadsheet_template(), nl=False)
        return
    if file is None:
        raise InputError("Welche Datei? wissensgraph import DATEI --kurator NAME")
    from wissensgraph.curation.commit import writable
    from wissensgraph.curation.pipeline import submit
    from wissensgraph.curation.submissions import media_type_of_file, parse

    if not file.is_file():
        raise InputError(f"{file}: Datei nicht gefunden")
    if not curator.strip():
        raise InputError("Wer importiert? --kurator NAME (wird in der Historie vermerkt)")
    writable(get_settings())
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

"""Command line: one module per group of commands; the work happens in the core packages."""

from __future__ import annotations

import sys

from wissensgraph.cli import curation, data, linking, search, server  # noqa: F401  (registers)
from wissensgraph.cli.common import app


def main() -> None:
    """Entry point of the ``wissensgraph`` command."""
    from pydantic import ValidationError

    from wissensgraph.config import get_settings
    from wissensgraph.logs import configure

    try:
        settings = get_settings()
    except ValidationError as exc:  # a mistyped WISSENSGRAPH_ variable: say which, no traceback
        problems = "; ".join(
            f"WISSENSGRAPH_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        print(f"Fehler in den Einstellungen: {problems}", file=sys.stderr)
        raise SystemExit(2) from None
    configure(settings.log_level, settings.log_format)
    app()

"""Command line: one module per group of commands; the work happens in the core packages."""

from __future__ import annotations

from wissensgraph.cli import curation, data, linking, search, server  # noqa: F401  (registers)
from wissensgraph.cli.common import app


def main() -> None:
    """Entry point of the ``wissensgraph`` command."""
    app()

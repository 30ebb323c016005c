"""The project's own exceptions; the CLI and API map each to one exit code or status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Report(Protocol):
    """What a SHACL report offers the CLI and API (``validation.shacl.ValidationReport``)."""

    @property
    def results(self) -> Sequence[Any]:
        """One entry per violated constraint."""
        ...

    def render(self, lang: str) -> str:
        """The report in words."""
        ...


class WissensgraphError(Exception):
    """Base of every error the core raises on purpose."""


class InputError(WissensgraphError):
    """A file or argument cannot be read: missing, unparsable, of an unknown format."""


class ParameterError(InputError):
    """A request parameter is well-formed but not acceptable (unknown filter value, empty query)."""


class Unauthenticated(WissensgraphError):
    """A write came without a bearer token."""


class Forbidden(WissensgraphError):
    """A write came with a wrong token, or writes are switched off."""


class ShapeViolation(WissensgraphError):
    """Data does not conform to the SHACL shapes; carries the full report."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.results)} SHACL violation(s)")
        self.report = report


class Conflict(WissensgraphError):
    """A write would create what already exists (a case study id in use)."""


class PayloadTooLarge(InputError):
    """A request body is larger than the configured limit."""


class UnsupportedMediaType(InputError):
    """A write came in a format the API does not read."""


class StoreError(WissensgraphError):
    """The store is missing, locked or cannot be written."""


class QuerySyntaxError(WissensgraphError):
    """A SPARQL query does not parse."""


class NotFound(WissensgraphError):
    """A named resource (query, case study, concept) does not exist."""


class QueryTimeout(WissensgraphError):
    """A query ran longer than the configured limit and was stopped."""


class ServiceBusy(WissensgraphError):
    """Every query worker stayed busy for the whole waiting time."""


class UpdateRefused(WissensgraphError):
    """A SPARQL Update was sent to the read-only query endpoint."""


class FederationRefused(WissensgraphError):
    """A query asked the server to fetch from another endpoint (SERVICE) that is not allowed."""


class ResultTooLarge(WissensgraphError):
    """A result grew past the configured size limit."""


class NotAcceptable(WissensgraphError):
    """No offered format matches what the client accepts; carries the offered media types."""

    def __init__(self, message: str, offered: list[str]) -> None:
        super().__init__(message)
        self.offered = offered

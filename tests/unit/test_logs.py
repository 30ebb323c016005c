"""Logs: readable lines by default, JSON lines on request, with the fields a write passes."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from wissensgraph.logs import configure


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    yield out
    logger = logging.getLogger("wissensgraph")
    logger.handlers.clear()
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def test_json_lines_carry_message_and_extra_fields(stream: io.StringIO) -> None:
    configure("INFO", "json", stream)
    logging.getLogger("wissensgraph.curation.pipeline").info(
        "Schreibvorgang von %s", "Erika", extra={"curator": "Erika", "store_version": "v7"}
    )
    entry = json.loads(stream.getvalue().strip())
    assert entry["message"] == "Schreibvorgang von Erika"
    assert entry["logger"] == "wissensgraph.curation.pipeline" and entry["level"] == "INFO"
    assert entry["curator"] == "Erika" and entry["store_version"] == "v7"


def test_text_lines_are_readable_and_respect_the_level(stream: io.StringIO) -> None:
    configure("WARNING", "text", stream)
    log = logging.getLogger("wissensgraph.store.journal")
    log.info("nicht zu sehen")
    log.warning("Unterbrochener Schreibvorgang zurückgenommen")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(
        "WARNING wissensgraph.store.journal: Unterbrochener Schreibvorgang zurückgenommen"
    )

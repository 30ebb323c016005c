"""data/SOURCES.md and the case studies' Turtle files name the same sources.

Every table headed ``| Fallstudie | Quelle | bestätigt |`` in SOURCES.md is read, whatever
section it stands in, so a section added for new case studies is covered without touching this
test. A row in the section *Koordinaten* names the page the case study's coordinates come from
(``wg:locationSource``) and the coordinates themselves; every other row names a
``dcterms:source``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from wissensgraph.config import PROJECT_ROOT
from wissensgraph.namespaces import FS, WG
from wissensgraph.store.rdf_files import collect_files, parse_files

SOURCES_MD = PROJECT_ROOT / "data" / "SOURCES.md"
HEADER = ("Fallstudie", "Quelle", "bestätigt")
COORDINATE_SECTION = "Koordinaten"
GEO_LAT = URIRef("http://www.w3.org/2003/01/geo/wgs84_pos#lat")
GEO_LONG = URIRef("http://www.w3.org/2003/01/geo/wgs84_pos#long")
COORDINATES = re.compile(r"Koordinaten\s+(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Row:
    line: int
    section: str
    case_study: str
    url: str
    confirms: str


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def parse_sources_table(path: Path) -> tuple[list[Row], list[str]]:
    """The rows of every source table, and the lines inside a table that are no proper row."""
    rows: list[Row] = []
    problems: list[str] = []
    section = ""
    in_table = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            section = stripped.lstrip("#").strip()
            in_table = False
            continue
        if not stripped.startswith("|"):
            in_table = False
            continue
        cells = _cells(stripped)
        if tuple(cells) == HEADER:
            in_table = True
            continue
        if not in_table or all(set(cell) <= set("-: ") for cell in cells):
            continue
        if len(cells) != 3 or not all(cells):
            problems.append(f"line {number}: expected three filled cells: {stripped[:120]}")
            continue
        case_study, url, confirms = cells
        if not url.startswith(("http://", "https://")) or " " in url:
            problems.append(f"line {number}: not an address: {url!r}")
            continue
        rows.append(Row(number, section, case_study, url, confirms))
    return rows, problems


@pytest.fixture(scope="module")
def table() -> list[Row]:
    rows, problems = parse_sources_table(SOURCES_MD)
    assert not problems, "\n".join(problems)
    assert rows, "no source rows found in SOURCES.md"
    return rows


@pytest.fixture(scope="module")
def data() -> Graph:
    return parse_files(collect_files([PROJECT_ROOT / "data"])).graph


@pytest.fixture(scope="module")
def case_studies(data: Graph) -> dict[str, URIRef]:
    found = {}
    for subject in data.subjects(RDF.type, WG.CaseStudy):
        if isinstance(subject, URIRef) and str(subject).startswith(str(FS)):
            found[str(subject)[len(str(FS)) :]] = subject
    assert found, "no case studies in data/"
    return found


def _source_rows(table: list[Row]) -> list[Row]:
    return [row for row in table if row.section != COORDINATE_SECTION]


def _coordinate_rows(table: list[Row]) -> list[Row]:
    return [row for row in table if row.section == COORDINATE_SECTION]


def test_every_row_names_a_known_case_study(
    table: list[Row], case_studies: dict[str, URIRef]
) -> None:
    unknown = [f"line {r.line}: {r.case_study}" for r in table if r.case_study not in case_studies]
    assert not unknown, "unknown case-study ids in SOURCES.md:\n" + "\n".join(unknown)


def test_no_source_is_listed_twice(table: list[Row]) -> None:
    twice = Counter((r.section == COORDINATE_SECTION, r.case_study, r.url) for r in table)
    repeated = [f"{cs} {url}" for (_, cs, url), n in twice.items() if n > 1]
    assert not repeated, "rows listed more than once:\n" + "\n".join(repeated)


def test_every_row_is_a_source_of_its_case_study(
    table: list[Row], data: Graph, case_studies: dict[str, URIRef]
) -> None:
    missing = [
        f"line {r.line}: {r.case_study} lacks dcterms:source <{r.url}>"
        for r in _source_rows(table)
        if r.case_study in case_studies
        and URIRef(r.url) not in set(data.objects(case_studies[r.case_study], DCTERMS.source))
    ]
    assert not missing, "\n".join(missing)


def test_every_source_of_a_case_study_has_a_row(
    table: list[Row], data: Graph, case_studies: dict[str, URIRef]
) -> None:
    listed: dict[str, set[str]] = defaultdict(set)
    for row in _source_rows(table):
        listed[row.case_study].add(row.url)
    missing = [
        f"{slug}: no row for dcterms:source <{source}>"
        for slug, cs in sorted(case_studies.items())
        for source in sorted(map(str, data.objects(cs, DCTERMS.source)))
        if source not in listed[slug]
    ]
    assert not missing, "\n".join(missing)


def test_coordinate_rows_match_the_files(
    table: list[Row], data: Graph, case_studies: dict[str, URIRef]
) -> None:
    problems = []
    for row in _coordinate_rows(table):
        cs = case_studies.get(row.case_study)
        if cs is None:
            continue
        if data.value(cs, WG.locationSource) != URIRef(row.url):
            problems.append(
                f"line {row.line}: {row.case_study} wg:locationSource is not <{row.url}>"
            )
        match = COORDINATES.search(row.confirms)
        if match is None:
            problems.append(f"line {row.line}: no 'Koordinaten LAT, LONG' in the row")
            continue
        lat, long = data.value(cs, GEO_LAT), data.value(cs, GEO_LONG)
        if lat is None or long is None:
            problems.append(f"line {row.line}: {row.case_study} has no geo:lat/geo:long")
        elif (Decimal(match[1]), Decimal(match[2])) != (Decimal(str(lat)), Decimal(str(long))):
            problems.append(
                f"line {row.line}: {row.case_study} file says {lat}, {long}, "
                f"SOURCES.md says {match[1]}, {match[2]}"
            )
    assert not problems, "\n".join(problems)


def test_every_coordinate_source_has_a_row(
    table: list[Row], data: Graph, case_studies: dict[str, URIRef]
) -> None:
    rows = {(r.case_study, r.url) for r in _coordinate_rows(table)}
    missing = [
        f"{slug}: no row in section {COORDINATE_SECTION} for <{source}>"
        for slug, cs in sorted(case_studies.items())
        for source in map(str, data.objects(cs, WG.locationSource))
        if (slug, source) not in rows
    ]
    assert not missing, "\n".join(missing)


def test_parser_reads_sections_added_later(tmp_path: Path) -> None:
    sample = tmp_path / "SOURCES.md"
    sample.write_text(
        "# Quellen\n\n## Zentrenentwicklung\n\n| Fallstudie | Quelle | bestätigt |\n|---|---|---|\n"
        "| a | https://example.org/a | A |\n\n## Neu\n\n"
        "| Fallstudie | Quelle | bestätigt |\n|---|---|---|\n| b | https://example.org/b | B |\n"
        "| c | kein-link | C |\n",
        encoding="utf-8",
    )
    rows, problems = parse_sources_table(sample)
    assert [(r.section, r.case_study, r.url) for r in rows] == [
        ("Zentrenentwicklung", "a", "https://example.org/a"),
        ("Neu", "b", "https://example.org/b"),
    ]
    assert len(problems) == 1 and "kein-link" in problems[0]

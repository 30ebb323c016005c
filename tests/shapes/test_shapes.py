"""Each valid example conforms; each invalid one fails on exactly the shape its header names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wissensgraph.config import PROJECT_ROOT
from wissensgraph.store.rdf_files import collect_files, parse_files
from wissensgraph.validation.shacl import ValidationReport, load_shapes, validate_graph

HERE = Path(__file__).parent
SHAPES_NS = "https://w3id.org/wissensgraph/shapes#"


def _validate(path: Path) -> ValidationReport:
    files = collect_files([PROJECT_ROOT / "ontology", path])
    return validate_graph(parse_files(files).graph, load_shapes(PROJECT_ROOT / "shapes"))


def _expected_shape(path: Path) -> str:
    match = re.search(r"^# expect: (\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} names no expected shape"
    return SHAPES_NS + match.group(1)


@pytest.mark.parametrize("path", sorted((HERE / "valid").glob("*.ttl")), ids=lambda p: p.stem)
def test_valid_example_conforms(path: Path) -> None:
    report = _validate(path)
    assert report.conforms, report.render("en")


@pytest.mark.parametrize("path", sorted((HERE / "invalid").glob("*.ttl")), ids=lambda p: p.stem)
def test_invalid_example_fails_on_expected_shape(path: Path) -> None:
    report = _validate(path)
    assert not report.conforms
    named = {r.shape for r in report.results} | {r.constraint for r in report.results}
    expected = _expected_shape(path)
    assert expected in named, f"{expected} not in {named}"
    for result in report.results:
        assert result.message("de") and result.message("en"), "every message exists in de and en"
        assert result.message("de") != result.message("en")


def test_every_constraint_has_german_and_english_message() -> None:
    from rdflib.namespace import SH

    shapes = load_shapes(PROJECT_ROOT / "shapes")
    constrained = set(shapes.subjects(SH.path, None)) | set(shapes.subjects(SH.select, None))
    helper_shapes = {s for s in shapes.subjects(SH.path, None) if (s, SH.hasValue, None) in shapes}
    missing = []
    for shape in constrained - helper_shapes:
        langs = {m.language for m in shapes.objects(shape, SH.message)}
        if not {"de", "en"} <= langs:
            missing.append(str(shape))
    assert not missing, missing

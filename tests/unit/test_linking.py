"""NLC link suggestions: evidence, calibration, leave-one-out quality; and the coverage matrix."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from wissensgraph import coverage
from wissensgraph.errors import NotFound, ParameterError
from wissensgraph.graph import KnowledgeGraph
from wissensgraph.linking import Linker, evaluate_linking
from wissensgraph.namespaces import HF, NLC


def test_suggestions_for_a_case_study_carry_evidence(linker: Linker) -> None:
    items = linker.suggest_for_case_study("alte-samtweberei-krefeld")
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    top = items[0]
    assert top.suggest and top.score >= linker.threshold
    document = next(d for d in linker.index.documents if d.slug == "alte-samtweberei-krefeld")
    assert top.passage in [t for _, t in document.passages()]
    kinds = {i.kind for i in items}
    assert {"principle", "dimension", "spatial-level", "action-field"} <= kinds


def test_suggestions_for_new_text(linker: Linker) -> None:
    text = (
        "Eine Bürgerinitiative übernimmt mit einer Stiftung eine leerstehende Fabrik am Stadtrand. "
        "Die Stadt vergibt das Grundstück im Erbbaurecht; es entstehen bezahlbare Wohnungen, "
        "Ateliers und ein Nachbarschaftscafé, geplant in offenen Werkstätten mit den Anwohnern."
    )
    items = linker.suggest_for_text(text)
    suggested = {i.target for i in items if i.suggest}
    assert str(NLC["beteiligung-koproduktion"]) in suggested
    assert {str(NLC.bodenpolitik), str(HF.konversion)} & {i.target for i in items[:8]}
    with pytest.raises(ParameterError):
        linker.suggest_for_text("   ")
    with pytest.raises(NotFound):
        linker.suggest_for_case_study("gibt-es-nicht")


def test_combined_beats_each_method_alone(linker: Linker) -> None:
    scores = {m: evaluate_linking(linker, m) for m in ("zero-shot", "supervised", "combined")}
    assert (
        scores["combined"].micro_f1 > scores["supervised"].micro_f1 > scores["zero-shot"].micro_f1
    )
    assert scores["combined"].precision_at_3 >= scores["supervised"].precision_at_3
    assert 0.05 <= scores["combined"].threshold <= 0.95  # calibrated, not the default


def test_coverage_matrix_and_heat_map(kg: KnowledgeGraph) -> None:
    cells = coverage.coverage(kg)
    assert len(cells) == 5 * 9  # five principles x nine action fields, zeros included
    cell = next(
        c
        for c in cells
        if c.field == str(HF.konversion) and c.principle == str(NLC["beteiligung-koproduktion"])
    )
    assert cell.curated >= 10 and cell.with_accepted >= cell.curated
    assert coverage.to_csv(cells).splitlines()[0].startswith("handlungsfeld,prinzip")
    svg = ET.fromstring(coverage.to_svg(cells))
    assert svg.tag.endswith("svg") and len(svg.findall("{http://www.w3.org/2000/svg}rect")) == 45

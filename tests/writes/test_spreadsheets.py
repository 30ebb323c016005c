"""Spreadsheets: documented columns, semicolon lists, errors with row and column."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.writes.conftest import ABSTRACT
from wissensgraph.config import Settings
from wissensgraph.curation import pipeline as writes
from wissensgraph.curation.spreadsheets import COLUMNS, read_csv, read_xlsx, template
from wissensgraph.errors import InputError

ROW = {
    "id": "",
    "titel": "Tabellenplatz Nord",
    "zusammenfassung": ABSTRACT,
    "stadt": "Kassel",
    "bundesland": "hessen",
    "startjahr": "2019",
    "status": "abgeschlossen",
    "handlungsfelder": "Altbauquartiere; Konversion",
    "akteure": "Gängeviertel e.V. (initiator); "
    "Tabellenverein Nord (traeger, zivilgesellschaft, ko-produktion)",
    "nlc": "beteiligung-koproduktion: Die Nachbarschaft plant den Platz mit.",
    "quellen": "https://example.org/a; https://example.org/b",
}


def csv_text(rows: list[dict[str, str]], delimiter: str = ",") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_template_is_the_column_list() -> None:
    assert template().strip().split(",") == list(COLUMNS)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_rows_become_forms(delimiter: str) -> None:
    (form,) = read_csv(csv_text([ROW], delimiter))
    assert form.handlungsfelder == ["Altbauquartiere", "Konversion"]
    assert [a.name for a in form.akteure] == ["Gängeviertel e.V.", "Tabellenverein Nord"]
    assert (
        form.akteure[1].gruppe == "zivilgesellschaft" and form.akteure[1].modus == "ko-produktion"
    )
    assert form.quellen == ["https://example.org/a", "https://example.org/b"]
    assert form.startjahr == 2019


def test_addresses_with_semicolons_stay_whole() -> None:
    row = {
        **ROW,
        "quellen": "https://example.org/a;jsessionid=7?nn=1; https://example.org/x;art1,2",
    }
    (form,) = read_csv(csv_text([row]))
    assert form.quellen == [
        "https://example.org/a;jsessionid=7?nn=1",
        "https://example.org/x;art1,2",
    ]


def test_errors_name_row_and_column() -> None:
    broken = {**ROW, "startjahr": "neunzehn", "akteure": "ohne Klammern"}
    with pytest.raises(InputError) as caught:
        read_csv(csv_text([ROW, broken]))
    text = str(caught.value)
    assert "Zeile 3" in text and "akteure" in text
    with pytest.raises(InputError, match="Unbekannte Spalte"):
        read_csv(b"titel,farbe\nx,y\n")
    with pytest.raises(InputError, match="Pflichtspalte"):
        read_csv(b"titel\nx\n")
    with pytest.raises(InputError, match="UTF-8"):
        read_csv("titel\nGr\xfcn\n".encode("latin-1"))


def test_xlsx_import_matches_actors_and_stores(writable: Settings) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    row = {**ROW, "id": "w-tabelle", "startjahr": 2019}
    sheet.append([row.get(name, "") for name in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    forms = read_xlsx(buffer.getvalue())
    result = writes.submit(writable, forms, mode="create", curator="Tabelle", source="t")
    assert result.created == ["w-tabelle"]
    assert result.actors_created == ["tabellenverein-nord"]  # Gängeviertel e.V. was found by name
    with pytest.raises(InputError, match="Excel"):
        read_xlsx(b"not a workbook")


def test_judgements_and_location_precision_are_stored(writable: Settings) -> None:
    row = {
        **ROW,
        "id": "w-urteile",
        "nlc_nein": "mehrebenenansatz; Grüne Stadt",
        "breite": "51.3",
        "laenge": "9.5",
        "lage_genauigkeit": "stadt",
        "lage_quelle": "https://example.org/karte",
    }
    forms = read_csv(csv_text([row]))
    writes.submit(writable, forms, mode="create", curator="Tabelle", source="t")
    from wissensgraph.store.graph import KnowledgeGraph

    rows = KnowledgeGraph.open(writable).select(
        "PREFIX wg: <https://w3id.org/wissensgraph/ontology#> "
        "SELECT ?p ?o WHERE { <https://w3id.org/wissensgraph/id/fallstudie/w-urteile> ?p ?o "
        "FILTER (?p IN (wg:judgedNotLinked, wg:locationPrecision, wg:locationSource)) }"
    )
    found = {(r["p"].rsplit("#", 1)[-1], r["o"].rsplit("/", 1)[-1]) for r in rows}
    assert found == {
        ("judgedNotLinked", "mehrebenenansatz"),
        ("judgedNotLinked", "gruene-stadt"),
        ("locationPrecision", "stadt"),
        ("locationSource", "karte"),
    }


def test_a_concept_linked_and_judged_not_linked_is_refused(writable: Settings) -> None:
    from wissensgraph.errors import ShapeViolation

    row = {**ROW, "id": "w-widerspruch", "nlc_nein": "beteiligung-koproduktion"}
    with pytest.raises(ShapeViolation):
        writes.submit(writable, read_csv(csv_text([row])), mode="create", curator="T", source="t")


def _workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced."""
    import zipfile

    book = Workbook()
    book.active.append(list(COLUMNS))
    original = io.BytesIO()
    book.save(original)
    out = io.BytesIO()
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else src.read(item)
            dst.writestr(item.filename, content)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_before_unpacking() -> None:
    padding = b" " * 60_000_000  # compresses to about 60 kB
    bomb = _workbook_with_sheet(b'<?xml version="1.0"?><worksheet>' + padding + b"</worksheet>")
    assert len(bomb) < 1_000_000
    with pytest.raises(InputError, match="entpackt sich"):
        read_xlsx(bomb)


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    ],
    ids=["external-entity", "billion-laughs"],
)
def test_xlsx_with_xml_entities_is_refused(doctype: bytes) -> None:
    sheet = (
        b'<?xml version="1.0"?>' + doctype + b'<worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&d;</t>'
        b"</is></c></row></sheetData></worksheet>"
    )
    with pytest.raises(InputError, match="Excel-Datei nicht lesbar"):
        read_xlsx(_workbook_with_sheet(sheet))


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("https://example.org","klick")', "@SUM(1+1)", "+49 30 1234", "-2+3"]
)
def test_cells_that_spreadsheets_read_as_formulas_are_refused(
    writable: Settings, cell: str
) -> None:
    row = {**ROW, "id": "w-formel", "quartier": cell}
    with pytest.raises(InputError, match="Formel"):
        writes.submit(writable, read_csv(csv_text([row])), mode="create", curator="T", source="t")
    assert not (writable.data_dir / "fallstudien" / "w-formel.ttl").exists()

"""Case studies from spreadsheets: one row each, documented columns, semicolons between values.

Many curators keep their examples in Excel or LibreOffice. A row becomes the same JSON form the
API takes, so one set of rules applies; every problem is reported with its row and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

from pydantic import ValidationError

from wissensgraph.curation.form import CaseStudyForm
from wissensgraph.errors import InputError

#: The columns, in template order, with what goes in them (README and --help show this).
COLUMNS: dict[str, str] = {
    "id": "Kennung (Kleinbuchstaben, Ziffern, Bindestriche); leer: aus dem Titel gebildet",
    "titel": "Titel, deutsch (Pflicht)",
    "titel_en": "Titel, englisch",
    "zusammenfassung": "Zusammenfassung, deutsch (Pflicht, eigene Worte)",
    "zusammenfassung_en": "Zusammenfassung, englisch",
    "stadt": "Stadt oder Gemeinde (Pflicht)",
    "bundesland": "Bundesland (Name oder Kennung, Pflicht)",
    "quartier": "Quartier",
    "startjahr": "Startjahr (Pflicht)",
    "endjahr": "Endjahr",
    "status": "geplant, laufend oder abgeschlossen (Pflicht)",
    "handlungsfelder": "Handlungsfelder, mit ; getrennt (mindestens eines)",
    "instrumente": "Instrumente, mit ; getrennt",
    "formate": "Formate, mit ; getrennt",
    "akteure": "Akteure als 'Name (Rolle)' oder 'Name (Rolle, Gruppe[, Modus])', mit ; getrennt",
    "nlc": "NLC-Bezüge als 'Ziel: Begründung', mit ; getrennt",
    "nlc_nein": "NLC-Begriffe, die geprüft und nicht verknüpft sind, mit ; getrennt",
    "quellen": "Quellen (http/https-Adressen), mit ; getrennt (mindestens eine)",
    "breite": "Geografische Breite (WGS84), nur aus einer Quelle",
    "laenge": "Geografische Länge (WGS84), nur aus einer Quelle",
    "lage_genauigkeit": "Wie genau der Punkt ist: gebaeude, quartier oder stadt",
    "lage_quelle": "Adresse der Seite, die die Koordinaten nennt",
}
REQUIRED = ("titel", "zusammenfassung", "stadt", "bundesland", "startjahr", "status")
LISTS = ("handlungsfelder", "instrumente", "formate", "quellen", "nlc_nein")

_ACTOR = re.compile(r"^(?P<name>.+?)\s*\((?P<spec>[^()]*)\)\s*$")


def template() -> str:
    """The header row of the template, comma-separated."""
    return ",".join(COLUMNS) + "\r\n"


def read_csv(data: bytes) -> list[CaseStudyForm]:
    """Rows of a CSV file (comma, semicolon or tab as separator, UTF-8 with or without BOM)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"CSV ist nicht UTF-8 (Byte {exc.start}); bitte als 'CSV UTF-8' speichern."
        ) from exc
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InputError(f"CSV nicht lesbar: {exc}") from exc
    return _forms(rows)


#: Limits of a workbook, checked before and while it is read: a zip bomb or a sheet of a million
#: rows is refused, never unpacked into memory.
XLSX_MAX_UNPACKED = 50_000_000
XLSX_MAX_RATIO = 200
XLSX_MAX_ROWS = 5_000
XLSX_MAX_COLUMNS = len(COLUMNS) + 20


def read_xlsx(data: bytes) -> list[CaseStudyForm]:
    """Rows of the first sheet of an Excel workbook, read within size limits and without XML
    entities (openpyxl uses defusedxml)."""
    from zipfile import BadZipFile, ZipFile

    from openpyxl import load_workbook

    try:
        entries = ZipFile(io.BytesIO(data)).infolist()
    except (BadZipFile, ValueError, OSError) as exc:
        raise InputError(f"Excel-Datei nicht lesbar: {exc}") from exc
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if unpacked > XLSX_MAX_UNPACKED or unpacked / packed > XLSX_MAX_RATIO:
        raise InputError(
            f"Die Excel-Datei entpackt sich zu {unpacked / 1e6:.0f} MB "
            f"(höchstens {XLSX_MAX_UNPACKED / 1e6:.0f} MB, Verhältnis höchstens "
            f"{XLSX_MAX_RATIO}:1); bitte als CSV oder in kleineren Teilen hochladen."
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True, max_col=XLSX_MAX_COLUMNS):
            if len(rows) >= XLSX_MAX_ROWS:
                raise InputError(f"Die Tabelle hat mehr als {XLSX_MAX_ROWS} Zeilen.")
            rows.append([_cell(value) for value in row])
        book.close()
    except InputError:
        raise
    # defusedxml refuses entities and DTDs with ValueError subclasses; broken parts raise others
    except (BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError) as exc:
        raise InputError(f"Excel-Datei nicht lesbar: {type(exc).__name__}: {exc}") from exc
    return _forms(rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _forms(rows: list[list[str]]) -> list[CaseStudyForm]:
    if not rows:
        raise InputError("Die Tabelle ist leer.")
    header = [name.strip().lower() for name in rows[0]]
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise InputError(
            f"Unbekannte Spalte(n): {', '.join(unknown)}. Erlaubt: {', '.join(COLUMNS)}"
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputError(f"Pflichtspalte(n) fehlen: {', '.join(missing)}")
    forms: list[CaseStudyForm] = []
    problems: list[str] = []
    for number, row in _data_rows(rows[1:]):
        values = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        try:
            forms.append(CaseStudyForm.model_validate(_record(values)))
        except (ValidationError, InputError) as exc:
            problems.extend(f"Zeile {number}: {line}" for line in _describe(exc))
    if problems:
        raise InputError("Die Tabelle hat Fehler:\n" + "\n".join(problems))
    if not forms:
        raise InputError("Die Tabelle enthält keine Datenzeile.")
    return forms


def _data_rows(rows: Iterable[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for number, row in enumerate(rows, start=2):
        if any(cell.strip() for cell in row):
            yield number, row


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _split_addresses(text: str) -> list[str]:
    """Addresses split where the next one starts: ';' also occurs inside URLs (';jsessionid=')."""
    return [part.strip() for part in re.split(r";\s*(?=https?://)", text) if part.strip()]


def _record(values: dict[str, str]) -> dict[str, object]:
    record: dict[str, object] = {
        name: value for name, value in values.items() if value and name not in LISTS
    }
    for name in LISTS:
        record[name] = _split(values.get(name, ""))
    record["quellen"] = _split_addresses(values.get("quellen", ""))
    record["akteure"] = [_actor(part) for part in _split(values.get("akteure", ""))]
    record["nlc"] = [_link(part) for part in _split(values.get("nlc", ""))]
    return record


def _actor(text: str) -> dict[str, str]:
    match = _ACTOR.match(text)
    if match is None:
        raise InputError(f"Spalte akteure: '{text}' hat nicht die Form 'Name (Rolle[, Gruppe])'")
    spec = [part.strip() for part in match["spec"].split(",")]
    actor = {"name": match["name"].strip(), "rolle": spec[0]}
    if len(spec) > 1 and spec[1]:
        actor["gruppe"] = spec[1]
    if len(spec) > 2 and spec[2]:
        actor["modus"] = spec[2]
    return actor


def _link(text: str) -> dict[str, str]:
    target, colon, reason = text.partition(":")
    if not colon or not target.strip():
        raise InputError(f"Spalte nlc: '{text}' hat nicht die Form 'Ziel: Begründung'")
    return {"ziel": target.strip(), "begruendung": reason.strip()}


def _describe(exc: ValidationError | InputError) -> list[str]:
    if isinstance(exc, InputError):
        return [str(exc)]
    lines = []
    for error in exc.errors():
        column = str(error["loc"][0]) if error["loc"] else "?"
        lines.append(f"Spalte {column}: {error['msg']}")
    return lines

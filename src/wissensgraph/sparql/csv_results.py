"""SELECT results as CSV per the SPARQL 1.1 CSV format and RFC 4180, from SPARQL JSON results.

The store's own CSV writer leaves IRIs unquoted, so an IRI with a comma splits its row and
spreadsheet tools and pandas read the table wrong. Both store modes (the embedded workers and a
remote endpoint) ask for JSON results and write the CSV here, so they answer alike.
"""

from __future__ import annotations

import csv
import io
import json

#: Content type the store is asked for when a client wants CSV.
SOURCE_TYPE = "application/sparql-results+json"


def _cell(term: dict[str, str] | None) -> str:
    if term is None:
        return ""  # unbound
    if term.get("type") == "bnode":
        return "_:" + term["value"]
    return term["value"]  # IRIs and literals: the plain string, no datatype or language


def csv_from_json(body: bytes) -> bytes:
    """The CSV of a SPARQL JSON result: header row of variable names, CRLF line ends, fields
    quoted wherever they hold a comma, quote or line break (``true``/``false`` for ASK)."""
    result = json.loads(body)
    if "boolean" in result:
        return b"true" if result["boolean"] else b"false"
    names: list[str] = result["head"].get("vars", [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(names)
    for row in result["results"]["bindings"]:
        writer.writerow([_cell(row.get(name)) for name in names])
    return out.getvalue().encode("utf-8")

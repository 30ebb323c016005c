"""The coverage matrix action field x NLC principle, as data, CSV and an SVG heat map for slides."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html import escape

from wissensgraph.store.graph import KnowledgeGraph


@dataclass(frozen=True)
class Cell:
    """Case studies of one action field that put one principle into practice."""

    field: str
    field_label: str
    principle: str
    principle_label: str
    curated: int
    with_accepted: int


def coverage(graph: KnowledgeGraph) -> list[Cell]:
    """Every (action field, principle) pair, zeros included: the gaps are part of the answer."""
    return [
        Cell(
            r["field"] or "",
            r["fieldLabel"] or "",
            r["principle"] or "",
            r["principleLabel"] or "",
            int(r["curatedCount"] or 0),
            int(r["withAccepted"] or 0),
        )
        for r in graph.named("coverage")
    ]


def to_csv(cells: list[Cell]) -> str:
    """One row per cell, for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["handlungsfeld", "prinzip", "kuratiert", "mit_angenommenen_vorschlaegen"])
    for c in cells:
        writer.writerow([c.field_label, c.principle_label, c.curated, c.with_accepted])
    return out.getvalue()


def to_svg(cells: list[Cell], *, title: str = "Abdeckung: Handlungsfeld × NLC-Prinzip") -> str:
    """A heat map: rows are action fields, columns principles, darker means more case studies."""
    fields = list(dict.fromkeys(c.field_label for c in cells))
    principles = list(dict.fromkeys(c.principle_label for c in cells))
    value = {(c.field_label, c.principle_label): c.curated for c in cells}
    top = max(value.values(), default=0) or 1
    left, head, size = 360, 150, 64
    width, height = left + size * len(principles) + 20, head + size * len(fields) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
    ]
    for j, principle in enumerate(principles):
        x = left + j * size + size / 2
        parts.append(
            f'<text transform="translate({x},{head - 8}) rotate(-40)">{escape(principle)}</text>'
        )
    for i, field_label in enumerate(fields):
        y = head + i * size
        parts.append(
            f'<text x="{left - 8}" y="{y + size / 2 + 4}" text-anchor="end">'
            f"{escape(field_label)}</text>"
        )
        for j, principle in enumerate(principles):
            count = value.get((field_label, principle), 0)
            shade = 245 - int(200 * count / top)
            fill = f"rgb({shade},{shade + 5 if shade < 250 else 250},255)" if count else "#fff3f0"
            ink = "#fff" if shade < 130 else "#222"
            x = left + j * size
            parts.append(
                f'<rect x="{x}" y="{y}" width="{size - 2}" height="{size - 2}" fill="{fill}" '
                f'stroke="#ccc"><title>{escape(field_label)} × {escape(principle)}: {count}'
                "</title></rect>"
            )
            parts.append(
                f'<text x="{x + size / 2 - 1}" y="{y + size / 2 + 5}" text-anchor="middle" '
                f'fill="{ink}">{count}</text>'
            )
    parts.append(
        f'<text x="10" y="{height - 12}" font-size="11">Zahl der Fallstudien mit kuratierter '
        "Verknüpfung; rosa: Lücke (keine Fallstudie)</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)

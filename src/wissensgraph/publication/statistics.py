"""The shape of the case-study collection: what practitioners and reviewers ask of it first."""

from __future__ import annotations

from dataclasses import dataclass, field

from wissensgraph.store.graph import KnowledgeGraph, Row

#: Columns of the gaps query, with the German and English wording of each gap.
GAP_COLUMNS: dict[str, tuple[str, str]] = {
    "noEnglishTitle": ("kein englischer Titel", "no English title"),
    "noEnglishAbstract": ("keine englische Kurzbeschreibung", "no English abstract"),
    "noCoordinates": ("keine Koordinaten", "no coordinates"),
    "singleSource": ("nur eine Quelle", "single source"),
    "noInstrument": ("kein Instrument", "no instrument"),
}


@dataclass(frozen=True)
class Gap:
    """Case studies that lack one kind of information."""

    key: str
    case_studies: list[str]


@dataclass
class CollectionStats:
    """Counts along every axis the collection is judged by, and what is missing where."""

    case_studies: int
    actors: int
    per_action_field: list[Row] = field(default_factory=list)
    per_region: list[Row] = field(default_factory=list)
    per_nlc_concept: list[Row] = field(default_factory=list)
    per_decade: list[Row] = field(default_factory=list)
    actors_per_group: list[Row] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


def collection_stats(graph: KnowledgeGraph) -> CollectionStats:
    """Read every count from the store with the package's own queries."""
    totals = graph.select(
        "PREFIX wg: <https://w3id.org/wissensgraph/ontology#> "
        "SELECT (COUNT(DISTINCT ?c) AS ?cs) (COUNT(DISTINCT ?a) AS ?actors) WHERE "
        "{ { ?c a wg:CaseStudy } UNION { ?a a wg:Actor } }"
    )[0]
    rows = graph.named("stats_gaps")
    gaps = [Gap(key, [r["title"] or "" for r in rows if r[key] == "true"]) for key in GAP_COLUMNS]
    return CollectionStats(
        case_studies=int(totals["cs"] or 0),
        actors=int(totals["actors"] or 0),
        per_action_field=graph.named("case_studies_per_action_field"),
        per_region=graph.named("stats_per_region"),
        per_nlc_concept=graph.named("stats_per_nlc_concept"),
        per_decade=graph.named("stats_per_decade"),
        actors_per_group=graph.named("stats_actors_per_group"),
        gaps=gaps,
    )


def render_stats(stats: CollectionStats, lang: str = "de") -> str:
    """A plain-text report, one section per axis."""
    de = lang == "de"
    out: list[str] = [
        f"{'Fallstudien' if de else 'Case studies'}: {stats.case_studies}   "
        f"{'Akteure' if de else 'Actors'}: {stats.actors}"
    ]

    def section(title_de: str, title_en: str, rows: list[tuple[str, str]]) -> None:
        out.append("")
        out.append(title_de if de else title_en)
        out.extend(f"  {count:>4}  {label}" for label, count in rows)

    section(
        "Je Handlungsfeld",
        "Per action field",
        [(r["label"] or "", r["count"] or "0") for r in stats.per_action_field],
    )
    section(
        "Je Bundesland / Region",
        "Per federal state / region",
        [(f"{r['label']} ({r['country']})", r["count"] or "0") for r in stats.per_region],
    )
    section(
        "Je NLC-Begriff (kuratiert)",
        "Per NLC concept (curated)",
        [(f"{r['kind']}: {r['label']}", r["count"] or "0") for r in stats.per_nlc_concept],
    )
    section(
        "Je Startjahrzehnt",
        "Per start decade",
        [
            (f"{r['decade']}er" if de else f"{r['decade']}s", r["count"] or "0")
            for r in stats.per_decade
        ],
    )
    section(
        "Akteure je Gruppe",
        "Actors per group",
        [(f"{r['top']} / {r['label']}", r["count"] or "0") for r in stats.actors_per_group],
    )
    out.append("")
    out.append("Was fehlt" if de else "What is missing")
    for gap in stats.gaps:
        wording = GAP_COLUMNS[gap.key][0 if de else 1]
        out.append(f"  {len(gap.case_studies):>4}  {wording}")
        out.extend(f"          - {title}" for title in gap.case_studies[:50])
    return "\n".join(out)

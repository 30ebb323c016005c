"""Synthetic, domain-shaped data for benchmarks: never real, always marked as such.

Every subject lives under its own namespace (``…/synthetic/``) and states
``prov:wasGeneratedBy <…/synthetic/generator>``; the concepts it points to are the real ones from
ontology/, so the competency queries have the same shape of work to do as on real data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from wissensgraph.namespaces import AG, BASE, FMT, HF, INST, MODUS, NLC, REGION, ROLLE, STATUS, WG

SYN = BASE + "synthetic/"
GENERATOR = f"<{SYN}generator>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DCT = "http://purl.org/dc/terms/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
SKOS_LABEL = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
PROV_GEN = "<http://www.w3.org/ns/prov#wasGeneratedBy>"
XSD = "http://www.w3.org/2001/XMLSchema#"

FIELDS = [
    "zentrenentwicklung",
    "altbauquartiere",
    "bestaende-1950-1970",
    "neubauquartiere",
    "nachverdichtung",
    "arrondierung",
    "konversion",
]
GROUPS = [
    "kommune",
    "bund-land",
    "wohnungswirtschaft",
    "projektentwicklung",
    "stiftung",
    "unternehmerische-wirtschaft",
    "wissenschaft",
    "kultur",
    "kreativwirtschaft",
    "zivilgesellschaft",
    "genossenschaft",
]
INSTRUMENTS = [
    "erbbaurecht",
    "konzeptvergabe",
    "zwischennutzung",
    "kooperationsvereinbarung",
    "quartiersmanagement",
    "staedtebaufoerderung",
    "baugemeinschaft",
]
FORMATS = ["werkstatt", "runder-tisch", "beirat", "reallabor"]
TARGETS = [
    "gemeinwohlorientierung",
    "integrierter-ansatz",
    "beteiligung-koproduktion",
    "mehrebenenansatz",
    "ortsbezogener-ansatz",
    "gerechte-stadt",
    "gruene-stadt",
    "produktive-stadt",
    "bezahlbarer-wohnraum",
    "soziale-teilhabe",
    "quartier",
    "gesamtstadt",
    "bodenpolitik",
]
REGIONS = [
    "baden-wuerttemberg",
    "bayern",
    "berlin",
    "brandenburg",
    "bremen",
    "hamburg",
    "hessen",
    "mecklenburg-vorpommern",
    "niedersachsen",
    "nordrhein-westfalen",
    "rheinland-pfalz",
    "saarland",
    "sachsen",
    "sachsen-anhalt",
    "schleswig-holstein",
    "thueringen",
]
WORDS = (
    "Quartier Nachbarschaft Genossenschaft Erdgeschoss Leerstand Werkstatt Kultur Initiative "
    "Stadt Wohnungsbau Fabrik Zwischennutzung Erbbaurecht Innenstadt Platz Garten Verein "
    "Beteiligung Kreative Atelier Begegnung Stiftung Konversion Kaserne Bahnhof"
).split()

#: Triples per synthetic case study, on average (measured; used to pick a size).
TRIPLES_PER_CASE_STUDY = 48.1


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def lines(case_studies: int, *, seed: int = 7) -> Iterator[str]:
    """N-Triples lines for ``case_studies`` synthetic case studies and their actors."""
    rng = random.Random(seed)
    actors = max(10, case_studies // 3)
    for a in range(actors):
        actor = f"<{SYN}akteur/{a}>"
        yield f"{actor} {RDF_TYPE} <{WG.Actor}> ."
        yield f"{actor} {SKOS_LABEL} {_lit(f'Synthetischer Akteur {a}', 'de')} ."
        yield f"{actor} <{WG.actorGroup}> <{AG[rng.choice(GROUPS)]}> ."
        yield f"{actor} {PROV_GEN} {GENERATOR} ."
    for i in range(case_studies):
        cs = f"<{SYN}fallstudie/{i}>"
        words = " ".join(rng.choice(WORDS) for _ in range(40))
        start = rng.randint(1990, 2024)
        yield f"{cs} {RDF_TYPE} <{WG.CaseStudy}> ."
        yield f"{cs} <{DCT}title> {_lit(f'Synthetische Fallstudie {i}', 'de')} ."
        yield f"{cs} <{DCT}title> {_lit(f'Synthetic case study {i}', 'en')} ."
        yield f"{cs} <{DCT}abstract> {_lit(words, 'de')} ."
        yield f"{cs} <{WG.city}> {_lit(f'Synthstadt {rng.randint(1, 400)}')} ."
        yield f"{cs} <{WG.region}> <{REGION[rng.choice(REGIONS)]}> ."
        yield f"{cs} <{GEO}lat> {_typed(round(rng.uniform(47.3, 55.0), 3), 'decimal')} ."
        yield f"{cs} <{GEO}long> {_typed(round(rng.uniform(5.9, 15.0), 3), 'decimal')} ."
        yield f"{cs} <{WG.startYear}> {_typed(start, 'gYear')} ."
        if rng.random() < 0.4:
            yield f"{cs} <{WG.endYear}> {_typed(min(2025, start + rng.randint(1, 8)), 'gYear')} ."
        yield f"{cs} <{WG.status}> <{STATUS[rng.choice(['laufend', 'abgeschlossen'])]}> ."
        for field in rng.sample(FIELDS, rng.randint(1, 2)):
            yield f"{cs} <{WG.actionField}> <{HF[field]}> ."
        for instrument in rng.sample(INSTRUMENTS, rng.randint(0, 2)):
            yield f"{cs} <{WG.instrument}> <{INST[instrument]}> ."
        if rng.random() < 0.5:
            yield f"{cs} <{WG['format']}> <{FMT[rng.choice(FORMATS)]}> ."
        for j in range(3):
            p = f"_:p{i}x{j}"
            yield f"{cs} <{WG.participation}> {p} ."
            yield f"{p} {RDF_TYPE} <{WG.Participation}> ."
            yield f"{p} <{WG.actor}> <{SYN}akteur/{rng.randrange(actors)}> ."
            yield f"{p} <{WG.role}> <{ROLLE[rng.choice(['initiator', 'traeger', 'partner'])]}> ."
            yield f"{p} <{WG.mode}> <{MODUS[rng.choice(['ko-kreation', 'ko-produktion'])]}> ."
        for j, target in enumerate(rng.sample(TARGETS, rng.randint(2, 3))):
            link = f"_:l{i}x{j}"
            yield f"{cs} <{WG.curatedLink}> {link} ."
            yield f"{link} {RDF_TYPE} <{WG.CuratedNLCLink}> ."
            yield f"{link} <{WG.target}> <{NLC[target]}> ."
            yield f"{link} <{WG.justification}> {_lit('Synthetische Begründung', 'de')} ."
        yield from _suggestions(rng, cs, i)
        yield f"{cs} <{DCT}source> <{SYN}quelle/{i}> ."
        yield f"{cs} {PROV_GEN} {GENERATOR} ."
    yield from _recommendations(rng, case_studies)


def _suggestions(rng: random.Random, cs: str, i: int) -> Iterator[str]:
    """Computed NLC link suggestions as the linker writes them, some decided by a curator.

    Targets are drawn like the curated ones, so some agree and some do not: CQ10 finds both kinds
    of disagreement.
    """
    if rng.random() >= 0.6:
        return
    for target in rng.sample(TARGETS, rng.randint(1, 2)):
        suggestion = f"<{SYN}vorschlag/{i}/{target}>"
        status = rng.choices(["vorgeschlagen", "angenommen", "abgelehnt"], [8, 1, 1])[0]
        yield f"{cs} <{WG.suggestedLink}> {suggestion} ."
        yield f"{suggestion} {RDF_TYPE} <{WG.NLCLinkSuggestion}> ."
        yield f"{suggestion} <{WG.target}> <{NLC[target]}> ."
        yield f"{suggestion} <{WG.score}> {_typed(round(rng.uniform(0.3, 0.99), 4), 'decimal')} ."
        yield f"{suggestion} <{WG.suggestionStatus}> <{STATUS[status]}> ."
        yield f"{suggestion} <{WG.passage}> {_lit('Synthetische Textstelle', 'de')} ."
        yield f"{suggestion} {PROV_GEN} {GENERATOR} ."


def _recommendations(rng: random.Random, case_studies: int) -> Iterator[str]:
    """Recommendations, each backed by a few case studies (one per hundred case studies)."""
    for r in range(max(1, case_studies // 100)):
        recommendation = f"<{SYN}empfehlung/{r}>"
        yield f"{recommendation} {RDF_TYPE} <{WG.Recommendation}> ."
        yield f"{recommendation} {SKOS_LABEL} {_lit(f'Synthetische Empfehlung {r}', 'de')} ."
        yield f"{recommendation} {SKOS_LABEL} {_lit(f'Synthetic recommendation {r}', 'en')} ."
        for cs in rng.sample(range(case_studies), min(case_studies, rng.randint(3, 8))):
            yield f"{recommendation} <{WG.backedBy}> <{SYN}fallstudie/{cs}> ."
        yield f"{recommendation} {PROV_GEN} {GENERATOR} ."


def write(path: Path, triples: int, *, seed: int = 7) -> int:
    """Write about ``triples`` synthetic triples as N-Triples; returns how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in lines(max(1, round(triples / TRIPLES_PER_CASE_STUDY)), seed=seed):
            out.write(line + "\n")
            count += 1
    return count

"""Write benchmark: one case study validated and committed against a large store, and bulk rate.

Also decisions on NLC link suggestions (accept, reject): each is a write of the same pipeline.

Run: ``.venv/bin/python -m benchmarks.writes --triples 1000000``. The store holds the real
ontology and data plus synthetic triples (own namespace, marked synthetic) up to the size asked
for; the writes are synthetic case studies of this benchmark, written to a temporary copy of
``data/``. Peers in the same run: the store work alone (checkpoint, update, flush) and the SHACL
check alone, so the table shows where the time goes.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from benchmarks.synthetic import write as write_synthetic
from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.curation import pipeline as writes
from wissensgraph.curation import shape_check as door
from wissensgraph.curation.decisions import decide
from wissensgraph.curation.form import CaseStudyForm
from wissensgraph.curation.pipeline import _contribution
from wissensgraph.linking.records import FILE_NAME
from wissensgraph.namespaces import DATA_GRAPH, NLC, STATUS, WG
from wissensgraph.store.graph import KnowledgeGraph, build
from wissensgraph.store.versions import build_marker, new_version_path, switch, write_version

ABSTRACT = (
    "Synthetischer Benchmark-Datensatz: ein Quartiersplatz wird von Stadt und Nachbarschaft "
    "gemeinsam umgebaut, mit Werkstätten, Probeaufbauten und einer Abstimmung über die Entwürfe. "
    "Dieser Text dient nur der Zeitmessung und beschreibt kein echtes Projekt."
)


def form(slug: str) -> CaseStudyForm:
    """A valid synthetic case study (never written to the repository's data)."""
    return CaseStudyForm.model_validate(
        {
            "id": slug,
            "titel": f"Synthetischer Platz {slug}",
            "zusammenfassung": ABSTRACT,
            "stadt": "Beispielstadt",
            "bundesland": "hessen",
            "startjahr": 2022,
            "status": "laufend",
            "handlungsfelder": ["altbauquartiere"],
            "akteure": [
                {"name": "Gängeviertel e.V.", "rolle": "initiator"},
                {"name": "steg Hamburg", "id": "steg-hamburg", "rolle": "partner"},
            ],
            "nlc": [{"ziel": "quartier", "begruendung": "Synthetischer Bezug für die Messung."}],
            "quellen": ["https://example.org/synthetisch"],
        }
    )


def _grow(settings: Settings, triples: int, work: Path) -> int:
    """Add synthetic triples to the built store as a new version; returns the store size."""
    if triples <= 0:
        return len(KnowledgeGraph.open(settings))
    nt = work / "synthetic.nt"
    write_synthetic(nt, triples)
    target = new_version_path(settings.home / "stores")
    source = settings.store_dir.resolve()
    current = ox.Store.read_only(str(source))
    current.backup(str(target))
    del current
    shutil.copyfile(build_marker(source), build_marker(target))  # same build, more data
    store = ox.Store(str(target))
    store.bulk_load(
        path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(DATA_GRAPH))
    )
    store.flush()
    size = len(store)
    del store
    switch(settings.store_dir, target)
    return size


def _p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _decisions(settings: Settings, count: int) -> tuple[list[float], list[float]]:
    """Accept up to ``count`` open suggestions of NLC concepts and reject as many others."""
    graph = Graph().parse(settings.data_dir / FILE_NAME)
    open_ones = sorted(graph.subjects(WG.suggestionStatus, STATUS.vorgeschlagen))
    by_kind: dict[bool, list[tuple[str, str]]] = {True: [], False: []}
    for node in open_ones:
        target = str(graph.value(node, WG.target))
        case_study = str(graph.value(predicate=WG.suggestedLink, object=node)).rsplit("/", 1)[-1]
        by_kind[target.startswith(str(NLC))].append((case_study, target))
    accept = by_kind[True][:count]
    reject = (by_kind[False] + by_kind[True][count:])[:count]
    times: dict[str, list[float]] = {"accept": [], "reject": []}
    for decision, chosen in (("accept", accept), ("reject", reject)):
        for case_study, target in chosen:
            started = time.perf_counter()
            decide(
                settings,
                case_study=case_study,
                target=target,
                decision=decision,  # type: ignore[arg-type]
                curator="Benchmark",
                justification="Synthetischer Bezug für die Messung.",
                source="benchmark",
            )
            times[decision].append(time.perf_counter() - started)
    return times["accept"], times["reject"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="synthetic triples added")
    parser.add_argument("--writes", type=int, default=20, help="single writes timed")
    parser.add_argument("--bulk", type=int, default=100, help="case studies in the bulk import")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wg-bench-writes-") as tmp:
        work = Path(tmp)
        shutil.copytree(PROJECT_ROOT / "data", work / "data")
        settings = Settings(home=work / "home", data_dir=work / "data", search_enabled=False)
        build(settings)
        size = _grow(settings, args.triples, work)
        graph = KnowledgeGraph.open(settings)
        shacl, store = [], []
        for n in range(args.writes):
            contribution = _contribution([form(f"peer-{n}")], graph)
            started = time.perf_counter()
            door.check(contribution, graph, settings.shapes_dir)
            shacl.append(time.perf_counter() - started)
            started = time.perf_counter()
            version = write_version(
                settings.store_dir, f"INSERT DATA {{ <urn:x:{n}> <urn:p> {n} }}"
            )
            store.append(time.perf_counter() - started)
            shutil.rmtree(version)
        single = []
        for n in range(args.writes):
            started = time.perf_counter()
            writes.submit(
                settings,
                [form(f"single-{n}")],
                mode="create",
                curator="Benchmark",
                source="benchmark",
            )
            single.append(time.perf_counter() - started)
        started = time.perf_counter()
        writes.submit(
            settings,
            [form(f"bulk-{n}") for n in range(args.bulk)],
            mode="create",
            curator="Benchmark",
            source="benchmark",
        )
        bulk_seconds = time.perf_counter() - started
        accepted, rejected = _decisions(settings, args.writes)
    print(f"store: {size:,} triples")
    print("| step | p50 ms |")
    print("| --- | ---: |")
    print(f"| SHACL check at the door alone | {_p50(shacl):.1f} |")
    print(f"| store version alone (checkpoint + update + flush) | {_p50(store):.1f} |")
    print(f"| one case study validated and committed (all of it) | {_p50(single):.1f} |")
    print(f"| accept a suggestion (n={len(accepted)}) | {_p50(accepted):.1f} |")
    print(f"| reject a suggestion (n={len(rejected)}) | {_p50(rejected):.1f} |")
    print(
        f"bulk import: {args.bulk} case studies in {bulk_seconds:.2f} s "
        f"= {args.bulk / bulk_seconds:.1f} per second"
    )


if __name__ == "__main__":
    main()

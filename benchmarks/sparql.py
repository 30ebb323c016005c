"""SPARQL benchmark: the competency queries over HTTP against this endpoint and its peers.

Run: ``.venv/bin/python -m benchmarks.sparql --sizes 100k 1M`` (or ``make bench``). For each size
it generates synthetic data, builds a store with the project's own loader, starts
``wissensgraph serve`` and rdflib-endpoint on loopback, and times every competency query over
HTTP and in-process with pyoxigraph (the limit), on the same kind of store the server's workers
answer from once their in-memory copies are loaded, and on the read-only disk view they start
with. It prints one table per size.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

from benchmarks.synthetic import write
from wissensgraph.api.sparql import STORE_VIEW_HEADER
from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.namespaces import DATA_GRAPH, ONTOLOGY_GRAPH
from wissensgraph.store.rdf_files import collect_files, parse_files
from wissensgraph.store.versions import switch
from wissensgraph.store.views import load_copy

QUERIES = sorted((PROJECT_ROOT / "data" / "queries").glob("cq*.rq"))
BIN = Path(sys.executable).parent
ACCEPT = "application/sparql-results+json"
#: Timed runs at least, even for a query that takes longer than the time budget.
MIN_RUNS = 5
#: A peer query is stopped once it took this many times as long as ours: reaching that limit
#: shows a speed-up of at least this factor (the target is 20x), without waiting for minutes.
PROOF_FACTOR = 25


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children, in MB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(
                next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total / 1024


def _wait_for_copies(url: str, workers: int, limit: float) -> float:
    """Seconds until ``workers`` answers in a row came from in-memory copies (workers rotate)."""
    started = time.perf_counter()
    in_a_row = 0
    with httpx.Client(timeout=30) as client:
        while in_a_row < workers:
            if time.perf_counter() - started > limit:
                raise RuntimeError(f"{url}: no in-memory copies after {limit} s")
            response = client.get(url, params={"query": "ASK {}"}, headers={"Accept": ACCEPT})
            in_a_row = in_a_row + 1 if response.headers.get(STORE_VIEW_HEADER) == "memory" else 0
            time.sleep(0.05)
    return time.perf_counter() - started


def _wait(url: str, process: subprocess.Popen[bytes], limit: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited")
        try:
            response = httpx.get(
                url, params={"query": "ASK {}"}, headers={"Accept": ACCEPT}, timeout=5
            )
            if response.status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url}: not up after {limit} s")


@dataclass
class Timing:
    p50: float | None
    p99: float | None
    note: str = ""
    limit: float = 0.0  # seconds after which the run was given up
    runs: int = 0


def _percentiles(samples: list[float]) -> Timing:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Timing(statistics.median(ordered) * 1000, p99 * 1000, runs=len(ordered))


def _time_http(
    url: str, query: str, repeats: int, timeout: float, budget: float = float("inf")
) -> Timing:
    """Up to ``repeats`` timed runs; after the fifth, stop once ``budget`` seconds are spent."""
    samples: list[float] = []
    with httpx.Client(timeout=timeout) as client:
        for _ in range(repeats):
            if len(samples) >= MIN_RUNS and sum(samples) > budget:
                break
            started = time.perf_counter()
            try:
                response = client.post(url, data={"query": query}, headers={"Accept": ACCEPT})
            except httpx.TimeoutException:
                return Timing(None, None, f"> {timeout:.0f} s", limit=timeout)
            if response.status_code != 200:
                return Timing(None, None, f"HTTP {response.status_code}")
            _ = response.content
            samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def _time_inprocess(
    store: ox.Store, query: str, repeats: int, budget: float = float("inf")
) -> Timing:
    samples: list[float] = []
    for _ in range(repeats):
        if len(samples) >= MIN_RUNS and sum(samples) > budget:
            break
        started = time.perf_counter()
        result = store.query(query, use_default_graph_as_union=True)
        result.serialize(format=ox.QueryResultsFormat.JSON)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def _build_store(home: Path, data: Path, *, name: str = "bench") -> float:
    """The project's own loader (bulk load into named graphs, atomic switch), timed.

    Each ``name`` is a new store version under ``home/stores``, as a build makes one.
    """
    started = time.perf_counter()
    # The ontology and the seed's own content (CQ7 needs the 2021 priority); data is synthetic.
    vocabulary = parse_files(
        collect_files([PROJECT_ROOT / "ontology", PROJECT_ROOT / "data" / "initiative.ttl"])
    ).graph
    target = home / "stores" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(target))
    store.bulk_load(
        vocabulary.serialize(format="nt", encoding="utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH)),
    )
    store.bulk_load(
        path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(DATA_GRAPH))
    )
    store.flush()
    del store
    switch(home / "store", target)
    return time.perf_counter() - started


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # busy with a query it cannot cancel
        process.kill()
        process.wait()


def _fmt(t: Timing) -> str:
    if t.p50 is None:
        return t.note
    return f"{t.p50:8.1f} / {t.p99:8.1f}"


def run(
    size: int,
    *,
    queries: list[Path],
    repeats: int,
    budget: float,
    rdflib_repeats: int,
    rdflib_timeout: float,
) -> None:
    with tempfile.TemporaryDirectory(prefix="wg-bench-") as tmp:
        work = Path(tmp)
        data = work / "synthetic.nt"
        triples = write(data, size)
        home = work / "home"
        load_s = _build_store(home, data)

        port = _port()
        ours = subprocess.Popen(
            [str(BIN / "wissensgraph"), "serve", "--port", str(port)],
            env={
                **os.environ,
                "WISSENSGRAPH_HOME": str(home),
                "WISSENSGRAPH_SPARQL_TIMEOUT": "120",
                "WISSENSGRAPH_SPARQL_MAX_RESULT_MB": "500",
                "WISSENSGRAPH_SEARCH_ENABLED": "false",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ours_url = f"http://127.0.0.1:{port}/sparql"
        cold_start = _wait(ours_url, ours, 60)
        copies_s = _wait_for_copies(ours_url, Settings().sparql_workers, 600)

        peer_files = [
            str(data),
            *map(str, collect_files([PROJECT_ROOT / "ontology"])),
            str(PROJECT_ROOT / "data" / "initiative.ttl"),
        ]

        def start_peer() -> tuple[subprocess.Popen[bytes], str, float]:
            port = _port()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.peers.rdflib_endpoint_server",
                    str(port),
                    *peer_files,
                ],
                cwd=PROJECT_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            url = f"http://127.0.0.1:{port}/"
            return process, url, _wait(url, process, 1800)

        peer = None
        try:
            version = (home / "store").resolve()
            disk = ox.Store.read_only(str(version))
            memory = load_copy(disk, version, len(disk))
            texts = {path.stem[:30]: path.read_text(encoding="utf-8") for path in queries}
            # Ours and the in-process limit first, the peer last: an abandoned slow peer query
            # keeps its process busy and would otherwise slow down the other measurements.
            measured = {}
            for name, query in texts.items():
                _time_http(ours_url, query, 2, 120)  # warm up
                measured[name] = (
                    _time_http(ours_url, query, repeats, 120, budget),
                    _time_inprocess(memory, query, repeats, budget),
                    _time_inprocess(disk, query, repeats, budget),
                )
            ours_rss = _rss_mb(ours.pid)
            _stop(ours)
            peer, peer_url, rdflib_load = start_peer()
            rows = []
            for name, query in texts.items():
                ours_p50 = measured[name][0].p50 or 0.0
                limit = max(rdflib_timeout, PROOF_FACTOR * ours_p50 / 1000)
                peer_t = _time_http(peer_url, query, rdflib_repeats, limit)
                rows.append((name, *measured[name], peer_t))
                if peer_t.p50 is None:  # it cannot cancel: a fresh process for the next query
                    _stop(peer)
                    peer, peer_url, _ = start_peer()
            peer_rss = _rss_mb(peer.pid)
        finally:
            for process in (ours, peer):
                if process is not None:
                    _stop(process)

    print(
        f"\n## {triples:,} synthetic triples (+ ontology); p50 / p99 in ms over HTTP unless noted\n"
    )
    print(
        f"Ours and pyoxigraph: {MIN_RUNS} to {repeats} runs per query, stopping after "
        f"{budget:g} s. rdflib-endpoint: {rdflib_repeats} runs, a run given up after "
        f"{PROOF_FACTOR}x our p50 or {rdflib_timeout:g} s, whichever is longer.\n"
    )
    print(
        "| query | wissensgraph HTTP | pyoxigraph in-process, in-memory | pyoxigraph in-process, "
        "disk view | rdflib-endpoint HTTP | ours / pyoxigraph in-memory p50 | rdflib / ours p50 |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, http, local, on_disk, peer_t in rows:
        ratio = f"{http.p50 / local.p50:.2f}x" if http.p50 and local.p50 else "–"
        speedup = (
            f"{peer_t.p50 / http.p50:.0f}x"
            if peer_t.p50 and http.p50
            else (
                f"> {peer_t.limit / (http.p50 / 1000):.0f}x" if http.p50 and peer_t.limit else "–"
            )
        )
        print(
            f"| {name} | {_fmt(http)} | {_fmt(local)} | {_fmt(on_disk)} | {_fmt(peer_t)} "
            f"| {ratio} | {speedup} |"
        )
    print()
    print("| measure | wissensgraph | rdflib-endpoint |")
    print("|---|---|---|")
    print(
        f"| load (s) | {load_s:.1f} (bulk load into store) "
        f"| {rdflib_load:.1f} (parse into memory, until first answer) |"
    )
    print(f"| cold start of serve on the built store (s) | {cold_start:.2f} | – |")
    print(f"| from first answer to all workers on in-memory copies (s) | {copies_s:.1f} | – |")
    print(f"| resident memory, server and workers (MB) | {ours_rss:.0f} | {peer_rss:.0f} |")


def _size(text: str) -> int:
    text = text.lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * factor)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["100k", "1M"], help="triples, e.g. 100k 1M")
    parser.add_argument(
        "--repeats", type=int, default=30, help="timed runs per query (ours, pyoxigraph)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20,
        help=f"seconds of timed runs per query and side, after at least {MIN_RUNS} runs",
    )
    parser.add_argument(
        "--rdflib-repeats", type=int, default=3, help="timed runs per query (rdflib-endpoint)"
    )
    parser.add_argument(
        "--rdflib-timeout",
        type=float,
        default=60,
        help=f"seconds before a peer query counts as too slow (at least {PROOF_FACTOR}x ours)",
    )
    parser.add_argument(
        "--queries", nargs="+", default=[], help="only these competency queries, e.g. cq07 cq10"
    )
    args = parser.parse_args()
    queries = [q for q in QUERIES if not args.queries or q.stem.startswith(tuple(args.queries))]
    if not queries:
        parser.error(f"no competency query starts with {' or '.join(args.queries)}")
    for size in args.sizes:
        run(
            _size(size),
            queries=queries,
            repeats=args.repeats,
            budget=args.budget,
            rdflib_repeats=args.rdflib_repeats,
            rdflib_timeout=args.rdflib_timeout,
        )


if __name__ == "__main__":
    main()

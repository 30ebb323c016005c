"""Search benchmark: index build, query latency and throughput over HTTP, against the raw limit.

Run: ``.venv/bin/python -m benchmarks.search --sizes 1k 10k 100k``. For each number of synthetic
case studies it builds the store, then the search index with the project's own code, and compares
with the raw work of the same encoder: encoding the same passages (build) and encoding a query plus
a FAISS search (query). It then serves the index and measures /search over HTTP on loopback:
p50/p99 with the standard library's client, whose own work is small, and p50 with httpx, which
spends about another millisecond in Python per request (the server's time is the same for both;
each query is timed raw in-process and over HTTP in turn, so all see the same machine), next to
a thin FastAPI server that does only the raw work (the framework's own cost), requests per
second with concurrent clients, cold start (process start to the first answered search, with an
index built for this store) and resident memory. Last, one case study is changed
as a curator's write changes it (a new store version with a change record) and the time the index
takes to follow it is measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import faiss
import httpx

from benchmarks.sparql import BIN, _build_store, _port, _rss_mb, _stop, _wait_for_copies
from benchmarks.synthetic import SYN, TRIPLES_PER_CASE_STUDY, write
from wissensgraph.config import ONE_BLAS_THREAD, PROJECT_ROOT, Settings
from wissensgraph.namespaces import DATA_GRAPH
from wissensgraph.search.encoder import get_encoder
from wissensgraph.search.freshness import ensure_index
from wissensgraph.store.graph import KnowledgeGraph
from wissensgraph.store.versions import switch, write_version
from wissensgraph.store.views import copy_fits

QUERIES = [
    json.loads(line)["query"]
    for line in (PROJECT_ROOT / "data" / "eval" / "search_queries.jsonl").read_text().splitlines()
    if line.strip()
]
HEADER = (
    "| case studies | passages | index build passages/s | raw encode passages/s "
    "| /search HTTP p50 / p99, stdlib client | raw encode+FAISS p50 / p99 | HTTP / raw p50 "
    "| HTTP p50, httpx client (/ raw) | thin FastAPI around raw p50, stdlib (/ raw) | req/s "
    "| cold start s | RSS MB server (+ workers) | follow 1 write s (encoded) |"
)


@dataclass
class Row:
    """One size's measurements."""

    documents: int
    passages: int
    build_rate: float
    raw_rate: float
    http: list[float]
    lean: list[float]
    raw: list[float]
    thin: list[float]
    rps: float
    cold: float
    rss: float
    rss_all: float
    follow: float
    encoded: int

    def line(self) -> str:
        l50, l99 = _ms(self.lean)
        h50, _ = _ms(self.http)
        t50, _ = _ms(self.thin)
        r50, r99 = _ms(self.raw)
        return (
            f"| {self.documents:,} | {self.passages:,} | {self.build_rate:,.0f} "
            f"| {self.raw_rate:,.0f} | {l50:.1f} / {l99:.1f} | {r50:.1f} / {r99:.1f} "
            f"| {l50 / r50:.2f}x | {h50:.1f} ({h50 / r50:.2f}x) | {t50:.1f} ({t50 / r50:.2f}x) "
            f"| {self.rps:.0f} | {self.cold:.1f} "
            f"| {self.rss:.0f} (+{self.rss_all - self.rss:.0f}) "
            f"| {self.follow:.1f} ({self.encoded}) |"
        )


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[round(0.99 * (len(ordered) - 1))] * 1000


def _wait(url: str, process: subprocess.Popen[bytes], limit: float) -> float:
    """Seconds until the server answers a search; one client, so polling costs the server
    little CPU (a new client per attempt builds an SSL context each time)."""
    started = time.perf_counter()
    with httpx.Client(timeout=30) as client:
        while time.perf_counter() - started < limit:
            if process.poll() is not None:
                raise RuntimeError("server exited")
            try:
                if client.get(url, params={"q": "Quartier", "k": 1}).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    raise RuntimeError("server did not come up")


def _throughput(url: str, seconds: float, clients: int) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(slot: int) -> None:
        with httpx.Client(timeout=30) as http:
            i = slot
            while time.monotonic() < stop:
                http.get(url, params={"q": QUERIES[i % len(QUERIES)], "k": 10})
                done[slot] += 1
                i += clients

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def _stdlib_get(connection: http.client.HTTPConnection, path: str, query: str) -> None:
    connection.request("GET", f"{path}?{urllib.parse.urlencode({'q': query, 'k': 10})}")
    with connection.getresponse() as response:
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        response.read()


def _latencies(url: str, thin_url: str, folder: Path, model: str, rounds: int) -> dict[str, list]:
    """Each query raw, over HTTP with the standard library's client and with httpx, and from the
    thin server, in turn.

    Raw is what the two libraries do alone: the encoder, then one ``search`` of the FAISS index
    file read as FAISS reads it, in this process. httpx shows how much of the HTTP time is the
    client's own work (it parses in Python). The thin server (``benchmarks.thin_server``) does
    only the raw work behind FastAPI, so it shows the framework's own cost on this machine.
    Whichever runs later on a query finds it warm in the caches (measured: 0.5-1 ms faster), so
    the order rotates from one query to the next and each takes each place equally often.
    """
    encoder = get_encoder(model)
    plain = faiss.read_index(str(folder / "index.faiss"))
    faiss.omp_set_num_threads(1)  # one query is one scan; an idle OpenMP thread would spin
    ours, thin = urllib.parse.urlsplit(url), urllib.parse.urlsplit(thin_url)
    stdlib = http.client.HTTPConnection(ours.hostname or "127.0.0.1", ours.port, timeout=30)
    stdlib_thin = http.client.HTTPConnection(thin.hostname or "127.0.0.1", thin.port, timeout=30)
    client = httpx.Client(timeout=30)
    kinds = {
        "raw": lambda query: plain.search(encoder.encode([query]), 10),
        "stdlib": lambda query: _stdlib_get(stdlib, ours.path, query),
        "httpx": lambda query: client.get(url, params={"q": query, "k": 10}).raise_for_status(),
        "thin": lambda query: _stdlib_get(stdlib_thin, thin.path, query),
    }
    names = list(kinds)
    samples: dict[str, list[float]] = {name: [] for name in names}
    try:
        turn = 0
        for _ in range(rounds):
            for query in QUERIES:
                shift = turn % len(names)
                for name in names[shift:] + names[:shift]:
                    started = time.perf_counter()
                    kinds[name](query)
                    samples[name].append(time.perf_counter() - started)
                turn += 1
    finally:
        client.close()
        stdlib.close()
        stdlib_thin.close()
    return samples


def _one_write(home: Path, case_studies: int) -> None:
    """One case study's German abstract changed the way a curator's write changes the store: a
    new version (checkpoint plus one SPARQL Update) with its change record, then the switch."""
    iri = f"{SYN}fallstudie/{case_studies // 2}"
    graph, statement = f"GRAPH <{DATA_GRAPH}>", f"<{iri}> <http://purl.org/dc/terms/abstract>"
    update = (
        f"DELETE {{ {graph} {{ {statement} ?old }} }} "
        f"WHERE {{ {graph} {{ {statement} ?old FILTER (LANG(?old) = 'de') }} }} ;"
        f'INSERT DATA {{ {graph} {{ {statement} "Kaserne Garten Verein"@de }} }}'
    )
    store = home / "store"
    switch(store, write_version(store, update, changed=[iri]))


def run(case_studies: int, *, model: str, rounds: int, clients: int, raw_sample: int) -> Row:
    with tempfile.TemporaryDirectory(prefix="wg-search-bench-") as tmp:
        work = Path(tmp)
        data = work / "synthetic.nt"
        triples = round(case_studies * TRIPLES_PER_CASE_STUDY)
        write(data, triples)
        home = work / "home"
        _build_store(home, data)
        settings = Settings(home=home, search_model=model)
        encoder = get_encoder(model)
        started = time.perf_counter()
        index, _ = ensure_index(settings, KnowledgeGraph.open(settings), progress=True)
        build_s = time.perf_counter() - started
        texts = [p.text for p in index.passages][:raw_sample]
        started = time.perf_counter()
        encoder.encode(texts)
        raw_rate = len(texts) / (time.perf_counter() - started)

        port = _port()
        server = subprocess.Popen(
            [str(BIN / "wissensgraph"), "serve", "--port", str(port)],
            env={**os.environ, "WISSENSGRAPH_HOME": str(home), "WISSENSGRAPH_SEARCH_MODEL": model},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/search"
        thin_port = _port()
        thin_server: subprocess.Popen[bytes] | None = None
        try:
            cold = _wait(url, server, 600)
            # steady state: the query workers load their in-memory copies of the store in the
            # background after a start, which would take cores from the searches timed below; a
            # store over a worker's share of the memory budget stays on the disk view (100k)
            share = int(settings.sparql_memory_mb * 1_000_000) // settings.sparql_workers
            if copy_fits(triples, share):
                _wait_for_copies(f"http://127.0.0.1:{port}/sparql", settings.sparql_workers, 600)
            thin_server = subprocess.Popen(
                [str(BIN / "python"), "-m", "uvicorn", "benchmarks.thin_server:app"]
                + ["--port", str(thin_port), "--log-level", "warning"],
                cwd=PROJECT_ROOT,
                env={
                    **os.environ,
                    "THIN_INDEX": str(settings.index_dir / "index.faiss"),
                    "THIN_MODEL": model,
                    **ONE_BLAS_THREAD,
                },
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            thin_url = f"http://127.0.0.1:{thin_port}/search"
            _wait(thin_url, thin_server, 600)
            latencies = _latencies(url, thin_url, settings.index_dir, model, rounds)
            _stop(thin_server)
            rps = _throughput(url, 10, clients)
            rss_all = _rss_mb(server.pid)
            rss = (
                float(
                    next(
                        line.split()[1]
                        for line in Path(f"/proc/{server.pid}/status").read_text().splitlines()
                        if line.startswith("VmRSS")
                    )
                )
                / 1024
            )
        finally:
            _stop(server)
            if thin_server is not None:
                _stop(thin_server)
        _one_write(home, case_studies)
        started = time.perf_counter()
        _, status = ensure_index(settings, KnowledgeGraph.open(settings))
        follow = time.perf_counter() - started
    return Row(
        documents=len(index.table),
        passages=len(index.passages),
        build_rate=len(index.passages) / build_s,
        raw_rate=raw_rate,
        http=latencies["httpx"],
        lean=latencies["stdlib"],
        raw=latencies["raw"],
        thin=latencies["thin"],
        rps=rps,
        cold=cold,
        rss=rss,
        rss_all=rss_all,
        follow=follow,
        encoded=status.encoded,
    )


def _size(text: str) -> int:
    text = text.lower()
    return int(float(text.rstrip("k")) * (1000 if text.endswith("k") else 1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["1k", "10k", "100k"], help="case studies")
    parser.add_argument("--model", default=Settings().search_model)
    parser.add_argument("--rounds", type=int, default=3, help="times each eval query is timed")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for req/s")
    parser.add_argument(
        "--raw-sample",
        type=int,
        default=30_000,
        help="passages encoded for the raw rate (the first ones; all up to 10k case studies)",
    )
    args = parser.parse_args()
    print(
        f"\nEncoder: {args.model}; times in ms (p50 / p99) over {len(QUERIES)} eval queries x "
        f"{args.rounds}; HTTP on loopback; raw encode rate on up to {args.raw_sample:,} passages\n"
    )
    print(HEADER)
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        row = run(
            _size(size),
            model=args.model,
            rounds=args.rounds,
            clients=args.clients,
            raw_sample=args.raw_sample,
        )
        print(row.line(), flush=True)


if __name__ == "__main__":
    main()

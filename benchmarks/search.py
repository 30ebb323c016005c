"""Search benchmark: index build, query latency and throughput over HTTP, against the raw limit.

Run: ``.venv/bin/python -m benchmarks.search --sizes 1k 10k 100k``. For each number of synthetic
case studies it builds the store, then the search index with the project's own code, and compares
with the raw work of the same encoder: encoding the same passages (build) and encoding a query plus
a FAISS search (query). It then serves the index and measures /search over HTTP on loopback:
p50/p99, requests per second with concurrent clients, cold start and resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchmarks.sparql import BIN, _build_store, _port, _rss_mb
from benchmarks.synthetic import TRIPLES_PER_CASE_STUDY, write
from wissensgraph.config import PROJECT_ROOT, Settings
from wissensgraph.graph import KnowledgeGraph
from wissensgraph.search.encoder import get_encoder
from wissensgraph.search.index import ensure_index

QUERIES = [
    json.loads(line)["query"]
    for line in (PROJECT_ROOT / "data" / "eval" / "search_queries.jsonl").read_text().splitlines()
    if line.strip()
]


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[round(0.99 * (len(ordered) - 1))] * 1000


def _wait(url: str, process: subprocess.Popen[bytes], limit: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            if httpx.get(url, params={"q": "Quartier", "k": 1}, timeout=30).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.05)
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


def run(case_studies: int, *, model: str, repeats: int, clients: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="wg-search-bench-") as tmp:
        work = Path(tmp)
        data = work / "synthetic.nt"
        write(data, round(case_studies * TRIPLES_PER_CASE_STUDY))
        home = work / "home"
        _build_store(home, data)
        settings = Settings(home=home, search_model=model)
        encoder = get_encoder(model)
        started = time.perf_counter()
        index, _ = ensure_index(settings, KnowledgeGraph.open(settings), progress=True)
        build_s = time.perf_counter() - started
        texts = [p.text for p in index.passages]
        started = time.perf_counter()
        vectors = encoder.encode(texts)
        raw_s = time.perf_counter() - started
        raw = []
        for query in QUERIES[:repeats]:
            t0 = time.perf_counter()
            index.vectors.search(encoder.encode([query])[0], 10)
            raw.append(time.perf_counter() - t0)
        del vectors

        port = _port()
        server = subprocess.Popen(
            [str(BIN / "wissensgraph"), "serve", "--port", str(port)],
            env={**os.environ, "WISSENSGRAPH_HOME": str(home), "WISSENSGRAPH_SEARCH_MODEL": model},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/search"
        try:
            cold = _wait(url, server, 600)
            http = []
            with httpx.Client(timeout=30) as client:
                for query in QUERIES[:repeats]:
                    t0 = time.perf_counter()
                    client.get(url, params={"q": query, "k": 10}).raise_for_status()
                    http.append(time.perf_counter() - t0)
            rps = _throughput(url, 10, clients)
            rss = _rss_mb(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    h50, h99 = _ms(http)
    r50, r99 = _ms(raw)
    n = len(index.documents)
    return [
        f"| {n:,} | {len(texts):,} | {len(texts) / build_s:,.0f} | {len(texts) / raw_s:,.0f} "
        f"| {h50:.1f} / {h99:.1f} | {r50:.1f} / {r99:.1f} | {h50 / r50:.2f}x | {rps:.0f} "
        f"| {cold:.1f} | {rss:.0f} |"
    ]


def _size(text: str) -> int:
    text = text.lower()
    return int(float(text.rstrip("k")) * (1000 if text.endswith("k") else 1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["1k", "10k", "100k"], help="case studies")
    parser.add_argument("--model", default=Settings().search_model)
    parser.add_argument("--repeats", type=int, default=58, help="timed queries (eval set texts)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for req/s")
    args = parser.parse_args()
    print(f"\nEncoder: {args.model}; times in ms (p50 / p99); HTTP on loopback\n")
    print(
        "| case studies | passages | index build passages/s | raw encode passages/s "
        "| /search HTTP | raw encode+FAISS | HTTP / raw p50 | req/s | cold start s | RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        for line in run(_size(size), model=args.model, repeats=args.repeats, clients=args.clients):
            print(line, flush=True)


if __name__ == "__main__":
    main()

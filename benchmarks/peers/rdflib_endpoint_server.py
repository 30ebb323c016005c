"""rdflib-endpoint serving N-Triples files from an in-memory rdflib graph: the PyPI peer."""

from __future__ import annotations

import sys

import rdflib
import uvicorn
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    """Usage: rdflib_endpoint_server.py PORT FILE [FILE ...]"""
    port = int(sys.argv[1])
    graph = rdflib.Graph()
    for path in sys.argv[2:]:
        graph.parse(path, format="nt" if path.endswith(".nt") else "turtle")
    app = SparqlEndpoint(graph=graph, public_url=f"http://127.0.0.1:{port}/")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()

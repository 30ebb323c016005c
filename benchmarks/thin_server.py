"""The thinnest FastAPI server around the raw work of a search: a peer for the search benchmark.

It encodes the query and searches the same FAISS file with one thread, as the benchmark's raw
limit does, in FastAPI's thread pool, and answers the rows as JSON. Nothing else: no lexical
side, no fusion, no explanations. Over HTTP it shows what FastAPI, uvicorn and loopback cost
around that work on this machine, so the benchmark can tell the framework's floor from what
``/search`` adds to it.

Started by the benchmark: ``python -m uvicorn benchmarks.thin_server:app`` with
``THIN_INDEX`` (the FAISS file) and ``THIN_MODEL`` (the encoder's name) in the environment, and
``ONE_BLAS_THREAD``, as ``wissensgraph serve`` sets it.
"""

from __future__ import annotations

import os
from typing import Annotated

import faiss
from fastapi import FastAPI, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from wissensgraph.search.encoder import get_encoder

_encoder = get_encoder(os.environ["THIN_MODEL"])
_index = faiss.read_index(os.environ["THIN_INDEX"])
app = FastAPI()


def _raw(query: str, k: int) -> dict[str, list[float] | list[int]]:
    faiss.omp_set_num_threads(1)
    scores, rows = _index.search(_encoder.encode([query]), k)
    return {"rows": rows[0].tolist(), "scores": scores[0].tolist()}


@app.get("/search")
async def search(
    q: Annotated[str, Query(min_length=1, max_length=500)],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> JSONResponse:
    return JSONResponse(await run_in_threadpool(_raw, q, k))

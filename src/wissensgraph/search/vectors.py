"""Dense vectors in FAISS: inner product on normalised vectors, exact by default, HNSW by setting.

Works on arrays only, so it is tested with random vectors and without a model.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from wissensgraph.search.pools import pool

IndexKind = Literal["flat", "hnsw"]

#: OpenMP threads of one search. A search is one query, which FAISS does not split, but a second
#: thread spins after each call and, on a machine whose cores are busy, made a 10k search 5x slower
#: (measured). Concurrent requests still use every core, each in its own thread.
SEARCH_THREADS = 1
#: A flat index of at least this many rows is scanned in parts side by side, one per core. FAISS
#: scans for one query on one core, whose memory reads bound it; two cores halve the reads each
#: (measured at 30,000 passages of 512 dimensions: 2.1 ms as one scan, 1.5 ms in two parts).
PARALLEL_ROWS = 20_000
PARTS = min(2, os.cpu_count() or 1)


def _top_of_part(query: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    faiss.omp_set_num_threads(SEARCH_THREADS)  # OpenMP keeps the setting per thread
    scores, found = faiss.knn(query, rows, k, metric=faiss.METRIC_INNER_PRODUCT)
    return scores[0], found[0]


class VectorIndex:
    """Passage vectors with their row numbers; search can be limited to allowed rows."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray, kind: IndexKind = "flat") -> VectorIndex:
        """Index ``vectors`` (rows must be L2-normalised float32)."""
        dimension = vectors.shape[1]
        if kind == "hnsw":
            index: faiss.Index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = 128
        else:
            index = faiss.IndexFlatIP(dimension)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows by inner product; ``allowed`` (row numbers) filters before ranking."""
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if allowed is None and self._in_parts():
            return self._search_in_parts(query, k)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=max(128, k))
                if isinstance(self._index, faiss.IndexHNSW)
                else faiss.SearchParameters(sel=selector)
            )
        # per call: OpenMP keeps the setting per thread, and requests run in a thread pool
        faiss.omp_set_num_threads(SEARCH_THREADS)
        scores, rows = self._index.search(
            np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params
        )
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep]

    def _in_parts(self) -> bool:
        index = self._index
        return (
            PARTS > 1
            and isinstance(index, faiss.IndexFlat)
            and index.metric_type == faiss.METRIC_INNER_PRODUCT
            and len(self) >= PARALLEL_ROWS
        )

    def _search_in_parts(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The same top ``k`` as one scan: each part's top ``k``, merged (equal scores by row)."""
        stored = self.stored()
        bounds = np.linspace(0, len(stored), PARTS + 1).astype(np.int64).tolist()
        vector = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        tasks = [(vector, stored[a:b], min(k, b - a)) for a, b in itertools.pairwise(bounds)]
        later = [pool("vector-part", PARTS).submit(_top_of_part, *task) for task in tasks[1:]]
        results = [_top_of_part(*tasks[0]), *(future.result() for future in later)]
        scores = np.concatenate([part_scores[found >= 0] for part_scores, found in results])
        rows = np.concatenate(
            [
                found[found >= 0] + start
                for (_, found), start in zip(results, bounds[:-1], strict=True)
            ]
        )
        order = np.lexsort((rows, -scores))[:k]
        return scores[order], rows[order]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of some rows (flat and HNSW both keep them)."""
        keys = np.ascontiguousarray(rows, dtype=np.int64)
        if len(keys) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(keys), dtype=np.float32)

    def stored(self) -> np.ndarray:
        """Every stored vector in row order: a view of a flat index's storage (valid while this
        object lives), a copy for HNSW."""
        if len(self) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if isinstance(self._index, faiss.IndexFlat):
            flat = faiss.rev_swig_ptr(self._index.get_xb(), len(self) * self.dimension)
            return np.asarray(flat).reshape(len(self), self.dimension)
        return np.asarray(self._index.reconstruct_n(0, len(self)), dtype=np.float32)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Map the file instead of reading it: a server starts without copying every vector.

        The mapping stays valid when a newer index replaces the file, as the old one is unlinked,
        not overwritten.
        """
        return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC))

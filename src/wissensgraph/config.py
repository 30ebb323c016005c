"""Settings: the one place that reads the environment (prefix ``WISSENSGRAPH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root in a source checkout (src/wissensgraph/config.py -> ../../..).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything a deployment may change; defaults work offline from a fresh clone."""

    model_config = SettingsConfigDict(env_prefix="WISSENSGRAPH_", extra="ignore")

    home: Path = Field(
        default=PROJECT_ROOT / "var",
        description="State directory: the store, indexes and manifests.",
    )
    ontology_dir: Path = Field(default=PROJECT_ROOT / "ontology")
    shapes_dir: Path = Field(default=PROJECT_ROOT / "shapes")
    data_dir: Path = Field(default=PROJECT_ROOT / "data")
    language: Literal["de", "en"] = Field(
        default="de", description="Language of messages and reports."
    )

    @property
    def store_dir(self) -> Path:
        """Where the Oxigraph store lives inside ``home``."""
        return self.home / "store"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

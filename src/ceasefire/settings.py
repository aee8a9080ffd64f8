"""One typed settings object, read from the environment (``CEASEFIRE_…``) and command-line flags.

Nothing here runs at import time: callers build ``Settings()`` (or ``Settings(data=…)``) and pass
it on explicitly. Bad values fail loudly when the object is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ceasefire.errors import InvalidInput

DEFAULT_ORIGIN = "ceasefire.local/log"


class Settings(BaseSettings):
    """Where the store lives and how it is reached.

    - ``data`` (``CEASEFIRE_DATA``): the data folder; holds the SQLite file by default and the
      keys folder. Default ``./ceasefire-data``.
    - ``database_url`` (``CEASEFIRE_DATABASE_URL``): a SQLAlchemy URL, e.g.
      ``postgresql+psycopg://user@host:5432/db``. Default: SQLite at ``<data>/ceasefire.db``.
    - ``origin`` (``CEASEFIRE_ORIGIN``): the log's identity in its checkpoints, used by ``init``.
    - ``max_evidence_mb`` (``CEASEFIRE_MAX_EVIDENCE_MB``): the largest evidence file accepted,
      in MiB. Default 64.
    - ``max_image_megapixels`` (``CEASEFIRE_MAX_IMAGE_MEGAPIXELS``): the most pixels an image
      may declare, refused before it is decoded (no decompression bombs). Default 40.
    - ``api_max_body_kb`` (``CEASEFIRE_API_MAX_BODY_KB``): the largest request body the API
      reads, in KiB; a larger one is refused with 413. Default 256.
    - ``api_rate_per_minute`` (``CEASEFIRE_API_RATE_PER_MINUTE``): writes each actor may make
      per minute (a token bucket holding as many); 429 beyond. Default 60.
    - ``api_address_rate_per_minute`` (``CEASEFIRE_API_ADDRESS_RATE_PER_MINUTE``): writes
      each client address may make per minute, whoever the actor. Default 120.
    - ``api_importer_rate_per_minute`` (``CEASEFIRE_API_IMPORTER_RATE_PER_MINUTE``): events an
      importer may write per minute, in place of ``api_rate_per_minute``: a dataset's rows come
      in batches (``ceasefire import --url`` posts 50 a request). Default 6,000.
    - ``max_merge_delay_seconds`` (``CEASEFIRE_MAX_MERGE_DELAY_SECONDS``): what a receipt
      promises: the accepted entry is in a published checkpoint this long after acceptance at
      the latest. Default 60.
    """

    model_config = SettingsConfigDict(env_prefix="CEASEFIRE_", frozen=True, extra="forbid")

    data: Path = Path("ceasefire-data")
    database_url: str | None = None
    origin: str = DEFAULT_ORIGIN
    max_evidence_mb: int = Field(default=64, ge=1, le=4096)
    max_image_megapixels: int = Field(default=40, ge=1, le=1000)
    api_max_body_kb: int = Field(default=256, ge=1, le=65536)
    api_rate_per_minute: int = Field(default=60, ge=1, le=1_000_000)
    api_address_rate_per_minute: int = Field(default=120, ge=1, le=1_000_000)
    api_importer_rate_per_minute: int = Field(default=6_000, ge=1, le=1_000_000)
    max_merge_delay_seconds: int = Field(default=60, ge=0, le=86_400)

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split(":", 1)[0]
        if not scheme.startswith(("sqlite", "postgresql")):
            raise ValueError(
                f"database URL scheme {scheme!r} is not supported: use sqlite:///PATH or "
                "postgresql+psycopg://USER@HOST:PORT/DB"
            )
        return value

    @classmethod
    def load(cls, **given: Any) -> Settings:
        """Settings from the environment, overridden by the non-None values given (flags).

        A bad value is an :class:`InvalidInput` naming the setting.
        """
        try:
            return cls(**{name: value for name, value in given.items() if value is not None})
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise InvalidInput(problem["msg"], field=where) from exc

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data / 'ceasefire.db'}"

    @property
    def keys_dir(self) -> Path:
        return self.data / "keys"

    @property
    def log_key_path(self) -> Path:
        """The key that signs checkpoints (the log's identity)."""
        return self.keys_dir / "log.key"

    @property
    def operator_key_path(self) -> Path:
        """The key the operator (secretariat) signs its own events with."""
        return self.keys_dir / "operator.key"

    @property
    def evidence_dir(self) -> Path:
        """The evidence locker: files by SHA-256."""
        return self.data / "evidence"

"""Service settings from the environment (pydantic-settings).

The seed's variables keep their names (``RVC_MODEL``, ``RVC_WORKERS``, ``API_PORT``); everything
else is prefixed ``ROCKTOP_``. Only the app factory and the CLI read a ``Settings``; the modules
below them receive plain typed arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rocktop.audio.limits import DecodeLimits
from rocktop.common.errors import RocktopError


class Settings(BaseSettings):
    """Every knob of the service; see docs/serve.md for the table."""

    model_config = SettingsConfigDict(env_prefix="ROCKTOP_", extra="ignore", populate_by_name=True)

    # -- the seed contract -----------------------------------------------------------------
    rvc_model: str = Field(
        default="",
        validation_alias=AliasChoices("RVC_MODEL", "ROCKTOP_RVC_MODEL"),
        description="Voice loaded at start-up and used when a request names none ('' = none).",
    )
    rvc_workers: int = Field(
        default=2,
        ge=1,
        le=64,
        validation_alias=AliasChoices("RVC_WORKERS", "ROCKTOP_RVC_WORKERS"),
        description="Conversion workers (each with its own CUDA stream on GPU).",
    )
    api_port: int = Field(
        default=8080, ge=1, le=65535, validation_alias=AliasChoices("API_PORT", "ROCKTOP_API_PORT")
    )
    api_host: str = "127.0.0.1"

    # -- models ----------------------------------------------------------------------------
    models_dir: Path = Path("models")
    weights_dir: Path | None = Field(
        default=None, description="Assets (HuBERT/ContentVec, RMVPE); default: rocktop's."
    )
    warmup_f0_method: str = Field(
        default="rmvpe", description="F0 method of the start-up warm-up conversion."
    )
    max_loaded_models: int = Field(default=2, ge=1, le=64)
    device: str = "cpu"
    precision: Literal["float32", "float16", "bfloat16"] = "float32"

    # -- auth --------------------------------------------------------------------------------
    api_keys: str = Field(
        default="", description="Comma-separated API keys ('' and no file = auth off)."
    )
    api_keys_file: Path | None = None
    open_paths: Annotated[tuple[str, ...], NoDecode] = ("/health", "/ready", "/metrics")
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()

    # -- engine ------------------------------------------------------------------------------
    tts_workers: int = Field(default=2, ge=1, le=64)
    queue_size: int = Field(
        default=32, ge=1, le=10_000, description="Waiting jobs per stage before 429."
    )
    request_timeout_s: float = Field(default=120.0, gt=0)
    queue_timeout_s: float = Field(default=60.0, gt=0)
    retry_after_s: int = Field(default=2, ge=1)

    # -- limits ------------------------------------------------------------------------------
    max_upload_bytes: int = Field(default=64 * 1024**2, ge=1024)
    max_audio_s: float = Field(default=600.0, gt=0)
    max_text_chars: int = Field(default=5000, ge=1)
    ws_max_frame_bytes: int = Field(default=192_000, ge=256)
    ws_max_session_s: float = Field(default=3600.0, gt=0)

    # -- TTS ---------------------------------------------------------------------------------
    tts_backend: Literal["espeak", "triton"] = "espeak"
    espeak_voice: str = "en-us"
    triton_url: str = "127.0.0.1:8001"
    triton_model: str = "spark_tts"
    tts_timeout_s: float = Field(default=60.0, gt=0)

    log_json: bool = True

    @field_validator("open_paths", "cors_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def default_model(self) -> str:
        """``RVC_MODEL`` without a file extension (the seed gives ``name.pth``)."""
        name = self.rvc_model.strip()
        for suffix in (".pth", ".safetensors"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name

    def decode_limits(self) -> DecodeLimits:
        """Limits for decoding uploads."""
        return DecodeLimits(max_duration_s=self.max_audio_s, max_bytes=self.max_upload_bytes)

    def load_api_keys(self) -> frozenset[str]:
        """Keys from ``ROCKTOP_API_KEYS`` and the keys file (one a line, ``#`` comments)."""
        keys = {key.strip() for key in self.api_keys.split(",") if key.strip()}
        if self.api_keys_file is not None:
            try:
                text = self.api_keys_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise RocktopError(
                    f"{self.api_keys_file}: cannot read API keys file ({exc.strerror})"
                ) from None
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    keys.add(line)
        return frozenset(keys)

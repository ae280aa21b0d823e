"""The synthesizer's typed configuration and its mapping to RVC's 18-item ``config`` list.

RVC stores constructor arguments as a positional list in every voice ``.pth`` (rvc-spec §1.1);
rocktop keeps a typed dataclass and converts at the file boundary only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rocktop.common.errors import RocktopError

VERSIONS = ("v1", "v2")
CONTENT_DIMS = {"v1": 256, "v2": 768}
SAMPLE_RATE_NAMES = {"32k": 32_000, "40k": 40_000, "48k": 48_000}

# (upsample_rates, upsample_kernel_sizes, spec_channels) per (version, sample rate): spec §1.1.
_PRESETS: dict[tuple[str, int], tuple[tuple[int, ...], tuple[int, ...], int]] = {
    ("v1", 32_000): ((10, 4, 2, 2, 2), (16, 16, 4, 4, 4), 513),
    ("v1", 40_000): ((10, 10, 2, 2), (16, 16, 4, 4), 1025),
    ("v1", 48_000): ((10, 6, 2, 2, 2), (16, 16, 4, 4, 4), 1025),
    ("v2", 32_000): ((10, 8, 2, 2), (20, 16, 4, 4), 513),
    ("v2", 40_000): ((10, 10, 2, 2), (16, 16, 4, 4), 1025),
    ("v2", 48_000): ((12, 10, 2, 2), (24, 20, 4, 4), 1025),
}


class ConfigError(RocktopError):
    """A synthesizer configuration that RVC's classes cannot be built from."""

    code = "bad_model_config"


@dataclass(frozen=True)
class SynthesizerConfig:
    """Constructor arguments of the RVC synthesizer (``SynthesizerTrnMs{256,768}NSFsid[_nono]``).

    Field order of the first 18 fields is RVC's ``config`` list order (spec §1.1).
    ``version``/``content_dim`` (v1: 256, v2: 768) and ``f0`` select the class; the flow and
    posterior-encoder geometry are RVC's fixed values, exposed so tests can build tiny models.
    """

    spec_channels: int = 1025
    segment_size: int = 32
    inter_channels: int = 192
    hidden_channels: int = 192
    filter_channels: int = 768
    n_heads: int = 2
    n_layers: int = 6
    kernel_size: int = 3
    p_dropout: float = 0.0
    resblock: str = "1"
    resblock_kernel_sizes: tuple[int, ...] = (3, 7, 11)
    resblock_dilation_sizes: tuple[tuple[int, ...], ...] = ((1, 3, 5), (1, 3, 5), (1, 3, 5))
    upsample_rates: tuple[int, ...] = (12, 10, 2, 2)
    upsample_initial_channel: int = 512
    upsample_kernel_sizes: tuple[int, ...] = (24, 20, 4, 4)
    spk_embed_dim: int = 109
    gin_channels: int = 256
    sampling_rate: int = 48_000
    content_dim: int = 768
    f0: bool = True
    version: str = "v2"
    window_size: int = 10
    flow_kernel_size: int = 5
    flow_n_layers: int = 3
    n_flows: int = 4
    posterior_n_layers: int = 16

    def __post_init__(self) -> None:
        if len(self.upsample_rates) != len(self.upsample_kernel_sizes):
            raise ConfigError("upsample_rates and upsample_kernel_sizes differ in length")
        if len(self.resblock_kernel_sizes) != len(self.resblock_dilation_sizes):
            raise ConfigError("resblock_kernel_sizes and resblock_dilation_sizes differ")
        if self.version not in VERSIONS:
            raise ConfigError(f"version must be v1 or v2, got {self.version!r}")
        if self.resblock not in ("1", "2"):
            raise ConfigError(f"resblock must be '1' or '2', got {self.resblock!r}")
        if self.hidden_channels % self.n_heads or self.inter_channels % 2:
            raise ConfigError("hidden_channels must divide by n_heads, inter_channels by 2")
        if self.hop_length * 100 != self.sampling_rate:
            raise ConfigError(
                f"prod(upsample_rates)={self.hop_length} does not give 100 frames/s at "
                f"{self.sampling_rate} Hz"
            )

    @property
    def hop_length(self) -> int:
        """Output samples per 10 ms frame (``prod(upsample_rates)``)."""
        hop = 1
        for rate in self.upsample_rates:
            hop *= rate
        return hop

    def to_rvc_config(self) -> list[Any]:
        """RVC's 18-item ``config`` list (plain lists, as RVC's ``savee`` writes it)."""
        return [
            self.spec_channels,
            self.segment_size,
            self.inter_channels,
            self.hidden_channels,
            self.filter_channels,
            self.n_heads,
            self.n_layers,
            self.kernel_size,
            self.p_dropout,
            self.resblock,
            list(self.resblock_kernel_sizes),
            [list(d) for d in self.resblock_dilation_sizes],
            list(self.upsample_rates),
            self.upsample_initial_channel,
            list(self.upsample_kernel_sizes),
            self.spk_embed_dim,
            self.gin_channels,
            self.sampling_rate,
        ]

    def with_speakers(self, spk_embed_dim: int) -> SynthesizerConfig:
        return replace(self, spk_embed_dim=spk_embed_dim)


def parse_sample_rate(value: Any) -> int:
    """RVC's ``sr``: ``"48k"`` (RVC) or ``48000`` (Applio, config) -> Hz."""
    if isinstance(value, str):
        if value in SAMPLE_RATE_NAMES:
            return SAMPLE_RATE_NAMES[value]
        if value.isdigit():
            return int(value)
        raise ConfigError(f"unknown sample rate {value!r} (expected 32k, 40k, 48k or Hz)")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"unknown sample rate {value!r}")
    return int(value)


def from_rvc_config(
    config: list[Any], version: str, f0: bool, content_dim: int | None = None
) -> SynthesizerConfig:
    """Typed config from RVC's 18-item list plus the file's ``version`` and ``f0`` keys.

    ``content_dim`` defaults to the version's (256/768); loaders pass the width of
    ``enc_p.emb_phone.weight`` so that tiny test voices round-trip too.
    """
    if version not in VERSIONS:
        raise ConfigError(f"version must be v1 or v2, got {version!r}")
    if not isinstance(config, list | tuple) or len(config) != 18:
        size = len(config) if isinstance(config, list | tuple) else type(config).__name__
        raise ConfigError(f"config must be RVC's 18-item list, got {size}")
    try:
        return SynthesizerConfig(
            spec_channels=int(config[0]),
            segment_size=int(config[1]),
            inter_channels=int(config[2]),
            hidden_channels=int(config[3]),
            filter_channels=int(config[4]),
            n_heads=int(config[5]),
            n_layers=int(config[6]),
            kernel_size=int(config[7]),
            p_dropout=float(config[8]),
            resblock=str(config[9]),
            resblock_kernel_sizes=tuple(int(k) for k in config[10]),
            resblock_dilation_sizes=tuple(tuple(int(d) for d in ds) for ds in config[11]),
            upsample_rates=tuple(int(r) for r in config[12]),
            upsample_initial_channel=int(config[13]),
            upsample_kernel_sizes=tuple(int(k) for k in config[14]),
            spk_embed_dim=int(config[15]),
            gin_channels=int(config[16]),
            sampling_rate=parse_sample_rate(config[17]),
            content_dim=content_dim or CONTENT_DIMS[version],
            f0=bool(f0),
            version=version,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"malformed RVC config list: {exc}") from None


def preset(version: str = "v2", sample_rate: int = 48_000, f0: bool = True) -> SynthesizerConfig:
    """RVC's published configuration for ``version`` at ``sample_rate`` (spec §1.1 table)."""
    key = (version, int(sample_rate))
    if key not in _PRESETS:
        raise ConfigError(f"no RVC preset for {version} at {sample_rate} Hz (32k, 40k, 48k)")
    rates, kernels, spec_channels = _PRESETS[key]
    return SynthesizerConfig(
        spec_channels=spec_channels,
        upsample_rates=rates,
        upsample_kernel_sizes=kernels,
        sampling_rate=int(sample_rate),
        content_dim=CONTENT_DIMS[version],
        f0=f0,
        version=version,
    )

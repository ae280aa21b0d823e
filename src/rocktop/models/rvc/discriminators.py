"""RVC's multi-period discriminators (spec §7.7), key-compatible with RVC's pretrained D files.

``MultiPeriodDiscriminator(periods)`` = one ``DiscriminatorS`` (raw waveform, grouped strided
1-D convolutions) + one ``DiscriminatorP`` per period (waveform folded into ``[T/p, p]`` and
scanned by ``(5, 1)`` 2-D convolutions). All convolutions are weight-normalised with RVC's
``weight_g``/``weight_v`` spelling, so ``f0D48k.pth``'s ``{"model": ...}`` loads strictly.
Training-only: inference never builds a discriminator.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from rocktop.models.rvc.layers import LRELU_SLOPE, WNConv1d, init_weight_norm

PERIODS_V1 = (2, 3, 5, 7, 11, 17)
PERIODS_V2 = (2, 3, 5, 7, 11, 17, 23, 37)

FeatureMaps = list[torch.Tensor]


class WNConv2d(nn.Conv2d):
    """``Conv2d`` with live weight norm, RVC's key spelling (the 2-D twin of ``WNConv1d``)."""

    weight_g: nn.Parameter
    weight_v: nn.Parameter

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        init_weight_norm(self, self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = torch._weight_norm(self.weight_v, self.weight_g, 0)
        return self._conv_forward(x, weight, self.bias)


def _scan(
    convs: nn.ModuleList, post: nn.Module, x: torch.Tensor
) -> tuple[torch.Tensor, FeatureMaps]:
    fmap: FeatureMaps = []
    for conv in convs:
        x = F.leaky_relu(conv(x), LRELU_SLOPE)
        fmap.append(x)
    x = post(x)
    fmap.append(x)
    return torch.flatten(x, 1, -1), fmap


def _ch(channels: int, divisor: int) -> int:
    return max(1, channels // divisor)


class DiscriminatorS(nn.Module):
    """Scale discriminator on the raw waveform ``[B, 1, T]``.

    ``channel_divisor`` > 1 shrinks every width (and group count) for tiny test models;
    1 is RVC's architecture.
    """

    def __init__(self, channel_divisor: int = 1) -> None:
        super().__init__()
        d = channel_divisor
        c16, c64, c256, c1024 = (_ch(c, d) for c in (16, 64, 256, 1024))
        self.convs = nn.ModuleList(
            [
                WNConv1d(1, c16, 15, 1, padding=7),
                WNConv1d(c16, c64, 41, 4, groups=_ch(4, d), padding=20),
                WNConv1d(c64, c256, 41, 4, groups=_ch(16, d), padding=20),
                WNConv1d(c256, c1024, 41, 4, groups=_ch(64, d), padding=20),
                WNConv1d(c1024, c1024, 41, 4, groups=_ch(256, d), padding=20),
                WNConv1d(c1024, c1024, 5, 1, padding=2),
            ]
        )
        self.conv_post = WNConv1d(c1024, 1, 3, 1, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, FeatureMaps]:
        """``x [B, 1, T]`` -> logits ``[B, N]`` and the 7 feature maps."""
        return _scan(self.convs, self.conv_post, x)


class DiscriminatorP(nn.Module):
    """Period discriminator: ``[B, 1, T]`` reflect-padded to a multiple of ``period``."""

    def __init__(
        self, period: int, kernel_size: int = 5, stride: int = 3, channel_divisor: int = 1
    ) -> None:
        super().__init__()
        self.period = period
        pad = ((kernel_size - 1) // 2, 0)
        chans = (1, *(_ch(c, channel_divisor) for c in (32, 128, 512, 1024)))
        top = chans[-1]
        self.convs = nn.ModuleList(
            [
                WNConv2d(c_in, c_out, (kernel_size, 1), (stride, 1), padding=pad)
                for c_in, c_out in zip(chans[:-1], chans[1:], strict=True)
            ]
            + [WNConv2d(top, top, (kernel_size, 1), 1, padding=pad)]
        )
        self.conv_post = WNConv2d(top, 1, (3, 1), 1, padding=(1, 0))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, FeatureMaps]:
        """``x [B, 1, T]`` -> logits ``[B, N]`` and the 6 feature maps."""
        b, c, t = x.shape
        if t % self.period:
            n_pad = self.period - t % self.period
            x = F.pad(x, (0, n_pad), "reflect")
            t += n_pad
        return _scan(self.convs, self.conv_post, x.view(b, c, t // self.period, self.period))


class MultiPeriodDiscriminator(nn.Module):
    """``discriminators.0`` = ``DiscriminatorS``; ``discriminators.{1..}`` = one per period.

    ``periods`` = ``PERIODS_V1`` for RVC's ``MultiPeriodDiscriminator`` (v1 models) or
    ``PERIODS_V2`` for ``MultiPeriodDiscriminatorV2`` (v2 models). ``channel_divisor`` > 1
    builds a narrow copy for tests (same code, not loadable from RVC files).
    """

    def __init__(
        self, periods: tuple[int, ...] | list[int] = PERIODS_V2, channel_divisor: int = 1
    ) -> None:
        super().__init__()
        if channel_divisor < 1:
            raise ValueError(f"channel_divisor must be >= 1, got {channel_divisor}")
        self.periods = tuple(int(p) for p in periods)
        discs: list[nn.Module] = [DiscriminatorS(channel_divisor)]
        discs += [DiscriminatorP(p, channel_divisor=channel_divisor) for p in self.periods]
        self.discriminators = nn.ModuleList(discs)

    def forward(
        self, y: torch.Tensor, y_hat: torch.Tensor
    ) -> tuple[list[torch.Tensor], list[torch.Tensor], list[FeatureMaps], list[FeatureMaps]]:
        """Score real ``y`` and generated ``y_hat`` (both ``[B, 1, T]``, same T).

        Returns ``(real_logits, fake_logits, real_fmaps, fake_fmaps)``, one entry per
        sub-discriminator, in RVC's order.
        """
        real, fake, fmap_real, fmap_fake = [], [], [], []
        for disc in self.discriminators:
            r, fr = disc(y)
            g, fg = disc(y_hat)
            real.append(r)
            fake.append(g)
            fmap_real.append(fr)
            fmap_fake.append(fg)
        return real, fake, fmap_real, fmap_fake


def periods_for(version: str) -> tuple[int, ...]:
    """The period set RVC uses for a model ``version`` (``"v1"``/``"v2"``)."""
    if version not in ("v1", "v2"):
        raise ValueError(f"version must be v1 or v2, got {version!r}")
    return PERIODS_V1 if version == "v1" else PERIODS_V2

"""HiFi-GAN decoders: ``GeneratorNSF`` (F0 models, NSF source) and plain ``Generator`` (§2.4)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from rocktop.models.rvc.fast import as_2d, convs_to_2d
from rocktop.models.rvc.layers import (
    LRELU_SLOPE,
    WNConv1d,
    WNConvTranspose1d,
    get_padding,
    init_conv_weights,
)
from rocktop.models.rvc.nsf import SourceModuleHnNSF

TILE_MARGIN = 12  # frames; the receptive field is within +-8 (tested for every RVC geometry)


def _dilated(channels: int, kernel_size: int, dilation: int) -> WNConv1d:
    padding = get_padding(kernel_size, dilation)
    return WNConv1d(channels, channels, kernel_size, dilation=dilation, padding=padding)


class ResBlock1(nn.Module):
    """Three (dilated conv, conv) pairs with residual connections (``convs1``/``convs2``)."""

    def __init__(self, channels: int, kernel_size: int, dilation: Sequence[int]) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(_dilated(channels, kernel_size, d) for d in dilation)
        self.convs2 = nn.ModuleList(
            WNConv1d(channels, channels, kernel_size, padding=get_padding(kernel_size))
            for _ in dilation
        )
        self.apply(init_conv_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c1, c2 in zip(self.convs1, self.convs2, strict=True):
            xt = c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
            x = xt + x
        return x


class ResBlock2(nn.Module):
    """Two dilated convolutions with residual connections (``convs``), RVC's resblock "2"."""

    def __init__(self, channels: int, kernel_size: int, dilation: Sequence[int]) -> None:
        super().__init__()
        self.convs = nn.ModuleList(_dilated(channels, kernel_size, d) for d in dilation)
        self.apply(init_conv_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:
            x = conv(F.leaky_relu(x, LRELU_SLOPE)) + x
        return x


class Generator(nn.Module):
    """HiFi-GAN V1-style decoder conditioned on the speaker embedding (``_nono`` models).

    ``z [B, C, T]`` -> waveform ``[B, 1, T * prod(upsample_rates)]`` in [-1, 1].
    """

    def __init__(
        self,
        initial_channel: int,
        resblock: str,
        resblock_kernel_sizes: Sequence[int],
        resblock_dilation_sizes: Sequence[Sequence[int]],
        upsample_rates: Sequence[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: Sequence[int],
        gin_channels: int,
    ) -> None:
        super().__init__()
        self.num_kernels = len(resblock_kernel_sizes)
        self.upp = math.prod(upsample_rates)
        self.conv_pre = nn.Conv1d(initial_channel, upsample_initial_channel, 7, 1, padding=3)
        block = ResBlock1 if resblock == "1" else ResBlock2
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        channels = upsample_initial_channel
        for i, (rate, kernel) in enumerate(zip(upsample_rates, upsample_kernel_sizes, strict=True)):
            channels = upsample_initial_channel // (2 ** (i + 1))
            self.ups.append(
                WNConvTranspose1d(
                    2 * channels, channels, kernel, rate, padding=(kernel - rate) // 2
                )
            )
            for k, d in zip(resblock_kernel_sizes, resblock_dilation_sizes, strict=True):
                self.resblocks.append(block(channels, k, d))
        self.conv_post = nn.Conv1d(channels, 1, 7, 1, padding=3, bias=False)
        self.ups.apply(init_conv_weights)
        self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)
        self.channels_last_2d = False

    def use_channels_last_2d(self) -> None:
        """Run on channels-last ``[B, C, 1, T]`` with 2-D convolutions (inference speed-up;
        weight norm must be folded first). Same maths; output shape unchanged."""
        convs_to_2d(self)
        self.channels_last_2d = True

    def tail_modules(self, stages: int = 1) -> list[nn.Module]:
        """The last ``stages`` upsampling stages (ups, resblocks) and ``conv_post``."""
        first, k = len(self.ups) - stages, self.num_kernels
        return [*self.ups[first:], *self.resblocks[first * k :], self.conv_post]

    def cast_keeping_tail_float32(self, dtype: torch.dtype, stages: int = 1) -> None:
        """Cast to ``dtype`` except ``tail_modules(stages)``, which stay float32 and are never
        rounded to ``dtype`` on the way.

        Measured end to end on 6 s of speech, real-size v2-48k voice, bf16 vs all-fp32 SNR:
        all-bf16 decoder 30 dB; last stage fp32 50 dB (37 dB when its weights had made a bf16
        round trip). The last stage holds ~11% of the FLOPs and most of the audible error, so
        bf16 inference keeps it (and the NSF source) in fp32.
        """
        tail = {id(p) for module in self.tail_modules(stages) for p in module.parameters()}
        with torch.no_grad():
            for param in self.parameters():  # the decoder holds no floating-point buffers
                if id(param) not in tail:
                    param.data = param.data.to(dtype)

    def _enter(self, x: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return (as_2d(x), g.unsqueeze(2)) if self.channels_last_2d else (x, g)

    def _stage(self, i: int, x: torch.Tensor) -> torch.Tensor:
        blocks = self.resblocks[i * self.num_kernels : (i + 1) * self.num_kernels]
        xs = blocks[0](x)
        for block in blocks[1:]:
            xs = xs + block(x)
        return xs / self.num_kernels

    def _post(self, x: torch.Tensor) -> torch.Tensor:
        # The final activation uses PyTorch's default slope 0.01, not 0.1 (spec §10).
        out = torch.tanh(self.conv_post(F.leaky_relu(x.to(self.conv_post.weight.dtype))))
        return out.squeeze(2).contiguous() if self.channels_last_2d else out

    def _inject(self, i: int, x: torch.Tensor, har: torch.Tensor | None) -> torch.Tensor:
        return x

    def _body(self, x: torch.Tensor, g: torch.Tensor, har: torch.Tensor | None) -> torch.Tensor:
        x, g = self._enter(x, g)
        if har is not None and self.channels_last_2d:
            har = as_2d(har)
        x = self.conv_pre(x) + self.cond(g)
        for i, up in enumerate(self.ups):
            x = x.to(next(up.parameters()).dtype)  # changes only at a float32 tail stage
            x = self._inject(i, up(F.leaky_relu(x, LRELU_SLOPE)), har)
            x = self._stage(i, x)
        return self._post(x)

    def _tiled(
        self, x: torch.Tensor, g: torch.Tensor, har: torch.Tensor | None, tile: int | None
    ) -> torch.Tensor:
        """Decode in windows of exactly ``tile + 2 * TILE_MARGIN`` frames, keeping ``tile``
        frames of each: bounded activation memory, and one tensor shape for every window, so
        oneDNN builds its convolution kernels once (a new shape costs ~0.1 s per layer with
        AMX, more than decoding a window). The last window is aligned to the end; an input
        shorter than one window is zero-padded at the end, which changes only its last
        ``TILE_MARGIN`` frames (the receptive field is at most 7 frames; the offline pipeline
        trims a whole second from every chunk's edges). Every other sample equals
        ``_body(x)``.
        """
        if tile is None:
            return self._body(x, g, har)
        frames, upp, window = x.shape[-1], self.upp, tile + 2 * TILE_MARGIN
        if frames <= window:
            pad = window - frames
            h = None if har is None else F.pad(har, (0, pad * upp))
            return self._body(F.pad(x, (0, pad)), g, h)[..., : frames * upp]
        outs = []
        for a in range(0, frames, tile):
            b = min(frames, a + tile)
            s = min(max(0, a - TILE_MARGIN), frames - window)
            h = None if har is None else har[..., s * upp : (s + window) * upp]
            out = self._body(x[..., s : s + window], g, h)
            outs.append(out[..., (a - s) * upp : (b - s) * upp])
        return torch.cat(outs, dim=-1)

    def forward(
        self,
        x: torch.Tensor,
        g: torch.Tensor,
        n_res: int | None = None,
        tile_frames: int | None = None,
        **_: object,
    ) -> torch.Tensor:
        if n_res is not None and n_res != x.shape[-1]:
            x = F.interpolate(x, size=n_res, mode="linear")
        return self._tiled(x, g, None, tile_frames)


class GeneratorNSF(Generator):
    """``GeneratorNSF``: the HiFi-GAN decoder plus the NSF harmonic source (``m_source``)
    injected after every upsampling stage through ``noise_convs``."""

    def __init__(
        self,
        initial_channel: int,
        resblock: str,
        resblock_kernel_sizes: Sequence[int],
        resblock_dilation_sizes: Sequence[Sequence[int]],
        upsample_rates: Sequence[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: Sequence[int],
        gin_channels: int,
        sample_rate: int,
    ) -> None:
        super().__init__(
            initial_channel,
            resblock,
            resblock_kernel_sizes,
            resblock_dilation_sizes,
            upsample_rates,
            upsample_initial_channel,
            upsample_kernel_sizes,
            gin_channels,
        )
        self.m_source = SourceModuleHnNSF(sample_rate, harmonic_num=0)
        self.noise_convs = nn.ModuleList()
        for i in range(len(upsample_rates)):
            channels = upsample_initial_channel // (2 ** (i + 1))
            if i + 1 < len(upsample_rates):
                stride = math.prod(upsample_rates[i + 1 :])
                conv = nn.Conv1d(1, channels, 2 * stride, stride=stride, padding=stride // 2)
            else:
                conv = nn.Conv1d(1, channels, kernel_size=1)
            self.noise_convs.append(conv)

    def tail_modules(self, stages: int = 1) -> list[nn.Module]:
        """The last stages, ``conv_post``, their ``noise_convs`` and the NSF source."""
        noise = list(self.noise_convs)[len(self.ups) - stages :]
        return [*super().tail_modules(stages), *noise, self.m_source]

    def _inject(self, i: int, x: torch.Tensor, har: torch.Tensor | None) -> torch.Tensor:
        assert har is not None
        conv = self.noise_convs[i]
        return x + conv(har.to(x.dtype))  # x: this stage's precision

    def forward(  # type: ignore[override]
        self,
        x: torch.Tensor,
        f0: torch.Tensor,
        g: torch.Tensor,
        n_res: int | None = None,
        noise_scale: float = 1.0,
        generator: torch.Generator | None = None,
        initial_phase: float = 0.0,
        tile_frames: int | None = None,
    ) -> torch.Tensor:
        """``x [B, C, T]``, ``f0 [B, T]`` Hz, ``g [B, gin, 1]`` -> ``[B, 1, T*upp]``.

        The harmonic source is generated for the whole input first, so tiling
        (``tile_frames``) does not break its phase.
        """
        har = self.m_source(f0, self.upp, noise_scale, generator, initial_phase)
        if n_res is not None:
            if n_res * self.upp != har.shape[-1]:
                har = F.interpolate(har, size=n_res * self.upp, mode="linear")
            if n_res != x.shape[-1]:
                x = F.interpolate(x, size=n_res, mode="linear")
        return self._tiled(x, g, har, tile_frames)

"""The RVC synthesizer: ``enc_p`` + ``flow`` + ``dec`` + ``emb_g`` (+ optional ``enc_q``).

One class covers RVC's four inference classes (``SynthesizerTrnMs{256,768}NSFsid[_nono]``,
spec §2) through ``SynthesizerConfig.content_dim`` and ``.f0``; the posterior encoder is built
only when asked for (training and pretrained ``G`` files, spec §7.8), so voice files
(without ``enc_q``) load strictly.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from rocktop.models.rvc.config import SynthesizerConfig
from rocktop.models.rvc.decoder import Generator, GeneratorNSF
from rocktop.models.rvc.flow import PosteriorEncoder, ResidualCouplingBlock
from rocktop.models.rvc.text_encoder import TextEncoder

FLOW_CONTEXT_FRAMES = 24  # extra prior frames the flow sees before skip_head (spec §2.7)
PRIOR_NOISE_SCALE = 0.66666


class TrainingOutput(NamedTuple):
    """What the training forward returns (spec §7.6)."""

    audio: torch.Tensor  # [B, 1, segment_frames * hop] generated slice
    ids_slice: torch.Tensor  # [B] start frame of each slice
    x_mask: torch.Tensor  # [B, 1, T] prior mask
    y_mask: torch.Tensor  # [B, 1, T] posterior mask
    z: torch.Tensor
    z_p: torch.Tensor
    m_p: torch.Tensor
    logs_p: torch.Tensor
    m_q: torch.Tensor
    logs_q: torch.Tensor


class Synthesizer(nn.Module):
    """RVC voice synthesizer built from a typed config.

    Args:
        config: architecture (``rocktop.models.rvc.config``).
        with_posterior: build ``enc_q`` (needed for training and pretrained G files).
    """

    def __init__(self, config: SynthesizerConfig, with_posterior: bool = False) -> None:
        super().__init__()
        self.config = config
        c = config
        self.enc_p = TextEncoder(
            c.content_dim,
            c.inter_channels,
            c.hidden_channels,
            c.filter_channels,
            c.n_heads,
            c.n_layers,
            c.kernel_size,
            c.window_size,
            f0=c.f0,
        )
        decoder_args = (
            c.inter_channels,
            c.resblock,
            c.resblock_kernel_sizes,
            c.resblock_dilation_sizes,
            c.upsample_rates,
            c.upsample_initial_channel,
            c.upsample_kernel_sizes,
            c.gin_channels,
        )
        self.dec: Generator = (
            GeneratorNSF(*decoder_args, sample_rate=c.sampling_rate)
            if c.f0
            else Generator(*decoder_args)
        )
        self.enc_q: PosteriorEncoder | None = None
        if with_posterior:
            self.enc_q = PosteriorEncoder(
                c.spec_channels,
                c.inter_channels,
                c.hidden_channels,
                c.flow_kernel_size,
                c.posterior_n_layers,
                c.gin_channels,
            )
        self.flow = ResidualCouplingBlock(
            c.inter_channels,
            c.hidden_channels,
            c.flow_kernel_size,
            c.flow_n_layers,
            c.gin_channels,
            c.n_flows,
        )
        self.emb_g = nn.Embedding(c.spk_embed_dim, c.gin_channels)

    @property
    def hop_length(self) -> int:
        return self.config.hop_length

    def _decode(
        self,
        z: torch.Tensor,
        nsff0: torch.Tensor | None,
        g: torch.Tensor,
        n_res: int | None,
        excitation_noise: float,
        generator: torch.Generator | None,
        initial_phase: float = 0.0,
        tile_frames: int | None = None,
    ) -> torch.Tensor:
        dtype = self.dec.conv_pre.weight.dtype  # the decoder may run in another precision
        z, g = z.to(dtype), g.to(dtype)
        if isinstance(self.dec, GeneratorNSF):
            if nsff0 is None:
                raise ValueError("this is an F0 model: nsff0 (Hz per frame) is required")
            return self.dec(
                z, nsff0, g, n_res, excitation_noise, generator, initial_phase, tile_frames
            )
        return self.dec(z, g, n_res, tile_frames=tile_frames)

    @torch.no_grad()
    def infer(
        self,
        phone: torch.Tensor,
        phone_lengths: torch.Tensor,
        pitch: torch.Tensor | None,
        nsff0: torch.Tensor | None,
        sid: torch.Tensor,
        skip_head: int | None = None,
        return_length: int | None = None,
        return_length2: int | None = None,
        noise_scale: float = PRIOR_NOISE_SCALE,
        excitation_noise: float = 1.0,
        generator: torch.Generator | None = None,
        initial_phase: float = 0.0,
        tile_frames: int | None = None,
    ) -> torch.Tensor:
        """Convert content to audio (RVC ``infer``, spec §2.7).

        Args:
            phone: ``[B, T, content_dim]`` content units at 100 fps.
            phone_lengths: ``[B]`` valid frames.
            pitch: ``[B, T]`` long coarse pitch 1..255 (None for no-F0 models).
            nsff0: ``[B, T]`` float F0 in Hz, 0 = unvoiced (None for no-F0 models).
            sid: ``[B]`` long speaker ids.
            skip_head, return_length: streaming: only frames ``skip_head : skip_head +
                return_length`` are decoded; the flow sees 24 frames of extra context.
            return_length2: decoder resampling target in frames (formant shift).
            noise_scale: prior noise scale (RVC 0.66666; 0 = deterministic).
            excitation_noise: NSF noise scale (1 as RVC; 0 = noiseless source).
            generator: RNG for every random draw (None: torch's global RNG, as RVC).
            initial_phase: NSF sine phase (cycles) at the first decoded frame (0 as RVC).
            tile_frames: decode in windows of this many frames (bounded memory, same audio).

        Returns:
            ``[B, 1, frames * hop_length]`` float audio in [-1, 1].
        """
        g = self.emb_g(sid).unsqueeze(-1)
        streaming = skip_head is not None and return_length is not None
        flow_head = max(int(skip_head or 0) - FLOW_CONTEXT_FRAMES, 0) if streaming else 0
        m_p, logs_p, x_mask = self.enc_p(phone, pitch, phone_lengths, flow_head)
        # drawn in fp32 whatever the model's dtype, so fp32/bf16/fp16 runs share their noise
        noise = torch.randn(m_p.shape, generator=generator, device=m_p.device).to(m_p.dtype)
        z_p = (m_p + torch.exp(logs_p) * noise * noise_scale) * x_mask
        z = self.flow(z_p, x_mask, g, reverse=True)
        if streaming:
            assert skip_head is not None and return_length is not None
            dec_head = skip_head - flow_head
            z = z[:, :, dec_head : dec_head + return_length]
            x_mask = x_mask[:, :, dec_head : dec_head + return_length]
            if nsff0 is not None:
                nsff0 = nsff0[:, skip_head : skip_head + return_length]
        return self._decode(
            z * x_mask, nsff0, g, return_length2, excitation_noise, generator, initial_phase,
            tile_frames,
        )  # fmt: skip

    def forward(
        self,
        phone: torch.Tensor,
        phone_lengths: torch.Tensor,
        pitch: torch.Tensor | None,
        pitchf: torch.Tensor | None,
        spec: torch.Tensor,
        spec_lengths: torch.Tensor,
        sid: torch.Tensor,
        segment_frames: int,
        generator: torch.Generator | None = None,
    ) -> TrainingOutput:
        """Training forward (spec §7.6): posterior, flow, random slice, decode the slice.

        ``spec [B, spec_channels, T]`` linear spectrogram aligned with ``phone`` frames;
        ``segment_frames`` = ``segment_size // hop`` (36 for v2 48k).
        """
        if self.enc_q is None:
            raise ValueError("training needs the posterior encoder: build with_posterior=True")
        g = self.emb_g(sid).unsqueeze(-1)
        m_p, logs_p, x_mask = self.enc_p(phone, pitch, phone_lengths)
        z, m_q, logs_q, y_mask = self.enc_q(spec, spec_lengths, g)
        z_p = self.flow(z, y_mask, g)
        max_start = (spec_lengths - segment_frames + 1).clamp(min=1)
        rand = torch.rand(max_start.shape, generator=generator, device=max_start.device)
        ids = (rand * max_start).long()
        z_slice = slice_segments(z, ids, segment_frames)
        f0_slice = None if pitchf is None else slice_segments(pitchf, ids, segment_frames)
        audio = self._decode(z_slice, f0_slice, g, None, 1.0, generator)
        return TrainingOutput(audio, ids, x_mask, y_mask, z, z_p, m_p, logs_p, m_q, logs_q)


def slice_segments(x: torch.Tensor, starts: torch.Tensor, size: int) -> torch.Tensor:
    """``x[b, ..., starts[b] : starts[b] + size]`` for each batch item (last axis = time)."""
    return torch.stack([x[b, ..., int(s) : int(s) + size] for b, s in enumerate(starts)])

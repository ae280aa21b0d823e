"""Offline conversion: RVC's pipeline (rvc-spec §5) step for step, with injected components.

``Converter(voice, content_encoder, pitch_extractors, index, device, dtype).convert(audio,
params)`` returns audio at the voice's rate (or ``params.output_sample_rate``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np
import torch

from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.common.allocator import release_free_memory
from rocktop.common.errors import RocktopError
from rocktop.features.content.base import ContentEncoder
from rocktop.features.pitch import postprocess_f0
from rocktop.features.pitch.base import PitchExtractor
from rocktop.inference import dsp
from rocktop.inference.dsp import SR_16K, WINDOW, ChunkConstants
from rocktop.inference.params import ConversionParams
from rocktop.models.index import RetrievalIndex
from rocktop.models.voice import VoiceModel

logger = logging.getLogger(__name__)

PitchFactory = Callable[[str], PitchExtractor]
MIN_INPUT_S = 0.02
# Decoder windows in 10 ms frames, by precision. Measured on the 2-core AVX-512/AMX VM,
# v2-48k decoder, one window size per process (time per 100 frames / RSS growth):
# bf16 125: 0.35 s / +80-130 MB, 250: 0.36 s / +250-290 MB, 500: 0.42 s / +640-740 MB;
# fp32 250: 0.69-0.86 s / +200-450 MB, 500: 0.75-0.86 s / +970 MB. Smaller windows stay in
# cache; below these sizes the 2 x 12-frame margins cost more than they save.
DECODE_TILE_FRAMES = {torch.bfloat16: 125, torch.float32: 250}
DEFAULT_DECODE_TILE_FRAMES = 250


def decode_tile_frames_for(dtype: torch.dtype) -> int:
    """The measured-best decoder window (frames) for a synthesizer precision."""
    return DECODE_TILE_FRAMES.get(dtype, DEFAULT_DECODE_TILE_FRAMES)


class ConversionError(RocktopError):
    """Input or settings a conversion cannot use (empty, NaN, unknown speaker ...)."""

    code = "bad_conversion_input"


class Converter:
    """RVC voice conversion with one voice, one content encoder and a pitch-extractor factory.

    Args:
        voice: the voice model (weights + metadata).
        content_encoder: gives ``(frames, dim)`` units at 50 fps; ``dim`` must match the voice.
        pitch_extractors: ``name -> PitchExtractor`` (built on first use and kept); needed
            for F0 voices only.
        index: optional retrieval index (dimension checked against the voice).
        device: torch device for the synthesizer.
        dtype: ``torch.float32``, ``torch.float16`` (GPU only) or ``torch.bfloat16``.
        constants: chunking constants; default by precision (``dsp.constants_for``).
        fold_weight_norm: bake weight norm into the weights (same maths, faster).
        decode_tile_frames: decode in windows of this many 10 ms frames (same audio, bounded
            memory); "auto": ``decode_tile_frames_for(dtype)``; None: each chunk at once.
    """

    def __init__(
        self,
        voice: VoiceModel,
        content_encoder: ContentEncoder,
        pitch_extractors: PitchFactory | None = None,
        index: RetrievalIndex | None = None,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32,
        constants: ChunkConstants | None = None,
        fold_weight_norm: bool = True,
        decode_tile_frames: int | None | str = "auto",
    ) -> None:
        device = torch.device(device)
        if dtype == torch.float16 and device.type == "cpu":
            raise ConversionError("fp16 needs a GPU; use bfloat16 or float32 on CPU")
        if content_encoder.dim != voice.config.content_dim:
            raise ConversionError(
                f"content encoder gives {content_encoder.dim}-d units, voice "
                f"{voice.metadata.name!r} ({voice.version}) needs {voice.config.content_dim}-d"
            )
        if index is not None:
            index.check_dim(voice.config.content_dim)
        self.voice = voice
        self.content_encoder = content_encoder
        self.index = index
        self.device = device
        self.dtype = dtype
        self.constants = constants or dsp.constants_for(dtype)
        self.model = voice.build(device, dtype, fold=fold_weight_norm)
        self.decode_tile_frames: int | None = (
            decode_tile_frames_for(dtype)
            if isinstance(decode_tile_frames, str)
            else decode_tile_frames
        )
        self._pitch_factory = pitch_extractors
        self._pitch_cache: dict[str, PitchExtractor] = {}
        self._lock = threading.Lock()

    @property
    def sample_rate(self) -> int:
        """The voice's native output rate, Hz."""
        return self.voice.sample_rate

    @property
    def hop_length(self) -> int:
        return self.voice.config.hop_length

    def pitch_extractor(self, name: str) -> PitchExtractor:
        """The extractor registered as ``name`` (built once per converter)."""
        with self._lock:
            if name not in self._pitch_cache:
                if self._pitch_factory is None:
                    raise ConversionError("this converter has no pitch extractors (F0 voice)")
                self._pitch_cache[name] = self._pitch_factory(name)
                release_free_memory()  # the file's copy of the weights (RMVPE: ~180 MB)
            return self._pitch_cache[name]

    def convert(self, audio: Audio, params: ConversionParams | None = None) -> Audio:
        """Convert ``audio`` (any rate, mixed to mono) -> mono float32 Audio at the voice's rate
        (or ``params.output_sample_rate``), peak at most 0.99."""
        params = params or ConversionParams()
        self._check_input(audio, params)
        wav16 = resample(audio.mono(), audio.sample_rate, SR_16K)
        out = self.convert_16k(wav16, params)
        rate = self.sample_rate
        target = params.output_sample_rate
        if target is not None and target != rate:
            out = resample(out, rate, target)
            rate = target
        return Audio.from_array(out, rate)

    def _check_input(self, audio: Audio, params: ConversionParams) -> None:
        if audio.duration_s < MIN_INPUT_S:
            raise ConversionError(
                f"input is {audio.duration_s:.3f} s long; at least {MIN_INPUT_S} s is needed"
            )
        if not np.isfinite(audio.samples).all():
            raise ConversionError("input audio contains NaN or Inf samples")
        if params.speaker_id >= self.voice.speakers:
            raise ConversionError(
                f"speaker_id {params.speaker_id} is out of range: the voice has "
                f"{self.voice.speakers} speaker(s)"
            )

    def convert_16k(self, wav16: np.ndarray, params: ConversionParams) -> np.ndarray:
        """Spec §5 steps 1-9 on mono 16 kHz audio -> float32 at the voice's rate."""
        audio = dsp.highpass_48hz(dsp.limit_peak(np.asarray(wav16, dtype=np.float32)))
        c = self.constants
        opt_ts = dsp.split_points(audio, c)
        audio_pad = np.pad(audio, (c.t_pad, c.t_pad), mode="reflect")
        pitch, pitchf = self._pitch(audio_pad, params)
        release_free_memory()  # stages differ in tensor sizes: start each from a clean heap
        generator = torch.Generator(device=self.device)
        if params.seed is None:
            generator.seed()
        else:
            generator.manual_seed(params.seed)
        t_pad2, t_pad_tgt = 2 * c.t_pad, self.sample_rate * c.x_pad
        pieces, s = [], 0
        for t in [t // WINDOW * WINDOW for t in opt_ts]:
            chunk = audio_pad[s : t + t_pad2 + WINDOW]
            frames = slice(s // WINDOW, (t + t_pad2) // WINDOW)
            out = self._vc(chunk, _sl(pitch, frames), _sl(pitchf, frames), params, generator)
            pieces.append(out[t_pad_tgt : len(out) - t_pad_tgt])
            s = t
        last = slice(s // WINDOW, None)
        out = self._vc(audio_pad[s:], _sl(pitch, last), _sl(pitchf, last), params, generator)
        pieces.append(out[t_pad_tgt : len(out) - t_pad_tgt])
        result = np.concatenate(pieces)
        result = dsp.mix_rms(audio, result, self.sample_rate, params.rms_mix_rate)
        return dsp.limit_output_peak(result)

    def _pitch(
        self, audio_pad: np.ndarray, params: ConversionParams
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Coarse pitch and F0 (Hz) for the whole padded signal, ``len // 160`` frames."""
        if not self.voice.f0:
            return None, None
        p_len = len(audio_pad) // WINDOW
        f0 = np.asarray(self.pitch_extractor(params.f0_method).extract(audio_pad, SR_16K))
        f0 = np.pad(f0[:p_len], (0, max(0, p_len - len(f0))))
        return postprocess_f0(f0, params.f0_method, params.pitch_shift, params.filter_radius)

    def blend_index(self, feats: np.ndarray, params: ConversionParams) -> np.ndarray:
        """Units ``(T', C)`` at 50 fps blended with retrieved ones when ``index_rate > 0``."""
        if self.index is not None and params.index_rate > 0:
            retrieved = self.index.retrieve(feats)
            feats = params.index_rate * retrieved + (1 - params.index_rate) * feats
        return np.asarray(feats, dtype=np.float32)

    @torch.inference_mode()
    def _vc(
        self,
        chunk16: np.ndarray,
        pitch: np.ndarray | None,
        pitchf: np.ndarray | None,
        params: ConversionParams,
        generator: torch.Generator,
    ) -> np.ndarray:
        """One chunk (spec §5 step 8) -> float32 ``p_len * hop`` samples at the voice's rate."""
        raw = self.content_encoder.encode(chunk16)
        release_free_memory()
        feats = self.blend_index(raw, params)
        p_len = min(len(chunk16) // WINDOW, 2 * len(raw))
        phone = _to_tensor(np.repeat(feats, 2, axis=0)[:p_len], self.device)
        if pitch is not None and pitchf is not None:
            pitch, pitchf = pitch[:p_len], pitchf[:p_len]
            if params.protect < 0.5:
                phone0 = _to_tensor(np.repeat(raw, 2, axis=0)[:p_len], self.device)
                phone = _protect(phone, phone0, pitchf, params.protect)
        audio = self.model.infer(
            phone.unsqueeze(0).to(self.dtype),
            torch.tensor([p_len], device=self.device),
            None if pitch is None else torch.from_numpy(pitch).to(self.device).unsqueeze(0),
            None if pitchf is None else torch.from_numpy(pitchf).to(self.device).unsqueeze(0),
            torch.tensor([params.speaker_id], device=self.device),
            noise_scale=params.noise_scale,
            excitation_noise=params.excitation_noise,
            generator=generator,
            tile_frames=self.decode_tile_frames,
        )
        release_free_memory()
        return audio[0, 0].float().cpu().numpy()


def _sl(values: np.ndarray | None, frames: slice) -> np.ndarray | None:
    return None if values is None else values[frames]


def _to_tensor(values: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32)).to(device)


def _protect(
    feats: torch.Tensor, feats0: torch.Tensor, pitchf: np.ndarray, protect: float
) -> torch.Tensor:
    """Unvoiced frames keep ``protect`` of the blended units and ``1 - protect`` of the raw ones."""
    weight = np.where(pitchf > 0, 1.0, protect).astype(np.float32)
    weight[pitchf < 1] = protect
    w = torch.from_numpy(weight).to(feats.device).unsqueeze(-1)
    return feats * w + feats0 * (1 - w)

"""Form fields shared by the audio endpoints and the audio response they build."""

from __future__ import annotations

from typing import Literal

from fastapi import Form
from fastapi.responses import Response

from rocktop.audio.export import encode
from rocktop.audio.resample import resample_audio
from rocktop.audio.types import Audio
from rocktop.inference.params import F0_METHODS, ConversionParams
from rocktop.serve.errors import BadRequestError

F0Method = Literal["rmvpe", "harvest", "dio", "pm", "crepe", "fcpe"]
assert set(F0Method.__args__) == set(F0_METHODS)  # type: ignore[attr-defined]


def conversion_params(
    pitch_shift: float = Form(0.0, ge=-48, le=48, description="Semitones."),
    f0_method: F0Method = Form("rmvpe"),
    index_rate: float = Form(0.75, ge=0, le=1),
    protect: float = Form(0.33, ge=0, le=0.5),
    rms_mix_rate: float = Form(0.25, ge=0, le=1),
    filter_radius: int = Form(3, ge=0, le=7),
    speaker_id: int = Form(0, ge=0, le=10_000),
    seed: int | None = Form(0, ge=0, le=2**31 - 1),
) -> ConversionParams:
    """The conversion parameters (RVC defaults) from the form."""
    return ConversionParams(
        pitch_shift=pitch_shift,
        f0_method=f0_method,
        index_rate=index_rate,
        protect=protect,
        rms_mix_rate=rms_mix_rate,
        filter_radius=filter_radius,
        speaker_id=speaker_id,
        seed=seed,
    )


class OutputFormat:
    """How to encode the answer: container, bit depth, sample rate."""

    def __init__(
        self,
        format: Literal["wav", "flac"] = Form("wav", description="wav or flac."),
        bits: Literal["16", "24", "32f"] = Form("16", description="16/24 (dithered) or 32f."),
        output_sample_rate: int | None = Form(
            None, ge=16_000, le=192_000, description="Hz; default: the audio's own rate."
        ),
    ) -> None:
        if format == "flac" and bits == "32f":
            raise BadRequestError("FLAC stores integers only: use bits=16 or 24")
        self.format = format
        self.bits = bits
        self.sample_rate = output_sample_rate

    def response(self, audio: Audio, headers: dict[str, str]) -> Response:
        if self.sample_rate is not None:
            audio = resample_audio(audio, self.sample_rate)
        body = encode(audio, self.format, self.bits)
        headers = headers | {
            "X-Sample-Rate": str(audio.sample_rate),
            "X-Audio-Duration": f"{audio.duration_s:.3f}",
        }
        return Response(body, media_type=f"audio/{self.format}", headers=headers)


def timing_headers(tts_s: float | None, rvc_s: float | None) -> dict[str, str]:
    """``X-TTS-Time`` / ``X-RVC-Time`` in seconds (the seed's headers; 0 when not run)."""
    return {"X-TTS-Time": f"{tts_s or 0.0:.4f}", "X-RVC-Time": f"{rvc_s or 0.0:.4f}"}

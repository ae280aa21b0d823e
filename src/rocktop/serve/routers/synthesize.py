"""``POST /synthesize`` (text -> TTS -> conversion) and ``/synthesize/stream``.

The stream sends audio sentence by sentence as it is produced: TTS of the next sentence runs
while the current one is converted. Framing (``stream_format``):

- ``wav``: a WAV header whose RIFF/data sizes are 0xFFFFFFFF (length unknown), then 16-bit PCM
  little-endian frames; players and ``soundfile`` read it as it arrives.
- ``pcm``: raw 16-bit little-endian PCM, no header; rate and channels are in the
  ``X-Sample-Rate`` / ``X-Channels`` response headers.

Errors before the first chunk answer a JSON error as usual; an error after it ends the stream
early (logged with the request id).
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response, StreamingResponse

from rocktop.audio.export import quantize
from rocktop.audio.types import Audio
from rocktop.inference.params import ConversionParams
from rocktop.inference.tts.base import TTSRequest, split_sentences
from rocktop.serve.routers._forms import OutputFormat, conversion_params, timing_headers
from rocktop.serve.routers.tts import tts_request
from rocktop.serve.schemas import AUDIO_RESPONSE, ERROR_RESPONSES
from rocktop.serve.service import Service, service_of, until_disconnect

log = logging.getLogger(__name__)
router = APIRouter(tags=["synthesis"])
STREAM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"audio/wav": {}, "audio/L16": {}}, "description": "Streamed audio."}
}
ModelField = Form(None, max_length=128, description="Voice name; default RVC_MODEL.")


@router.post("/synthesize", response_class=Response, responses=AUDIO_RESPONSE | ERROR_RESPONSES)
async def synthesize(
    request: Request,
    spoken: TTSRequest = Depends(tts_request),
    model: str | None = ModelField,
    params: ConversionParams = Depends(conversion_params),
    output: OutputFormat = Depends(),
    service: Service = Depends(service_of),
) -> Response:
    """Speak ``text`` with the TTS backend, then convert it to the voice ``model``."""
    name = service.model_name(model)
    service.registry.resolve(name)

    async def run() -> tuple[Audio, float, float]:
        speech, tts_s = await service.tts(spoken, "/synthesize")
        converted, rvc_s = await service.convert(speech, name, params, "/synthesize")
        return converted, tts_s, rvc_s

    converted, tts_s, rvc_s = await until_disconnect(request, run())
    return output.response(converted, timing_headers(tts_s, rvc_s))


def wav_stream_header(sample_rate: int, channels: int = 1) -> bytes:
    """A 16-bit PCM WAV header with unknown length (RIFF and data sizes 0xFFFFFFFF)."""
    block = 2 * channels
    fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * block, block, 16)
    unknown = 0xFFFFFFFF
    return (
        b"RIFF"
        + struct.pack("<I", unknown)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", unknown)
    )


def pcm16(audio: Audio, seed: int) -> bytes:
    """Interleaved 16-bit little-endian PCM (TPDF-dithered)."""
    return np.ascontiguousarray(quantize(audio.samples, 16, seed=seed).T).astype("<i2").tobytes()


@router.post(
    "/synthesize/stream",
    response_class=StreamingResponse,
    responses=STREAM_RESPONSE | ERROR_RESPONSES,
)
async def synthesize_stream(
    request: Request,
    spoken: TTSRequest = Depends(tts_request),
    model: str | None = ModelField,
    params: ConversionParams = Depends(conversion_params),
    stream_format: Literal["wav", "pcm"] = Form("wav", description="wav or raw pcm (s16le)."),
    service: Service = Depends(service_of),
) -> StreamingResponse:
    """Like ``/synthesize`` but streamed sentence by sentence (see the module docstring)."""
    name = service.model_name(model)
    service.registry.resolve(name)
    sentences = split_sentences(spoken.text)
    started = time.perf_counter()

    async def one(index: int) -> tuple[Audio, float, float]:
        sentence = TTSRequest(**{**spoken.__dict__, "text": sentences[index]})
        speech, tts_s = await service.tts(sentence, "/synthesize/stream")
        converted, rvc_s = await service.convert(speech, name, params, "/synthesize/stream")
        return converted, tts_s, rvc_s

    first, tts_s, rvc_s = await until_disconnect(request, one(0))
    rate, channels = first.sample_rate, first.channels
    headers = timing_headers(tts_s, rvc_s) | {
        "X-Sample-Rate": str(rate),
        "X-Channels": str(channels),
        "X-First-Chunk-Time": f"{time.perf_counter() - started:.4f}",
        "X-Sentences": str(len(sentences)),
    }

    body = _stream_body(first, one, len(sentences), stream_format == "wav", request)
    media = "audio/wav" if stream_format == "wav" else f"audio/L16;rate={rate};channels={channels}"
    return StreamingResponse(body, media_type=media, headers=headers)


async def _stream_body(
    first: Audio,
    one: Callable[[int], Awaitable[tuple[Audio, float, float]]],
    count: int,
    wav_header: bool,
    request: Request,
) -> AsyncIterator[bytes]:
    """The streamed bytes: header, then each sentence's PCM, computing sentence i+1 (TTS and
    conversion) while sentence i is sent."""
    rate, channels = first.sample_rate, first.channels
    if wav_header:
        yield wav_stream_header(rate, channels)
    yield pcm16(first, seed=0)
    pending = asyncio.ensure_future(one(1)) if count > 1 else None
    try:
        for index in range(1, count):
            assert pending is not None
            audio, _, _ = await pending
            pending = asyncio.ensure_future(one(index + 1)) if index + 1 < count else None
            yield pcm16(_match(audio, rate, channels), seed=index)
    except Exception as exc:  # noqa: BLE001 - headers are sent: end the stream, log why
        log.error("stream ended early: %s", exc, extra={"request_id": request.state.request_id})
    finally:
        if pending is not None and not pending.done():
            pending.cancel()


def _match(audio: Audio, rate: int, channels: int) -> Audio:
    """Bring a later chunk to the stream's rate and channel count (normally a no-op)."""
    from rocktop.audio.resample import resample_audio

    audio = resample_audio(audio, rate)
    if audio.channels != channels:
        audio = Audio(np.repeat(audio.mono()[np.newaxis], channels, axis=0), rate)
    return audio


__all__ = ["OutputFormat", "router"]

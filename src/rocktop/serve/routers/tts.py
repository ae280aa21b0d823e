"""``POST /tts``: text to speech only (no conversion)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from rocktop.inference.tts.base import TTSRequest, check_text
from rocktop.serve.routers._forms import OutputFormat, timing_headers
from rocktop.serve.schemas import AUDIO_RESPONSE, ERROR_RESPONSES
from rocktop.serve.service import Service, service_of, until_disconnect

router = APIRouter(tags=["synthesis"])


async def tts_request(
    text: str = Form(..., min_length=1, description="What to say (plain text)."),
    voice: str | None = Form(None, max_length=40, description="TTS voice (espeak: en-us, ...)."),
    rate_wpm: int | None = Form(None, ge=80, le=450, description="Speaking rate, words/min."),
    tts_pitch: int | None = Form(None, ge=0, le=99, description="TTS pitch (espeak 0-99)."),
    reference_text: str = Form("", description="Transcript of reference_audio (Spark-TTS)."),
    reference_audio: UploadFile | None = File(None, description="Voice sample (Spark-TTS)."),
    service: Service = Depends(service_of),
) -> TTSRequest:
    """The TTS part of a request (text checked against the service's cap)."""
    reference = None
    if reference_audio is not None and reference_audio.filename:
        data = await reference_audio.read()
        if data:
            reference = await service.decode(data, reference_audio.filename)
    return TTSRequest(
        text=check_text(text, service.config.max_text_chars),
        voice=voice or None,
        rate_wpm=rate_wpm,
        pitch=tts_pitch,
        reference_audio=reference,
        reference_text=reference_text[: service.config.max_text_chars],
    )


@router.post(
    "/tts",
    response_class=Response,
    responses=AUDIO_RESPONSE | ERROR_RESPONSES,
)
async def tts(
    request: Request,
    spoken: TTSRequest = Depends(tts_request),
    output: OutputFormat = Depends(),
    service: Service = Depends(service_of),
) -> Response:
    """Speak ``text`` with the configured TTS backend (espeak-ng by default)."""
    audio, tts_s = await until_disconnect(request, service.tts(spoken, "/tts"))
    return output.response(audio, timing_headers(tts_s, None))

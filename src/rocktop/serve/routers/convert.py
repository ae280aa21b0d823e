"""``POST /rvc`` (alias ``/convert``): convert an uploaded recording with a voice model."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from rocktop.inference.params import ConversionParams
from rocktop.serve.errors import BadRequestError
from rocktop.serve.routers._forms import OutputFormat, conversion_params, timing_headers
from rocktop.serve.schemas import AUDIO_RESPONSE, ERROR_RESPONSES
from rocktop.serve.service import Service, service_of, until_disconnect

router = APIRouter(tags=["conversion"])


@router.post("/rvc", response_class=Response, responses=AUDIO_RESPONSE | ERROR_RESPONSES)
@router.post(
    "/convert",
    response_class=Response,
    responses=AUDIO_RESPONSE | ERROR_RESPONSES,
    operation_id="convert_alias",
)
async def convert(
    request: Request,
    audio: UploadFile = File(..., description="The recording (WAV, FLAC, OGG, MP3, ...)."),
    model: str | None = Form(None, max_length=128, description="Voice name; default RVC_MODEL."),
    params: ConversionParams = Depends(conversion_params),
    output: OutputFormat = Depends(),
    service: Service = Depends(service_of),
) -> Response:
    """Convert ``audio`` to the voice ``model``; answers audio at the model's rate."""
    name = service.model_name(model)
    service.registry.resolve(name)
    data = await audio.read()
    if not data:
        raise BadRequestError("audio: the upload is empty (0 bytes)")
    decoded = await service.decode(data, audio.filename)
    converted, rvc_s = await until_disconnect(
        request, service.convert(decoded, name, params, "/rvc")
    )
    return output.response(converted, timing_headers(None, rvc_s))

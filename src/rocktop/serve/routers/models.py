"""List, load (hot swap) and unload voice models by name."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path

from rocktop.serve.models import NAME_PATTERN
from rocktop.serve.schemas import ERROR_RESPONSES, ModelAction, ModelInfo, ModelList
from rocktop.serve.service import Service, service_of

router = APIRouter(tags=["models"], responses=ERROR_RESPONSES)
ModelName = Path(..., pattern=NAME_PATTERN, max_length=128, description="A name from GET /models.")


@router.get("/models", response_model=ModelList)
async def list_models(service: Service = Depends(service_of)) -> ModelList:
    """Voices in the models directory, and which are loaded."""
    loaded = {m.entry.name: m for m in service.registry.loaded()}
    models = [
        ModelInfo(
            name=entry.name,
            format=entry.format,
            has_index=entry.index_path is not None,
            size_bytes=entry.size_bytes,
            loaded=entry.name in loaded,
            load_seconds=loaded[entry.name].load_seconds if entry.name in loaded else None,
        )
        for entry in service.registry.available().values()
    ]
    return ModelList(
        models=models,
        default=service.config.default_model or None,
        max_loaded=service.registry.max_loaded,
    )


@router.post("/models/{name}/load", response_model=ModelAction)
async def load_model(name: str = ModelName, service: Service = Depends(service_of)) -> ModelAction:
    """Load ``name`` (reload it from disk if it changed: hot swap)."""
    model = await service.load_model(name, reload=True)
    return ModelAction(name=name, loaded=True, load_seconds=round(model.load_seconds, 4))


@router.post("/models/{name}/unload", response_model=ModelAction)
async def unload_model(
    name: str = ModelName, service: Service = Depends(service_of)
) -> ModelAction:
    """Free ``name``'s memory; requests naming it load it again."""
    service.unload_model(name)
    return ModelAction(name=name, loaded=False)

"""``rocktop serve``: run the HTTP/WebSocket inference service (uvicorn)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import typer

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: str | None = typer.Option(
        None, help="Bind address (default 127.0.0.1; ROCKTOP_API_HOST)."
    ),
    port: int | None = typer.Option(None, help="Port (default 8080; API_PORT)."),
    workers: int | None = typer.Option(
        None, help="Conversion workers in this process (RVC_WORKERS); not extra processes."
    ),
    models_dir: Path | None = typer.Option(None, help="Voice models directory."),
    model: str | None = typer.Option(None, help="Default voice, loaded at start (RVC_MODEL)."),
    print_openapi: bool = typer.Option(
        False, "--print-openapi", help="Print the OpenAPI schema (JSON) and exit."
    ),
) -> None:
    """Serve /tts, /rvc, /synthesize, /realtime, /models, /health, /ready, /metrics."""
    import uvicorn

    from rocktop.serve.app import create_app
    from rocktop.serve.observe import configure_json_logging
    from rocktop.serve.settings import Settings

    overrides: dict[str, Any] = {
        "api_host": host,
        "api_port": port,
        "rvc_workers": workers,
        "models_dir": models_dir,
        "rvc_model": model,
    }
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if print_openapi:
        typer.echo(openapi_json(), nl=False)
        return
    if settings.log_json:
        configure_json_logging("INFO")
    app = create_app(settings)
    if not app.state.service.authenticator.enabled and settings.api_host not in LOOPBACK:
        log.warning("no API keys configured and binding %s: anyone can call it", settings.api_host)
    uvicorn.run(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        ws_max_size=settings.ws_max_frame_bytes + 1024,
    )


def openapi_json() -> str:
    """The OpenAPI schema on default settings (environment ignored), as in docs/openapi.json."""
    from rocktop.serve.app import create_app
    from rocktop.serve.settings import Settings

    app = create_app(Settings.model_construct())
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"

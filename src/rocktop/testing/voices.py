"""A complete tiny voice setup on disk: a models directory and an assets directory.

``write_tiny_voice(root)`` writes ``root/models/NAME.safetensors`` (a tiny RVC v2 48 kHz
synthesizer, random weights, same code as real voices) and ``root/assets/hubert_base/`` (a tiny
ContentVec in Hugging Face form), so the real loader (``load_converter``) and the service run
end to end without downloaded weights. Use an F0 method that needs no weights (``pm``,
``harvest``): a tiny RMVPE cannot stand in for ``rmvpe.pt``, whose geometry is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TinyVoice:
    name: str
    models_dir: Path
    weights_dir: Path
    model_path: Path


def write_tiny_voice(root: Path, name: str = "tiny-voice", seed: int = 0) -> TinyVoice:
    """Write the tiny voice and its content-encoder weights under ``root``."""
    from rocktop.models.voice import VoiceModel, default_metadata
    from rocktop.testing.contentvec import tiny_hubert, write_hf_dir
    from rocktop.testing.models import tiny_synthesizer

    models_dir, weights_dir = root / "models", root / "assets"
    models_dir.mkdir(parents=True, exist_ok=True)
    hubert = tiny_hubert(seed)
    write_hf_dir(weights_dir / "hubert_base", hubert, safetensors=True)
    synthesizer = tiny_synthesizer(
        "v2", 48_000, f0=True, seed=seed, content_dim=hubert.config.hidden_size
    )
    voice = VoiceModel.from_synthesizer(
        synthesizer, default_metadata(synthesizer.config, name=name, info="tiny test voice")
    )
    model_path = voice.save(models_dir / f"{name}.safetensors")
    return TinyVoice(name, models_dir, weights_dir, model_path)

"""``VoiceModel``: synthesizer weights + typed metadata, and operations on whole voices.

Files: RVC ``.pth`` (read/write exactly as rvc-spec §1) and native ``.safetensors`` (metadata in
the header); see ``rocktop.models.voice_files``. Loading never executes code from a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from rocktop.common.errors import RocktopError
from rocktop.common.modules import uninitialised
from rocktop.models.rvc.builders import prepare_for_inference
from rocktop.models.rvc.config import SynthesizerConfig
from rocktop.models.rvc.state import check_state_dict, load_weights
from rocktop.models.rvc.synthesizer import Synthesizer

FORMAT_VERSION = 1
CONTENT_LAYERS = {"v1": 9, "v2": 12}  # HuBERT output layer RVC uses (spec §3)


class VoiceFileError(RocktopError):
    """A voice file that cannot be used: unsafe, truncated, wrong kind or incompatible."""

    code = "bad_voice_file"


@dataclass(frozen=True)
class VoiceMetadata:
    """What a voice is, besides its weights.

    Attributes:
        name: display name (file stem by default).
        info: RVC's free-text ``info`` (e.g. ``"200epoch"``).
        content_encoder: content-encoder registry name (``"contentvec"`` for RVC voices).
        content_layer: encoder layer used (9 for v1 + final_proj, 12 for v2).
        content_dim: feature dimension (256 v1, 768 v2).
        provenance: training facts and foreign keys kept verbatim (Applio's ``epoch``,
            ``author``, ``model_hash`` ...), str/int/float/bool values only.
        format_version: rocktop voice format version.
    """

    name: str = ""
    info: str = ""
    content_encoder: str = "contentvec"
    content_layer: int = 12
    content_dim: int = 768
    provenance: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION


@dataclass(frozen=True)
class VoiceModel:
    """A voice: architecture config, weights (no ``enc_q``, RVC key spelling) and metadata."""

    config: SynthesizerConfig
    weights: dict[str, torch.Tensor]
    metadata: VoiceMetadata

    @property
    def version(self) -> str:
        return self.config.version

    @property
    def sample_rate(self) -> int:
        return self.config.sampling_rate

    @property
    def f0(self) -> bool:
        return self.config.f0

    @property
    def speakers(self) -> int:
        return self.config.spk_embed_dim

    @property
    def num_parameters(self) -> int:
        return sum(t.numel() for t in self.weights.values())

    def build(
        self,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32,
        fold: bool = True,
    ) -> Synthesizer:
        """An inference-ready synthesizer (weights loaded strictly, ``eval()``, folded WN).

        Built on the meta device and allocated uninitialised: every tensor is then
        overwritten by the strict load, so random initialisation would be wasted time.
        """
        model = uninitialised(lambda: Synthesizer(self.config))
        load_weights(model, self.weights, self.metadata.name or "voice")
        return prepare_for_inference(model, device, dtype, fold)

    def validate(self) -> None:
        """Check every key and shape against the architecture without allocating weights."""
        with torch.device("meta"):
            skeleton = Synthesizer(self.config)
        check_state_dict(skeleton, self.weights, self.metadata.name or "voice")

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary (``rocktop model info``)."""
        dtypes = sorted({str(t.dtype).removeprefix("torch.") for t in self.weights.values()})
        return {
            "name": self.metadata.name,
            "version": self.version,
            "sample_rate": self.sample_rate,
            "f0": self.f0,
            "speakers": self.speakers,
            "content_encoder": self.metadata.content_encoder,
            "content_layer": self.metadata.content_layer,
            "content_dim": self.metadata.content_dim,
            "tensors": len(self.weights),
            "parameters": self.num_parameters,
            "dtype": ",".join(dtypes),
            "info": self.metadata.info,
            "provenance": self.metadata.provenance,
            "format_version": self.metadata.format_version,
        }

    @classmethod
    def from_synthesizer(
        cls, model: Synthesizer, metadata: VoiceMetadata | None = None
    ) -> VoiceModel:
        """Capture a (trained) synthesizer's weights without ``enc_q``, as fp32 copies."""
        if any(k.endswith(".weight") and "ups." in k for k in model.state_dict()):
            raise VoiceFileError("export from an unfolded model: weight norm was folded")
        weights = {
            k: v.detach().to("cpu", torch.float32).clone()
            for k, v in model.state_dict().items()
            if "enc_q" not in k
        }
        config = model.config
        meta = metadata or default_metadata(config)
        return cls(config=config, weights=weights, metadata=meta)

    def save(self, path: str | Path) -> Path:
        """Write ``.pth`` (RVC) or ``.safetensors`` (native), chosen by suffix, atomically."""
        from rocktop.models.voice_files import save_voice

        return save_voice(self, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> VoiceModel:
        """Read a ``.pth`` (weights_only) or ``.safetensors`` voice."""
        from rocktop.models.voice_files import load_voice

        return load_voice(Path(path))


def default_metadata(config: SynthesizerConfig, name: str = "", info: str = "") -> VoiceMetadata:
    """Metadata for an RVC-recipe voice of this architecture (ContentVec, RVC's layer)."""
    return VoiceMetadata(
        name=name,
        info=info,
        content_layer=CONTENT_LAYERS[config.version],
        content_dim=config.content_dim,
    )


def merge_voices(a: VoiceModel, b: VoiceModel, alpha: float, name: str = "") -> VoiceModel:
    """``alpha * A + (1 - alpha) * B`` in fp32 (RVC ``merge``, spec §1.5), A's config kept.

    ``emb_g`` is truncated to the smaller speaker count; every other tensor must match.
    """
    if not 0.0 <= alpha <= 1.0:
        raise RocktopError(f"merge weight alpha must be within 0..1, got {alpha}")
    if (a.version, a.sample_rate, a.f0) != (b.version, b.sample_rate, b.f0):
        raise VoiceFileError(
            f"cannot merge {a.version}/{a.sample_rate}/f0={a.f0} with "
            f"{b.version}/{b.sample_rate}/f0={b.f0}: architectures differ"
        )
    speakers = min(a.speakers, b.speakers)
    merged: dict[str, torch.Tensor] = {}
    for key, value in a.weights.items():
        other = b.weights.get(key)
        if key == "emb_g.weight" and other is not None:
            value, other = value[:speakers], other[:speakers]
        if other is None or other.shape != value.shape:
            raise VoiceFileError(f"cannot merge: {key!r} differs between the two voices")
        merged[key] = alpha * value.float() + (1.0 - alpha) * other.float()
    info = f"merged {alpha:g} x {a.metadata.name or 'A'} + {1 - alpha:g} x {b.metadata.name or 'B'}"
    metadata = replace(a.metadata, name=name or a.metadata.name, info=info, provenance={})
    return VoiceModel(a.config.with_speakers(speakers), merged, metadata)

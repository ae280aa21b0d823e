"""Voice files: RVC ``.pth`` (spec §1) and native ``.safetensors``.

A ``.pth`` is read only with ``torch.load(weights_only=True)`` (no fallback): a pickle that
names any class or function outside torch's allow-list is refused before anything runs.
"""

from __future__ import annotations

import json
import logging
import pickle
import zipfile
from collections import OrderedDict
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import torch

from rocktop.common.atomic import atomic_path
from rocktop.models.rvc.config import (
    SAMPLE_RATE_NAMES,
    ConfigError,
    SynthesizerConfig,
    from_rvc_config,
)
from rocktop.models.rvc.state import StateDictError, canonical_state_dict
from rocktop.models.voice import (
    CONTENT_LAYERS,
    FORMAT_VERSION,
    VoiceFileError,
    VoiceMetadata,
    VoiceModel,
)

logger = logging.getLogger(__name__)

MAX_VOICE_BYTES = 1 << 30  # real voices are 55-60 MB; pretrained G/D files ~75-145 MB
RVC_KEYS = ("weight", "config", "info", "sr", "f0", "version", "model_name")
RVC_COMPATIBLE_VOCODERS = ("HiFi-GAN",)
RVC_COMPATIBLE_EMBEDDERS = ("contentvec",)
SAFETENSORS_FORMAT = "rocktop-voice"


def load_voice(path: Path) -> VoiceModel:
    """Read a voice file (``.pth`` or ``.safetensors``); every refusal is a ``VoiceFileError``."""
    if not path.is_file():
        raise VoiceFileError(f"{path}: no such voice file")
    size = path.stat().st_size
    if size > MAX_VOICE_BYTES:
        raise VoiceFileError(f"{path}: {size} bytes is over the {MAX_VOICE_BYTES} byte limit")
    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        voice = _load_safetensors(path)
    elif suffix in (".pth", ".pt", ".ckpt"):
        voice = _load_pth(path)
    else:
        raise VoiceFileError(f"{path}: unknown voice format (expected .pth or .safetensors)")
    try:
        voice.validate()
    except StateDictError as exc:
        raise VoiceFileError(f"{path}: {str(exc).split(': ', 1)[-1]}") from None
    return voice


def save_voice(voice: VoiceModel, path: Path) -> Path:
    """Write ``voice`` to ``path`` atomically; the suffix picks RVC ``.pth`` or safetensors."""
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".pth":
            torch.save(to_rvc_checkpoint(voice), tmp)
        elif suffix == ".safetensors":
            _save_safetensors(voice, tmp)
        else:
            raise VoiceFileError(f"{path}: save as .pth (RVC) or .safetensors (native)")
    return path


# --- RVC .pth -------------------------------------------------------------------------------


def read_torch_file(path: Path) -> Any:
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if not zipfile.is_zipfile(path) and magic[:1] != b"\x80":
        raise VoiceFileError(
            f"{path}: not a readable PyTorch file (truncated, or neither zip nor pickle)"
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else "unsupported pickle content"
        raise VoiceFileError(
            f"{path}: refused: the file holds objects that are not plain weights "
            f"(weights_only load failed: {detail})"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise VoiceFileError(f"{path}: not a readable PyTorch file ({first})") from None


def _load_pth(path: Path) -> VoiceModel:
    ckpt = read_torch_file(path)
    if not isinstance(ckpt, dict):
        raise VoiceFileError(f"{path}: not an RVC voice (top level is {type(ckpt).__name__})")
    if "weight" not in ckpt and "model" in ckpt:
        raise VoiceFileError(
            f"{path}: this is a training checkpoint or pretrained generator (G_*.pth / "
            "f0G*.pth: 'model' key, includes enc_q), not a voice model; use the voice file "
            "exported at the end of training (assets/weights/<name>.pth)"
        )
    missing = [key for key in ("weight", "config") if key not in ckpt]
    if missing:
        raise VoiceFileError(f"{path}: not an RVC voice: missing key(s) {', '.join(missing)}")
    _refuse_incompatible_applio(path, ckpt)
    return _voice_from_checkpoint(path, ckpt)


def _refuse_incompatible_applio(path: Path, ckpt: dict[str, Any]) -> None:
    vocoder = ckpt.get("vocoder")
    if vocoder not in (None, *RVC_COMPATIBLE_VOCODERS):
        raise VoiceFileError(
            f"{path}: Applio vocoder {vocoder!r} is not supported (only HiFi-GAN voices are "
            "RVC-compatible)"
        )
    embedder = ckpt.get("embedder_model")
    if embedder not in (None, *RVC_COMPATIBLE_EMBEDDERS):
        raise VoiceFileError(
            f"{path}: content encoder {embedder!r} is not supported (RVC voices use contentvec)"
        )


def _voice_from_checkpoint(path: Path, ckpt: dict[str, Any]) -> VoiceModel:
    weights = ckpt["weight"]
    if not isinstance(weights, dict) or "emb_g.weight" not in weights:
        raise VoiceFileError(f"{path}: 'weight' is not a synthesizer state dict (no emb_g)")
    weights = {k: v for k, v in canonical_state_dict(weights).items() if "enc_q" not in k}
    version = str(ckpt.get("version", "v1"))
    f0 = bool(int(ckpt.get("f0", 1)))
    config_list = list(ckpt["config"])
    if len(config_list) == 18:
        config_list[-3] = int(weights["emb_g.weight"].shape[0])  # RVC: n_spk from emb_g
    phone = weights.get("enc_p.emb_phone.weight")
    content_dim = (
        int(phone.shape[1]) if isinstance(phone, torch.Tensor) and phone.ndim == 2 else None
    )
    try:
        config = from_rvc_config(config_list, version, f0, content_dim)
    except ConfigError as exc:
        raise VoiceFileError(f"{path}: {exc}") from None
    provenance = {
        k: _plain(v) for k, v in ckpt.items() if k not in RVC_KEYS and not _is_tensor_tree(v)
    }
    metadata = VoiceMetadata(
        name=str(ckpt.get("model_name") or path.stem),
        info=str(ckpt.get("info", "")),
        content_encoder=str(ckpt.get("embedder_model") or "contentvec"),
        content_layer=CONTENT_LAYERS[version],
        content_dim=config.content_dim,
        provenance=provenance,
    )
    return VoiceModel(config=config, weights=weights, metadata=metadata)


def _is_tensor_tree(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return True
    if isinstance(value, dict):
        return any(_is_tensor_tree(v) for v in value.values())
    return False


def _plain(value: Any) -> Any:
    """Keep JSON-able scalars and lists; describe anything else as a string."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def to_rvc_checkpoint(voice: VoiceModel) -> OrderedDict[str, Any]:
    """The dict RVC's ``savee`` writes: fp16 weights without enc_q, 18-item config, sr string."""
    config = voice.config
    sr_name = {v: k for k, v in SAMPLE_RATE_NAMES.items()}.get(config.sampling_rate)
    ckpt: OrderedDict[str, Any] = OrderedDict()
    ckpt["weight"] = {
        k: v.detach().to("cpu", torch.float16).contiguous()
        for k, v in voice.weights.items()
        if "enc_q" not in k
    }
    ckpt["config"] = config.to_rvc_config()
    ckpt["info"] = voice.metadata.info or "Exported by rocktop."
    ckpt["sr"] = sr_name or config.sampling_rate
    ckpt["f0"] = int(config.f0)
    ckpt["version"] = config.version
    if voice.metadata.name:
        ckpt["model_name"] = voice.metadata.name  # Applio's key; RVC ignores it
    for key, value in voice.metadata.provenance.items():
        if key not in ckpt:
            ckpt[key] = value
    return ckpt


# --- native safetensors ---------------------------------------------------------------------


def _save_safetensors(voice: VoiceModel, path: Path) -> None:
    from safetensors.torch import save_file

    config = asdict(voice.config)
    header = {
        "format": SAFETENSORS_FORMAT,
        "format_version": str(FORMAT_VERSION),
        "config": json.dumps(config),
        "metadata": json.dumps(asdict(voice.metadata)),
    }
    tensors = {k: v.detach().cpu().contiguous() for k, v in voice.weights.items()}
    save_file(tensors, str(path), metadata=header)


def _load_safetensors(path: Path) -> VoiceModel:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
            weights = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError) as exc:
        raise VoiceFileError(f"{path}: not a readable safetensors file ({exc})") from None
    if header.get("format") != SAFETENSORS_FORMAT:
        raise VoiceFileError(f"{path}: not a rocktop voice (header format is missing)")
    if int(header.get("format_version", "0")) > FORMAT_VERSION:
        raise VoiceFileError(
            f"{path}: voice format {header['format_version']} is newer than this rocktop "
            f"({FORMAT_VERSION}); upgrade rocktop"
        )
    try:
        config = _config_from_json(json.loads(header["config"]))
        meta = json.loads(header["metadata"])
        known = {f.name for f in fields(VoiceMetadata)}
        metadata = VoiceMetadata(**{k: v for k, v in meta.items() if k in known})
    except (KeyError, TypeError, ValueError) as exc:
        raise VoiceFileError(f"{path}: malformed voice header ({exc})") from None
    return VoiceModel(config=config, weights=canonical_state_dict(weights), metadata=metadata)


def _config_from_json(data: dict[str, Any]) -> SynthesizerConfig:
    known = {f.name for f in fields(SynthesizerConfig)}
    values = {k: v for k, v in data.items() if k in known}
    for key in ("resblock_kernel_sizes", "upsample_rates", "upsample_kernel_sizes"):
        values[key] = tuple(values[key])
    values["resblock_dilation_sizes"] = tuple(tuple(d) for d in values["resblock_dilation_sizes"])
    return SynthesizerConfig(**values)

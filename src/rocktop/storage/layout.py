"""Where a voice's files sit in a models directory or prefix (pure functions on names).

Two layouts are recognised, the same on disk and in object stores:

- flat: ``<voice>.safetensors`` (or ``<voice>.pth``) with an optional ``<voice>.index`` beside;
- folder: ``<voice>/`` holding exactly one model file and at most one ``.index`` file, which is
  how community RVC voices are usually unpacked (``added_IVF..._v2.index`` next to the model).

When both ``<voice>.safetensors`` and ``<voice>.pth`` exist the safetensors form wins: it
cannot execute code (DESIGN.md, voice model contract).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rocktop.common.errors import RocktopError

MODEL_SUFFIXES = (".safetensors", ".pth")
INDEX_SUFFIX = ".index"
_VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class VoiceNotFoundError(RocktopError):
    """No voice of that name in the registry's source."""

    http_status = 404
    code = "voice_not_found"


class AmbiguousVoiceError(RocktopError):
    """A voice folder holds more than one model or index file."""

    code = "ambiguous_voice"


@dataclass(frozen=True)
class VoiceEntry:
    """Relative names (``/``-separated) of a voice's model file and optional index."""

    name: str
    model: str
    index: str | None


def check_voice_name(name: str) -> str:
    """Refuse names that could escape the models directory (``..``, ``/``, empty)."""
    if not _VOICE_NAME.match(name) or ".." in name:
        raise VoiceNotFoundError(
            f"voice name {name!r} is not valid: use letters, digits, '.', '_' and '-' "
            "(at most 128 characters)"
        )
    return name


def _model_stem(filename: str) -> str | None:
    for suffix in MODEL_SUFFIXES:
        if filename.endswith(suffix) and len(filename) > len(suffix):
            return filename[: -len(suffix)]
    return None


def flat_voices(files: list[str]) -> dict[str, VoiceEntry]:
    """Voices found among the file names of one directory level."""
    names = set(files)
    voices: dict[str, VoiceEntry] = {}
    for filename in sorted(files, key=lambda f: f.endswith(".pth")):  # safetensors first
        stem = _model_stem(filename)
        if stem is None or stem in voices:
            continue
        index = stem + INDEX_SUFFIX
        voices[stem] = VoiceEntry(stem, filename, index if index in names else None)
    return voices


def pick_model_and_index(label: str, files: list[str]) -> tuple[str, str | None] | None:
    """The one model file (safetensors preferred) and at most one index among ``files``."""
    models = sorted(f for f in files if _model_stem(f.rsplit("/", 1)[-1]) is not None)
    safetensors = [f for f in models if f.endswith(".safetensors")]
    if len(safetensors) == 1:
        models = safetensors
    if not models:
        return None
    indexes = sorted(f for f in files if f.endswith(INDEX_SUFFIX))
    if len(models) > 1 or len(indexes) > 1:
        raise AmbiguousVoiceError(
            f"voice {label!r} holds {len(models)} model and {len(indexes)} index "
            "files: keep one of each"
        )
    return models[0], indexes[0] if indexes else None


def folder_voice(name: str, files: list[str]) -> VoiceEntry | None:
    """The voice in folder ``name`` given its file names, or None when it holds no model."""
    picked = pick_model_and_index(name, files)
    if picked is None:
        return None
    model, index = picked
    return VoiceEntry(name, f"{name}/{model}", f"{name}/{index}" if index else None)


def voices_in_tree(files: list[str]) -> dict[str, VoiceEntry]:
    """All voices in a listing of relative ``/``-separated paths at most two levels deep."""
    top = [f for f in files if "/" not in f]
    voices = flat_voices(top)
    folders: dict[str, list[str]] = {}
    for path in files:
        folder, _, rest = path.partition("/")
        if rest and "/" not in rest:
            folders.setdefault(folder, []).append(rest)
    for folder, children in sorted(folders.items()):
        if folder in voices or _VOICE_NAME.match(folder) is None:
            continue
        entry = folder_voice(folder, children)
        if entry is not None:
            voices[folder] = entry
    return voices

"""Find training clips: an RVC training layout (spec §7.2), optionally split by a kit manifest.

The RVC layout (written by RVC itself or by ``rocktop features extract --export-rvc-layout``):
``0_gt_wavs/<name>.wav`` (target-rate float WAV), ``3_feature{256,768}/<name>.npy``
(``[T', C]`` float32 content units at 50 fps), ``2a_f0/<name>.wav.npy`` (coarse pitch
1..255 at 100 fps) and ``2b-f0nsf/<name>.wav.npy`` (F0 in Hz at 100 fps). When the dataset
kit's ``metadata.jsonl`` is given (clip ``id`` -> layout name by ``features.dataset.safe_name``,
as the feature export names files), its ``split`` field (``train``/``val``/``test``) and
``status`` (``accepted``) decide which clips train and which validate; otherwise a
deterministic hash of the name picks ``val_count`` validation clips.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from rocktop.common.errors import RocktopError
from rocktop.features.dataset import safe_name

log = logging.getLogger(__name__)

WAV_DIR = "0_gt_wavs"
COARSE_DIR = "2a_f0"
F0_DIR = "2b-f0nsf"


class LayoutError(RocktopError):
    """The training data folder cannot be used."""

    code = "bad_training_data"


@dataclass(frozen=True)
class ClipFiles:
    """The files of one training clip (``coarse``/``f0`` are None for no-F0 models)."""

    name: str
    wav: Path
    feature: Path
    coarse: Path | None
    f0: Path | None
    speaker_id: int = 0


@dataclass(frozen=True)
class Splits:
    """Training and validation clips, plus the names left out and why."""

    train: list[ClipFiles]
    val: list[ClipFiles]
    missing: dict[str, str]


def feature_dir(root: Path, content_dim: int) -> Path:
    return root / f"3_feature{content_dim}"


def _clip(root: Path, name: str, content_dim: int, f0: bool) -> tuple[ClipFiles, str | None]:
    clip = ClipFiles(
        name=name,
        wav=root / WAV_DIR / f"{name}.wav",
        feature=feature_dir(root, content_dim) / f"{name}.npy",
        coarse=root / COARSE_DIR / f"{name}.wav.npy" if f0 else None,
        f0=root / F0_DIR / f"{name}.wav.npy" if f0 else None,
    )
    for path in (clip.wav, clip.feature, clip.coarse, clip.f0):
        if path is not None and not path.is_file():
            return clip, f"missing file {path}"
    return clip, None


def _manifest_splits(manifest: Path) -> dict[str, str]:
    """``id -> split`` of the accepted clips of a dataset kit ``metadata.jsonl``."""
    splits: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LayoutError(f"{manifest}:{number}: not JSON ({exc.msg})") from None
        if record.get("status", "accepted") != "accepted" or not record.get("split"):
            continue
        splits[safe_name(str(record["id"]))] = str(record["split"])
    return splits


def _hash_rank(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()


def _names(root: Path, content_dim: int) -> list[str]:
    wavs = {p.stem for p in (root / WAV_DIR).glob("*.wav")}
    feats = {p.stem for p in feature_dir(root, content_dim).glob("*.npy")}
    names = sorted(wavs | feats)
    if not names:
        raise LayoutError(
            f"{root}: no clips found (expected {WAV_DIR}/*.wav and "
            f"3_feature{content_dim}/*.npy, spec §7.2)"
        )
    return names


def find_clips(
    root: Path,
    content_dim: int,
    f0: bool = True,
    manifest: Path | None = None,
    val_count: int = 2,
) -> Splits:
    """Clips of an RVC training layout under ``root``, split into train and validation.

    Clips with a missing file are left out (named in ``Splits.missing``, logged), never fatal.
    Raises ``LayoutError`` when nothing usable remains.
    """
    split_of = _manifest_splits(manifest) if manifest is not None else None
    train: list[ClipFiles] = []
    val: list[ClipFiles] = []
    missing: dict[str, str] = {}
    names = _names(root, content_dim)
    if split_of is None:
        chosen = set(sorted(names, key=_hash_rank)[: min(val_count, max(len(names) - 1, 0))])
        split_of = {n: ("val" if n in chosen else "train") for n in names}
    for name in names:
        clip, problem = _clip(root, name, content_dim, f0)
        if problem is not None:
            log.warning("skipping clip %s: %s", name, problem)
            missing[name] = problem
            continue
        {"train": train, "val": val}.get(split_of.get(name, ""), []).append(clip)
    if not train:
        raise LayoutError(f"{root}: no usable training clips ({len(missing)} left out)")
    return Splits(train, val, missing)

"""Model registry mechanics: directory listing is the only source of names, LRU, hot swap.

The loader here reads the file's bytes (what a loader does first); conversion itself is tested
with tiny real models in test_conversion.py.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from rocktop.serve.errors import ModelLoadError, ModelNotFoundError
from rocktop.serve.metrics import ServiceMetrics
from rocktop.serve.models import ModelRegistry, scan


def _digest_loader(model_path: Path, index_path: Path | None) -> tuple[str, str | None]:
    data = model_path.read_bytes()
    if data.startswith(b"broken"):
        raise ValueError("not a voice model")
    return hashlib.sha256(data).hexdigest(), index_path.name if index_path else None


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    (tmp_path / "alto.safetensors").write_bytes(b"alto")
    (tmp_path / "tenor.pth").write_bytes(b"tenor")
    (tmp_path / "tenor.index").write_bytes(b"ivf")
    folder = tmp_path / "bass"
    folder.mkdir()
    (folder / "bass_e300.pth").write_bytes(b"bass")
    (folder / "added_IVF256_bass.index").write_bytes(b"ivf")
    ambiguous = tmp_path / "choir"
    ambiguous.mkdir()
    (ambiguous / "a.pth").write_bytes(b"a")
    (ambiguous / "b.pth").write_bytes(b"b")
    (tmp_path / "notes.txt").write_text("not a model")
    (tmp_path / "bad name!.pth").write_bytes(b"x")
    (tmp_path / "broken.pth").write_bytes(b"broken")
    os.symlink("/etc/passwd", tmp_path / "passwd.pth")
    return tmp_path


def test_scan_finds_both_layouts_and_ignores_the_rest(models_dir: Path) -> None:
    found = scan(models_dir)
    assert set(found) == {"alto", "tenor", "bass", "broken"}  # not the symlink out
    assert found["tenor"].index_path == models_dir / "tenor.index"
    assert found["alto"].format == "safetensors" and found["alto"].index_path is None
    assert found["bass"].index_path is not None and found["bass"].format == "pth"
    assert scan(models_dir / "missing") == {}


@pytest.mark.parametrize("name", ["../tenor", "tenor.pth", "/etc/passwd", "", "choir", "x" * 300])
def test_names_outside_the_listing_are_refused(models_dir: Path, name: str) -> None:
    registry = ModelRegistry(models_dir, _digest_loader, 2, ServiceMetrics())
    with pytest.raises(ModelNotFoundError):
        registry.get(name)


def test_lru_bound_and_unload(models_dir: Path) -> None:
    registry = ModelRegistry(models_dir, _digest_loader, 2, ServiceMetrics())
    registry.get("alto")
    registry.get("tenor")
    registry.get("alto")  # alto is now the most recently used
    registry.get("bass")  # evicts tenor
    assert [m.entry.name for m in registry.loaded()] == ["alto", "bass"]
    assert registry.get("tenor").converter[1] == "tenor.index"
    assert registry.unload("tenor") and not registry.unload("tenor")


def test_hot_swap_reloads_changed_files(models_dir: Path) -> None:
    metrics = ServiceMetrics()
    registry = ModelRegistry(models_dir, _digest_loader, 2, metrics)
    before = registry.get("alto")
    assert registry.load("alto") is before  # unchanged on disk: kept
    (models_dir / "alto.safetensors").write_bytes(b"alto, retrained")
    os.utime(models_dir / "alto.safetensors", ns=(1, before.entry.mtime_ns + 10**9))
    after = registry.load("alto")
    assert after is not before and after.converter[0] != before.converter[0]
    assert registry.get("alto") is after
    assert metrics.model_load_seconds._sum.get() > 0


def test_unloadable_file_is_a_4xx(models_dir: Path) -> None:
    registry = ModelRegistry(models_dir, _digest_loader, 2, ServiceMetrics())
    with pytest.raises(ModelLoadError, match="broken") as refused:
        registry.get("broken")
    assert refused.value.http_status == 422


def test_rvc_index_naming_beside_the_model(tmp_path: Path) -> None:
    (tmp_path / "SilverWolf_e300_s6600.pth").write_bytes(b"w")
    (tmp_path / "trained_IVF256_Flat_nprobe_1_SilverWolf_e300_s6600_v2.index").write_bytes(b"")
    (tmp_path / "added_IVF256_Flat_nprobe_1_SilverWolf_e300_s6600_v2.index").write_bytes(b"i")
    entry = scan(tmp_path)["SilverWolf_e300_s6600"]
    assert entry.index_path is not None and entry.index_path.name.startswith("added_")

"""Registry behaviour: optional backends and missing weights give one clear error."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rocktop.common.errors import RocktopError
from rocktop.features.assets.paths import MissingAssetError
from rocktop.features.pitch import PITCH_EXTRACTORS, get_pitch_extractor


@pytest.mark.parametrize("name", ["crepe", "fcpe"])
def test_optional_backend_absent_is_a_clear_error(name: str) -> None:
    package = {"crepe": "torchcrepe", "fcpe": "torchfcpe"}[name]
    if importlib.util.find_spec(package) is not None:
        pytest.skip(f"{package} is installed here")
    with pytest.raises(RocktopError, match=package):
        get_pitch_extractor(name)


def test_rmvpe_without_weights_names_file_and_command(tmp_path: Path) -> None:
    with pytest.raises(MissingAssetError) as info:
        get_pitch_extractor("rmvpe", weights_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "rmvpe.pt") in message
    assert "rocktop assets fetch rmvpe" in message


def test_registry_lists_every_method() -> None:
    assert set(PITCH_EXTRACTORS) == {"rmvpe", "harvest", "dio", "pm", "crepe", "fcpe"}

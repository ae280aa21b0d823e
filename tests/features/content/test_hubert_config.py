"""``HubertSettings``: HF ``config.json`` in and out, unsupported variants refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rocktop.common.errors import RocktopError
from rocktop.features.content.hubert_config import HubertSettings, contentvec_config
from rocktop.features.content.loading import load_hubert
from rocktop.testing.contentvec import tiny_hubert, write_hf_dir


def _small(**overrides: Any) -> HubertSettings:
    geometry = {"hidden_size": 8, "num_attention_heads": 2, "num_conv_pos_embedding_groups": 2}
    return contentvec_config(**geometry, **overrides)


def test_defaults_are_hubert_base() -> None:
    settings = contentvec_config()
    assert (settings.hidden_size, settings.num_hidden_layers, settings.intermediate_size) == (
        768,
        12,
        3072,
    )
    assert settings.conv_kernel == (10, 3, 3, 3, 3, 2, 2)
    assert settings.conv_stride == (5, 2, 2, 2, 2, 2, 2)


def test_json_round_trip_ignores_unknown_keys(tmp_path: Path) -> None:
    settings = _small(layer_norm_eps=1e-6, conv_bias=True)
    values = json.loads(settings.to_json())
    assert values["conv_dim"] == [512] * 7 and values["model_type"] == "hubert"
    values |= {"architectures": ["HubertModel"], "hidden_dropout": 0.1, "vocab_size": 32}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    assert HubertSettings.from_json(path) == settings


def test_missing_keys_take_hf_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"hidden_size": 16, "num_attention_heads": 4}', encoding="utf-8")
    assert HubertSettings.from_json(path) == contentvec_config(
        hidden_size=16, num_attention_heads=4
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"feat_extract_norm": "layer"}, "feat_extract_norm"),
        ({"do_stable_layer_norm": True}, "do_stable_layer_norm"),
        ({"hidden_act": "relu"}, "hidden_act"),
        ({"feat_extract_activation": "gelu_new"}, "feat_extract_activation"),
        ({"conv_pos_batch_norm": True}, "conv_pos_batch_norm"),
        ({"conv_dim": [512] * 6}, "length"),
        ({"hidden_size": 9}, "num_attention_heads"),
        ({"hidden_size": "768"}, "hidden_size"),
        ({"conv_kernel": [10.0, 3, 3, 3, 3, 2, 2]}, "conv_kernel"),
        ({"conv_bias": 1}, "conv_bias"),
    ],
)
def test_unsupported_values_are_refused(change: dict[str, Any], message: str) -> None:
    values = _small().to_dict() | change
    with pytest.raises(RocktopError, match=message):
        HubertSettings.from_dict(values)


def test_hf_dir_with_unsupported_config_is_refused(tmp_path: Path) -> None:
    directory = write_hf_dir(tmp_path / "hubert_base", tiny_hubert())
    values = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    (directory / "config.json").write_text(json.dumps(values | {"do_stable_layer_norm": True}))
    with pytest.raises(RocktopError, match="config.json: .*do_stable_layer_norm"):
        load_hubert(directory)
    (directory / "config.json").write_text("{not json")
    with pytest.raises(RocktopError, match="not a readable JSON config"):
        load_hubert(directory)

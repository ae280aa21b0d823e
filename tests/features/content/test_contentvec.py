"""ContentVec encoder: layer choice, both file forms, the fairseq key map, chunking, dtypes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rocktop.common.errors import RocktopError
from rocktop.features.assets.paths import MissingAssetError
from rocktop.features.content import get_content_encoder
from rocktop.features.content.contentvec import ContentVecEncoder, num_content_frames
from rocktop.features.content.loading import load_hubert
from rocktop.testing.contentvec import (
    tiny_contentvec,
    tiny_hubert,
    tiny_hubert_config,
    to_fairseq_state_dict,
    write_fairseq_checkpoint,
    write_hf_dir,
)


@pytest.fixture(scope="module")
def wav() -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(12_000) / 16_000
    return (0.3 * np.sin(2 * np.pi * 180 * t) + 0.05 * rng.standard_normal(t.size)).astype(
        np.float32
    )


def test_frame_count_and_dims(wav: np.ndarray) -> None:
    assert num_content_frames(len(wav)) == (12_000 - 400) // 320 + 1 == 37
    assert tiny_contentvec("v1").encode(wav).shape == (37, 4)
    assert tiny_contentvec("v2").encode(wav).shape == (37, 8)
    assert tiny_contentvec("v2").encode(wav[:399]).shape == (0, 8)


@pytest.mark.parametrize("legacy_weight_norm", [True, False])
def test_fairseq_checkpoint_loads_through_the_map(
    tmp_path: Path, wav: np.ndarray, legacy_weight_norm: bool
) -> None:
    model = tiny_hubert(seed=3)
    path = write_fairseq_checkpoint(tmp_path / "hubert_base.pt", model, legacy_weight_norm)
    loaded = load_hubert(path, config=tiny_hubert_config())
    for version in ("v1", "v2"):
        expected = ContentVecEncoder(model, version).encode(wav)
        np.testing.assert_array_equal(ContentVecEncoder(loaded, version).encode(wav), expected)


def test_fairseq_checkpoint_is_refused_by_weights_only(tmp_path: Path) -> None:
    path = write_fairseq_checkpoint(tmp_path / "hubert_base.pt", tiny_hubert())
    with pytest.raises(Exception, match="(?i)weights.only|unsupported global"):
        torch.load(path, weights_only=True)


@pytest.mark.parametrize("safetensors", [False, True])
def test_hf_directory_loads(tmp_path: Path, wav: np.ndarray, safetensors: bool) -> None:
    model = tiny_hubert(seed=5)
    directory = write_hf_dir(tmp_path / "hubert_base", model, safetensors=safetensors)
    encoder = ContentVecEncoder(load_hubert(directory), "v1")
    np.testing.assert_array_equal(encoder.encode(wav), ContentVecEncoder(model, "v1").encode(wav))


def test_hf_directory_with_legacy_weight_norm_names_loads(tmp_path: Path, wav: np.ndarray) -> None:
    """Older HF ContentVec folders spell the positional conv's weight norm weight_g/weight_v."""
    model = tiny_hubert(seed=6)
    legacy = {
        "parametrizations.weight.original0": "weight_g",
        "parametrizations.weight.original1": "weight_v",
    }
    state = {}
    for key, value in model.state_dict().items():
        for new, old in legacy.items():
            key = key.replace(new, old)
        state[key] = value
    assert "encoder.pos_conv_embed.conv.weight_g" in state
    directory = write_hf_dir(tmp_path / "hubert_base", model)
    torch.save(state, directory / "pytorch_model.bin")
    encoder = ContentVecEncoder(load_hubert(directory), "v2")
    np.testing.assert_array_equal(encoder.encode(wav), ContentVecEncoder(model, "v2").encode(wav))


def test_strict_load_refuses_missing_key(tmp_path: Path) -> None:
    state = to_fairseq_state_dict(tiny_hubert())
    del state["encoder.layers.3.fc1.weight"]
    torch.save({"model": state}, tmp_path / "missing.pt")
    with pytest.raises(RocktopError, match="missing"):
        load_hubert(tmp_path / "missing.pt", config=tiny_hubert_config())


def test_strict_load_refuses_wrong_shape(tmp_path: Path) -> None:
    state = to_fairseq_state_dict(tiny_hubert())
    state["final_proj.weight"] = torch.zeros(5, 8)
    torch.save({"model": state}, tmp_path / "shape.pt")
    with pytest.raises(RocktopError, match="shape"):
        load_hubert(tmp_path / "shape.pt", config=tiny_hubert_config())


def test_unknown_fairseq_key_is_refused(tmp_path: Path) -> None:
    state = to_fairseq_state_dict(tiny_hubert()) | {"decoder.weight": torch.zeros(1)}
    torch.save({"model": state}, tmp_path / "odd.pt")
    with pytest.raises(RocktopError, match="decoder.weight"):
        load_hubert(tmp_path / "odd.pt", config=tiny_hubert_config())


def test_chunked_long_input_matches_single_pass() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(16_000 * 4) / 16_000
    wav = (
        0.3 * np.sin(2 * np.pi * 150 * t * (1 + 0.1 * np.sin(t)))
        + 0.05 * rng.standard_normal(t.size)
    ).astype(np.float32)
    model = tiny_hubert(seed=7)
    whole = ContentVecEncoder(model, "v2", chunk_s=100.0).encode(wav)
    chunked = ContentVecEncoder(model, "v2", chunk_s=1.0, context_s=1.0).encode(wav)
    assert chunked.shape == whole.shape == (num_content_frames(len(wav)), 8)
    cosine = np.sum(whole * chunked, 1) / (
        np.linalg.norm(whole, axis=1) * np.linalg.norm(chunked, axis=1)
    )
    assert cosine.min() > 0.99
    assert np.abs(whole - chunked).max() < 0.1 * np.abs(whole).max()


@pytest.mark.parametrize(("dtype", "min_cosine"), [("bfloat16", 0.8), ("float16", 0.98)])
def test_reduced_precision(wav: np.ndarray, dtype: str, min_cosine: float) -> None:
    """Runs in half precision; a tiny 8-wide 12-block model amplifies bf16's 8-bit mantissa."""
    reference = tiny_contentvec("v2").encode(wav)
    try:
        out = tiny_contentvec("v2", dtype=dtype).encode(wav)
    except RuntimeError as exc:  # pragma: no cover - a CPU build without half kernels
        pytest.skip(f"{dtype} not supported on this CPU build: {exc}")
    assert out.dtype == np.float32 and out.shape == reference.shape
    cosine = np.sum(out * reference, 1) / (
        np.linalg.norm(out, axis=1) * np.linalg.norm(reference, axis=1)
    )
    assert cosine.mean() > min_cosine


@pytest.mark.parametrize("bad", [np.array([0.1, np.nan] * 400), np.zeros((2, 800))])
def test_bad_input_is_refused(bad: np.ndarray) -> None:
    with pytest.raises(RocktopError):
        tiny_contentvec("v2").encode(bad)


def test_registry_reports_missing_weights(tmp_path: Path) -> None:
    with pytest.raises(MissingAssetError) as info:
        get_content_encoder("contentvec", version="v2", weights_dir=tmp_path)
    assert "hubert_base.pt" in str(info.value)
    assert "rocktop assets fetch hubert_base" in str(info.value)


def test_registry_prefers_hf_dir_and_unknown_name(tmp_path: Path) -> None:
    write_hf_dir(tmp_path / "hubert_base", tiny_hubert(seed=9))
    encoder = get_content_encoder("contentvec", version="v1", weights_dir=tmp_path)
    assert encoder.dim == 4 and encoder.weights_sha256 and len(encoder.weights_sha256) == 64
    with pytest.raises(RocktopError, match="unknown content encoder"):
        get_content_encoder("whisper", weights_dir=tmp_path)


def test_real_geometry_matches_spec() -> None:
    from rocktop.features.content.hubert import HubertWithFinalProj
    from rocktop.features.content.hubert_config import contentvec_config

    model = HubertWithFinalProj(contentvec_config())
    state = model.state_dict()
    kernels = [state[f"feature_extractor.conv_layers.{i}.conv.weight"].shape[-1] for i in range(7)]
    assert kernels == [10, 3, 3, 3, 3, 2, 2]
    assert tuple(state["feature_extractor.conv_layers.0.layer_norm.weight"].shape) == (512,)
    assert tuple(state["feature_projection.projection.weight"].shape) == (768, 512)
    pos = "encoder.pos_conv_embed.conv.parametrizations.weight.original1"
    assert tuple(state[pos].shape) == (768, 48, 128)  # groups 16, kernel 128
    assert tuple(state["encoder.layers.11.feed_forward.intermediate_dense.weight"].shape) == (
        3072,
        768,
    )
    assert "encoder.layers.12.layer_norm.weight" not in state
    assert tuple(state["final_proj.weight"].shape) == (256, 768)
    fairseq = to_fairseq_state_dict(model)
    assert {"encoder.pos_conv.0.weight_g", "mask_emb", "post_extract_proj.weight"} <= set(fairseq)
    assert ContentVecEncoder(model, "v1").dim == 256 and ContentVecEncoder(model, "v2").dim == 768


@pytest.mark.parametrize("samples", [12_000, 12_345, 32_000])
def test_windowed_feature_encoder_equals_one_pass(samples: int) -> None:
    from rocktop.features.content.conv_features import windowed_features

    model = tiny_hubert(seed=5)
    x = torch.from_numpy(np.random.default_rng(2).standard_normal(samples).astype(np.float32))
    with torch.inference_mode():
        whole = model.feature_extractor(x[None])
        windowed = windowed_features(model.feature_extractor, x[None], window=7)
    assert windowed.shape == whole.shape
    torch.testing.assert_close(windowed, whole, atol=2e-5, rtol=1e-4)

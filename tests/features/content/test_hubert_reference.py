"""Our HuBERT against transformers' ``HubertModel`` (the reference): keys, outputs, HF dirs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn
from transformers import HubertConfig, HubertModel

from rocktop.features.content.contentvec import ContentVecEncoder
from rocktop.features.content.hubert import HubertWithFinalProj
from rocktop.features.content.hubert_config import HubertSettings, contentvec_config
from rocktop.features.content.loading import load_hubert
from rocktop.testing.contentvec import tiny_hubert, tiny_hubert_config, write_hf_dir

GEOMETRIES = {"tiny": tiny_hubert_config, "base": contentvec_config}


class ReferenceWithFinalProj(HubertModel):
    """transformers' ``HubertModel`` plus ``final_proj``: the layout of ContentVec HF dirs."""

    def __init__(self, config: HubertConfig) -> None:
        super().__init__(config)
        self.final_proj = nn.Linear(config.hidden_size, config.classifier_proj_size)


def _reference(settings: HubertSettings, seed: int = 0) -> ReferenceWithFinalProj:
    """A random reference model (eval mode) whose biases and norms are not 0/1, so that a
    swapped or misnamed tensor changes the output."""
    torch.manual_seed(seed)
    model = ReferenceWithFinalProj(HubertConfig.from_dict(settings.to_dict())).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("bias") or "norm" in name:
                param.add_(0.1 * torch.randn_like(param))
            else:
                param.mul_(1 + 0.1 * torch.randn_like(param))
    return model


def _wav(seconds: float, seed: int = 1) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    t = np.arange(int(16_000 * seconds)) / 16_000
    wav = 0.3 * np.sin(2 * np.pi * 170 * t) + 0.05 * rng.standard_normal(t.size)
    return torch.from_numpy(wav.astype(np.float32))[None]


def _hf_outputs(reference: HubertModel, wav: torch.Tensor) -> Any:
    with torch.inference_mode():
        return reference(wav, output_hidden_states=True)


@pytest.fixture(scope="module", params=sorted(GEOMETRIES))
def pair(request: pytest.FixtureRequest) -> tuple[ReferenceWithFinalProj, HubertWithFinalProj]:
    """(reference, ours) with the same weights, loaded into ours with a strict load."""
    settings = GEOMETRIES[request.param]()
    reference = _reference(settings)
    ours = HubertWithFinalProj(settings).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    return reference, ours


def test_state_dict_keys_and_shapes_match(
    pair: tuple[ReferenceWithFinalProj, HubertWithFinalProj],
) -> None:
    reference, ours = pair
    theirs, mine = reference.state_dict(), ours.state_dict()
    assert set(theirs) == set(mine)
    assert {k: tuple(v.shape) for k, v in theirs.items()} == {
        k: tuple(v.shape) for k, v in mine.items()
    }
    assert "encoder.pos_conv_embed.conv.parametrizations.weight.original0" in mine


def test_layer_outputs_match_transformers(
    pair: tuple[ReferenceWithFinalProj, HubertWithFinalProj],
) -> None:
    reference, ours = pair
    wav = _wav(2.0)
    expected = _hf_outputs(reference, wav)
    with torch.inference_mode():
        for layer in (9, 12):
            got = ours.layer_output(wav, layer)
            torch.testing.assert_close(got, expected.hidden_states[layer], atol=1e-4, rtol=0)
        proj = ours.final_proj(ours.layer_output(wav, 9))
        torch.testing.assert_close(
            proj, reference.final_proj(expected.hidden_states[9]), atol=1e-4, rtol=0
        )
        torch.testing.assert_close(ours(wav), expected.last_hidden_state, atol=1e-4, rtol=0)


@pytest.mark.parametrize("pair", ["base"], indirect=True)  # 8 wide says little of bf16
def test_bfloat16_runs_close_to_float32(
    pair: tuple[ReferenceWithFinalProj, HubertWithFinalProj],
) -> None:
    reference, ours = pair
    wav = _wav(2.0)
    ours_bf16 = HubertWithFinalProj(ours.config).eval()
    ours_bf16.load_state_dict(reference.state_dict(), strict=True)
    ours_bf16.to(dtype=torch.bfloat16)
    with torch.inference_mode():
        full = ours.layer_output(wav, 12)
        half = ours_bf16.layer_output(wav.bfloat16(), 12).float()
    cosine = torch.nn.functional.cosine_similarity(full, half, dim=-1)
    assert half.dtype == torch.float32 and cosine.min() > 0.98


def test_encoder_versions_match_transformers_hidden_states() -> None:
    settings = tiny_hubert_config()
    reference = _reference(settings, seed=4)
    ours = HubertWithFinalProj(settings)
    ours.load_state_dict(reference.state_dict(), strict=True)
    wav = _wav(0.75)
    expected = _hf_outputs(reference, wav)
    with torch.inference_mode():
        v1 = reference.final_proj(expected.hidden_states[9])[0].numpy()
    np.testing.assert_allclose(
        ContentVecEncoder(ours, "v2").encode(wav[0].numpy()),
        expected.last_hidden_state[0].numpy(),
        atol=1e-5,
    )
    np.testing.assert_allclose(ContentVecEncoder(ours, "v1").encode(wav[0].numpy()), v1, atol=1e-5)


def test_our_hf_dir_loads_in_transformers(tmp_path: Path) -> None:
    ours = tiny_hubert(seed=6)
    directory = write_hf_dir(tmp_path / "hubert_base", ours, safetensors=True)
    loaded, info = HubertModel.from_pretrained(directory, output_loading_info=True)
    assert not info["missing_keys"] and not info["mismatched_keys"]
    assert set(info["unexpected_keys"]) == {"final_proj.weight", "final_proj.bias"}  # not in HF's
    wav = _wav(0.75)
    with torch.inference_mode():
        torch.testing.assert_close(loaded.eval()(wav).last_hidden_state, ours(wav))
    assert HubertSettings.from_dict(loaded.config.to_dict()) == ours.config


def test_transformers_dir_loads_in_ours(tmp_path: Path) -> None:
    reference = _reference(tiny_hubert_config(), seed=8)
    reference.save_pretrained(tmp_path / "hf", safe_serialization=True)
    assert (tmp_path / "hf" / "model.safetensors").exists()
    ours = load_hubert(tmp_path / "hf")
    wav = _wav(0.75)
    expected = _hf_outputs(reference, wav)
    with torch.inference_mode():
        torch.testing.assert_close(ours.layer_output(wav, 12), expected.last_hidden_state)
        torch.testing.assert_close(
            ours.final_proj(ours.layer_output(wav, 9)),
            reference.final_proj(expected.hidden_states[9]),
        )


def test_no_transformers_at_run_time() -> None:
    code = (
        "import sys, numpy as np\n"
        "import rocktop.inference, rocktop.features.content, rocktop.features.content.loading\n"
        "from rocktop.testing.contentvec import tiny_contentvec\n"
        "out = tiny_contentvec('v1').encode(np.zeros(16_000, np.float32))\n"
        "assert out.shape == (49, 4), out.shape\n"
        "assert 'transformers' not in sys.modules, 'transformers was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]

"""Golden tests of the synthesizer family against rvc-spec §1.1, §1.2, §2.1."""

from __future__ import annotations

import pytest
import torch

from rocktop.models.rvc import (
    ConfigError,
    StateDictError,
    Synthesizer,
    build_from_rvc_config,
    fold_weight_norm,
    from_rvc_config,
    load_weights,
    parse_sample_rate,
    preset,
)
from rocktop.testing.models import tiny_synthesizer, tiny_synthesizer_config

# (version, sr, f0) -> (tensors without enc_q, params without enc_q, params with enc_q): §1.2
GOLDEN_SIZES = {
    ("v2", 48_000, True): (457, 28_716_994, 37_638_466),
    ("v2", 40_000, True): (457, 27_537_346, 36_458_818),
    ("v2", 32_000, True): (457, 28_057_538, 36_880_706),
    ("v1", 48_000, True): (516, 27_479_362, 36_400_834),
    ("v1", 40_000, True): (457, 27_439_042, 36_360_514),
    ("v2", 48_000, False): (446, 28_645_568, None),
}

V2_48K_SHAPES = {
    "emb_g.weight": (109, 256),
    "enc_p.emb_phone.weight": (192, 768),
    "enc_p.emb_pitch.weight": (256, 192),
    "enc_p.encoder.attn_layers.5.conv_q.weight": (192, 192, 1),
    "enc_p.encoder.attn_layers.0.emb_rel_k": (1, 21, 96),
    "enc_p.encoder.attn_layers.0.emb_rel_v": (1, 21, 96),
    "enc_p.encoder.norm_layers_1.0.gamma": (192,),
    "enc_p.encoder.norm_layers_2.5.beta": (192,),
    "enc_p.encoder.ffn_layers.0.conv_1.weight": (768, 192, 3),
    "enc_p.encoder.ffn_layers.0.conv_2.weight": (192, 768, 3),
    "enc_p.proj.weight": (384, 192, 1),
    "dec.m_source.l_linear.weight": (1, 1),
    "dec.m_source.l_linear.bias": (1,),
    "dec.noise_convs.0.weight": (256, 1, 80),
    "dec.noise_convs.1.weight": (128, 1, 8),
    "dec.noise_convs.2.weight": (64, 1, 4),
    "dec.noise_convs.3.weight": (32, 1, 1),
    "dec.conv_pre.weight": (512, 192, 7),
    "dec.cond.weight": (512, 256, 1),
    "dec.ups.0.weight_g": (512, 1, 1),
    "dec.ups.0.weight_v": (512, 256, 24),
    "dec.ups.1.weight_v": (256, 128, 20),
    "dec.ups.2.weight_v": (128, 64, 4),
    "dec.ups.3.weight_v": (64, 32, 4),
    "dec.resblocks.11.convs2.2.weight_v": (32, 32, 11),
    "dec.resblocks.0.convs1.0.weight_g": (256, 1, 1),
    "dec.conv_post.weight": (1, 32, 7),
    "flow.flows.0.pre.weight": (192, 96, 1),
    "flow.flows.6.post.weight": (96, 192, 1),
    "flow.flows.2.enc.in_layers.0.weight_v": (384, 192, 5),
    "flow.flows.4.enc.res_skip_layers.0.weight_v": (384, 192, 1),
    "flow.flows.4.enc.res_skip_layers.2.weight_v": (192, 192, 1),
    "flow.flows.6.enc.cond_layer.weight_v": (1152, 256, 1),
}

V2_48K_CONFIG = [
    1025, 32, 192, 192, 768, 2, 6, 3, 0, "1", [3, 7, 11], [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
    [12, 10, 2, 2], 512, [24, 20, 4, 4], 109, 256, 48000,
]  # fmt: skip


@pytest.fixture(scope="module")
def v2_48k_state() -> dict[str, torch.Tensor]:
    return Synthesizer(preset("v2", 48_000, True), with_posterior=True).state_dict()


@pytest.mark.parametrize("variant", list(GOLDEN_SIZES))
def test_tensor_counts_and_parameters_match_spec(variant: tuple[str, int, bool]) -> None:
    version, sr, f0 = variant
    tensors, params, with_q = GOLDEN_SIZES[variant]
    model = Synthesizer(preset(version, sr, f0), with_posterior=with_q is not None)
    state = model.state_dict()
    voice = {k: v for k, v in state.items() if "enc_q" not in k}
    assert len(voice) == tensors
    assert sum(v.numel() for v in voice.values()) == params
    if with_q is not None:
        assert sum(v.numel() for v in state.values()) == with_q


def test_v2_48k_key_names_and_shapes(v2_48k_state: dict[str, torch.Tensor]) -> None:
    for key, shape in V2_48K_SHAPES.items():
        assert tuple(v2_48k_state[key].shape) == shape, key
    assert not any(k.startswith("flow.flows.1.") for k in v2_48k_state)  # Flip has no weights
    assert tuple(v2_48k_state["enc_q.pre.weight"].shape) == (192, 1025, 1)
    assert tuple(v2_48k_state["enc_q.enc.cond_layer.weight_v"].shape) == (6144, 256, 1)
    assert tuple(v2_48k_state["enc_q.proj.weight"].shape) == (384, 192, 1)
    plain = [k for k in v2_48k_state if k.startswith("dec.ups.") and k.endswith(".weight")]
    assert not plain  # weight-normed modules carry weight_g/weight_v only


def test_config_list_round_trip_and_order() -> None:
    config = preset("v2", 48_000, True)
    assert config.to_rvc_config() == V2_48K_CONFIG
    assert from_rvc_config(V2_48K_CONFIG, "v2", True) == config
    v1_40k = preset("v1", 40_000, True).to_rvc_config()
    assert v1_40k[12] == [10, 10, 2, 2] and v1_40k[14] == [16, 16, 4, 4] and v1_40k[0] == 1025
    assert preset("v2", 40_000).upsample_rates == (10, 10, 2, 2)  # v2 40k reuses v1/40k
    assert preset("v2", 32_000).to_rvc_config()[0] == 513


def test_sample_rate_string_or_int() -> None:
    assert parse_sample_rate("48k") == 48_000
    assert parse_sample_rate(40_000) == 40_000
    assert parse_sample_rate("32000") == 32_000
    config = list(V2_48K_CONFIG)
    config[-1] = "48k"
    assert from_rvc_config(config, "v2", True).sampling_rate == 48_000
    with pytest.raises(ConfigError):
        parse_sample_rate("44.1k")


def test_bad_config_lists_are_refused() -> None:
    with pytest.raises(ConfigError, match="18-item"):
        from_rvc_config(V2_48K_CONFIG[:17], "v2", True)
    bad = list(V2_48K_CONFIG)
    bad[12] = [10, 10, 2, 2]  # 400 samples per frame at 48 kHz: not 100 fps
    with pytest.raises(ConfigError, match="100 frames"):
        from_rvc_config(bad, "v2", True)
    with pytest.raises(ConfigError, match="version"):
        from_rvc_config(V2_48K_CONFIG, "v3", True)


def test_rvc_build_path_from_config_list() -> None:
    model = build_from_rvc_config(V2_48K_CONFIG, "v2", False)
    assert model.enc_q is None and model.enc_p.emb_pitch is None
    assert not hasattr(model.dec, "m_source")


def _run(model: Synthesizer, frames: int = 40, **kwargs: object) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1)
    dim = model.config.content_dim
    phone = torch.randn(1, frames, dim, generator=gen).to(model.emb_g.weight.dtype)
    f0 = model.config.f0
    pitch = torch.randint(1, 256, (1, frames), generator=gen) if f0 else None
    nsff0 = torch.full((1, frames), 200.0) if f0 else None
    lengths, sid = torch.tensor([frames]), torch.tensor([0])
    return model.infer(phone, lengths, pitch, nsff0, sid, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "variant",
    [("v1", 32_000, True), ("v1", 40_000, True), ("v2", 48_000, True), ("v2", 48_000, False)],
)
def test_tiny_variants_produce_frames_times_hop(variant: tuple[str, int, bool]) -> None:
    model = tiny_synthesizer(*variant)
    audio = _run(model, frames=40)
    assert audio.shape == (1, 1, 40 * variant[1] // 100)
    assert torch.isfinite(audio).all() and audio.abs().max() <= 1.0


def test_noiseless_output_is_repeatable_and_seeded_noise_too() -> None:
    model = tiny_synthesizer()
    a = _run(model, noise_scale=0.0, excitation_noise=0.0)
    b = _run(model, noise_scale=0.0, excitation_noise=0.0)
    assert torch.equal(a, b)
    c = _run(model, generator=torch.Generator().manual_seed(5))
    d = _run(model, generator=torch.Generator().manual_seed(5))
    e = _run(model, generator=torch.Generator().manual_seed(6))
    assert torch.equal(c, d) and not torch.equal(c, e)


def test_fold_weight_norm_gives_the_same_audio() -> None:
    model = tiny_synthesizer()
    before = _run(model, noise_scale=0.0, excitation_noise=0.0)
    fold_weight_norm(model)
    assert not any(k.endswith("weight_g") for k in model.state_dict())
    after = _run(model, noise_scale=0.0, excitation_noise=0.0)
    torch.testing.assert_close(after, before, atol=1e-5, rtol=1e-4)


def test_parametrizations_spelling_is_accepted() -> None:
    source, target = tiny_synthesizer(seed=1), tiny_synthesizer(seed=2)
    renamed = {
        k.replace(".weight_g", ".parametrizations.weight.original0").replace(
            ".weight_v", ".parametrizations.weight.original1"
        ): v
        for k, v in source.state_dict().items()
    }
    load_weights(target, renamed)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value)


def test_wrong_shape_names_the_first_mismatching_key() -> None:
    v1 = tiny_synthesizer("v1", 48_000).state_dict()
    with pytest.raises(StateDictError, match=r"'enc_p.emb_phone.weight' has shape"):
        load_weights(tiny_synthesizer("v2", 48_000), v1)


def test_streaming_slice_decodes_only_return_length() -> None:
    model = tiny_synthesizer()
    audio = _run(model, frames=60, skip_head=30, return_length=20)
    assert audio.shape == (1, 1, 20 * 480)


def test_training_forward_slices_and_decodes() -> None:
    model = tiny_synthesizer(with_posterior=True).train()
    frames, spec_ch = 50, model.config.spec_channels
    out = model(
        torch.randn(2, frames, 768),
        torch.tensor([frames, 40]),
        torch.randint(1, 256, (2, frames)),
        torch.full((2, frames), 150.0),
        torch.randn(2, spec_ch, frames).abs(),
        torch.tensor([frames, 40]),
        torch.tensor([0, 1]),
        segment_frames=12,
    )
    assert out.audio.shape == (2, 1, 12 * 480)
    assert out.z_p.shape == out.m_q.shape == (2, 8, frames)
    out.audio.sum().backward()
    assert model.dec.conv_pre.weight.grad is not None


def test_tiny_config_is_small() -> None:
    config = tiny_synthesizer_config()
    assert sum(p.numel() for p in Synthesizer(config).parameters()) < 200_000


def test_channels_last_decoder_gives_the_same_audio() -> None:
    from rocktop.models.rvc import prepare_for_inference

    reference = _run(tiny_synthesizer(), noise_scale=0.0, excitation_noise=0.0)
    fast = prepare_for_inference(tiny_synthesizer(), channels_last=True)
    assert fast.dec.channels_last_2d
    out = _run(fast, noise_scale=0.0, excitation_noise=0.0)
    assert out.shape == reference.shape
    torch.testing.assert_close(out, reference, atol=1e-5, rtol=1e-4)
    streamed = _run(fast, frames=60, skip_head=30, return_length=20)
    assert streamed.shape == (1, 1, 20 * 480)


@pytest.mark.parametrize("f0", [True, False])
def test_tiled_decoding_gives_the_same_audio(f0: bool) -> None:
    from rocktop.models.rvc import prepare_for_inference

    model = prepare_for_inference(tiny_synthesizer("v2", 32_000, f0))
    whole = _run(model, frames=200, noise_scale=0.0, excitation_noise=0.0)
    tiled = _run(model, frames=200, noise_scale=0.0, excitation_noise=0.0, tile_frames=50)
    torch.testing.assert_close(tiled, whole, atol=1e-5, rtol=1e-4)


def test_input_shorter_than_a_window_is_padded_and_only_its_tail_moves() -> None:
    from rocktop.models.rvc import prepare_for_inference
    from rocktop.models.rvc.decoder import TILE_MARGIN

    model = prepare_for_inference(tiny_synthesizer("v2", 32_000, True))
    whole = _run(model, frames=60, noise_scale=0.0, excitation_noise=0.0)
    padded = _run(model, frames=60, noise_scale=0.0, excitation_noise=0.0, tile_frames=50)
    assert padded.shape == whole.shape
    keep = (60 - TILE_MARGIN) * 320
    torch.testing.assert_close(padded[..., :keep], whole[..., :keep], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("sample_rate", [32_000, 40_000, 48_000])
def test_decoder_receptive_field_fits_in_the_tile_margin(version: str, sample_rate: int) -> None:
    """Tiled decoding is exact only if no output sample sees past ``TILE_MARGIN`` frames:
    checked with an impulse in ``z`` and in the harmonic source, for every RVC geometry
    (real kernels, dilations and upsampling rates; narrow channels)."""
    from dataclasses import replace

    from rocktop.models.rvc import build_synthesizer, prepare_for_inference, preset
    from rocktop.models.rvc.decoder import TILE_MARGIN

    config = replace(preset(version, sample_rate, True), upsample_initial_channel=32)
    dec = prepare_for_inference(build_synthesizer(config, seed=0)).dec
    frames, at, upp = 4 * TILE_MARGIN, 2 * TILE_MARGIN, dec.upp
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(1, config.inter_channels, frames, generator=gen)
    g = torch.randn(1, config.gin_channels, 1, generator=gen)
    with torch.inference_mode():
        har = dec.m_source(torch.full((1, frames), 200.0), upp, 0.0, None, 0.0)
        base = dec._body(z, g, har)[0, 0]
        z[..., at] += 1.0
        moved_z = dec._body(z, g, har)[0, 0]
        z[..., at] -= 1.0
        har[..., at * upp] += 1.0
        moved_har = dec._body(z, g, har)[0, 0]
    for moved in (moved_z, moved_har):
        changed = torch.nonzero((moved - base).abs() > 0).flatten()
        assert len(changed) > 0
        first, last = changed.min().item() // upp, changed.max().item() // upp
        assert at - TILE_MARGIN < first and last < at + TILE_MARGIN, (first, last)


def _vits_attention(attn: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """VITS's reference relative attention (padded embeddings + skewing), no mask."""
    import math

    import torch.nn.functional as F

    b, c, t = x.shape
    h, d, w = attn.n_heads, attn.k_channels, attn.window_size

    def heads(v: torch.Tensor) -> torch.Tensor:
        return v.view(b, h, d, t).transpose(2, 3)

    def rel(emb: torch.Tensor) -> torch.Tensor:
        pad, start = max(t - (w + 1), 0), max((w + 1) - t, 0)
        return F.pad(emb, [0, 0, pad, pad, 0, 0])[:, start : start + 2 * t - 1]

    q = heads(attn.conv_q(x)) / math.sqrt(d)
    k, v = heads(attn.conv_k(x)), heads(attn.conv_v(x))
    logits = torch.matmul(q, rel(attn.emb_rel_k).unsqueeze(0).transpose(-2, -1))
    flat = F.pad(F.pad(logits, [0, 1]).reshape(b, h, t * 2 * t), [0, t - 1])
    scores = q @ k.transpose(-2, -1) + flat.view(b, h, t + 1, 2 * t - 1)[:, :, :t, t - 1 :]
    p = F.softmax(scores, dim=-1)
    flat = F.pad(F.pad(p, [0, t - 1]).reshape(b, h, t * t + t * (t - 1)), [t, 0])
    relp = flat.view(b, h, t, 2 * t)[:, :, :, 1:]
    out = p @ v + relp @ rel(attn.emb_rel_v).unsqueeze(0)
    return attn.conv_o(out.transpose(2, 3).contiguous().view(b, c, t))


@pytest.mark.parametrize("length", [1, 5, 11, 12, 40])
def test_banded_relative_attention_equals_vits(length: int) -> None:
    from rocktop.models.rvc.attentions import MultiHeadAttention

    torch.manual_seed(0)
    attn = MultiHeadAttention(16, 2, window_size=10, query_block=7)  # several row blocks
    x = torch.randn(2, 16, length)
    ones = torch.ones(2, 1, length)
    torch.testing.assert_close(attn(x, ones), _vits_attention(attn, x), atol=1e-5, rtol=1e-5)


def test_blocked_attention_masks_padding_like_one_block() -> None:
    from rocktop.models.rvc.attentions import MultiHeadAttention

    torch.manual_seed(0)
    attn = MultiHeadAttention(16, 2, window_size=4, query_block=5)
    x = torch.randn(2, 16, 23)
    mask = torch.ones(2, 1, 23)
    mask[1, :, 15:] = 0
    whole = MultiHeadAttention(16, 2, window_size=4, query_block=64)
    whole.load_state_dict(attn.state_dict())
    torch.testing.assert_close(attn(x, mask), whole(x, mask), atol=1e-6, rtol=1e-6)


def test_bf16_inference_keeps_the_decoder_tail_and_source_in_fp32() -> None:
    from rocktop.models.rvc import prepare_for_inference

    fp32 = prepare_for_inference(tiny_synthesizer())
    reference = _run(fp32, noise_scale=0.0)
    model = prepare_for_inference(tiny_synthesizer(), dtype=torch.bfloat16)
    dec = model.dec
    assert dec.conv_pre.weight.dtype == dec.ups[0].weight.dtype == torch.bfloat16
    assert model.enc_p.proj.weight.dtype == model.emb_g.weight.dtype == torch.bfloat16
    assert dec.conv_post.weight.dtype == dec.ups[-1].weight.dtype == torch.float32
    # the fp32 tail keeps its exact weights: never rounded through bf16 on the way
    assert torch.equal(dec.conv_post.weight, fp32.dec.conv_post.weight)
    assert torch.equal(dec.resblocks[-1].convs1[0].weight, fp32.dec.resblocks[-1].convs1[0].weight)
    assert dec.noise_convs[-1].weight.dtype == dec.m_source.l_linear.weight.dtype == torch.float32
    out = _run(model, noise_scale=0.0)
    assert out.dtype == torch.float32 and out.shape == reference.shape
    snr = 10 * torch.log10(reference.pow(2).sum() / (reference - out).pow(2).sum())
    assert snr > 15, float(snr)

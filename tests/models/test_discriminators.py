"""RVC multi-period discriminators: golden parameter counts, key names/shapes, forward shapes."""

from __future__ import annotations

import pytest
import torch

from rocktop.models.rvc.discriminators import (
    PERIODS_V1,
    PERIODS_V2,
    DiscriminatorP,
    MultiPeriodDiscriminator,
    periods_for,
)


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    ("periods", "golden"), [(PERIODS_V1, 54_968_286), (PERIODS_V2, 71_410_594)]
)
def test_parameter_counts_match_rvc(periods: tuple[int, ...], golden: int) -> None:
    assert _count(MultiPeriodDiscriminator(periods)) == golden


def test_key_names_and_shapes_match_rvc_pretrained_d() -> None:
    sd = MultiPeriodDiscriminator(PERIODS_V2).state_dict()
    assert len(sd) == 165
    assert sd["discriminators.0.convs.1.weight_v"].shape == (64, 4, 41)
    assert sd["discriminators.0.convs.1.weight_g"].shape == (64, 1, 1)
    assert sd["discriminators.0.conv_post.weight_v"].shape == (1, 1024, 3)
    assert sd["discriminators.8.convs.4.weight_v"].shape == (1024, 1024, 5, 1)
    assert sd["discriminators.8.conv_post.weight_g"].shape == (1, 1, 1, 1)
    assert not any(k.endswith(".weight") for k in sd)


def test_forward_returns_logits_and_feature_maps_per_discriminator() -> None:
    mpd = MultiPeriodDiscriminator(PERIODS_V1, channel_divisor=16)
    y = torch.randn(2, 1, 1001)
    real, fake, fr, fg = mpd(y, y.clone())
    assert len(real) == len(fake) == len(fr) == len(fg) == 1 + len(PERIODS_V1)
    assert len(fr[0]) == 7 and all(len(f) == 6 for f in fr[1:])
    for r, g in zip(real, fake, strict=True):
        assert r.shape == g.shape and r.shape[0] == 2
        torch.testing.assert_close(r, g)


def test_period_discriminator_pads_to_period() -> None:
    disc = DiscriminatorP(7, channel_divisor=32)
    _, fmap = disc(torch.randn(1, 1, 50))
    assert fmap[0].shape[-1] == 7


def test_weight_norm_is_live_and_loads_strictly() -> None:
    a = MultiPeriodDiscriminator((2, 3), channel_divisor=16)
    b = MultiPeriodDiscriminator((2, 3), channel_divisor=16)
    b.load_state_dict(a.state_dict(), strict=True)
    y = torch.randn(1, 1, 600)
    torch.testing.assert_close(a(y, y)[0][1], b(y, y)[0][1])
    with torch.no_grad():
        a.discriminators[1].convs[0].weight_g.mul_(2.0)
    assert not torch.allclose(a(y, y)[0][1], b(y, y)[0][1])


def test_periods_for_version() -> None:
    assert periods_for("v1") == PERIODS_V1 and periods_for("v2") == PERIODS_V2
    with pytest.raises(ValueError):
        periods_for("v3")

"""RVC training spectrograms and losses: shapes, reference values, invariants."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rocktop.training.losses import (
    discriminator_loss,
    feature_matching_loss,
    generator_adversarial_loss,
    kl_loss,
    mel_l1_loss,
)
from rocktop.training.spectral import LinearSpectrogram, MelScale, MelSpectrogram


def test_linear_spectrogram_frames_equal_samples_over_hop() -> None:
    spec = LinearSpectrogram(2048, 480)
    out = spec(torch.randn(2, 480 * 37))
    assert out.shape == (2, 1025, 37)
    assert torch.all(out >= 1e-3 - 1e-9)  # sqrt(1e-6) floor


def test_spectrogram_matches_numpy_reference() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(480 * 10).astype(np.float32)
    ours = LinearSpectrogram(1024, 480)(torch.from_numpy(x)[None])[0].numpy()
    pad = (1024 - 480) // 2
    padded = np.pad(x, pad, mode="reflect")
    window = np.hanning(1025)[:-1]  # periodic Hann
    frames = [padded[i * 480 : i * 480 + 1024] * window for i in range(10)]
    ref = np.sqrt(np.abs(np.fft.rfft(np.stack(frames), axis=1)).T ** 2 + 1e-6)
    np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-3)


def test_mel_uses_librosa_slaney_filterbank_and_log_clamp() -> None:
    mel = MelScale(48_000, 2048, 128)
    basis = librosa.filters.mel(sr=48_000, n_fft=2048, n_mels=128)
    np.testing.assert_allclose(mel.basis.numpy(), basis, rtol=1e-6)
    zero = mel(torch.zeros(1, 1025, 3))
    torch.testing.assert_close(zero, torch.full((1, 128, 3), float(np.log(1e-5))))


def test_mel_spectrogram_buffers_follow_dtype_moves() -> None:
    m = MelSpectrogram(32_000, 1024, 320, 80).to(torch.float64)
    assert m.mel.basis.dtype == torch.float64
    assert m(torch.randn(1, 3200)).shape == (1, 80, 10)
    assert not m.state_dict()  # not persisted: rebuilt from the arguments


def test_lsgan_losses_reference_values() -> None:
    real = [torch.ones(2, 5), torch.full((2, 3), 0.5)]
    fake = [torch.zeros(2, 5), torch.full((2, 3), 0.5)]
    total, r, f = discriminator_loss(real, fake)
    assert r == [0.0, 0.25] and f == [0.0, 0.25]
    assert float(total) == pytest.approx(0.5)
    assert float(generator_adversarial_loss(fake)) == pytest.approx(1.0 + 0.25)


def test_feature_matching_is_twice_mean_abs_and_stops_real_gradient() -> None:
    r = [[torch.ones(2, 4, requires_grad=True)]]
    g = [[torch.zeros(2, 4, requires_grad=True)]]
    loss = feature_matching_loss(r, g)
    assert float(loss) == pytest.approx(2.0)
    loss.backward()
    assert r[0][0].grad is None and g[0][0].grad is not None


@settings(max_examples=20, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2))
def test_kl_is_zero_when_posterior_equals_prior_deterministically(m: float, logs: float) -> None:
    """With z_p = m_p and logs_q = logs_p the KL term reduces to -0.5 per element."""
    t = torch.full((1, 2, 4), m)
    s = torch.full((1, 2, 4), logs)
    mask = torch.ones(1, 1, 4)
    assert float(kl_loss(t, s, t, s, mask)) == pytest.approx(-0.5 * 2, abs=1e-5)


def test_kl_ignores_masked_frames() -> None:
    z = torch.zeros(1, 1, 4)
    m = torch.tensor([[[0.0, 0.0, 100.0, 100.0]]])
    mask = torch.tensor([[[1.0, 1.0, 0.0, 0.0]]])
    assert float(kl_loss(z, z, m, z, mask)) == pytest.approx(-0.5)


def test_mel_l1() -> None:
    a = torch.zeros(1, 3, 2)
    assert float(mel_l1_loss(a, a + 1.5)) == pytest.approx(1.5)
